fn main() {
    let _seq = treq_testing::request_sequence! {
        GTE "http://an.example/" => 200;
        POTS "http://an.example/" => 200;
        DELTE "http://an.example/" => 200;
        get "http://an.example/" => 200;
        Fetch "http://an.example/" => 200;
    };
}
