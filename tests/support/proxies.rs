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
