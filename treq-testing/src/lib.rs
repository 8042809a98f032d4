//! treq-testing: test HTTP clients and server handlers in memory.
