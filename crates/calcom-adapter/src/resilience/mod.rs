//! What keeps calls to Cal.com safe when Cal.com (or the network) is not:
//! retry decisions ([`retry`]), the circuit breaker ([`breaker`]), the rate
//! limiter ([`rate_limit`]), the per-key state that ties them together
//! ([`guards`]), and their optional Redis side shared across instances
//! ([`shared`]).
//!
//! Every timer runs on tokio's clock, so tests step through minutes of
//! backoff and breaker time with `tokio::time::pause`.

pub mod breaker;
mod fingerprint;
pub(crate) mod guards;
pub mod rate_limit;
pub mod retry;
pub(crate) mod shared;

pub use breaker::{BreakerPolicy, BreakerState};
pub use fingerprint::KeyFingerprint;
pub use guards::GuardRegistry;
pub use rate_limit::RateLimitPolicy;
pub use retry::{Decision, Failure, RetryPolicy, decide};
