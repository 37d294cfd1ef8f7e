//! Integration tests of calbridge-cache, one binary so it links once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connect;
mod in_process;
mod redis_env;
mod redis_failures;
mod redis_real;
mod tcp_proxy;
