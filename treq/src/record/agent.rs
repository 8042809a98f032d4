use crate::agent::{agent_of_layer, Inline, Layer};
use crate::extensions::{HopExtensions, RequestUrl, SentRequest};
use crate::Body;

/// Records each request it passes on to `inner` (see the module docs).
pub(crate) struct RecordAgent<A> {
    inner: A,
    /// `inner` puts a `SentRequest` on every response itself.
    inner_records: bool,
}

impl<A> RecordAgent<A> {
    pub(crate) fn new(inner: A) -> Self {
        RecordAgent {
            inner,
            inner_records: false,
        }
    }

    /// Trusts `inner` to put the `SentRequest` of every request on its
    /// response, so none is copied here (see the module docs).
    pub(crate) fn inner_records(mut self, records: bool) -> Self {
        self.inner_records = records;
        self
    }
}

agent_of_layer!(RecordAgent);

impl<A: Layer> Layer for RecordAgent<A> {
    type Future = Inline<A::Future>;

    fn call(&self, mut request: http::Request<Body>) -> Self::Future {
        // Every value the client and the layers set is marked already; the
        // record's copy is marked again in case the request came from
        // elsewhere. The URL moves into the record: nothing below reads it.
        let mut extensions = std::mem::take(request.extensions_mut());
        let known = extensions.remove::<RequestUrl>().map(|RequestUrl(url)| url);
        let own = (!self.inner_records).then(|| {
            SentRequest::new(
                request.method().clone(),
                request.uri().clone(),
                request.headers().clone(),
            )
        });
        let fut = self.inner.call(request);
        if own.is_none() && known.is_none() && extensions.is_empty() {
            // The transport's record is the whole record: nothing to add.
            return Inline::Inner(fut);
        }
        Inline::Boxed(Box::pin(async move {
            let mut response = fut.await?;
            let carried = response.extensions_mut();
            if let Some(sent) = own {
                carried.insert(sent);
            }
            if let (Some(url), Some(sent)) = (known, carried.get_mut::<SentRequest>()) {
                sent.set_url(url);
            }
            // A plain request carries none (the layers hold the defaults).
            if !extensions.is_empty() {
                carried.insert(HopExtensions(extensions));
            }
            Ok(response)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::spy::{reply, Spy};
    use crate::agent::Agent;

    #[tokio::test]
    async fn over_a_transport_that_records_only_the_url_is_added() {
        // The transport's own record, as `HyperAgent` makes it.
        let spy = Spy::new(|_| {
            let mut response = reply(200).body(Body::empty()).unwrap();
            let sent = SentRequest::new(
                http::Method::GET,
                "http://example.com/x".parse().unwrap(),
                http::HeaderMap::new(),
            );
            response.extensions_mut().insert(sent);
            response
        });
        let agent = RecordAgent::new(std::sync::Arc::clone(&spy)).inner_records(true);
        let url = url::Url::parse("http://example.com/x").unwrap();
        let request = http::Request::builder()
            .uri("http://example.com/x")
            .header("x-only-here", "1")
            .extension(RequestUrl(url.clone()))
            .body(Body::empty())
            .unwrap();
        let response = agent.request(request).await.unwrap();
        let sent = response.extensions().get::<SentRequest>().unwrap();
        assert!(
            !sent.headers().contains_key("x-only-here"),
            "no copy of its own"
        );
        assert_eq!(sent.url(), Some(&url));
    }

    #[tokio::test]
    async fn the_response_carries_the_request_as_sent_and_its_values() {
        let spy = Spy::new(|_| reply(200).body(Body::empty()).unwrap());
        let agent = RecordAgent::new(std::sync::Arc::clone(&spy));
        let url = url::Url::parse("http://example.com/x?y=1").unwrap();
        let mut auth = http::HeaderValue::from_static("Basic c2VjcmV0");
        auth.set_sensitive(true);
        let request = http::Request::builder()
            .uri("http://example.com/x?y=1")
            .header("authorization", auth)
            .header("x-plain", "shown")
            .extension(RequestUrl(url.clone()))
            .extension(crate::extensions::ReadTimeout(
                std::time::Duration::from_secs(1),
            ))
            .body(Body::empty())
            .unwrap();
        let response = agent.request(request).await.unwrap();
        let sent = response.extensions().get::<SentRequest>().unwrap();
        assert_eq!(sent.uri(), "http://example.com/x?y=1");
        assert_eq!(sent.url(), Some(&url));
        let shown = format!("{sent:?}");
        assert!(
            shown.contains("shown") && !shown.contains("c2VjcmV0"),
            "{shown}"
        );
        // The transport gets the head and the body, not treq's own values:
        // they come back on the response for the redirect layer.
        assert!(spy.seen()[0].extensions.is_empty());
        let HopExtensions(carried) = response.extensions().get::<HopExtensions>().unwrap();
        assert!(carried.get::<crate::extensions::ReadTimeout>().is_some());
        assert!(
            carried.get::<RequestUrl>().is_none(),
            "the URL moved into the record"
        );
    }
}
