fn main() {
    let _seq = treq_testing::request_sequence! {
        GET regex("^http://(unclosed") => 200;
        POST "http://an.example/" body regex("a{2,1}") => 200;
    };
}
