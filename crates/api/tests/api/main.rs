//! End-to-end tests of the real service over HTTP, with the testkit as
//! Cal.com. One binary, so the crate links once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod booking_flow;
mod errors;
mod health;
mod helpers;
