// Errors from several entries are all reported; the good entries and the code
// after the macro still type-check, so no spurious errors follow.
fn main() {
    let base = "http://an.example";
    let seq = treq_testing::request_sequence! {
        GTE "http://an.example/" => 200;
        GET (format!("{base}/ok")) => 200;
        GET "http://an.example/" 200;
        POST "mailto:someone@an.example" body regex("(") => 1000;
    };
    let _copy = seq.clone();
}
