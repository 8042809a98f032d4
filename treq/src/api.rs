//! Module-level request functions, like `treq.get(...)`: one client (a
//! pooled `HyperAgent` and its layer stack, built once) shared by every call
//! made on the same tokio runtime, and a fresh cookie jar per call.
//!
//! One pool per runtime, not per process: a connection's task runs on the
//! runtime that opened it, so a connection shared with another runtime dies
//! (or stalls) when its runtime shuts down (or is not being driven), failing
//! requests that did nothing wrong. Python's treq has one pool per reactor;
//! a runtime is the reactor here. A request started outside any runtime
//! (`rt.block_on(treq::get(url).send())`) takes the pool of the runtime it
//! is sent on, when it is sent.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use tokio::runtime::{Handle, Id};

use crate::agent::HyperAgent;
use crate::client::HttpClient;
use crate::client::RequestBuilder;
use crate::request::IntoUrl;

struct RuntimeAgent {
    runtime: Id,
    /// Dead once the runtime has shut down (a task on it holds the `Arc`).
    alive: Weak<()>,
    client: HttpClient<HyperAgent>,
}

static AGENTS: Mutex<Vec<RuntimeAgent>> = Mutex::new(Vec::new());

fn shared() -> HttpClient<HyperAgent> {
    HttpClient::builder(HyperAgent::new()).build_jar_per_call()
}

fn client() -> HttpClient<HyperAgent> {
    runtime_client().unwrap_or_else(|| {
        // Started outside a runtime: sent on the client of the runtime it
        // is sent on (or, sent outside any, failing there with a clear
        // error). This client itself never opens a connection.
        static OUTSIDE: OnceLock<HttpClient<HyperAgent>> = OnceLock::new();
        OUTSIDE
            .get_or_init(|| {
                HttpClient::builder(HyperAgent::new()).build_sent_elsewhere(runtime_client)
            })
            .clone()
    })
}

/// The client of the current runtime, made on its first request; `None`
/// outside a runtime.
fn runtime_client() -> Option<HttpClient<HyperAgent>> {
    let handle = Handle::try_current().ok()?;
    let mut agents = AGENTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = handle.id();
    if let Some(found) = agents.iter().find(|a| a.runtime == runtime) {
        return Some(found.client.clone());
    }
    // Forget the pools of runtimes that have shut down.
    agents.retain(|a| a.alive.strong_count() > 0);
    let token = Arc::new(());
    let alive = Arc::downgrade(&token);
    handle.spawn(async move {
        let _token = token;
        std::future::pending::<()>().await
    });
    let client = shared();
    agents.push(RuntimeAgent {
        runtime,
        alive,
        client: client.clone(),
    });
    Some(client)
}

/// Starts a request with any method (a [`Method`](crate::Method) or a name,
/// case-insensitive) on the shared client.
pub fn request<M>(method: M, url: impl IntoUrl) -> RequestBuilder<HyperAgent>
where
    M: TryInto<crate::Method>,
    M::Error: Into<http::Error>,
{
    client().request(method, url)
}

/// Starts a GET request on the shared agent.
///
/// ```no_run
/// # async fn run() -> treq::Result<()> {
/// let response = treq::get("http://127.0.0.1:8080/get").await?;
/// println!("{} {}", response.code(), response.text().await?);
/// # Ok(()) }
/// ```
pub fn get(url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
    client().get(url)
}

/// Starts a HEAD request on the shared agent.
pub fn head(url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
    client().head(url)
}

/// Starts a POST request on the shared agent.
pub fn post(url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
    client().post(url)
}

/// Starts a PUT request on the shared agent.
pub fn put(url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
    client().put(url)
}

/// Starts a PATCH request on the shared agent.
pub fn patch(url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
    client().patch(url)
}

/// Starts a DELETE request on the shared agent.
pub fn delete(url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
    client().delete(url)
}

/// Starts an OPTIONS request on the shared agent.
pub fn options(url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
    client().options(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_entries() -> usize {
        AGENTS.lock().unwrap().len()
    }

    /// Held by the tests that make runtimes' clients, so one's count of the
    /// live ones does not see another's.
    fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: Mutex<()> = Mutex::new(());
        SERIAL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[test]
    fn one_client_per_runtime_and_dead_runtimes_are_forgotten() {
        let _serial = one_at_a_time();
        for _ in 0..5 {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let (a, b) = (client(), client());
                assert!(Arc::ptr_eq(&a.inner, &b.inner), "one stack per runtime");
                let id = Handle::current().id();
                let agents = AGENTS.lock().unwrap();
                assert_eq!(agents.iter().filter(|e| e.runtime == id).count(), 1);
            });
        }
        // Each new runtime pruned the ones shut down before it.
        assert!(live_entries() <= 2, "{} entries kept", live_entries());
    }

    /// A keep-alive server on a thread of its own: `200 ok` to every request.
    fn keep_alive_server() -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                std::thread::spawn(move || {
                    let (mut seen, mut chunk) = (Vec::new(), [0u8; 1024]);
                    while let Ok(n @ 1..) = conn.read(&mut chunk) {
                        seen.extend_from_slice(&chunk[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if conn.write_all(reply).is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        format!("http://{addr}/")
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_request_started_outside_a_runtime_is_sent_on_the_pool_of_the_one_it_runs_on() {
        let _serial = one_at_a_time();
        let url = keep_alive_server();
        let (first_rt, second_rt) = (runtime(), runtime());
        // Both started outside any runtime. The first leaves a pooled
        // connection whose task lives on `first_rt`, which nothing drives
        // while the second runs on `second_rt`: sharing that pool would hang.
        let first = get(url.as_str()).send();
        assert_eq!(first_rt.block_on(first).unwrap().code(), 200);
        let second = get(url.as_str()).send();
        let sent = second_rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(5), second).await
        });
        assert_eq!(
            sent.expect("sent on first_rt's idle connection")
                .unwrap()
                .code(),
            200
        );
    }

    #[test]
    fn a_request_sent_outside_any_runtime_fails_with_a_clear_error() {
        use std::future::Future;
        use std::task::{Context, Poll, Waker};
        // Polled by hand, with no runtime at all: it fails at once.
        let mut sent = std::pin::pin!(get("http://127.0.0.1:9/").send());
        let Poll::Ready(sent) = sent.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
            panic!("still pending outside a runtime");
        };
        let err = sent.unwrap_err();
        assert!(err.to_string().contains("inside a tokio runtime"), "{err}");
    }

    #[tokio::test]
    async fn each_call_has_a_jar_of_its_own() {
        use crate::agent::spy::{reply, Spy};
        // The shared client's mode, over a spy: a cookie set during one call
        // is not sent by the next.
        let spy = Spy::new(|seen| {
            let mut r = reply(200);
            if seen.uri.ends_with("/set") {
                r = r.header("set-cookie", "sid=1");
            }
            r.body(crate::Body::empty()).unwrap()
        });
        let shared = HttpClient::builder(Arc::clone(&spy)).build_jar_per_call();
        let first = shared.get("http://a.example/set").await.unwrap();
        assert_eq!(first.cookies().get("sid").as_deref(), Some("1"));
        shared.get("http://a.example/next").await.unwrap();
        assert_eq!(spy.seen()[1].header("cookie"), None);
        assert!(
            shared.cookie_jar().is_empty(),
            "the session jar stays unused"
        );
    }

    #[tokio::test]
    async fn a_call_s_own_jar_follows_its_redirects_and_its_errors() {
        use crate::agent::spy::{reply, Spy};
        // `/login` sets a cookie and redirects to `/home`; `/loop` sets one
        // and redirects to itself.
        let spy = Spy::new(|seen| {
            let to = if seen.uri.ends_with("/login") {
                "/home"
            } else if seen.uri.ends_with("/loop") {
                "/loop"
            } else {
                return reply(200).body(crate::Body::empty()).unwrap();
            };
            reply(302)
                .header("set-cookie", "sid=1")
                .header("location", to)
                .body(crate::Body::empty())
                .unwrap()
        });
        let shared = HttpClient::builder(Arc::clone(&spy)).build_jar_per_call();
        let home = shared.get("http://a.example/login").await.unwrap();
        assert_eq!(
            spy.seen()[1].header("cookie"),
            Some("sid=1"),
            "the next hop sends it"
        );
        assert_eq!(home.cookies().get("sid").as_deref(), Some("1"));
        assert_eq!(home.history()[0].cookies().get("sid").as_deref(), Some("1"));
        // A response that sets none gives an empty jar.
        let plain = shared.get("http://a.example/plain").await.unwrap();
        assert!(plain.cookies().is_empty());
        // A chain that fails keeps its jar in the error's history.
        let err = shared
            .get("http://a.example/loop")
            .max_redirects(2)
            .await
            .unwrap_err();
        let history = err
            .history()
            .expect("a too-many-redirects error has history");
        assert!(!history.is_empty(), "{err:?}");
        assert_eq!(history[0].cookies().get("sid").as_deref(), Some("1"));
    }

    #[tokio::test]
    async fn a_call_s_own_cookies_are_sent_with_it() {
        use crate::agent::spy::{reply, Spy};
        let spy = Spy::new(|_| reply(200).body(crate::Body::empty()).unwrap());
        let shared = HttpClient::builder(Arc::clone(&spy)).build_jar_per_call();
        let resp = shared
            .get("http://a.example/")
            .cookies([("mine", "2")])
            .await
            .unwrap();
        assert_eq!(spy.seen()[0].header("cookie"), Some("mine=2"));
        assert_eq!(resp.cookies().get("mine").as_deref(), Some("2"));
    }
}
