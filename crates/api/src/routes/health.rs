//! `GET /api/health`: the state of every dependency.
//!
//! 200 while bookings can be served from the database (a cache or Cal.com
//! outage degrades, it does not take calbridge down); 503 when the
//! database is unreachable, so load balancers stop sending traffic.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::state::{AppState, Mode};

/// How long one dependency may take to answer a health probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/health", get(health))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    status: &'static str,
    latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Checks {
    database: Check,
    cache: Check,
    calcom: Check,
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    mode: Mode,
    version: &'static str,
    checks: Checks,
}

async fn probe<F, T>(f: F) -> Check
where
    F: Future<Output = calbridge_domain::Result<T>>,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(PROBE_TIMEOUT, f).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(Ok(_)) => Check {
            status: "up",
            latency_ms,
            error: None,
        },
        Ok(Err(e)) => Check {
            status: "down",
            latency_ms,
            error: Some(e.to_string()),
        },
        Err(_) => Check {
            status: "down",
            latency_ms,
            error: Some("timed out".to_owned()),
        },
    }
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (database, cache, calcom) = tokio::join!(
        probe(state.repository.ping()),
        probe(state.cache.ping()),
        probe(state.calendar.account()),
    );
    let (code, status) = if database.status != "up" {
        (StatusCode::SERVICE_UNAVAILABLE, "down")
    } else if cache.status != "up" || calcom.status != "up" {
        (StatusCode::OK, "degraded")
    } else {
        (StatusCode::OK, "ok")
    };
    (
        code,
        Json(Health {
            status,
            mode: state.mode,
            version: env!("CARGO_PKG_VERSION"),
            checks: Checks {
                database,
                cache,
                calcom,
            },
        }),
    )
}
