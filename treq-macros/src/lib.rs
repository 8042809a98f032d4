//! treq-macros: `request_sequence!`.
