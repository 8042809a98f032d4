//! Generated bodies: compressed JSON, random bytes, streams, drips, a PNG and
//! a UTF-8 page.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use http::{header, HeaderValue};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{json, Value};

use super::{bad_request, number, respond, BadRequest, Req, Resp};

/// The most `/bytes/{n}` answers with (it is built in memory).
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// `/gzip`, `/deflate`, `/brotli`: JSON compressed with `encoding`
/// (`gzip`, `deflate` = zlib-wrapped as httpbin does, or `br`).
pub(super) fn compressed(req: &Req, encoding: &str) -> Resp {
    let flag = match encoding {
        "gzip" => "gzipped",
        "deflate" => "deflated",
        _ => "brotli",
    };
    let value = json!({
        flag: true,
        "headers": req.headers_json(),
        "method": req.method.as_str(),
        "origin": req.origin(),
    });
    let plain = serde_json::to_vec_pretty(&value).expect("JSON serializes");
    let packed = match encoding {
        "gzip" => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&plain).expect("in-memory write");
            enc.finish().expect("in-memory write")
        }
        "deflate" => {
            let mut enc =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&plain).expect("in-memory write");
            enc.finish().expect("in-memory write")
        }
        _ => {
            let mut out = Vec::new();
            {
                let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                enc.write_all(&plain).expect("in-memory write");
            }
            out
        }
    };
    let mut resp = respond(200, "application/json", packed);
    resp.headers_mut().insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_str(encoding).expect("token"),
    );
    resp
}

/// A small xorshift64* generator: deterministic for a given `seed`, which is
/// all `/bytes` and `/stream-bytes` promise.
struct Rng(u64);

impl Rng {
    fn new(seed: Option<u64>) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
        let seed = seed.unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            nanos ^ COUNTER.fetch_add(0x9E37_79B9, Ordering::Relaxed)
        });
        Rng(seed | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn fill(&mut self, n: usize) -> Bytes {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out.into()
    }
}

/// A random index below `len` (for `/status/200,404`).
pub(super) fn random_index(len: usize) -> usize {
    (Rng::new(None).next_u64() % len.max(1) as u64) as usize
}

fn seed(req: &Req) -> Result<Option<u64>, BadRequest> {
    req.query_value("seed").map(|s| number(&s)).transpose()
}

/// `/bytes/{n}?seed=`: n random bytes with a Content-Length.
pub(super) fn bytes(req: &Req, n: usize) -> Resp {
    if n > MAX_BYTES {
        return bad_request(&format!("at most {MAX_BYTES} bytes; use /stream-bytes"));
    }
    match seed(req) {
        Ok(seed) => respond(200, "application/octet-stream", Rng::new(seed).fill(n)),
        Err(e) => e.into_response(),
    }
}

type Frames = Result<Frame<Bytes>, std::io::Error>;

fn streaming(
    content_type: &str,
    stream: impl futures_util::Stream<Item = Frames> + Send + Sync + 'static,
) -> Resp {
    http::Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, content_type)
        .body(BodyExt::boxed(StreamBody::new(stream)))
        .expect("valid response")
}

/// `/stream/{n}`: n JSON documents, one per line and per chunk (n <= 100).
pub(super) fn stream_json(req: &Req, n: usize) -> Resp {
    let mut lines = Vec::new();
    for id in 0..n.min(100) {
        let mut doc = req.get_json();
        doc.insert("id".into(), id.into());
        let mut line = serde_json::to_vec(&Value::Object(doc)).expect("JSON serializes");
        line.push(b'\n');
        lines.push(Ok(Frame::data(Bytes::from(line))));
    }
    streaming("application/json", futures_util::stream::iter(lines))
}

/// `/stream-bytes/{n}?chunk_size=&seed=`: n random bytes in chunks, with no
/// Content-Length. Generated lazily, so any size streams in constant memory.
pub(super) fn stream_bytes(req: &Req, n: u64) -> Result<Resp, BadRequest> {
    let chunk: usize = match req.query_value("chunk_size") {
        Some(size) => number(&size)?,
        None => 10 * 1024,
    };
    let chunk = chunk.clamp(1, 1024 * 1024) as u64;
    let rng = Rng::new(seed(req)?);
    let stream = futures_util::stream::unfold((n, rng), move |(left, mut rng)| async move {
        if left == 0 {
            return None;
        }
        let take = left.min(chunk);
        let data = rng.fill(take as usize);
        Some((Ok(Frame::data(data)), (left - take, rng)))
    });
    Ok(streaming("application/octet-stream", stream))
}

/// `/drip?duration=2&numbytes=10&code=200&delay=0`: `numbytes` asterisks spread
/// evenly over `duration` seconds, after `delay` seconds.
pub(super) async fn drip(req: &Req) -> Result<Resp, BadRequest> {
    let param = |name: &str, default: f64| -> Result<f64, BadRequest> {
        match req.query_value(name) {
            Some(v) => number::<f64>(&v).and_then(|x| {
                if x.is_finite() && x >= 0.0 {
                    Ok(x)
                } else {
                    Err(BadRequest::new(&format!(
                        "{name} must be a non-negative number"
                    )))
                }
            }),
            None => Ok(default),
        }
    };
    let duration = param("duration", 2.0)?.min(60.0);
    let delay = param("delay", 0.0)?.min(10.0);
    let numbytes: u64 = match req.query_value("numbytes") {
        Some(v) => number(&v)?,
        None => 10,
    };
    if numbytes == 0 || numbytes > 10 * 1024 * 1024 {
        return Err(BadRequest::new("numbytes must be between 1 and 10 MiB"));
    }
    let code: u16 = match req.query_value("code") {
        Some(v) => number(&v)?,
        None => 200,
    };
    if http::StatusCode::from_u16(code).is_err() {
        return Err(BadRequest::new("invalid code"));
    }
    tokio::time::sleep(Duration::from_secs_f64(delay)).await;
    let pause = Duration::from_secs_f64(duration / numbytes as f64);
    let stream = futures_util::stream::iter(0..numbytes).then(move |_| async move {
        tokio::time::sleep(pause).await;
        Ok(Frame::data(Bytes::from_static(b"*")))
    });
    let mut resp = streaming("application/octet-stream", stream);
    *resp.status_mut() = http::StatusCode::from_u16(code).expect("checked above");
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(numbytes));
    Ok(resp)
}

/// An 8x8 red PNG.
pub(super) const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x02, 0x00, 0x00, 0x00, 0x4b, 0x6d, 0x29,
    0xdc, 0x00, 0x00, 0x00, 0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xb8, 0x60, 0x60, 0x80,
    0x15, 0x31, 0x0c, 0x2d, 0x09, 0x00, 0xda, 0x7b, 0x4c, 0x01, 0x96, 0x79, 0xb5, 0x84, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `/encoding/utf8`: an HTML page of UTF-8 text in many scripts.
pub(super) const UTF8_DEMO: &str = "<h1>Unicode Demo</h1>

<pre>
UTF-8 encoded sample plain-text file
‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾

Mathematics:  ∮ E⋅da = Q,  n → ∞, ∑ f(i) = ∏ g(i), ∀x∈ℝ: ⌈x⌉ = −⌊−x⌋
Linguistics:  ði ıntəˈnæʃənəl fəˈnɛtık əsoʊsiˈeıʃn
Greek:        Σὲ γνωρίζω ἀπὸ τὴν κόψη τοῦ σπαθιοῦ τὴν τρομερή
Russian:      Зарегистрируйтесь сейчас на Десятую Международную Конференцию
Georgian:     გთხოვთ ახლავე გაიაროთ რეგისტრაცია Unicode-ის მეათე საერთაშორისო
Thai:         ๏ แผ่นดินฮั่นเสื่อมโทรมแสนสังเวช
Amharic:      ሰማይ አይታረስ ንጉሥ አይከሰስ።
Runes:        ᚻᛖ ᚳᚹᚫᚦ ᚦᚫᛏ ᚻᛖ ᛒᚢᛞᛖ ᚩᚾ ᚦᚫᛗ ᛚᚪᚾᛞᛖ ᚾᚩᚱᚦᚹᛖᚪᚱᛞᚢᛗ ᚹᛁᚦ ᚦᚪ ᚹᛖᛥᚫ
Braille:      ⡌⠁⠧⠑ ⠼⠁⠒  ⡍⠜⠇⠑⠹⠰⠎ ⡣⠕⠌
Japanese:     いろはにほへとちりぬるを
Emoji:        🦀 ☕ 🫖
</pre>
";
