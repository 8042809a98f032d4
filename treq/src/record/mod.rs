//! The record layer, innermost of the stack: it marks secret headers
//! sensitive (the cookie and auth layers add theirs unmarked) and puts a
//! [`SentRequest`](crate::extensions::SentRequest), the request as it went
//! to the transport, on the response. `Response::request()` shows it, and
//! the auth layer reads it to see where a redirect chain ended.

mod agent;

pub(crate) use self::agent::RecordAgent;
