// Parenthesized expressions wherever a literal goes.
fn main() {
    let base = String::from("http://127.0.0.1:8080");
    let method = http::Method::PATCH;
    let page = 2;
    let token = "secret";
    let header_name = "X-Request-Id";
    let payload: Vec<u8> = vec![1, 2, 3];
    let _seq = treq_testing::request_sequence! {
        (method) (format!("{base}/items")) params { "page" => (page), ("per_page") => ["10", (20)] }
            headers { "Authorization" => (format!("Bearer {token}")) } body (payload.clone())
            => (http::StatusCode::CREATED) headers { (header_name) => (42) } body (payload);
        GET (url::Url::parse("http://an.example/x").unwrap()) body (treq_testing::matchers::any())
            => (204u16) body (String::from("done"));
        (String::from("PUT")) (treq_testing::matchers::regex(format!("^{base}/items/[0-9]+$"))) body (b"x".to_vec()) => 200;
        ("GET") ("http://an.example/") => 200;
    };
}
