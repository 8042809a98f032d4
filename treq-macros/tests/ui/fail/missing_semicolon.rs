fn main() {
    let _a = treq_testing::request_sequence! {
        GET "http://an.example/a" => 200
        GET "http://an.example/b" => 200;
    };
    let _b = treq_testing::request_sequence! {
        GET "http://an.example/a" => 200 body "last"
    };
}
