fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" => 99;
        GET "http://an.example/" => 1000;
        GET "http://an.example/" => 70000;
        GET "http://an.example/" => 200i32;
    };
}
