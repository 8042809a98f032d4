//! Real proxy servers for the tests: `tinyproxy` (HTTP forward proxy and
//! CONNECT, optional Basic auth) and `microsocks` (SOCKS5, optional
//! username/password), each on a free loopback port with its own files in a
//! temporary directory, stopped (and the directory removed) on drop.
//! `./scripts/test` installs them when missing. In-process fakes stand in
//! where a test must see what the client sent: `PipeProxy` (forward proxy
//! and CONNECT) and `RecordingSocks5`.

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

/// An in-process SOCKS5 server (no authentication) that records the
/// destination of each CONNECT as `host:port` (an IPv4 address or a name as
/// sent, an IPv6 address in brackets), then either answers one HTTP request
/// on the "tunnel" itself with `200 ok` ([`start`](Self::start)) or connects
/// to the destination and pipes bytes both ways ([`piping`](Self::piping)).
/// Runs on the test's runtime.
pub struct RecordingSocks5 {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RecordingSocks5 {
    /// Answers every request itself.
    pub async fn start() -> RecordingSocks5 {
        RecordingSocks5::listen(false).await
    }

    /// Connects to each destination and pipes the tunnel there.
    pub async fn piping() -> RecordingSocks5 {
        RecordingSocks5::listen(true).await
    }

    async fn listen(piping: bool) -> RecordingSocks5 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let _ = socks5_answer(socket, &record, piping).await;
                });
            }
        });
        RecordingSocks5 { port, seen }
    }

    /// `scheme://127.0.0.1:port`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The destinations asked for so far, in order.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves one connection of a [`RecordingSocks5`].
async fn socks5_answer(
    mut s: tokio::net::TcpStream,
    record: &std::sync::Mutex<Vec<String>>,
    piping: bool,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut greeting = [0u8; 2];
    s.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    s.read_exact(&mut methods).await?;
    s.write_all(&[5, 0]).await?;
    // VER CMD RSV ATYP, then the address and the port.
    let mut request = [0u8; 4];
    s.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            s.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut name = vec![0u8; usize::from(s.read_u8().await?)];
            s.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => {
            let mut ip = [0u8; 16];
            s.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
    };
    let port = s.read_u16().await?;
    let destination = format!("{host}:{port}");
    record.lock().unwrap().push(destination.clone());
    let success = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    if piping {
        let mut upstream = tokio::net::TcpStream::connect(destination.as_str()).await?;
        s.write_all(&success).await?;
        tokio::io::copy_bidirectional(&mut s, &mut upstream).await?;
        return Ok(());
    }
    s.write_all(&success).await?;
    super::wire::read_head(&mut s).await;
    s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        .await
}
