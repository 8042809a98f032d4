use crate::agent::{Agent, ResponseFuture};
use crate::extensions::{mark_sensitive, RequestUrl, SentRequest};
use crate::Body;

/// Records each request it passes on to `inner` (see the module docs).
pub(crate) struct RecordAgent<A> {
    inner: A,
}

impl<A> RecordAgent<A> {
    pub(crate) fn new(inner: A) -> Self {
        RecordAgent { inner }
    }
}

impl<A: Agent> Agent for RecordAgent<A> {
    fn request(&self, mut request: http::Request<Body>) -> ResponseFuture {
        mark_sensitive(request.headers_mut(), &[]);
        let mut sent = SentRequest::new(
            request.method().clone(),
            request.uri().clone(),
            request.headers().clone(),
        );
        if let Some(RequestUrl(known)) = request.extensions().get::<RequestUrl>() {
            sent = sent.with_url(known.clone());
        }
        let fut = self.inner.request(request);
        Box::pin(async move {
            let mut response = fut.await?;
            response.extensions_mut().insert(sent);
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::spy::{reply, Spy};

    #[tokio::test]
    async fn the_response_carries_the_request_as_sent_with_secrets_hidden() {
        let spy = Spy::new(|_| reply(200).body(Body::empty()).unwrap());
        let agent = RecordAgent::new(std::sync::Arc::clone(&spy));
        let request = http::Request::builder()
            .uri("http://example.com/x?y=1")
            .header("authorization", "Basic c2VjcmV0")
            .header("x-plain", "shown")
            .body(Body::empty())
            .unwrap();
        let response = agent.request(request).await.unwrap();
        let sent = response.extensions().get::<SentRequest>().unwrap();
        assert_eq!(sent.uri(), "http://example.com/x?y=1");
        assert_eq!(sent.url().unwrap().as_str(), "http://example.com/x?y=1");
        let shown = format!("{sent:?}");
        assert!(
            shown.contains("shown") && !shown.contains("c2VjcmV0"),
            "{shown}"
        );
        assert!(spy.seen()[0].headers["authorization"].is_sensitive());
    }
}
