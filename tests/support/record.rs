//! A loopback server that records every request it receives and answers 200.

use std::sync::{Arc, Mutex};

use super::server::{reply, Server, ServerRequest};

/// A server plus the requests it has received, in order.
pub struct Recorder {
    pub server: Server,
    seen: Arc<Mutex<Vec<ServerRequest>>>,
}

impl Recorder {
    /// Answers every request with `200 ok`.
    pub fn start() -> Recorder {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let server = Server::http(move |req| {
            log.lock().unwrap().push(req);
            async { reply(200, "ok") }
        });
        Recorder { server, seen }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// The last request received (panics if none).
    pub fn last(&self) -> ServerRequest {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("no request received")
    }

    /// How many requests were received.
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}
