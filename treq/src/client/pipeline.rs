//! The one place that knows the order of the layers, outermost first:
//! auth -> decompression -> redirects -> cookies -> read timeout -> record ->
//! the transport. Each layer is an `Agent` over the next; the client builds
//! the stack once and sends every request through it.

use std::sync::Arc;

use super::ClientConfig;
use crate::agent::Agent;
use crate::auth::AuthAgent;
use crate::cookie::CookieAgent;
use crate::decompress::DecompressAgent;
use crate::record::RecordAgent;
use crate::redirect::RedirectAgent;
use crate::timeout::ReadTimeoutAgent;

/// The layers around the user's agent, built once per client.
pub(crate) type Stack<A> =
    AuthAgent<DecompressAgent<RedirectAgent<CookieAgent<ReadTimeoutAgent<RecordAgent<Arc<A>>>>>>>;

pub(crate) fn build_stack<A: Agent>(agent: Arc<A>, config: &ClientConfig) -> Stack<A> {
    // Innermost, so every hop and retry the outer layers make is bounded too.
    let read_timeout = ReadTimeoutAgent::new(RecordAgent::new(agent));
    let redirects = RedirectAgent::new(CookieAgent::new(read_timeout))
        .sensitive_headers(config.defaults.sensitive_headers.iter().cloned());
    let decompress = DecompressAgent::with_limit(redirects, config.max_decompressed_size);
    AuthAgent::with_netrc(decompress, config.netrc.clone())
}
