// Inline JSON goes to serde_json::json!, which reports errors at the token.
fn main() {
    let _seq = treq_testing::request_sequence! {
        POST "http://an.example/" json { "a": } => 200;
    };
}
