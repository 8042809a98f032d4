fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" 200;
        GET "http://an.example/" params { "a" "b" } => 200;
        GET "http://an.example/" query { "a" => "b" } => 200;
    };
}
