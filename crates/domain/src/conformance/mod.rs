//! Conformance suites: one per port, written once and run by every adapter
//! crate against each of its backends (enable the `conformance` feature in
//! `[dev-dependencies]`). An adapter that passes behaves like every other.

pub mod booking_repository;
pub mod cache;
