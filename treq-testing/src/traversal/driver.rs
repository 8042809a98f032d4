//! Driving an in-memory connection from the tasks that use it.
//!
//! A [`Driver`] owns the future of one connection (the client side and the
//! server side of one pipe) and is polled by whoever needs it to progress: the
//! request waiting for its response head ([`Exchange`](super::exchange::Exchange)), the response body being
//! read ([`DrivenBody`](super::body::DrivenBody)), [`flush`](super::RequestTraversalAgent::flush), or
//! the pool checking whether an idle connection is ready again. No task of its
//! own is spawned, so on a multi-thread runtime the bytes of an exchange never
//! cross to another worker: the client's task does all the work.
//!
//! The connection's wake-ups go to a [`WakeState`]: it records that the
//! connection may progress (`notified`) and wakes the tasks that wait on it
//! (they polled it and are pending, see [`Driver::wait`]), so that one of
//! them polls it again.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use super::lock;

type SideFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How many times one poller polls again a connection that was woken while
/// it was being polled, before it hands over to the tasks' wakers.
const MAX_REPOLLS: usize = 32;

/// The two ends of one in-memory connection. The client side decides when
/// the exchange is over: once it ends, the server side is dropped; if the
/// server side ends first (Connection: close), the client side reads what is
/// left. A finished side is dropped at once, so its half of the pipe closes
/// and the other side sees EOF.
struct Pair {
    client: SideFuture,
    server: Option<SideFuture>,
}

/// One in-memory connection, polled by whichever task needs it.
pub(crate) struct Driver {
    /// `None` once the connection is over (both sides dropped, so every
    /// resource future it held is dropped too).
    conn: Mutex<Option<Pair>>,
    wake: Arc<WakeState>,
    /// The wakers the two sides see. They point at `wake` only (not at the
    /// driver), so the futures they are stored in keep no cycle alive.
    client_waker: Waker,
    server_waker: Waker,
    done: AtomicBool,
}

/// Where the wake-ups of one connection go.
struct WakeState {
    /// Woken since its last poll, so polling it may make progress: each side
    /// on its own, so that a poll skips the side with nothing to do.
    client_notified: AtomicBool,
    server_notified: AtomicBool,
    /// Being polled right now.
    running: AtomicBool,
    /// The tasks waiting on the connection since its last wake-up.
    wakers: Mutex<Vec<Waker>>,
}

impl WakeState {
    fn register(&self, waker: &Waker) {
        let mut wakers = lock(&self.wakers);
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    /// Wakes the registered tasks (outside the lock: a waker may poll the
    /// connection again at once), then gives the emptied list back so that
    /// the next registration does not allocate.
    fn wake_all(&self) {
        let mut batch = {
            let mut wakers = lock(&self.wakers);
            if wakers.is_empty() {
                return;
            }
            std::mem::take(&mut *wakers)
        };
        batch.drain(..).for_each(Waker::wake);
        let mut wakers = lock(&self.wakers);
        if wakers.capacity() == 0 {
            *wakers = batch;
        }
    }

    fn notified(&self) -> bool {
        self.client_notified.load(Ordering::SeqCst) || self.server_notified.load(Ordering::SeqCst)
    }
}

/// The waker of one side of a connection.
struct SideWaker {
    state: Arc<WakeState>,
    server: bool,
}

impl Wake for SideWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let flag = if self.server {
            &self.state.server_notified
        } else {
            &self.state.client_notified
        };
        flag.store(true, Ordering::SeqCst);
        // A poller running now sees the flag when it is done and polls
        // again; otherwise one of the interested tasks has to.
        if !self.state.running.load(Ordering::SeqCst) {
            self.state.wake_all();
        }
    }
}

impl Driver {
    /// A driver for the two sides of a connection, to be polled for the
    /// first time by its first user.
    pub(crate) fn new(
        client: impl Future<Output = ()> + Send + 'static,
        server: impl Future<Output = ()> + Send + 'static,
    ) -> Arc<Self> {
        let wake = Arc::new(WakeState {
            client_notified: AtomicBool::new(true),
            server_notified: AtomicBool::new(true),
            running: AtomicBool::new(false),
            wakers: Mutex::new(Vec::new()),
        });
        let side = |server| {
            Waker::from(Arc::new(SideWaker {
                state: Arc::clone(&wake),
                server,
            }))
        };
        Arc::new(Driver {
            conn: Mutex::new(Some(Pair {
                client: Box::pin(client),
                server: Some(Box::pin(server)),
            })),
            client_waker: side(false),
            server_waker: side(true),
            wake,
            done: AtomicBool::new(false),
        })
    }

    /// True once the connection is over.
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// True if polling the connection may make progress, or it is being
    /// polled right now.
    pub(crate) fn is_busy(&self) -> bool {
        !self.is_done() && (self.wake.notified() || self.wake.running.load(Ordering::SeqCst))
    }

    /// For a poller about to return pending after driving the connection:
    /// `cx` is woken the next time the connection is, or at once if it was
    /// woken since. A poller that got what it waited for does not call it,
    /// so that the connection's later wake-ups do not wake its task for
    /// nothing.
    pub(crate) fn wait(&self, cx: &Context<'_>) {
        self.wake.register(cx.waker());
        // Checked after registering: a wake-up that came before the
        // registration has set the flag.
        if !self.is_done() && self.wake.notified() {
            cx.waker().wake_by_ref();
        }
    }

    /// Polls the sides of the connection that were woken, unless another
    /// poller is at it (or this is a poll from inside its own poll), and
    /// again while they are woken during the poll.
    pub(crate) fn drive(&self) {
        for _ in 0..MAX_REPOLLS {
            let Ok(mut conn) = self.conn.try_lock() else {
                // Another poller has it and polls again if it is woken.
                return;
            };
            let Some(pair) = conn.as_mut() else {
                return;
            };
            self.wake.running.store(true, Ordering::SeqCst);
            let mut finished = false;
            if self.wake.client_notified.swap(false, Ordering::SeqCst) {
                finished = pair
                    .client
                    .as_mut()
                    .poll(&mut Context::from_waker(&self.client_waker))
                    .is_ready();
            }
            if finished {
                *conn = None;
                self.done.store(true, Ordering::Release);
            } else if let Some(server) = pair.server.as_mut() {
                if self.wake.server_notified.swap(false, Ordering::SeqCst)
                    && server
                        .as_mut()
                        .poll(&mut Context::from_waker(&self.server_waker))
                        .is_ready()
                {
                    pair.server = None;
                }
            }
            drop(conn);
            self.wake.running.store(false, Ordering::SeqCst);
            if finished {
                // Tasks waiting on the connection see it closed.
                self.wake.wake_all();
                return;
            }
            if !self.wake.notified() {
                return;
            }
        }
        // Still woken after many polls (a future that keeps waking itself):
        // let the tasks' executors schedule the next poll.
        self.wake.wake_all();
    }
}
