//! A Cal.com API client for calbridge, usable on its own by any Rust
//! service, and the adapter behind the domain's [`CalendarPort`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), calbridge_calcom::CalcomError> {
//! use calbridge_calcom::{CalcomClient, CalcomConfig};
//! use secrecy::SecretString;
//!
//! let client = CalcomClient::new(CalcomConfig::new(SecretString::from("cal_live_...")))?;
//! let me = client.me().await?;
//! println!("acting as {}", me.username);
//! # Ok(()) }
//! ```
//!
//! What every call gets:
//! - `Authorization: Bearer <key>` and the `cal-api-version` its endpoint
//!   family needs ([`api_version()`], one table);
//! - a circuit breaker and a rate limiter per API key, optionally shared
//!   across instances through Redis ([`resilience`]);
//! - retries with jittered exponential backoff for idempotent calls and for
//!   429s, all within one deadline per operation; a booking create or
//!   reschedule is never re-sent blindly but looked up first (by
//!   correlation id, or the old booking's `rescheduledToUid`);
//! - typed errors ([`CalcomError`], converting into
//!   [`DomainError`](calbridge_domain::DomainError)), metrics
//!   ([`metrics`]), tracing spans, and [`CalcomClient::last_request_debug`];
//! - API v1 as a fallback ([`V1Mode`]).
//!
//! [`CalendarPort`]: calbridge_domain::ports::CalendarPort

pub mod api_version;
mod calendar_port;
mod client;
mod config;
pub mod dto;
mod error;
pub mod metrics;
mod operation;
mod redaction;
pub mod resilience;
mod v1;

pub use api_version::api_version;
pub use calendar_port::DEFAULT_CANCELLATION_REASON;
pub use client::CalcomClient;
pub use client::debug_record::RequestDebug;
pub use config::CalcomConfig;
pub use dto::{
    BookingDto, BookingRouting, BookingStatusDto, CancelBookingRequest, CreateBookingAttendee,
    CreateBookingRequest, EventTypeDto, ListBookingsQuery, MeDto, Page, Pagination,
    RescheduleBookingRequest, SlotDto, SlotsByDate, SlotsQuery,
};
pub use error::CalcomError;
pub use operation::{Operation, Safety};
pub use resilience::{
    BreakerPolicy, BreakerState, GuardRegistry, KeyFingerprint, RateLimitPolicy, RetryPolicy,
};
pub use v1::V1Mode;
