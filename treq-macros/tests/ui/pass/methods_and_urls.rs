// Every standard method, custom uppercase methods, URL normalisation and regex URLs.
fn main() {
    let _seq = treq_testing::request_sequence! {
        GET "http://an.example/" => 200;
        HEAD "http://an.example/" => 200;
        POST "http://an.example/" => 200;
        PUT "http://an.example/" => 200;
        DELETE "http://an.example/" => 200;
        CONNECT "http://an.example/" => 200;
        OPTIONS "http://an.example/" => 200;
        TRACE "http://an.example/" => 200;
        PATCH "http://an.example/" => 200;
        PROPFIND "http://an.example/dav/" => 207;
        PURGE "http://an.example/cache" => 200;
        GET "HTTP://An.Example:80" => 200;
        GET "https://an.example:8443/a/../b" => 200;
        GET regex("^https?://an\\.example/items/[0-9]+$") => 200;
        GET "http://an.example/" => 100;
        GET "http://an.example/" => 999u16;
    };
}
