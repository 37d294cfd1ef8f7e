//! Faults on demand: make the next calls of a route fail, stall, hang,
//! lose their response after the change was applied, conflict, or return
//! broken JSON. Driven from Rust ([`Faults`]) or over HTTP
//! (`/_testkit/faults`, see the crate docs).

pub(crate) mod route;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub use route::Route;

use crate::bookings::store::SLOT_UNAVAILABLE;
use crate::error::ApiError;
use crate::state::AppState;

/// What an armed fault does to a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with this status (Cal.com's error envelope; a bare 500 gets
    /// Nest's un-enveloped `{"statusCode":500,...}`) without running the
    /// handler.
    Fail {
        /// HTTP status to answer with.
        status: u16,
    },
    /// Never answer (the caller's timeout fires). Nothing is applied.
    Hang,
    /// Run the handler (the booking is made), then break the connection
    /// instead of sending the body: the caller is "in doubt".
    DropResponseAfterApply,
    /// Answer as Cal.com does when someone else got the slot first (400
    /// "User either already has booking…" for bookings, 422 for
    /// reservations, 409 elsewhere), without applying anything.
    Conflict,
    /// Run the handler, then send its status with a truncated JSON body.
    MalformedJson,
}

/// One armed fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmedFault {
    /// Which route it hits.
    pub route: Route,
    /// What it does.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many more calls it hits.
    pub remaining: u32,
}

#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    armed: Vec<ArmedFault>,
    latency: Vec<(Route, Duration)>,
}

impl FaultTable {
    fn take(&mut self, route: Route) -> Option<FaultKind> {
        let idx = self
            .armed
            .iter()
            .position(|f| f.remaining > 0 && f.route.matches(route))?;
        let f = &mut self.armed[idx];
        f.remaining -= 1;
        let kind = f.kind;
        if f.remaining == 0 {
            self.armed.remove(idx);
        }
        Some(kind)
    }

    fn delay(&self, route: Route) -> Duration {
        self.latency
            .iter()
            .filter(|(r, _)| r.matches(route))
            .map(|(_, d)| *d)
            .sum()
    }
}

/// Shared, lockable fault table.
pub(crate) type SharedFaults = Arc<Mutex<FaultTable>>;

/// Arms faults on a running mock; get it from [`crate::MockCalcom::faults`].
///
/// Faults are consumed in the order they were armed; each call of a
/// matching route uses up one.
#[derive(Clone)]
pub struct Faults {
    table: SharedFaults,
}

impl Faults {
    pub(crate) fn new(table: SharedFaults) -> Self {
        Self { table }
    }

    fn with<R>(&self, f: impl FnOnce(&mut FaultTable) -> R) -> R {
        f(&mut self.table.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Arms `kind` for the next `times` calls of `route`.
    pub fn arm(&self, route: Route, kind: FaultKind, times: u32) -> &Self {
        if times > 0 {
            self.with(|t| {
                t.armed.push(ArmedFault {
                    route,
                    kind,
                    remaining: times,
                });
            });
        }
        self
    }

    /// The next `times` calls of `route` answer `status` without applying.
    pub fn fail_next(&self, route: Route, times: u32, status: u16) -> &Self {
        self.arm(route, FaultKind::Fail { status }, times)
    }

    /// Every call of `route` waits `delay` first (until [`Faults::clear`]);
    /// several latencies on one route add up.
    pub fn latency(&self, route: Route, delay: Duration) -> &Self {
        self.with(|t| t.latency.push((route, delay)));
        self
    }

    /// The next `times` calls of `route` never get an answer.
    pub fn hang(&self, route: Route, times: u32) -> &Self {
        self.arm(route, FaultKind::Hang, times)
    }

    /// The next `times` calls of `route` are applied, but the connection is
    /// cut before the response body arrives.
    pub fn drop_response_after_apply(&self, route: Route, times: u32) -> &Self {
        self.arm(route, FaultKind::DropResponseAfterApply, times)
    }

    /// The next `times` calls of `route` lose a race they never saw.
    pub fn force_conflict(&self, route: Route, times: u32) -> &Self {
        self.arm(route, FaultKind::Conflict, times)
    }

    /// The next `times` calls of `route` are applied and answered with
    /// broken JSON.
    pub fn malformed_json(&self, route: Route, times: u32) -> &Self {
        self.arm(route, FaultKind::MalformedJson, times)
    }

    /// Disarms everything (armed faults and latencies).
    pub fn clear(&self) {
        self.with(|t| {
            t.armed.clear();
            t.latency.clear();
        });
    }

    /// Faults still armed.
    pub fn armed(&self) -> Vec<ArmedFault> {
        self.with(|t| t.armed.clone())
    }
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("armed", &self.armed())
            .finish_non_exhaustive()
    }
}

/// Middleware: applies latency and the first armed fault of the route.
pub(crate) async fn inject(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(route) = Route::classify(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let faults = state.faults();
    let (delay, fault) = faults.with(|t| (t.delay(route), t.take(route)));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        None => next.run(req).await,
        Some(FaultKind::Fail { status }) => ApiError::Injected(status).into_response(),
        Some(FaultKind::Hang) => {
            // Until the mock stops; then the connection just closes.
            state.closed().await;
            ApiError::Injected(503).into_response()
        }
        Some(FaultKind::Conflict) => conflict(route).into_response(),
        Some(FaultKind::DropResponseAfterApply) => {
            let res = next.run(req).await;
            let (mut parts, _) = res.into_parts();
            parts.headers.remove(CONTENT_LENGTH);
            // Headers go out, then the body fails: hyper aborts the
            // connection mid-response.
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "calbridge-testkit: response dropped after apply",
                ))
            });
            Response::from_parts(parts, Body::from_stream(broken))
        }
        Some(FaultKind::MalformedJson) => {
            let res = next.run(req).await;
            let (mut parts, _) = res.into_parts();
            parts.headers.remove(CONTENT_LENGTH);
            parts
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Response::from_parts(parts, Body::from(r#"{"status":"success","data":{"id":"#))
        }
    }
}

fn conflict(route: Route) -> ApiError {
    match route {
        Route::CreateBooking | Route::RescheduleBooking => {
            ApiError::BadRequest(SLOT_UNAVAILABLE.to_owned())
        }
        Route::CreateReservation | Route::UpdateReservation => {
            ApiError::Unprocessable(crate::reservations::ALREADY_BOOKED.to_owned())
        }
        Route::CreateWebhook => ApiError::Conflict(crate::webhooks::DUPLICATE_URL.to_owned()),
        _ => ApiError::Conflict(
            "Invalid Input: Trying to create a record that already exists.".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_consumed_in_order_and_count_down() {
        let f = Faults::new(SharedFaults::default());
        f.fail_next(Route::CreateBooking, 2, 503)
            .force_conflict(Route::Any, 1);
        let take = |r| f.with(|t| t.take(r));
        assert_eq!(take(Route::GetMe), Some(FaultKind::Conflict));
        assert_eq!(take(Route::GetMe), None);
        assert_eq!(
            take(Route::CreateBooking),
            Some(FaultKind::Fail { status: 503 })
        );
        assert_eq!(
            take(Route::CreateBooking),
            Some(FaultKind::Fail { status: 503 })
        );
        assert_eq!(take(Route::CreateBooking), None);
        f.latency(Route::GetSlots, Duration::from_millis(5))
            .latency(Route::Any, Duration::from_millis(7));
        assert_eq!(
            f.with(|t| t.delay(Route::GetSlots)),
            Duration::from_millis(12)
        );
        f.clear();
        assert!(f.armed().is_empty());
        assert_eq!(f.with(|t| t.delay(Route::GetSlots)), Duration::ZERO);
    }

    #[test]
    fn armed_faults_round_trip_through_json() {
        let a = ArmedFault {
            route: Route::CreateBooking,
            kind: FaultKind::Fail { status: 503 },
            remaining: 2,
        };
        let v = serde_json::to_value(a).unwrap_or_default();
        assert_eq!(
            v,
            serde_json::json!({"route":"CreateBooking","kind":"fail","status":503,"remaining":2})
        );
        let back: ArmedFault = serde_json::from_value(v).unwrap_or(ArmedFault {
            route: Route::Any,
            kind: FaultKind::Hang,
            remaining: 0,
        });
        assert_eq!(back, a);
    }
}
