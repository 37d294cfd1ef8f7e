//! The client against wiremock (and the real Redis where noted): one test
//! binary, so it links once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod breaker;
mod in_doubt;
mod observability;
mod operations;
mod rate_limit;
mod redis_shared;
mod retries;
mod support;
mod v1;
mod wire;
