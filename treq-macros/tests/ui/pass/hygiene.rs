// The expansion names only absolute, trait-qualified paths: it works with no imports,
// next to user items that shadow common names, and without the prelude.
// (Inline `json { ... }` is left out: serde_json's own `json!` needs the prelude.)
#![no_implicit_prelude]

#[allow(dead_code)]
struct String;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
fn any() {}

fn main() {
    let page = 2;
    let method = "GET";
    let url = "http://an.example/";
    let _seq = ::treq_testing::request_sequence! {
        GET "http://an.example/" params { "a" => ["1", "2"], "page" => (page) }
            headers { "Accept" => "text/html" } body regex("^x") => 200 headers { "X" => "y" } body "ok";
        _ _ params _ headers _ body _ => 500 body b"x";
        (method) (url) => (204u16) headers { ("X-Page") => (page) };
    };
}
