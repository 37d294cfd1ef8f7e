//! calbridge's HTTP service: the composition root that wires the Cal.com,
//! storage and cache adapters into the domain's use cases, and the axum
//! routes that expose them.
//!
//! Tests start the real service with [`startup::Application::build`] on
//! port 0, exactly as the binary does.

pub mod auth;
pub mod cli;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod routes;
pub mod saga_worker;
pub mod settings;
pub mod startup;
pub mod state;
pub mod sync;
pub mod telemetry;
pub mod tenancy;
pub mod time_params;
