//! The request URL as the layers see it, and the userinfo rules every layer
//! shares: credentials in a URL are taken out of it before anything shows or
//! sends it.

use url::{Position, Url};

use crate::error::{self, take_userinfo, without_userinfo};

/// The parsed URL of a request as it goes on the wire (no userinfo, no
/// fragment), carried in the request extensions so the wrapper agents need not
/// parse the URI again (URL parsing was the largest per-request cost).
#[derive(Debug, Clone)]
pub(crate) struct RequestUrl(pub(crate) Url);

impl RequestUrl {
    /// The wire form of `url`: what `to_uri` sends, as a `Url`.
    pub(crate) fn wire(url: &Url) -> RequestUrl {
        let mut wire = url.clone();
        if wire.fragment().is_some() {
            wire.set_fragment(None);
        }
        take_userinfo(&mut wire);
        RequestUrl(wire)
    }
}

/// The request's URL: from the extension when a treq layer put it there, else
/// parsed from the URI (`None` for a relative URI).
pub(crate) fn url_of<B>(request: &http::Request<B>) -> Option<Url> {
    match request.extensions().get::<RequestUrl>() {
        Some(RequestUrl(url)) => Some(url.clone()),
        None => Url::parse(&request.uri().to_string()).ok(),
    }
}

/// The absolute URI an agent receives: no userinfo and no fragment.
pub(crate) fn to_uri(url: &Url) -> crate::Result<http::Uri> {
    if !url.has_host() {
        return Err(error::builder(format!(
            "invalid URL {:?}: it has no host",
            without_userinfo(url).as_str()
        )));
    }
    // Without userinfo and fragment the URL is already its wire form.
    let plain = url.username().is_empty() && url.password().is_none() && url.fragment().is_none();
    let target = if plain {
        std::borrow::Cow::Borrowed(url.as_str())
    } else {
        std::borrow::Cow::Owned(format!(
            "{}://{}",
            url.scheme(),
            &url[Position::BeforeHost..Position::AfterQuery]
        ))
    };
    http::Uri::try_from(target.as_ref()).map_err(|e| {
        let shown = without_userinfo(url);
        error::builder_with(format!("invalid URL {:?}: {e}", shown.as_str()), e)
    })
}
