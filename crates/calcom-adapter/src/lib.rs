//! A Cal.com API v2 client for calbridge, usable on its own by any Rust
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
//! Every call sends `Authorization: Bearer <key>` and the `cal-api-version`
//! its endpoint family needs ([`api_version()`]). Failures are classified into
//! [`CalcomError`], which converts into
//! [`DomainError`](calbridge_domain::DomainError). There are no retries here;
//! a caller can use [`CalcomError::is_retryable`].
//!
//! [`CalendarPort`]: calbridge_domain::ports::CalendarPort

pub mod api_version;
mod calendar_port;
mod client;
mod config;
pub mod dto;
mod error;
mod operation;
mod redaction;

pub use api_version::api_version;
pub use calendar_port::DEFAULT_CANCELLATION_REASON;
pub use client::CalcomClient;
pub use config::CalcomConfig;
pub use dto::{
    BookingDto, BookingStatusDto, CancelBookingRequest, CreateBookingAttendee,
    CreateBookingRequest, EventTypeDto, ListBookingsQuery, MeDto, Page, Pagination,
    RescheduleBookingRequest, SlotDto, SlotsByDate, SlotsQuery,
};
pub use error::CalcomError;
pub use operation::Operation;
