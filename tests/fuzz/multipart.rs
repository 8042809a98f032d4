//! Multipart field names and filenames: any names give either a builder
//! error or a body that an independent parser (`multer`) reads back as the
//! same parts, in the documented order, with the same names and filenames
//! (escaped as browsers do: `"`, CR, LF and the other controls but tab
//! percent-encoded, trailing backslashes as `%5C`) and contents.

use bytes::Bytes;
use proptest::prelude::*;
use treq::{HttpClient, Part};

use crate::harness::{block_on, cases, config, response, Scripted};

/// A file part: field name, filename, content, content type.
type FilePart = (String, Option<String>, Vec<u8>, Option<String>);

#[derive(Debug, Clone)]
struct Case {
    fields: Vec<(String, String)>,
    files: Vec<FilePart>,
}

/// Which characters generated names may hold, besides the usual ones.
#[derive(Debug, Clone, Copy)]
struct Extras {
    backslashes: bool,
    /// ASCII control characters other than tab, CR and LF.
    controls: bool,
}

fn name(extras: Extras) -> BoxedStrategy<String> {
    let any_name = prop_oneof![
        3 => "[a-zA-Z0-9_ .-]{0,10}",
        2 => "[ -~]{0,10}",
        1 => "\\PC{0,8}",
        1 => ".{0,8}",
        1 => proptest::sample::select(&["\"", "a\"b", "\r\n", "a\r\nContent-Type: x", "\\", "a\\", "\\\"", "%22", "name=\"x\"", ";", "filename=\"evil\"", "\t", "a\u{7f}", "\0"][..])
            .prop_map(str::to_owned),
    ];
    any_name
        .prop_map(move |n| {
            let n = if extras.backslashes {
                n
            } else {
                n.replace('\\', "/")
            };
            if extras.controls {
                n
            } else {
                n.chars()
                    .filter(|c| !c.is_ascii_control() || matches!(c, '\t' | '\r' | '\n'))
                    .collect()
            }
        })
        .boxed()
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(
        0.3,
        prop_oneof![
            3 => proptest::sample::select(&["text/plain", "application/x-thing", "image/png; q=1"][..]).prop_map(str::to_owned),
            1 => ".{0,10}",
        ],
    )
}

fn case(extras: Extras) -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec((name(extras), "[ -~]{0,12}"), 0..3),
        proptest::collection::vec(
            (
                name(extras),
                proptest::option::of(name(extras)),
                proptest::collection::vec(any::<u8>(), 0..32),
                content_type(),
            ),
            0..3,
        ),
    )
        .prop_map(|(fields, files)| Case { fields, files })
}

/// A part as `multer` reads it.
#[derive(Debug, PartialEq)]
struct Parsed {
    name: Option<String>,
    filename: Option<String>,
    content: Vec<u8>,
}

/// A name as a WHATWG reader of the part header sees it.
fn escaped(s: &str) -> String {
    let kept = s.trim_end_matches('\\');
    let mut out = String::new();
    for c in kept.chars() {
        match c {
            '"' | '\r' | '\n' => out.push_str(&format!("%{:02X}", u32::from(c))),
            c if c.is_ascii_control() && c != '\t' => {
                out.push_str(&format!("%{:02X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push_str(&"%5C".repeat(s.len() - kept.len()));
    out
}

/// What a correct encoder sends: fields then files, each stably sorted by name.
fn expected(case: &Case) -> Vec<Parsed> {
    let mut fields = case.fields.clone();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let mut files = case.files.clone();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let fields = fields.into_iter().map(|(n, v)| Parsed {
        name: Some(escaped(&n)),
        filename: None,
        content: v.into_bytes(),
    });
    let files = files.into_iter().map(|(n, f, c, _)| Parsed {
        name: Some(escaped(&n)),
        filename: f.filter(|f| !f.is_empty()).map(|f| escaped(&f)),
        content: c,
    });
    fields.chain(files).collect()
}

async fn parse(content_type: &str, body: Bytes) -> Result<Vec<Parsed>, String> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| format!("boundary: {e}"))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
        // multer finds the parts; the names are read here as a WHATWG
        // reader does (up to the closing quote, no quoted-pairs), because
        // that is the escaping the encoder follows.
        let disposition = field
            .headers()
            .get("content-disposition")
            .ok_or("a part without Content-Disposition")?
            .as_bytes()
            .to_vec();
        let disposition = String::from_utf8(disposition).map_err(|e| e.to_string())?;
        let name = param(&disposition, "name")?;
        let filename = param(&disposition, "filename")?;
        let content = field.bytes().await.map_err(|e| e.to_string())?.to_vec();
        out.push(Parsed {
            name,
            filename,
            content,
        });
    }
    Ok(out)
}

/// The quoted-string parameter `key` of `form-data; name="..."; filename="..."`
/// (RFC 7578; the encoder never writes a raw `"` inside one, so the value
/// ends at the next quote).
fn param(disposition: &str, key: &str) -> Result<Option<String>, String> {
    let rest = disposition
        .strip_prefix("form-data")
        .ok_or_else(|| format!("not form-data: {disposition}"))?;
    let mut chars = rest.chars().peekable();
    let mut found = None;
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        match chars.next() {
            None => return Ok(found),
            Some(';') => {}
            Some(c) => return Err(format!("unexpected {c:?} in {disposition}")),
        }
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if chars.next() != Some('=') || chars.next() != Some('"') {
            return Err(format!(
                "a parameter that is not a quoted-string in {disposition}"
            ));
        }
        let mut value = String::new();
        loop {
            match chars.next() {
                None => return Err(format!("an unterminated quoted-string in {disposition}")),
                Some('"') => break,
                Some(c) => value.push(c),
            }
        }
        if name == key {
            if found.is_some() {
                return Err(format!("{key} twice in {disposition}"));
            }
            found = Some(value);
        }
    }
}

fn run(case: &Case) -> Result<(), TestCaseError> {
    let agent = Scripted::new(|_, _| response(200, &[], ""));
    let client = HttpClient::new(agent.clone());
    let files: Vec<(String, Part)> = case
        .files
        .iter()
        .map(|(n, f, c, t)| {
            let mut part = Part::bytes(c.clone());
            if let Some(f) = f {
                part = part.filename(f.clone());
            }
            if let Some(t) = t {
                part = part.content_type(t.clone());
            }
            (n.clone(), part)
        })
        .collect();
    let sent = block_on(
        client
            .post("http://example.test/upload")
            .form(case.fields.clone())
            .files(files)
            .send(),
    );
    if let Err(e) = sent {
        prop_assert!(e.is_builder(), "not a builder error: {e:?}");
        // Only a content type can be refused.
        prop_assert!(
            case.files.iter().any(|f| f.3.is_some()),
            "refused with no content type given: {e}"
        );
        return Ok(());
    }
    let seen = agent.seen();
    prop_assert_eq!(seen.len(), 1);
    let content_type = seen[0].headers["content-type"].to_str().unwrap().to_owned();
    let parsed = block_on(parse(&content_type, seen[0].body.clone()));
    let body = String::from_utf8_lossy(&seen[0].body).into_owned();
    prop_assert!(
        parsed.is_ok(),
        "multer could not read the body: {parsed:?}\n{body}"
    );
    prop_assert_eq!(parsed.unwrap(), expected(case), "{}", body);
    Ok(())
}

proptest! {
    #![proptest_config(config(cases(32)))]

    /// Names and filenames without backslashes or control characters.
    #[test]
    fn multipart_names_round_trip(case in case(Extras { backslashes: false, controls: false })) {
        run(&case)?;
    }

    /// Names and filenames with backslashes: `a\` must not escape the
    /// closing quote (`name="a\"` swallows the rest of the header).
    #[test]
    fn multipart_names_with_backslashes_round_trip(case in case(Extras { backslashes: true, controls: false })) {
        run(&case)?;
    }

    /// Names and filenames with control characters (DEL, NUL, ...): written
    /// raw they would make strict parsers (multer, via httparse) refuse the
    /// part header, so the whole upload would be unreadable.
    #[test]
    fn multipart_names_with_control_characters_round_trip(case in case(Extras { backslashes: false, controls: true })) {
        run(&case)?;
    }
}
