//! Raw-socket helpers for `RawServer` handlers: read a request head, answer
//! with exact bytes.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the end of the request head (`\r\n\r\n`) and returns it.
/// Returns what was read so far if the client closes first.
pub async fn read_head(stream: &mut TcpStream) -> Vec<u8> {
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
