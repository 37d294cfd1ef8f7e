//! Integration tests of calbridge-storage, in one binary so the crate links
//! once: the domain's conformance suite on both backends, connection
//! behaviour, and the bookkeeping columns the port does not expose.
//!
//! Postgres tests read `DATABASE_URL` (a server URL; each test creates and
//! drops its own `calbridge_test_<uuid>` database). Without it, or with the
//! server down, they print `skipped: …`, or fail when `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bookkeeping;
mod conformance;
mod connect;
mod resilience;
mod support;
