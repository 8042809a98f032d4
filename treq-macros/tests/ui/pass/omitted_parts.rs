// Only the method and URL are required; omitted parts match anything.
fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" => 200;
        POST "https://an.example/items" => 201;
        DELETE "http://an.example/items/1" headers { "Authorization" => "Bearer x" } => 204;
    };
}
