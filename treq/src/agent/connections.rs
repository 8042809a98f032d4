//! The connector under [`HyperAgent`](super::HyperAgent)'s pool.
//!
//! It wraps the whole connector stack (TLS, proxies, the socket) for two
//! things the pool lacks, kept in the one wrapper every read and write of a
//! connection passes (`tls_alert.rs`'s `Watched`): a wrapper per concern
//! cost a call per concern on every read and write.
//!
//! - Every connection carries a [`ConnectionState`]: a count of the
//!   responses it has delivered, so a failed request can tell a reused
//!   keep-alive connection (which the server may have closed as it sat idle)
//!   from a brand-new one (where a close is the server's answer to this very
//!   request), and the TLS failure that ended it (see `tls_alert.rs`). It is
//!   the connection's only extra in hyper-util's `Connected` info, because
//!   hyper-util copies every extra into every response's extensions.
//! - An optional cap on the open connections per scheme, host and port. A
//!   connection holds one permit of its host's semaphore from before the TCP
//!   connect until the socket closes, so idle pooled connections count too and
//!   the cap is a true bound on sockets. One HTTP/2 connection carries many
//!   requests on its one permit.
//!
//! hyper-util starts a connect for every request that finds no idle
//! connection and, when an idle one turns up first, lets that connect finish
//! in the background to refill the pool. Under the cap such a connect may be
//! waiting for a permit; it gives up once no request for that host is in
//! flight, so finished work leaves no task (or pool) behind.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tower_service::Service;

use super::handshake;
use super::tls_alert::Watched;
use crate::error::BoxError;

/// What one connection has seen; shared by every clone of the connection's
/// `Connected` info (and by its TLS watcher).
#[derive(Clone, Debug, Default)]
pub(super) struct ConnectionState(Arc<SharedState>);

#[derive(Debug, Default)]
struct SharedState {
    /// How many responses the connection has delivered.
    served: AtomicUsize,
    /// The first TLS failure read or written on it.
    tls: OnceLock<rustls::Error>,
}

impl ConnectionState {
    /// The state a connection's info carries.
    pub(super) fn of(info: &Connected) -> Option<ConnectionState> {
        let mut extras = http::Extensions::new();
        info.get_extras(&mut extras);
        extras.remove::<ConnectionState>()
    }

    /// Keeps `error` if it is the connection's first TLS failure.
    pub(super) fn note_tls(&self, error: &rustls::Error) {
        let _ = self.0.tls.set(error.clone());
    }

    /// The first TLS failure seen on the connection.
    pub(super) fn tls_failure(&self) -> Option<&rustls::Error> {
        self.0.tls.get()
    }
}

/// Counts `response` against the connection it came on. (The private
/// marker stays in its extensions: a type no one else can name.)
pub(super) fn note_response<B>(response: &http::Response<B>) {
    if let Some(state) = response.extensions().get::<ConnectionState>() {
        state.0.served.fetch_add(1, Ordering::Relaxed);
    }
}

/// True if the connection a request failed on had delivered a response
/// before: it was reused from the pool.
pub(super) fn served_before(info: Option<&Connected>) -> bool {
    info.and_then(ConnectionState::of)
        .is_some_and(|state| state.0.served.load(Ordering::Relaxed) > 0)
}

/// Scheme, host and port: the unit of the connection cap (and of the pool).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct HostKey {
    scheme: String,
    host: String,
    port: u16,
}

impl HostKey {
    pub(super) fn of(uri: &Uri) -> Option<HostKey> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let port = match (uri.port_u16(), scheme.as_str()) {
            (Some(port), _) => port,
            (None, "https") => 443,
            (None, _) => 80,
        };
        Some(HostKey {
            host: uri.host()?.to_ascii_lowercase(),
            scheme,
            port,
        })
    }
}

/// The per-host connection caps of one agent. Cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct HostLimits(Arc<Limits>);

#[derive(Debug)]
struct Limits {
    max: usize,
    hosts: Mutex<Hosts>,
}

#[derive(Debug, Default)]
struct Hosts {
    slots: HashMap<HostKey, Arc<HostSlot>>,
    /// The map is swept of unused hosts when it reaches this size, then the
    /// mark doubles: memory stays proportional to the hosts in use.
    sweep_at: usize,
}

#[derive(Debug)]
struct HostSlot {
    sockets: Arc<Semaphore>,
    /// Requests for this host in flight (not yet answered).
    in_flight: AtomicUsize,
    /// Woken when `in_flight` drops to zero.
    idle: Notify,
}

impl HostLimits {
    /// At most `max` open connections per host (clamped to what a tokio
    /// semaphore holds; `max` is at least 1).
    pub(super) fn new(max: usize) -> Self {
        HostLimits(Arc::new(Limits {
            max: max.clamp(1, Semaphore::MAX_PERMITS),
            hosts: Mutex::default(),
        }))
    }

    /// Marks a request for `key` in flight until the guard drops.
    pub(super) fn in_flight(&self, key: HostKey) -> InFlight {
        let slot = self.slot(key);
        slot.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight { slot }
    }

    fn slot(&self, key: HostKey) -> Arc<HostSlot> {
        let mut hosts = self
            .0
            .hosts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(slot) = hosts.slots.get(&key) {
            return Arc::clone(slot);
        }
        if hosts.slots.len() >= hosts.sweep_at {
            // A slot only the map holds has no permit out, no request in
            // flight and no connect waiting: forgetting it loses nothing.
            hosts.slots.retain(|_, slot| Arc::strong_count(slot) > 1);
            hosts.sweep_at = (hosts.slots.len() * 2).max(64);
        }
        let slot = Arc::new(HostSlot {
            sockets: Arc::new(Semaphore::new(self.0.max)),
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
        });
        hosts.slots.insert(key, Arc::clone(&slot));
        slot
    }

    #[cfg(test)]
    fn hosts_remembered(&self) -> usize {
        self.0.hosts.lock().unwrap().slots.len()
    }
}

/// A request in flight for one host (see [`HostLimits::in_flight`]).
#[derive(Debug)]
pub(super) struct InFlight {
    slot: Arc<HostSlot>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.slot.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.slot.idle.notify_waiters();
        }
    }
}

/// One open connection's share of its host's cap.
#[derive(Debug)]
pub(super) struct SocketPermit {
    _permit: OwnedSemaphorePermit,
    // Keeps the slot (and so its semaphore) remembered while the socket is open.
    _slot: Arc<HostSlot>,
}

/// Why a capped connect gave up: no request wants it any more.
#[derive(Debug)]
struct Unwanted;

impl std::fmt::Display for Unwanted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no request is waiting for a connection to this host any more")
    }
}

impl std::error::Error for Unwanted {}

/// Waits for a free connection slot while some request for the host is in
/// flight.
async fn acquire(slot: Arc<HostSlot>) -> Result<SocketPermit, Unwanted> {
    loop {
        let permit = {
            let idle = slot.idle.notified();
            tokio::pin!(idle);
            // Registered before the check, so a drop to zero in between still wakes us.
            idle.as_mut().enable();
            if slot.in_flight.load(Ordering::SeqCst) == 0 {
                return Err(Unwanted);
            }
            tokio::select! {
                permit = Arc::clone(&slot.sockets).acquire_owned() => permit,
                () = &mut idle => continue,
            }
        };
        let permit = permit.map_err(|_closed| Unwanted)?;
        return Ok(SocketPermit {
            _permit: permit,
            _slot: slot,
        });
    }
}

/// The whole connector behind one `Arc`: hyper-util clones its connector
/// for every request (in case the pool has no connection for it), so a
/// clone is one reference count; the connector itself is cloned only when
/// a connection is made.
#[derive(Debug)]
pub(super) struct SharedConnector<C>(Arc<C>);

impl<C> SharedConnector<C> {
    pub(super) fn new(inner: C) -> Self {
        SharedConnector(Arc::new(inner))
    }
}

impl<C> Clone for SharedConnector<C> {
    fn clone(&self) -> Self {
        SharedConnector(Arc::clone(&self.0))
    }
}

impl<C> Service<Uri> for SharedConnector<C>
where
    C: Service<Uri> + Clone + Send + Sync + 'static,
    C::Response: Send,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    /// Always ready: the connector's own clone is polled ready in `call`.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut connector = C::clone(&self.0);
        Box::pin(async move {
            std::future::poll_fn(|cx| connector.poll_ready(cx))
                .await
                .map_err(Into::into)?;
            connector.call(dst).await.map_err(Into::into)
        })
    }
}

/// Wraps the TLS connector: applies the per-host cap and gives each
/// connection its state, in the one wrapper every read and write passes
/// ([`Watched`], which also keeps the connection's TLS failure).
#[derive(Clone, Debug)]
pub(super) struct TrackedConnector<C> {
    inner: C,
    limits: Option<HostLimits>,
    /// The connect timeout, for the TLS handshake (see `handshake.rs`).
    handshake_timeout: Option<Duration>,
}

impl<C> TrackedConnector<C> {
    pub(super) fn new(
        inner: C,
        limits: Option<HostLimits>,
        handshake_timeout: Option<Duration>,
    ) -> Self {
        TrackedConnector {
            inner,
            limits,
            handshake_timeout,
        }
    }
}

impl<C> Service<Uri> for TrackedConnector<C>
where
    C: Service<Uri> + Clone + Send + 'static,
    C::Response: Connection + Send,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = Watched<C::Response>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        // Call the connector that was polled ready; keep a fresh clone.
        let fresh = self.inner.clone();
        let mut ready = std::mem::replace(&mut self.inner, fresh);
        let slot = match (&self.limits, HostKey::of(&dst)) {
            (Some(limits), Some(key)) => Some(limits.slot(key)),
            _ => None,
        };
        let handshake_timeout = self.handshake_timeout;
        Box::pin(async move {
            let permit = match slot {
                Some(slot) => Some(acquire(slot).await?),
                None => None,
            };
            let io = handshake::bounded(handshake_timeout, ready.call(dst)).await?;
            Ok(Watched::new(io, ConnectionState::default(), permit))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(uri: &str) -> HostKey {
        HostKey::of(&uri.parse().unwrap()).unwrap()
    }

    #[test]
    fn host_keys_use_the_default_port_and_ignore_case() {
        assert_eq!(key("http://Example.COM/x"), key("http://example.com:80/y"));
        assert_eq!(key("https://example.com/"), key("https://example.com:443/"));
        assert_ne!(key("http://example.com/"), key("https://example.com/"));
        assert_ne!(key("http://example.com/"), key("http://example.com:8080/"));
    }

    #[tokio::test]
    async fn a_connect_waits_for_a_free_slot() {
        let limits = HostLimits::new(1);
        let _request = limits.in_flight(key("http://a/"));
        let first = acquire(limits.slot(key("http://a/"))).await.unwrap();
        let second = tokio::spawn(acquire(limits.slot(key("http://a:80/"))));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!second.is_finished(), "the cap of 1 is in use");
        // Another host has its own slots.
        let _other = limits.in_flight(key("http://b/"));
        acquire(limits.slot(key("http://b/"))).await.unwrap();
        drop(first);
        second.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_waiting_connect_gives_up_when_no_request_is_left() {
        let limits = HostLimits::new(1);
        let request = limits.in_flight(key("http://a/"));
        let _held = acquire(limits.slot(key("http://a/"))).await.unwrap();
        let waiting = tokio::spawn(acquire(limits.slot(key("http://a/"))));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        drop(request);
        assert!(waiting.await.unwrap().is_err());
    }

    #[test]
    fn unused_hosts_are_forgotten() {
        let limits = HostLimits::new(4);
        for i in 0..1000 {
            drop(limits.in_flight(key(&format!("http://host{i}/"))));
        }
        assert!(
            limits.hosts_remembered() <= 64,
            "{}",
            limits.hosts_remembered()
        );
        let kept = limits.in_flight(key("http://kept/"));
        for i in 0..1000 {
            drop(limits.in_flight(key(&format!("http://other{i}/"))));
        }
        assert!(limits.hosts_remembered() <= 64);
        // A host in use keeps its slot (and its count).
        assert_eq!(
            limits
                .slot(key("http://kept/"))
                .in_flight
                .load(Ordering::SeqCst),
            1
        );
        drop(kept);
    }

    #[test]
    fn a_huge_cap_is_clamped() {
        let limits = HostLimits::new(usize::MAX);
        assert_eq!(limits.0.max, Semaphore::MAX_PERMITS);
    }
}
