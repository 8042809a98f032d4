// The expansion names only absolute paths: it works with no imports, next to
// user items that shadow common names, and without the prelude.
#![no_implicit_prelude]

#[allow(dead_code)]
struct String;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
fn any() {}

fn main() {
    let _seq = ::treq_testing::request_sequence! {
        GET "http://an.example/" params { "a" => ["1", "2"] } headers { "Accept" => "text/html" }
            json { "k": [1, 2] } => 200 headers { "X" => "y" } json { "ok": true };
        _ _ body _ => 500 body "x";
    };
}
