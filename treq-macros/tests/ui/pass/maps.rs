// Params and headers: exact/empty params, repeated values, trailing commas,
// case-insensitive header names given once.
fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" params {} => 200;
        GET "http://an.example/" params { "a" => ["1", "2"], "b" => "3", } => 200;
        GET "http://an.example/" params { "a" => "1", "A" => "2" } => 200;
        GET "http://an.example/" headers {} => 200;
        GET "http://an.example/" headers { "accept" => ["text/html", "application/json"], "X-Id" => "7" }
            => 200 headers { "Set-Cookie" => ["a=1", "b=2"], "X-Id" => "7", };
    };
}
