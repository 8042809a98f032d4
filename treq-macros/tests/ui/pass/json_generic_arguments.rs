// Inline JSON values whose generic arguments hold commas.
use std::collections::{BTreeMap, HashMap};

fn main() {
    let _seq = treq_testing::request_sequence! {
        POST "http://an.example/" json {
            "m": BTreeMap::<String, u32>::new(),
            "q": <HashMap<String, Vec<u8>>>::new(),
            "n": 1
        } => 200 json [Vec::<(u8, u8)>::new(), 2];
    };
}
