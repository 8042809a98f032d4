//! `Content-Encoding` lists: any list of codings (known, aliased, unknown,
//! `identity`, odd spacing and case, split over several header lines) over
//! a body really encoded with them, intact or corrupted. The client decodes
//! the known codings from the last one back, returns exactly the payload for
//! an intact body, and fails a corrupt one with a decode or body error.

use async_compression::tokio::bufread::{
    BrotliEncoder, DeflateEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder,
};
use proptest::prelude::*;
use tokio::io::AsyncReadExt;
use treq::error::ErrorKind;
use treq::HttpClient;

use crate::harness::{block_on, cases, config, response, Scripted};

/// The codings a server may name.
#[derive(Debug, Clone, PartialEq)]
enum Coding {
    Gzip,
    XGzip,
    /// `deflate` as RFC 9110 means it: zlib-wrapped.
    Zlib,
    /// `deflate` as some old servers send it: raw deflate.
    RawDeflate,
    Br,
    Zstd,
    Identity,
    /// Anything the client does not decode: the walk stops there.
    Unknown(String),
}

impl Coding {
    fn known(&self) -> bool {
        !matches!(self, Coding::Identity | Coding::Unknown(_))
    }

    fn token(&self) -> String {
        match self {
            Coding::Gzip => "gzip".into(),
            Coding::XGzip => "x-gzip".into(),
            Coding::Zlib | Coding::RawDeflate => "deflate".into(),
            Coding::Br => "br".into(),
            Coding::Zstd => "zstd".into(),
            Coding::Identity => "identity".into(),
            Coding::Unknown(t) => t.clone(),
        }
    }
}

fn coding() -> impl Strategy<Value = Coding> {
    prop_oneof![
        3 => Just(Coding::Gzip),
        1 => Just(Coding::XGzip),
        2 => Just(Coding::Zlib),
        1 => Just(Coding::RawDeflate),
        2 => Just(Coding::Br),
        2 => Just(Coding::Zstd),
        1 => Just(Coding::Identity),
        1 => prop_oneof![
            proptest::sample::select(&["compress", "x-compress", "aes128gcm", "exi", "pack200-gzip", "gzip2", "g zip"][..])
                .prop_map(str::to_owned),
            "[a-z0-9-]{1,8}",
        ]
        .prop_filter("not a known coding", |t| {
            !["gzip", "x-gzip", "deflate", "br", "zstd", "identity"].contains(&t.as_str())
        })
        .prop_map(Coding::Unknown),
    ]
}

#[derive(Debug, Clone)]
enum Damage {
    None,
    Truncate(usize),
    Flip(usize, u8),
    Append(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => Just(Damage::None),
        1 => any::<usize>().prop_map(Damage::Truncate),
        1 => (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Damage::Flip(i, x)),
        1 => proptest::collection::vec(any::<u8>(), 1..16).prop_map(Damage::Append),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    payload: Vec<u8>,
    codings: Vec<Coding>,
    /// Random case per token (bit i upper-cases token i).
    upper: u64,
    /// How many `Content-Encoding` lines the list is split over.
    lines: usize,
    separator: &'static str,
    damage: Damage,
    limit: Option<u64>,
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        ("[a-c]{1,4}", 1..400usize).prop_map(|(s, n)| s.repeat(n).into_bytes()),
    ]
}

fn case(max_codings: usize) -> impl Strategy<Value = Case> {
    (
        payload(),
        proptest::collection::vec(coding(), 0..=max_codings),
        any::<u64>(),
        1..4usize,
        proptest::sample::select(&[", ", ",", " , ", ",,", ", ,\t"][..]),
        damage(),
        proptest::option::weighted(0.2, 0..1024u64),
    )
        .prop_map(
            |(payload, codings, upper, lines, separator, damage, limit)| Case {
                payload,
                codings,
                upper,
                lines,
                separator,
                damage,
                limit,
            },
        )
}

async fn encode(coding: &Coding, data: Vec<u8>) -> Vec<u8> {
    use async_compression::Level;
    let input = &data[..];
    let mut out = Vec::new();
    let _ = match coding {
        Coding::Gzip | Coding::XGzip => {
            GzipEncoder::with_quality(input, Level::Fastest)
                .read_to_end(&mut out)
                .await
        }
        Coding::Zlib => {
            ZlibEncoder::with_quality(input, Level::Fastest)
                .read_to_end(&mut out)
                .await
        }
        Coding::RawDeflate => {
            DeflateEncoder::with_quality(input, Level::Fastest)
                .read_to_end(&mut out)
                .await
        }
        Coding::Br => {
            BrotliEncoder::with_quality(input, Level::Fastest)
                .read_to_end(&mut out)
                .await
        }
        Coding::Zstd => {
            ZstdEncoder::with_quality(input, Level::Fastest)
                .read_to_end(&mut out)
                .await
        }
        Coding::Identity | Coding::Unknown(_) => return data,
    }
    .expect("encoding in memory");
    out
}

/// The codings the client decodes: the known ones after the last unknown.
fn decoded_tail(codings: &[Coding]) -> &[Coding] {
    let start = codings
        .iter()
        .rposition(|c| matches!(c, Coding::Unknown(_)))
        .map_or(0, |i| i + 1);
    &codings[start..]
}

/// The `Content-Encoding` header lines for the case's list.
fn header_lines(case: &Case) -> Vec<(Vec<u8>, Vec<u8>)> {
    let tokens: Vec<String> = case
        .codings
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let t = c.token();
            if case.upper >> (i % 64) & 1 == 1 {
                t.to_ascii_uppercase()
            } else {
                t
            }
        })
        .collect();
    let per_line = tokens.len().div_ceil(case.lines).max(1);
    let mut lines: Vec<_> = tokens
        .chunks(per_line)
        .map(|chunk| {
            (
                b"content-encoding".to_vec(),
                chunk.join(case.separator).into_bytes(),
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push((b"content-encoding".to_vec(), b"".to_vec()));
    }
    lines
}

/// The body as sent: the payload encoded with every coding, first listed
/// first (unknown ones leave it as it is), then damaged.
async fn body(case: &Case) -> Vec<u8> {
    let mut data = case.payload.clone();
    for c in &case.codings {
        data = encode(c, data).await;
    }
    match &case.damage {
        Damage::None => {}
        Damage::Truncate(n) => data.truncate(n % (data.len() + 1)),
        Damage::Flip(i, x) => {
            if !data.is_empty() {
                let i = i % data.len();
                data[i] ^= x;
            }
        }
        Damage::Append(extra) => data.extend_from_slice(extra),
    }
    data
}

/// Sends the case and reads the body: `Ok((send, content))`.
fn fetch(case: &Case) -> (treq::Result<()>, Option<treq::Result<bytes::Bytes>>) {
    block_on(async {
        let body = body(case).await;
        let headers = header_lines(case);
        let agent = Scripted::new(move |_, _| response(200, &headers, body.clone()));
        let mut builder = HttpClient::builder(agent);
        if let Some(limit) = case.limit {
            builder = builder.max_decompressed_size(Some(limit));
        }
        let client = builder.build();
        match client.get("http://example.test/").await {
            Ok(resp) => (Ok(()), Some(resp.content().await)),
            Err(e) => (Err(e), None),
        }
    })
}

fn check_typed(err: &treq::Error) -> Result<(), TestCaseError> {
    prop_assert!(
        err.is_decode() || err.is_body(),
        "decoding failed with a {:?} error: {err}",
        err.kind()
    );
    Ok(())
}

/// What the client should return for an intact body: the payload encoded
/// with the codings it does not decode (those up to the last unknown one);
/// and the longest output of any decoding layer on the way there (each
/// layer's output is held to the limit, not only the last one's).
async fn expected(case: &Case) -> (Vec<u8>, usize) {
    let n = case.codings.len();
    let start = n - decoded_tail(&case.codings).len();
    // `stages[k]`: the payload encoded with the first `k` codings. Decoding
    // coding `k` outputs `stages[k]`; `identity` is no decoding layer.
    let mut stages = vec![case.payload.clone()];
    for c in &case.codings {
        let next = encode(c, stages.last().unwrap().clone()).await;
        stages.push(next);
    }
    let longest = (start..n)
        .filter(|&k| case.codings[k] != Coding::Identity)
        .map(|k| stages[k].len())
        .max()
        .unwrap_or(0);
    (stages.swap_remove(start), longest)
}

fn run(case: &Case) -> Result<(), TestCaseError> {
    let (sent, content) = fetch(case);
    let stack = case
        .codings
        .iter()
        .filter(|c| **c != Coding::Identity)
        .count();
    let checked = matches!(case.damage, Damage::None) && stack <= 5;
    let decodes = decoded_tail(&case.codings).iter().any(Coding::known);
    let (expected, longest_layer) = block_on(expected(case));
    let over_limit = decodes && case.limit.is_some_and(|l| longest_layer as u64 > l);
    match (sent, content) {
        (Err(e), _) | (Ok(()), Some(Err(e))) => {
            check_typed(&e)?;
            if checked {
                prop_assert!(
                    over_limit,
                    "an intact body encoded with {:?} failed: {e}",
                    case.codings
                );
                prop_assert!(
                    matches!(e.kind(), ErrorKind::BodyLimitExceeded { .. }),
                    "over the limit but not a limit error: {e}"
                );
            }
        }
        (Ok(()), Some(Ok(got))) => {
            if checked {
                prop_assert!(!over_limit, "the limit was not enforced");
                prop_assert_eq!(&got[..], &expected[..], "decoded {:?}", case.codings);
            }
        }
        (Ok(()), None) => unreachable!(),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(cases(32)))]

    /// Lists of up to 5 codings (the most the client decodes): an intact body
    /// decodes to the payload; a damaged one is a typed error at worst.
    #[test]
    fn content_encoding_lists_decode_or_fail_typed(case in case(5)) {
        run(&case)?;
    }

    /// Longer stacks: never a panic, a typed error at worst.
    #[test]
    fn long_content_encoding_lists_fail_typed(case in case(9)) {
        run(&case)?;
    }
}

proptest! {
    #![proptest_config(config(cases(32)))]

    /// More than 5 stacked known codings is refused with a decode error, as
    /// curl does (each layer multiplies the work a small body can cause).
    #[test]
    fn more_than_five_stacked_codings_are_a_decode_error(
        payload in payload(),
        codings in proptest::collection::vec(
            prop_oneof![Just(Coding::Gzip), Just(Coding::Zlib), Just(Coding::Br), Just(Coding::Zstd)],
            6..9,
        ),
    ) {
        let case = Case { payload, codings, upper: 0, lines: 1, separator: ", ", damage: Damage::None, limit: None };
        let (sent, content) = fetch(&case);
        let err = match (sent, content) {
            (Err(e), _) | (Ok(()), Some(Err(e))) => e,
            (Ok(()), Some(Ok(_))) => return Err(TestCaseError::fail(format!("{} codings were decoded", case.codings.len()))),
            (Ok(()), None) => unreachable!(),
        };
        prop_assert!(err.is_decode(), "not a decode error: {err}");
    }

    /// A gzip body of several members (RFC 1952 allows it; `cat a.gz b.gz`)
    /// decodes to all of them, as gunzip and curl do.
    #[test]
    fn multi_member_gzip_decodes_every_member(
        members in proptest::collection::vec(payload(), 2..4),
    ) {
        let (body, expected) = block_on(async {
            let mut body = Vec::new();
            for m in &members {
                body.extend(encode(&Coding::Gzip, m.clone()).await);
            }
            (body, members.concat())
        });
        let got = block_on(async move {
            let headers = vec![(b"content-encoding".to_vec(), b"gzip".to_vec())];
            let agent = Scripted::new(move |_, _| response(200, &headers, body.clone()));
            HttpClient::new(agent).get("http://example.test/").await?.content().await
        });
        prop_assert!(got.is_ok(), "{got:?}");
        prop_assert_eq!(&got.unwrap()[..], &expected[..]);
    }
}
