//! Integration tests of calbridge-storage, in one binary so the crate links
//! once: the domain's conformance suites on both backends, connection
//! behaviour, the no-double-booking races, atomicity, leases, outages,
//! encryption at rest, and the bookkeeping columns the ports do not expose.
//!
//! Postgres tests read `DATABASE_URL` (a server URL; each test creates and
//! drops its own `calbridge_test_<uuid>` database). Without it, or with the
//! server down, they print `skipped: …`, or fail when `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod atomicity;
mod bookkeeping;
mod conformance;
mod connect;
mod no_double_booking;
mod outages;
mod resilience;
mod saga_leases;
mod secrets;
mod support;
