//! The one place that knows the order of the layers, outermost first:
//! auth -> decompression -> redirects -> cookies -> read timeout -> record ->
//! the transport. Each layer is a `Layer` over the next (its future a
//! concrete type, see `agent/layer.rs`); the client builds the stack once
//! and sends every request through it.

use std::sync::Arc;

use super::ClientConfig;
use crate::agent::Agent;
use crate::auth::AuthAgent;
use crate::cookie::{CookieAgent, CookieJar};
use crate::decompress::DecompressAgent;
use crate::record::RecordAgent;
use crate::redirect::RedirectAgent;
use crate::timeout::ReadTimeoutAgent;

/// The layers around the user's agent, built once per client.
pub(crate) type Stack<A> =
    AuthAgent<DecompressAgent<RedirectAgent<CookieAgent<ReadTimeoutAgent<RecordAgent<Arc<A>>>>>>>;

/// Whether the user's agent puts a `SentRequest` on every response itself:
/// `HyperAgent` does (see `agent/replay.rs`).
#[cfg_attr(
    not(feature = "hyper-agent"),
    allow(clippy::extra_unused_type_parameters)
)]
fn records_itself<A: Agent>() -> bool {
    #[cfg(feature = "hyper-agent")]
    if std::any::TypeId::of::<A>() == std::any::TypeId::of::<crate::agent::HyperAgent>() {
        return true;
    }
    false
}

/// Each layer gets the client's defaults (a request carries only what
/// differs); `session_jar` is the jar of requests that bring none, and
/// without one each call gets its own, made when a cookie comes.
pub(crate) fn build_stack<A: Agent>(
    agent: Arc<A>,
    config: &ClientConfig,
    session_jar: Option<CookieJar>,
) -> Stack<A> {
    // Innermost, so every hop and retry the outer layers make is bounded too.
    let record = RecordAgent::new(agent).inner_records(records_itself::<A>());
    let read_timeout = ReadTimeoutAgent::new(record);
    let per_call = session_jar.is_none();
    let cookies = CookieAgent::new(read_timeout)
        .session_jar(session_jar)
        .jar_per_call(per_call);
    let redirects = RedirectAgent::new(cookies)
        .sensitive_headers(config.defaults.sensitive_headers.iter().cloned())
        .max_redirects(config.defaults.max_redirects);
    let decompress = DecompressAgent::with_limit(redirects, config.max_decompressed_size)
        .body_limit(config.defaults.max_body_size);
    AuthAgent::with_netrc(decompress, config.netrc.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_agent_is_trusted_to_record() {
        #[cfg(feature = "hyper-agent")]
        assert!(records_itself::<crate::agent::HyperAgent>());
        assert!(!records_itself::<crate::agent::spy::Spy>());
    }
}
