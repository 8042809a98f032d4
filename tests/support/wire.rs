//! Raw-socket helpers for `RawServer` handlers: read a request head, answer
//! with exact bytes.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the end of the request head (`\r\n\r\n`) and returns it.
/// Returns what was read so far if the client closes first. Any stream: a
/// socket, or TLS over one.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}

/// Reads the request head, then writes `reply` and closes the connection.
pub async fn answer_raw(mut stream: TcpStream, reply: &[u8]) {
    read_head(&mut stream).await;
    let _ = stream.write_all(reply).await;
    let _ = stream.shutdown().await;
}

/// Resets the connection (TCP RST) instead of closing it cleanly: with a
/// zero linger time, dropping the socket discards what is unsent.
pub fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// The request target of a request head (`/path` of `GET /path HTTP/1.1`).
pub fn request_target(head: &[u8]) -> String {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line)
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

/// Answers request after request on one connection: `answer` gets each
/// request head and returns the exact reply bytes. Stops when the client
/// closes the connection.
pub async fn answer_each(mut stream: TcpStream, answer: impl Fn(&[u8]) -> Vec<u8>) {
    loop {
        let head = read_head(&mut stream).await;
        if !head.windows(4).any(|w| w == b"\r\n\r\n") {
            return;
        }
        if stream.write_all(&answer(&head)).await.is_err() {
            return;
        }
    }
}

/// Reads a request head and the `Content-Length` body after it, so closing
/// the socket afterwards does not reset the connection over unread bytes.
pub async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut request = read_head(stream).await;
    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
        return request;
    };
    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut buf = [0u8; 1024];
    while request.len() < end + 4 + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    request
}
