//! Hidden paths for the code `treq_macros::request_sequence!` generates.
//! Not public API: only the macro may rely on these names.

pub use crate::matchers::{any, json_body, params_exact, regex, HasHeaders};
pub use crate::resource::StubResponse;
pub use crate::sequence::{Expect, RequestSequence};
pub use ::serde_json;
