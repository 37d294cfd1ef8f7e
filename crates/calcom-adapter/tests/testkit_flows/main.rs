//! Whole flows and fault scenarios against the testkit's stateful mock
//! Cal.com (real HTTP, real state): lost answers that must not double-book,
//! Cal.com's rate limit, the breaker's whole cycle, shared Redis state, the
//! v1 fallback, reservations, webhooks and pagination. One binary, so it
//! links once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod breaker;
mod in_doubt;
mod lifecycle;
mod pagination;
mod rate_limit;
mod redis_shared;
mod reservations;
mod support;
mod v1;
mod webhooks;
