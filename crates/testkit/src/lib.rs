//! An in-memory Cal.com (API v2, plus the v1 fallback) that behaves like
//! the real one.
//!
//! calbridge's own tests, its demo mode and outside users (as a
//! dev-dependency) run [`MockCalcom`] in-process instead of talking to
//! `api.cal.com`. It is not a canned-response stub: it keeps state (a booked
//! slot disappears from `GET /v2/slots`, comes back after a cancel, a
//! reschedule creates a new uid and cancels the old booking, a reservation
//! hides a slot until it expires), computes slots from schedules in real
//! time zones (DST included, several hosts), answers with Cal.com's own
//! paths, status codes, envelopes, error messages and rate-limit headers,
//! and POSTs signed webhooks (see `shared/calcom/NOTES.md` §1–§6, §9, §10).
//! Tests can make it misbehave on demand ([`Faults`]), watch what was
//! called ([`MockCalcom::journal`]) and steer webhook delivery
//! ([`Webhooks`]).
//!
//! # Use it in your tests
//!
//! ```toml
//! [dev-dependencies]
//! calbridge-testkit = { git = "https://github.com/calbridge/calbridge" }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! ```no_run
//! use calbridge_testkit::{MockCalcom, Route};
//!
//! # async fn demo() {
//! let cal = MockCalcom::start().await;
//! // Point your Cal.com client at `cal.base_url()` with
//! // `Authorization: Bearer {cal.api_key()}`.
//! let url = format!("{}/v2/me", cal.base_url());
//! # let _ = url;
//! // The next booking attempt gets a 503, the one after succeeds.
//! cal.faults().fail_next(Route::CreateBooking, 1, 503);
//! // ... run your code ...
//! assert!(cal.journal().iter().any(|e| e.route == Some(Route::CreateBooking)));
//! # }
//! ```
//!
//! Or run it alone, with its demo data, for manual tests or other
//! languages: `cargo run -p calbridge-testkit -- --port 5555` (flags:
//! `--host`, `--api-key`, `--time-zone`, `--rate-limit`, `--v1-gone`).
//!
//! # What is served
//!
//! | Route | `cal-api-version` | Auth |
//! |---|---|---|
//! | `GET /v2/me` | any | required |
//! | `GET /v2/event-types`, `GET /v2/event-types/{id}` | `2024-06-14` | optional / required |
//! | `GET /v2/schedules`, `/v2/schedules/default`, `/v2/schedules/{id}` | `2024-06-11` or `2024-06-14` | required |
//! | `GET /v2/slots` | `2024-09-04` | none |
//! | `POST /v2/slots/reservations`, `GET/PATCH/DELETE /v2/slots/reservations/{uid}` | `2024-09-04` | optional |
//! | `POST /v2/bookings`, `GET /v2/bookings/{uid}` | `2024-08-13` | optional |
//! | `GET /v2/bookings` (filters, sorting, `take`/`skip`, `pagination`) | `2024-08-13` | required |
//! | `POST /v2/bookings/{uid}/cancel` (200), `/reschedule` (201) | `2024-08-13` | optional |
//! | `POST /v2/bookings/{uid}/confirm`, `/decline`, `/mark-absent` | `2024-08-13` | required |
//! | `GET /v2/teams`, `/v2/teams/{id}`, `/v2/teams/{id}/event-types` | any | required / none |
//! | `GET/POST /v2/webhooks`, `GET/PATCH/DELETE /v2/webhooks/{id}` | any | required |
//! | `GET /v1/me`, `/v1/event-types[/{id}]`, `/v1/schedules[/{id}]`, `/v1/users[/{id}]`, `POST /v1/bookings`, `GET /v1/bookings/{id}` | — | `?apiKey=` |
//!
//! Every `/v2` response carries `X-Request-Id`; API-key callers get
//! `X-RateLimit-{Limit,Remaining,Reset}-Default` and, past the limit
//! (default 120 per 60 s per key, [`MockConfig::with_rate_limit`]), a 429
//! `ThrottlerException`. v1 has its own limit (a quarter of v2's) and
//! headers, and answers 410 Gone for every route once shut down
//! ([`MockCalcom::set_v1_gone`], [`MockConfig::with_v1_gone`]).
//!
//! # Demo data
//!
//! The demo user (`calbridge-demo`, id 1) works Monday–Friday 09:00–17:00
//! in [`MockConfig::time_zone`] (date overrides:
//! [`MockConfig::with_date_override`]) and offers the event types in
//! [`MockCalcom::event_type_ids`] (1001: 30 min, 1002: 60 min with a 10 min
//! after-buffer, 1003: 15 min with `lengthInMinutesOptions` [15, 30, 45],
//! 1004: hidden 45 min). The team `calbridge-team` (id 501) adds a
//! colleague (id 2) working 09:00–12:00 and 13:00–17:00 in New York and the
//! team event types in [`MockCalcom::team_event_type_ids`]: 2001 (30 min,
//! collective: both hosts must be free) and 2002 (30 min, round robin, each
//! booking `pending` until the host confirms or declines).
//!
//! # Webhooks
//!
//! Subscribers (`POST /v2/webhooks` or [`Webhooks::subscribe`]) get Cal.com's
//! body `{triggerEvent, createdAt, payload}` (uppercase `status`) for
//! `BOOKING_CREATED`, `_REQUESTED`, `_RESCHEDULED`, `_CANCELLED`,
//! `_REJECTED` and `_NO_SHOW_UPDATED`, signed `X-Cal-Signature-256` = hex
//! HMAC-SHA256 of the raw body, with `X-Cal-Webhook-Version: 2021-10-20`,
//! once, asynchronously. [`Webhooks`] waits for deliveries, sends `PING`,
//! holds and releases them in any order, drops and replays them.
//!
//! # Faults and the admin surface
//!
//! [`Faults`] (from [`MockCalcom::faults`]) fails, delays or hangs the next
//! calls of a [`Route`], applies a booking and then cuts the connection
//! (the caller is "in doubt": the status line may arrive, the body never
//! does), forces Cal.com's conflict answer, or sends broken JSON. The same
//! controls exist over HTTP for out-of-process use, never journaled,
//! limited or faulted:
//!
//! | Admin route | Body |
//! |---|---|
//! | `POST /_testkit/faults` | `{"route":"CreateBooking","kind":"fail","status":503,"times":2}`; kinds `fail`, `hang`, `dropResponseAfterApply`, `conflict`, `malformedJson` |
//! | `POST /_testkit/faults/latency` | `{"route":"GetSlots","ms":250}` |
//! | `GET`/`DELETE /_testkit/faults` | armed faults / disarm all |
//! | `GET`/`DELETE /_testkit/journal` | the request journal / clear it |
//! | `GET /_testkit/webhooks/deliveries` | the delivery log |
//! | `POST /_testkit/webhooks/{id}/ping` | — |
//! | `POST /_testkit/webhooks/deliveries/{id}/redeliver` | — |
//! | `POST /_testkit/webhooks/hold` | `{"on":true}` |
//! | `POST /_testkit/webhooks/release` | `{"ids":[3,2]}` (without `ids`: all held, newest first) |
//! | `POST /_testkit/webhooks/drop` | `{"count":1}` |
//! | `POST /_testkit/v1` | `{"gone":true}` |
//!
//! # Deliberate deviation: legacy API versions
//!
//! Real Cal.com routes a missing, unknown or older `cal-api-version` on
//! `/v2/bookings/**` (anything but `2024-08-13`, except `2024-09-04`), on
//! `/v2/event-types` (none, `2024-04-15`, `2024-06-11`) and on
//! `/v2/schedules` (`2024-04-15`) to *legacy* controllers that answer with a
//! different body shape. This mock does not implement those shapes. It
//! answers **400** with error code `TestkitUnsupportedVersion` and a message
//! naming the version the endpoint needs, so a client that sends the wrong
//! version fails loudly in tests instead of silently parsing a legacy body.
//! Where Cal.com has no controller at all for the version sent (event types
//! or schedules with `2024-08-13`/`2024-09-04`, `/v2/slots/**` with anything
//! but `2024-09-04`, bookings with `2024-09-04`) the mock answers Cal.com's
//! own **404** `Cannot GET /v2/...`.
//!
//! # Other known simplifications
//!
//! - One API key, one account with one team; no seats, no recurring event
//!   types, no booking window, no calendar integrations (busy times come
//!   from bookings and reservations only).
//! - Anonymous callers are not rate limited (Cal.com limits them per IP).
//! - A reservation blocks its hosts for every event type; its holder books
//!   it by sending Cal.com's reservation cookie `uid=<reservationUid>`.
//! - Webhooks use the default body even when a `payloadTemplate` is set.
//! - `GET /v2/bookings/{uid}` never returns recurring-series arrays.
//! - A booking must start exactly on a slot `GET /v2/slots` would offer
//!   (real Cal.com only checks availability, not grid alignment).

// The event-type body is one big `json!` literal.
#![recursion_limit = "256"]

mod admin;
mod auth;
mod bookings;
mod config;
mod demo_data;
mod envelope;
mod error;
mod event_types;
mod faults;
mod journal;
mod js_compat;
mod mock;
mod pagination;
mod rate_limit;
mod reservations;
mod routes;
mod server;
mod slots;
mod state;
mod v1;
mod validation;
mod version;
mod webhooks;

pub use bookings::MockBooking;
pub use config::{DateOverride, MockConfig, RateLimit};
pub use faults::{ArmedFault, FaultKind, Faults, Route};
pub use journal::{JournalEntry, fingerprint};
pub use mock::MockCalcom;
pub use webhooks::{DeliveryOutcome, TestkitError, WebhookDelivery, Webhooks};
