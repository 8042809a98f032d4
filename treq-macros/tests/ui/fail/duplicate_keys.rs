fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" params { "a" => "1", "b" => "2", "a" => "3" }
            headers { "Accept" => "text/html", "accept" => "application/json" }
            => 200 headers { "Set-Cookie" => "a=1", "set-cookie" => "b=2" };
    };
}
