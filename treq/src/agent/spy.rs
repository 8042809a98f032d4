//! The one recording agent of the unit tests: it answers from a script and
//! remembers what each layer under test sent it.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::HeaderMap;

use crate::agent::{Agent, ResponseFuture};
use crate::Body;

/// What the spy was asked.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: http::Method,
    pub(crate) uri: String,
    pub(crate) headers: HeaderMap,
    /// `None` for a body that is not in memory (stream or file).
    pub(crate) body: Option<Bytes>,
    /// How many requests came before this one.
    pub(crate) index: usize,
    /// The request's extensions (the values the layers above set).
    pub(crate) extensions: http::Extensions,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

type Script = Box<dyn Fn(&Seen) -> http::Response<Body> + Send + Sync>;

pub(crate) struct Spy {
    script: Script,
    seen: Mutex<Vec<Seen>>,
}

impl Spy {
    pub(crate) fn new(
        script: impl Fn(&Seen) -> http::Response<Body> + Send + Sync + 'static,
    ) -> Arc<Spy> {
        Arc::new(Spy {
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Agent for Spy {
    fn request(&self, request: http::Request<Body>) -> ResponseFuture {
        let mut log = self.seen.lock().unwrap();
        let seen = Seen {
            method: request.method().clone(),
            uri: request.uri().to_string(),
            headers: request.headers().clone(),
            body: request.body().as_bytes().map(Bytes::copy_from_slice),
            index: log.len(),
            extensions: request.extensions().clone(),
        };
        let response = (self.script)(&seen);
        log.push(seen);
        drop(log);
        Box::pin(async move { Ok(response) })
    }
}

/// A response builder with `status`.
pub(crate) fn reply(status: u16) -> http::response::Builder {
    http::Response::builder().status(status)
}

/// A redirect to `location`.
pub(crate) fn redirect(status: u16, location: &str) -> http::Response<Body> {
    reply(status)
        .header("location", location)
        .body(Body::from(format!("go to {location}")))
        .unwrap()
}
