//! Compressing test bodies with an independent encoder (async-compression's
//! encoders; the client only ever decodes).

use tokio::io::AsyncReadExt;

/// `data` compressed with `coding`: `gzip`, `deflate` (zlib), `raw-deflate`,
/// `br` or `zstd`.
pub async fn encode(coding: &str, data: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread as enc;
    let mut out = Vec::new();
    match coding {
        "gzip" => enc::GzipEncoder::new(data).read_to_end(&mut out).await,
        "deflate" => enc::ZlibEncoder::new(data).read_to_end(&mut out).await,
        "raw-deflate" => enc::DeflateEncoder::new(data).read_to_end(&mut out).await,
        "br" => enc::BrotliEncoder::new(data).read_to_end(&mut out).await,
        "zstd" => enc::ZstdEncoder::new(data).read_to_end(&mut out).await,
        other => panic!("no encoder for {other}"),
    }
    .unwrap();
    out
}
