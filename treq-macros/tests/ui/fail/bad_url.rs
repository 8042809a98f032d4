fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "an.example/foo" => 200;
        GET "http://exa mple/" => 200;
        GET "ftp://an.example/file" => 200;
        GET "http://an.example/search?q=rust" => 200;
        GET "http://an.example/page#top" => 200;
    };
}
