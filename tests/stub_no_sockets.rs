//! The in-memory agent opens no socket: it runs on a tokio runtime whose I/O
//! driver is disabled (any tokio socket would panic there), and the process
//! holds no more sockets after the requests than before.
//! Its own test binary, so no other test opens sockets meanwhile.

use treq_testing::{StringStubbingResource, StubTreq};

fn socket_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter(|target| target.to_string_lossy().starts_with("socket:"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn stub_requests_need_no_io_driver_and_open_no_socket() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let before = socket_count();
    runtime.block_on(async {
        let stub = StubTreq::new(StringStubbingResource::new(|req| (200, req.url.clone())));
        for host in ["http://a.test/", "https://b.test:8443/x", "http://127.0.0.1:1/"] {
            let resp = stub.post(host).data("body").await.unwrap();
            assert_eq!(resp.code(), 200);
            assert!(resp.text().await.unwrap().starts_with(&host[..10]));
        }
        assert_eq!(socket_count(), before);
    });
    assert_eq!(socket_count(), before);
}
