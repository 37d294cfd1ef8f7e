//! `GET /api/health` reports every dependency; a dead database is a 503.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use calbridge_api::state::{AppState, Mode};
use calbridge_api::tenancy::StaticCalendarDirectory;
use calbridge_domain::ports::{
    MockBookingRepository, MockCachePort, MockCalendarPort, SystemClock,
};
use calbridge_domain::{DomainError, TenantId, Upstream};
use tower::ServiceExt;

use crate::helpers::spawn_app;

#[tokio::test]
async fn demo_mode_is_healthy() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/health").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["mode"], "demo");
    for dep in ["database", "cache", "calcom"] {
        assert_eq!(body["checks"][dep]["status"], "up", "{dep}: {body}");
    }
}

async fn state_with(db_up: bool, calendar_up: bool) -> AppState {
    let mut repo = MockBookingRepository::new();
    repo.expect_ping().returning(move || {
        if db_up {
            Ok(())
        } else {
            Err(DomainError::Unavailable {
                upstream: Upstream::Storage,
                message: "connection refused".into(),
            })
        }
    });
    let mut cache = MockCachePort::new();
    cache.expect_ping().returning(|| Ok(()));
    let mut calendar = MockCalendarPort::new();
    calendar.expect_account().returning(move || {
        if calendar_up {
            Ok(calbridge_domain::ports::CalendarAccount {
                id: 1,
                username: "u".into(),
                email: "u@example.com".into(),
                time_zone: "UTC".into(),
            })
        } else {
            Err(DomainError::Unavailable {
                upstream: Upstream::Calendar,
                message: "timeout".into(),
            })
        }
    });
    let (calendar, repo, cache) = (Arc::new(calendar), Arc::new(repo), Arc::new(cache));
    let tenant = TenantId::parse("t").unwrap();
    let storage = calbridge_storage::open(
        "sqlite::memory:",
        calbridge_storage::Keyring::new(1, calbridge_storage::MasterKey::generate().unwrap()),
    )
    .await
    .unwrap();
    AppState {
        calcom: Arc::new(calbridge_api::tenancy::ConnectionDirectory::new(
            storage.connections.clone(),
            "http://127.0.0.1:9",
        )),
        demo_token: None,
        directory: Arc::new(StaticCalendarDirectory::new(
            tenant.clone(),
            calendar.clone(),
        )),
        default_tenant: tenant,
        clock: Arc::new(SystemClock),
        calendar,
        repository: repo,
        cache,
        mode: Mode::Live,
        storage,
        saga_worker: Default::default(),
        tokens: Default::default(),
    }
}

async fn health_of(state: AppState) -> (u16, serde_json::Value) {
    let r = calbridge_api::routes::router(state)
        .oneshot(Request::get("/api/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status().as_u16();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_dead_database_is_503() {
    let (status, body) = health_of(state_with(false, true).await).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "down");
    assert_eq!(body["checks"]["database"]["status"], "down");
}

#[tokio::test]
async fn a_calcom_outage_degrades_but_serves() {
    let (status, body) = health_of(state_with(true, false).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["calcom"]["status"], "down");
}
