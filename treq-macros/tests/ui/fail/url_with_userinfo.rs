// Userinfo can never match: the client sends it as an `Authorization` header.
fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://user:secret@an.example/" => 200;
        GET "https://token@an.example/items" => 200;
    };
}
