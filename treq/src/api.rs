//! Module-level request functions, like `treq.get(...)`: one client (a
//! pooled `HyperAgent` and its layer stack, built once) shared by every call
//! made on the same tokio runtime, and a fresh cookie jar per call.
//!
//! One pool per runtime, not per process: a connection's task runs on the
//! runtime that opened it, so a connection shared with another runtime dies
//! (or stalls) when its runtime shuts down (or is not being driven), failing
//! requests that did nothing wrong. Python's treq has one pool per reactor;
//! a runtime is the reactor here.

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
    let Ok(handle) = Handle::try_current() else {
        // Built outside a runtime (it must still be sent inside one).
        static OUTSIDE: OnceLock<HttpClient<HyperAgent>> = OnceLock::new();
        return OUTSIDE.get_or_init(shared).clone();
    };
    let mut agents = AGENTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = handle.id();
    if let Some(found) = agents.iter().find(|a| a.runtime == runtime) {
        return found.client.clone();
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
    client
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

    #[test]
    fn one_client_per_runtime_and_dead_runtimes_are_forgotten() {
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
