// A runtime expression of the wrong type is reported at the expression, with the
// types that are accepted there.
fn main() {
    let count = 5u32;
    let _seq = treq_testing::request_sequence! {
        POST "http://an.example/" body (count) => 200;
    };
}
