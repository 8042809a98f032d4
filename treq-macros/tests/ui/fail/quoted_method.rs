fn main() {
    let _seq = treq_testing::request_sequence! {
        "get" "http://an.example/" => 200;
    };
}
