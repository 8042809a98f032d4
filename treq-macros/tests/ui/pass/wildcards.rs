// `_` stands for "anything" in every request part.
fn main() {
    let _seq = treq_testing::request_sequence! {
        _ _ => 200;
        _ "http://an.example/" params _ headers _ body _ => 200;
        PUT _ body _ => 204;
    };
}
