// An empty sequence expects no request at all.
fn main() {
    let seq = treq_testing::request_sequence! {};
    assert!(seq.consumed());
}
