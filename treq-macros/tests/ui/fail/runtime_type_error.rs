// A runtime expression of the wrong type is reported at the expression.
fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" => ("200");
    };
}
