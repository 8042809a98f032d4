//! Module-level request functions, like `treq.get(...)`: a shared pooled
//! `HyperAgent` (created on first use) and a fresh cookie jar per call.

use std::sync::OnceLock;

use crate::agent::HyperAgent;
use crate::client::HttpClient;
use crate::request::{IntoUrl, RequestBuilder};

fn client() -> HttpClient<HyperAgent> {
    static AGENT: OnceLock<HyperAgent> = OnceLock::new();
    HttpClient::new(AGENT.get_or_init(HyperAgent::new).clone())
}

/// Starts a request with any method on the shared agent.
pub fn request(method: &str, url: impl IntoUrl) -> RequestBuilder<HyperAgent> {
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
