//! When [`HyperAgent`](super::HyperAgent) sends a request again, and when it
//! must not.
//!
//! - A request not yet written when its reused connection turns out dead is
//!   sent again by hyper-util itself (`retry_canceled_requests`, on by
//!   default, and only for reused connections).
//! - A reused keep-alive connection that the server closed under a request
//!   already written (the server timed the idle connection out as the
//!   request went out): an idempotent request with an in-memory body is sent
//!   once more, on a fresh connection. Twisted's pool, Go and browsers do the
//!   same. A brand-new connection closed under a request is the server's
//!   answer to that request: never replayed. Nor is a POST or PATCH.
//! - An HTTP/2 stream the server never processed, because it was above the
//!   last stream id of the server's GOAWAY or was reset with REFUSED_STREAM
//!   (RFC 9113 §6.8 and §8.7 say such requests may be retried): sent again
//!   whatever its method, if its body is in memory, at most
//!   [`MAX_UNPROCESSED_RETRIES`] times, like curl and Go. A GOAWAY'd
//!   connection is poisoned first, so the retry takes a new one.
//!
//! The copy of the head kept for a replay is also the record of what was
//! sent: it goes on the response as its [`SentRequest`], so the client's
//! record layer makes no copy of its own over a `HyperAgent`.

use std::future::Future;
use std::sync::Arc;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;

use super::connections::{self, SharedConnector, TrackedConnector};
use super::proxy::ProxyConnector;
use super::unix::SocketConnector;
use crate::error::{self, BoxError};
use crate::extensions::SentRequest;
use crate::{Body, Error};

/// The pooled hyper-util client under a `HyperAgent`.
pub(super) type PooledClient = Client<
    SharedConnector<TrackedConnector<HttpsConnector<ProxyConnector<SocketConnector>>>>,
    Body,
>;

/// How many times a request the server did not process is sent again.
pub(super) const MAX_UNPROCESSED_RETRIES: u32 = 3;

/// Sends `request`, sending it again after the failures listed in the module
/// documentation. `head` is the request as the transport received it (the
/// record, and what a replay is made from). `may_use_h2` says whether the
/// request can go over HTTP/2 (only then can the server leave it
/// unprocessed). `ready(request, again)` finishes the request before it goes
/// out, `again` for a replay.
///
/// The request goes to hyper-util at once, so the returned future holds
/// only hyper-util's (boxed) future, the head (the record, and with the
/// body's copy the template of a replay) and, when a replay is possible,
/// the client.
pub(super) fn send(
    client: &Arc<PooledClient>,
    head: Head,
    mut request: http::Request<Body>,
    may_use_h2: bool,
    ready: impl Fn(&mut http::Request<Body>, bool) + Send + 'static,
) -> impl Future<Output = Result<http::Response<Body>, Error>> + Send + 'static {
    let idempotent = request.method().is_idempotent();
    let replay_body = replay_body(&request, may_use_h2);
    let retry_with = replay_body.as_ref().map(|_| Arc::clone(client));
    ready(&mut request, false);
    let first = client.request(request);
    async move {
        // The first answer is taken apart in its own statement: a `match`
        // on `first.await` would keep that answer's room (152 bytes) in the
        // future across the retry's await below.
        let err = match first.await {
            Ok(response) => return Ok(delivered(response, head)),
            Err(err) => err,
        };
        // Failures wait apart (boxed), so the common path stays small.
        let retry = Retry {
            head,
            replay_body,
            retry_with,
            idempotent,
        };
        Box::pin(retry.after(err, ready)).await
    }
}

/// The response as the transport hands it on: counted against its
/// connection, with the record of its request.
fn delivered(
    mut response: http::Response<hyper::body::Incoming>,
    head: Head,
) -> http::Response<Body> {
    connections::note_response(&response);
    let Head {
        method,
        uri,
        headers,
        ..
    } = head;
    let sent = SentRequest::new(method, uri, headers);
    response.extensions_mut().insert(sent);
    response.map(Body::wrap)
}

/// What sending a request again needs, once its first try failed.
struct Retry {
    head: Head,
    replay_body: Option<Body>,
    retry_with: Option<Arc<PooledClient>>,
    idempotent: bool,
}

impl Retry {
    /// Sends the request again while the failures allow it (see the module
    /// documentation), else fails with the last error.
    async fn after(
        self,
        mut err: hyper_util::client::legacy::Error,
        ready: impl Fn(&mut http::Request<Body>, bool) + Send + 'static,
    ) -> Result<http::Response<Body>, Error> {
        let Retry {
            head,
            replay_body,
            retry_with,
            idempotent,
        } = self;
        let mut stale_replayed = false;
        let mut unprocessed_retries = 0;
        loop {
            let again = match failure(&err) {
                Failure::Unprocessed { go_away } => {
                    if unprocessed_retries == MAX_UNPROCESSED_RETRIES {
                        return Err(refused_every_time(err));
                    }
                    unprocessed_retries += 1;
                    if go_away {
                        // The pool may not have noticed yet; don't take it again.
                        if let Some(info) = err.connect_info() {
                            info.poison();
                        }
                    }
                    replay_body.as_ref().and_then(|body| head.copy(body))
                }
                Failure::ClosedWhenReused if idempotent && !stale_replayed => {
                    stale_replayed = true;
                    replay_body.as_ref().and_then(|body| head.copy(body))
                }
                Failure::ClosedWhenReused | Failure::Other => None,
            };
            let (Some(mut request), Some(client)) = (again, &retry_with) else {
                return Err(super::hyper::classify(err));
            };
            ready(&mut request, true);
            match client.request(request).await {
                Ok(response) => return Ok(delivered(response, head)),
                Err(next) => err = next,
            }
        }
    }
}

/// A copy of a request's head as it came to the transport.
pub(super) struct Head {
    method: http::Method,
    uri: http::Uri,
    version: http::Version,
    headers: http::HeaderMap,
}

impl Head {
    pub(super) fn of(request: &http::Request<Body>) -> Head {
        Head {
            method: request.method().clone(),
            uri: request.uri().clone(),
            version: request.version(),
            headers: request.headers().clone(),
        }
    }

    /// The request to send again, with a copy of its body.
    fn copy(&self, body: &Body) -> Option<http::Request<Body>> {
        let mut copy = http::Request::new(body.try_clone()?);
        *copy.method_mut() = self.method.clone();
        *copy.uri_mut() = self.uri.clone();
        *copy.version_mut() = self.version;
        *copy.headers_mut() = self.headers.clone();
        Some(copy)
    }
}

/// The copy of the body kept for sending the request again, when a replay
/// is possible at all: its body is in memory, and it is idempotent (a
/// reused connection closed under it) or may travel over HTTP/2 (a stream
/// the server did not process, whatever the method).
fn replay_body(request: &http::Request<Body>, may_use_h2: bool) -> Option<Body> {
    if request.method().is_idempotent() || may_use_h2 {
        request.body().try_clone()
    } else {
        None
    }
}

#[derive(Debug, PartialEq)]
enum Failure {
    /// The server never processed the request (HTTP/2 GOAWAY or REFUSED_STREAM).
    Unprocessed {
        go_away: bool,
    },
    /// A connection that had answered before closed under the request.
    ClosedWhenReused,
    Other,
}

fn failure(err: &hyper_util::client::legacy::Error) -> Failure {
    if err.is_connect() {
        return Failure::Other;
    }
    if let Some(go_away) = unprocessed_stream(err) {
        return Failure::Unprocessed { go_away };
    }
    if connections::served_before(err.connect_info()) && is_closed_under_request(err) {
        return Failure::ClosedWhenReused;
    }
    Failure::Other
}

/// `Some(is_go_away)` if an HTTP/2 error in the chain says the server did
/// not process the stream. h2 reports a remote GOAWAY only to the streams
/// above its last stream id and to requests started after it; the streams
/// the server kept but never finished fail with a broken pipe instead.
fn unprocessed_stream(err: &(dyn std::error::Error + 'static)) -> Option<bool> {
    let found = std::cell::Cell::new(None);
    error::chain_any(err, &|e| {
        let Some(h2) = e.downcast_ref::<h2::Error>() else {
            return false;
        };
        let refused = h2.is_reset() && h2.reason() == Some(h2::Reason::REFUSED_STREAM);
        if h2.is_remote() && (h2.is_go_away() || refused) {
            found.set(Some(h2.is_go_away()));
        }
        found.get().is_some()
    });
    found.get()
}

/// The signs of a connection closed under a request: hyper saw the
/// connection end before a response, the connection's task went away (its
/// runtime shut down) before the request was answered, or the socket was
/// reset.
fn is_closed_under_request(err: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind as Io;
    error::chain_any(err, &|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_canceled() || is_dispatch_gone(h))
            || e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    Io::ConnectionReset | Io::BrokenPipe | Io::ConnectionAborted
                )
            })
    })
}

/// hyper has no predicate for "the connection task was dropped" (its runtime
/// shut down); its message is stable and the only way to tell.
fn is_dispatch_gone(err: &hyper::Error) -> bool {
    err.is_user() && err.to_string().starts_with("dispatch task is gone")
}

/// The error once the server has refused a request on every try.
fn refused_every_time(err: hyper_util::client::legacy::Error) -> Error {
    let boxed: BoxError = Box::new(err);
    error::request(boxed).with_message(format!(
        "the server did not process the request (HTTP/2 GOAWAY or REFUSED_STREAM), {} times",
        MAX_UNPROCESSED_RETRIES + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_the_head_and_an_in_memory_body() {
        let request = http::Request::put("http://a/x")
            .header("x-one", "1")
            .body(Body::from("data"))
            .unwrap();
        let head = Head::of(&request);
        let copy = head.copy(request.body()).unwrap();
        assert_eq!(copy.method(), http::Method::PUT);
        assert_eq!(copy.uri(), "http://a/x");
        assert_eq!(copy.headers()["x-one"], "1");
        assert_eq!(copy.body().content_length(), Some(4));
        let streaming = http::Request::put("http://a/x")
            .body(Body::wrap_stream(futures_util::stream::iter([Ok::<
                _,
                std::io::Error,
            >(
                bytes::Bytes::from("once"),
            )])))
            .unwrap();
        assert!(Head::of(&streaming).copy(streaming.body()).is_none());
    }

    #[test]
    fn a_copy_is_kept_only_when_a_replay_is_possible() {
        let request = |method: http::Method| {
            http::Request::builder()
                .method(method)
                .uri("http://a/x")
                .body(Body::from("data"))
                .unwrap()
        };
        // A reused connection closed under it: idempotent methods only.
        assert!(replay_body(&request(http::Method::GET), false).is_some());
        assert!(replay_body(&request(http::Method::PUT), false).is_some());
        assert!(replay_body(&request(http::Method::POST), false).is_none());
        assert!(replay_body(&request(http::Method::PATCH), false).is_none());
        // A stream HTTP/2 left unprocessed: any method.
        assert!(replay_body(&request(http::Method::POST), true).is_some());
    }

    #[test]
    fn only_remote_goaway_and_refused_stream_mean_unprocessed() {
        let go_away = h2::Error::from(h2::Reason::NO_ERROR);
        // A bare reason is neither a remote GOAWAY nor a remote reset.
        assert_eq!(unprocessed_stream(&go_away), None);
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(unprocessed_stream(&io), None);
        assert!(is_closed_under_request(&io));
    }
}
