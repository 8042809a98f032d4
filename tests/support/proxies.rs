//! Real proxy servers for the tests: `tinyproxy` (HTTP forward proxy and
//! CONNECT, optional Basic auth) and `microsocks` (SOCKS5, optional
//! username/password), each on a free loopback port with its own files in a
//! temporary directory, stopped (and the directory removed) on drop.
//! `./scripts/test` installs them when missing.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A running proxy process.
pub struct ProxyProcess {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl ProxyProcess {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `scheme://127.0.0.1:port`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// `scheme://user:pass@127.0.0.1:port`.
    pub fn url_with(&self, scheme: &str, user: &str, pass: &str) -> String {
        format!("{scheme}://{user}:{pass}@127.0.0.1:{}", self.port)
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on at the moment.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn temp_dir(what: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "treq-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until the port accepts connections, or fails naming the program.
fn wait_ready(child: &mut Child, port: u16, what: &str, log: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("{what} exited with {status}: {log}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("{what} did not listen on 127.0.0.1:{port} within 10 s");
}

fn spawn(program: &str, args: &[String], dir: &std::path::Path) -> Child {
    let log = std::fs::File::create(dir.join("log")).unwrap();
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program} (run ./scripts/test): {e}"))
}

/// tinyproxy on a free loopback port, allowing CONNECT to `connect_ports`,
/// requiring Basic auth when `auth` is given.
pub fn tinyproxy(auth: Option<(&str, &str)>, connect_ports: &[u16]) -> ProxyProcess {
    let dir = temp_dir("tinyproxy");
    let port = free_port();
    let mut conf = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 50\nLogLevel Info\n"
    );
    for p in connect_ports {
        conf.push_str(&format!("ConnectPort {p}\n"));
    }
    if let Some((user, pass)) = auth {
        conf.push_str(&format!("BasicAuth {user} {pass}\n"));
    }
    let path = dir.join("tinyproxy.conf");
    std::fs::write(&path, conf).unwrap();
    let args = ["-d".to_owned(), "-c".to_owned(), path.display().to_string()];
    let mut child = spawn("tinyproxy", &args, &dir);
    wait_ready(&mut child, port, "tinyproxy", &dir.join("log"));
    ProxyProcess { child, port, dir }
}

/// microsocks on a free loopback port, requiring username/password when
/// `auth` is given.
pub fn microsocks(auth: Option<(&str, &str)>) -> ProxyProcess {
    let dir = temp_dir("microsocks");
    let port = free_port();
    let mut args = vec![
        "-i".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.to_string(),
    ];
    if let Some((user, pass)) = auth {
        args.extend([
            "-u".to_owned(),
            user.to_owned(),
            "-P".to_owned(),
            pass.to_owned(),
        ]);
    }
    let mut child = spawn("microsocks", &args, &dir);
    wait_ready(&mut child, port, "microsocks", &dir.join("log"));
    ProxyProcess { child, port, dir }
}

/// An in-process forward proxy that counts the connections it accepts: for
/// `CONNECT host:port` it answers 200 and pipes bytes both ways; for a
/// request in absolute form it connects to the URL's host and port and pipes
/// the connection there as it is (a hyper server accepts the absolute form).
/// Runs on its own thread and runtime until dropped.
pub struct PipeProxy {
    port: u16,
    accepted: std::sync::Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PipeProxy {
    pub fn start() -> PipeProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::sync::Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let counter = accepted.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((socket, _)) = accepted else { break };
                            counter.fetch_add(1, Ordering::SeqCst);
                            tokio::spawn(pipe(socket));
                        }
                    }
                }
            });
        });
        PipeProxy {
            port,
            accepted,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for PipeProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one client connection of a [`PipeProxy`].
pub async fn pipe<S>(mut client: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut words = text.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return;
    };
    let authority = if method == "CONNECT" {
        target.to_owned()
    } else {
        match target.parse::<http::Uri>().ok().and_then(|u| {
            let host = u.host()?.to_owned();
            Some(format!("{host}:{}", u.port_u16().unwrap_or(80)))
        }) {
            Some(authority) => authority,
            None => return,
        }
    };
    let Ok(mut upstream) = tokio::net::TcpStream::connect(authority.as_str()).await else {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await;
        return;
    };
    if method == "CONNECT" {
        let end = head.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_err()
            || upstream.write_all(&head[end..]).await.is_err()
        {
            return;
        }
    } else if upstream.write_all(&head).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
