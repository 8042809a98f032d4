//! The record layer, innermost of the stack: it marks secret headers
//! sensitive (the cookie and auth layers add theirs unmarked) and puts a
//! [`SentRequest`](crate::extensions::SentRequest), the request as it went
//! to the transport, on the response. `Response::request()` shows it, and
//! the auth layer reads it to see where a redirect chain ended.
//!
//! A transport that records each request itself (`HyperAgent` keeps a copy
//! of the head for a replay anyway, and puts it on the response) is told so
//! when the stack is built: the layer then adds only what it knows (the
//! parsed URL) to the transport's record, and copies nothing.

mod agent;

pub(crate) use self::agent::RecordAgent;
