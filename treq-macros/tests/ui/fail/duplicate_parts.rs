fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" params {} params { "a" => "b" } => 200;
        POST "http://an.example/" body "x" json { "a": 1 } => 200 body "a" body "b";
    };
}
