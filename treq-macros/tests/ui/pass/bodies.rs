// Request bodies (text, bytes, regex, JSON, any) and response bodies (text, bytes, JSON).
fn main() {
    let reply = serde_json::json!({ "id": 7 });
    let _seq = treq_testing::request_sequence! {
        POST "http://an.example/" body "a=1&b=2" => 200 body "text";
        POST "http://an.example/" body b"\x00\x01\xff" => 200 body b"\x00raw";
        POST "http://an.example/" body regex("^a=[0-9]+$") => 200;
        POST "http://an.example/" json { "name": "widget", "tags": ["a", "b"], "n": null } => 201 json { "id": 7 };
        POST "http://an.example/" json [1, 2, 3] => 200 json [true, false];
        POST "http://an.example/" json (vec![1, 2]) => 200 json (reply);
        POST "http://an.example/" body _ => 200;
    };
}
