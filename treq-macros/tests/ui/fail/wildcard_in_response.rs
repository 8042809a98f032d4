fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" => 200 headers _;
        GET "http://an.example/" => 200 body _;
    };
}
