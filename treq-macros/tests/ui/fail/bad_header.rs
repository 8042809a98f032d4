fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" headers { "Content Type" => "text/html", "X-Ok" => "a\nb" }
            => 200 headers { "Bad:Name" => "x", "X-Ok" => "\r" };
    };
}
