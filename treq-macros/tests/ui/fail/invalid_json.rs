// Inline JSON is checked for its structure before it reaches serde_json::json!
// (whose own errors would point at the whole macro call).
fn main() {
    let _seq = treq_testing::request_sequence! {
        POST "http://an.example/" json { "a": } => 200;
        POST "http://an.example/" json { "a": 1, "b" } => 200 json [1, , 2];
    };
}
