// Errors inside a JSON value are json!'s, reported at the offending token.
fn main() {
    let _seq = treq_testing::request_sequence! {
        POST "http://an.example/" json { "a": undefined_variable } => 200;
    };
}
