//! End-to-end tests of the real service over HTTP, with the testkit as
//! Cal.com. One binary, so the crate links once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod booking_flow;
mod calendar_changes;
mod composite_bookings;
mod connections;
mod errors;
mod health;
mod helpers;
mod idempotency;
mod local_holds;
mod races;
mod saga_recovery;
mod sync;
mod team_bookings;
mod webhooks;
