// The documented example: every part of a request and of a response.
use treq_testing::request_sequence;

fn main() {
    let seq = request_sequence! {
        GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
            => 200 headers { "Content-Type" => "application/json" } body r#"{"status": "ok"}"#;
        GET "http://an.example/foo" params { "a" => "b" } headers { "Accept" => "application/json" }
            => 418 headers { "Content-Type" => "text/plain" } body "I'm a teapot!";
    };
    let _copy: treq_testing::RequestSequence = seq.clone();
}
