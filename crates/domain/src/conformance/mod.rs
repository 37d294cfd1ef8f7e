//! Conformance suites: one per port, written once and run by every adapter
//! crate against each of its backends (enable the `conformance` feature in
//! `[dev-dependencies]`). An adapter that passes behaves like every other.

pub mod appointments;
pub mod booking_repository;
pub mod cache;
pub mod connections;
pub mod idempotency;
pub mod saga_log;
pub mod slot_holds;
mod support;
pub mod sync_state;
pub mod tenants;
pub mod webhook_events;
pub mod webhook_identities;
