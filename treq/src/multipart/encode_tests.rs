//! Exact bytes, ported from treq's test_multipart (boundary `heyDavid`).

use super::*;
use pretty_assertions::assert_eq;

fn fields(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

/// Encodes with boundary `heyDavid`, checks the announced length against the
/// output, and returns the output as text for readable diffs.
async fn output(fields: Vec<(Vec<u8>, Vec<u8>)>, files: Vec<(String, Part)>) -> Vec<u8> {
    let (content_type, body) = encode_with_boundary(fields, files, "heyDavid").unwrap();
    assert_eq!(content_type, "multipart/form-data; boundary=heyDavid");
    let length = body.content_length();
    let bytes = body.collect_bytes(None).await.unwrap();
    if let Some(length) = length {
        assert_eq!(
            length,
            bytes.len() as u64,
            "announced length == output length"
        );
    }
    bytes.to_vec()
}

/// treq's tests write the expected bytes with `\n` and turn them into `\r\n`.
fn crlf(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

fn file(content: &'static str, filename: &str, content_type: &str) -> Part {
    // A stream with a known length behaves like treq's FileBodyProducer.
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(content))]);
    Part::stream_with_length(chunks, content.len() as u64)
        .filename(filename)
        .content_type(content_type)
}

#[tokio::test]
async fn start_producing_file_part() {
    let out = output(
        vec![],
        vec![(
            "field".into(),
            file("Hello, World", "file name", "text/hello-world"),
        )],
    )
    .await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"field\"; filename=\"file name\"
Content-Type: text/hello-world
Content-Length: 12

Hello, World
--heyDavid--
"
        ))
        .unwrap()
    );
}

#[tokio::test]
async fn two_fields() {
    let out = output(
        fields(&[
            ("afield", "just a string\r\n"),
            ("bfield", "another string"),
        ]),
        vec![],
    )
    .await;
    assert_eq!(
        out,
        crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"afield\"

just a string

--heyDavid
Content-Disposition: form-data; name=\"bfield\"

another string
--heyDavid--
"
        )
    );
}

#[tokio::test]
async fn fields_and_attachment() {
    let out = output(
        fields(&[
            ("bfield", "just a string\r\n"),
            ("cfield", "another string"),
        ]),
        vec![(
            "afield".into(),
            file("my lovely bytes", "file name", "text/hello-world"),
        )],
    )
    .await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"bfield\"

just a string

--heyDavid
Content-Disposition: form-data; name=\"cfield\"

another string
--heyDavid
Content-Disposition: form-data; name=\"afield\"; filename=\"file name\"
Content-Type: text/hello-world
Content-Length: 15

my lovely bytes
--heyDavid--
"
        ))
        .unwrap()
    );
}

#[tokio::test]
async fn multiple_fields_and_attachments_are_sorted_by_kind_then_name() {
    let out = output(
        fields(&[
            ("cfield", "just a string\r\n"),
            ("bfield", "another string"),
        ]),
        vec![
            ("efield".into(), file("my lovely bytes2", "ef", "text/html")),
            (
                "xfield".into(),
                file("my lovely bytes219", "xf", "text/json"),
            ),
            ("afield".into(), file("my lovely bytes22", "af", "text/xml")),
        ],
    )
    .await;
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"bfield\"

another string
--heyDavid
Content-Disposition: form-data; name=\"cfield\"

just a string

--heyDavid
Content-Disposition: form-data; name=\"afield\"; filename=\"af\"
Content-Type: text/xml
Content-Length: 17

my lovely bytes22
--heyDavid
Content-Disposition: form-data; name=\"efield\"; filename=\"ef\"
Content-Type: text/html
Content-Length: 16

my lovely bytes2
--heyDavid
Content-Disposition: form-data; name=\"xfield\"; filename=\"xf\"
Content-Type: text/json
Content-Length: 18

my lovely bytes219
--heyDavid--
"
        ))
        .unwrap()
    );
}

#[tokio::test]
async fn repeated_names_keep_their_order() {
    let out = output(fields(&[("b", "2"), ("a", "1"), ("b", "0")]), vec![]).await;
    let text = String::from_utf8(out).unwrap();
    let values: Vec<&str> = text
        .split("\r\n\r\n")
        .skip(1)
        .map(|rest| rest.split("\r\n").next().unwrap())
        .collect();
    assert_eq!(values, ["1", "2", "0"]);
    assert!(text.find("name=\"a\"").unwrap() < text.find("name=\"b\"").unwrap());
}

#[tokio::test]
async fn unicode_attachment_name_is_raw_utf8() {
    let out = output(
        vec![],
        vec![(
            "field".into(),
            file("my lovely bytes", "Так себе имя.jpg", "image/jpeg"),
        )],
    )
    .await;
    assert_eq!(
        out,
        crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"field\"; filename=\"Так себе имя.jpg\"
Content-Type: image/jpeg
Content-Length: 15

my lovely bytes
--heyDavid--
"
        )
    );
}

#[tokio::test]
async fn missing_attachment_name_has_no_filename_parameter() {
    for part in [
        file("my lovely bytes", "x", "image/jpeg").no_filename(),
        file("my lovely bytes", "", "image/jpeg"),
    ] {
        let out = output(vec![], vec![("field".into(), part)]).await;
        assert_eq!(
            out,
            crlf(
                "--heyDavid
Content-Disposition: form-data; name=\"field\"
Content-Type: image/jpeg
Content-Length: 15

my lovely bytes
--heyDavid--
"
            )
        );
    }
}

#[tokio::test]
async fn new_lines_in_params_are_percent_encoded() {
    let out = output(
        vec![],
        vec![(
            "field".into(),
            file("my lovely bytes", "\r\noops.j\npg", "image/jp\reg\n"),
        )],
    )
    .await;
    assert_eq!(
        out,
        crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"field\"; filename=\"%0D%0Aoops.j%0Apg\"
Content-Type: image/jpeg
Content-Length: 15

my lovely bytes
--heyDavid--
"
        )
    );
}

#[tokio::test]
async fn quotes_in_names_are_percent_encoded() {
    let out = output(
        fields(&[("na\"me", "v")]),
        vec![("f\r\nx".into(), Part::bytes("b").filename("a\"b"))],
    )
    .await;
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("Content-Disposition: form-data; name=\"na%22me\"\r\n"),
        "{text}"
    );
    assert!(
        text.contains("name=\"f%0D%0Ax\"; filename=\"a%22b\"\r\n"),
        "{text}"
    );
}

#[tokio::test]
async fn trailing_backslashes_are_percent_encoded() {
    let out = output(
        fields(&[("a\\b\\\\", "v")]),
        vec![("f".into(), Part::bytes("b").filename("C:\\dir\\"))],
    )
    .await;
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("name=\"a\\b%5C%5C\"\r\n"), "{text}");
    assert!(text.contains("filename=\"C:\\dir%5C\"\r\n"), "{text}");
}

#[tokio::test]
async fn control_characters_in_names_are_percent_encoded() {
    let out = output(
        fields(&[("a\0b\u{7f}\tc", "v")]),
        vec![("f".into(), Part::bytes("b").filename("x\u{1}.txt"))],
    )
    .await;
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("name=\"a%00b%7F\tc\"\r\n"), "{text}");
    assert!(text.contains("filename=\"x%01.txt\"\r\n"), "{text}");
}

#[test]
fn declared_lengths_past_u64_max_are_builder_errors() {
    let huge = |len| {
        Part::stream_with_length(
            futures_util::stream::empty::<Result<Bytes, std::io::Error>>(),
            len,
        )
    };
    let err = encode_with_boundary(vec![], vec![("a".into(), huge(u64::MAX))], "b").unwrap_err();
    assert!(
        err.is_builder() && err.to_string().contains("too long"),
        "{err}"
    );
    let half = u64::MAX / 2;
    let err = encode_with_boundary(
        vec![],
        vec![("a".into(), huge(half)), ("b".into(), huge(half))],
        "b",
    )
    .unwrap_err();
    assert!(err.is_builder(), "{err}");
    // Right up to the limit is fine: the headers fit under it.
    let (_, body) =
        encode_with_boundary(vec![], vec![("a".into(), huge(u64::MAX - 1000))], "b").unwrap();
    assert!(body.content_length().unwrap() > u64::MAX - 1000);
}

#[tokio::test]
async fn bytes_pass_through() {
    let out = output(vec![(b"bfield".to_vec(), vec![0, 1, 2, 3])], vec![]).await;
    assert_eq!(
        out,
        b"--heyDavid\r\nContent-Disposition: form-data; name=\"bfield\"\r\n\r\n\x00\x01\x02\x03\r\n--heyDavid--\r\n"
    );
    let out = output(vec![(b"f".to_vec(), vec![0xff])], vec![]).await;
    assert!(out.windows(3).any(|w| w == b"\n\xff\r"));
}

#[tokio::test]
async fn unicode_string_value() {
    let out = output(fields(&[("afield", "Это моя строчечка\r\n")]), vec![]).await;
    assert_eq!(
        out,
        crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"afield\"

Это моя строчечка

--heyDavid--
"
        )
    );
}

#[tokio::test]
async fn no_fields_is_just_the_closing_boundary() {
    assert_eq!(output(vec![], vec![]).await, b"\r\n--heyDavid--\r\n");
}

#[tokio::test]
async fn in_memory_parts_make_a_replayable_body_with_default_types() {
    let (_, body) = encode_with_boundary(
        fields(&[("k", "v")]),
        vec![
            ("a".into(), Part::bytes("xyz")),
            ("b".into(), Part::text("hi").filename("notes.csv")),
            ("c".into(), Part::text("hi")),
        ],
        "heyDavid",
    )
    .unwrap();
    let copy = body
        .try_clone()
        .expect("in-memory multipart bodies are replayable");
    let text = String::from_utf8(body.collect_bytes(None).await.unwrap().to_vec()).unwrap();
    assert_eq!(copy.collect_bytes(None).await.unwrap(), text.as_bytes());
    assert!(
        text.contains(
            "name=\"a\"\r\nContent-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\nxyz"
        ),
        "{text}"
    );
    assert!(
        text.contains("name=\"b\"; filename=\"notes.csv\"\r\nContent-Type: text/csv\r\n"),
        "{text}"
    );
    assert!(
        text.contains("name=\"c\"\r\nContent-Type: text/plain; charset=utf-8\r\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_stream_of_unknown_length_makes_the_length_unknown() {
    let chunks = futures_util::stream::iter([
        Ok::<_, std::io::Error>(Bytes::from("ab")),
        Ok(Bytes::from("cd")),
    ]);
    let (_, body) = encode_with_boundary(
        fields(&[("k", "v")]),
        vec![("s".into(), Part::stream(chunks).filename("s.bin"))],
        "heyDavid",
    )
    .unwrap();
    assert_eq!(body.content_length(), None);
    assert!(body.try_clone().is_none());
    let out = body.collect_bytes(None).await.unwrap();
    assert_eq!(
        &out[..],
        crlf(
            "--heyDavid
Content-Disposition: form-data; name=\"k\"

v
--heyDavid
Content-Disposition: form-data; name=\"s\"; filename=\"s.bin\"
Content-Type: application/octet-stream

abcd
--heyDavid--
"
        )
    );
}

#[tokio::test]
async fn large_text_values_are_sent_whole() {
    let big = "x".repeat(INLINE_VALUE * 3);
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("s"))]);
    let out = output(
        fields(&[("big", big.as_str())]),
        vec![("s".into(), Part::stream_with_length(chunks, 1))],
    )
    .await;
    assert!(find(&out, big.as_bytes()));
}

#[test]
fn bad_content_types_are_builder_errors() {
    for bad in ["imagé/png", "not a type", "", "text/"] {
        let Err(err) = encode(
            vec![],
            vec![("f".into(), Part::bytes("x").content_type(bad))],
        ) else {
            panic!("{bad:?} was accepted");
        };
        assert!(err.is_builder(), "{bad:?}: {err:?}");
        assert!(err.to_string().contains("\"f\""), "{err}");
    }
    let ok = encode(
        vec![],
        vec![(
            "f".into(),
            Part::bytes("x").content_type("text/plain; charset=\"utf-8\""),
        )],
    );
    assert!(ok.is_ok());
}

#[test]
fn non_utf8_field_names_are_builder_errors() {
    let err = encode(vec![(vec![0xff], b"v".to_vec())], vec![]).unwrap_err();
    assert!(err.is_builder(), "{err:?}");
}

#[test]
fn random_boundaries_are_uuids_and_differ() {
    let a = random_boundary();
    let b = random_boundary();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    let groups: Vec<usize> = a.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12]);
    assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    assert_eq!(&a[14..15], "4");
}

#[tokio::test]
async fn the_boundary_never_occurs_in_in_memory_content() {
    let (content_type, _) = encode(fields(&[("k", "v")]), vec![]).unwrap();
    let boundary = content_type
        .to_str()
        .unwrap()
        .rsplit('=')
        .next()
        .unwrap()
        .to_owned();
    let form = Form::new(fields(&[("k", &format!("..{boundary}.."))]), vec![]).unwrap();
    assert!(form.contains(boundary.as_bytes()));
    let form = Form::new(
        vec![],
        vec![("f".into(), Part::bytes(format!("x{boundary}")))],
    )
    .unwrap();
    assert!(form.contains(boundary.as_bytes()));
    let form = Form::new(fields(&[("k", "v")]), vec![("f".into(), Part::bytes("y"))]).unwrap();
    assert!(!form.contains(boundary.as_bytes()));
}

#[test]
fn find_substrings() {
    assert!(find(b"hello", b"ll"));
    assert!(find(b"hello", b"hello"));
    assert!(!find(b"hell", b"hello"));
    assert!(!find(b"", b"a"));
    assert!(find(b"abc", b""));
}
