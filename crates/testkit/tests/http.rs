//! End-to-end tests of the mock over real HTTP (reqwest against a server on
//! 127.0.0.1). One binary, so the crate links once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod http {
    pub mod support;

    mod auth;
    mod bookings;
    mod concurrency;
    mod endpoints;
    mod faults;
    mod lifecycle;
    mod limits_and_v1;
    mod robustness;
    mod slots;
    mod versions;
    mod webhooks;
}
