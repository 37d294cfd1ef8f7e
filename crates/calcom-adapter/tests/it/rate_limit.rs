//! The in-process rate limiter on the wire: calls wait for a slot up to the
//! configured bound, then fail without being sent; Cal.com's own
//! `X-RateLimit-Remaining-Default` re-syncs the budget.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use calbridge_calcom::{CalcomClient, CalcomError, RateLimitPolicy};
use calbridge_domain::DomainError;
use calbridge_domain::ports::CalendarPort;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

fn me_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(success(serde_json::json!({
        "id": 1, "username": "host", "email": "host@example.com", "timeZone": "UTC"
    })))
}

async fn client(policy: RateLimitPolicy) -> (MockServer, CalcomClient) {
    let server = MockServer::start().await;
    let client = CalcomClient::new(config(&server.uri()).with_rate_limit(policy)).unwrap();
    (server, client)
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

#[tokio::test]
async fn over_the_quota_calls_fail_without_being_sent() {
    let (server, client) = client(RateLimitPolicy {
        per_minute: nz(60),
        burst: nz(2),
        max_wait: Duration::ZERO,
    })
    .await;
    call("GET", "/v2/me", None)
        .respond_with(me_ok())
        .expect(2)
        .mount(&server)
        .await;
    client.me().await.unwrap();
    client.me().await.unwrap();
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, CalcomError::RateLimited { reset: Some(d) } if d <= Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(matches!(
        client.account().await,
        Err(DomainError::RateLimited {
            retry_after: Some(_)
        })
    ));
}

#[tokio::test]
async fn calls_wait_for_their_turn_within_the_bound() {
    let (server, client) = client(RateLimitPolicy {
        per_minute: nz(600),
        burst: nz(1),
        max_wait: Duration::from_secs(1),
    })
    .await;
    call("GET", "/v2/me", None)
        .respond_with(me_ok())
        .expect(3)
        .mount(&server)
        .await;
    let started = Instant::now();
    for _ in 0..3 {
        client.me().await.unwrap();
    }
    // One every 100 ms after the first.
    assert!(
        started.elapsed() >= Duration::from_millis(190),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cal_coms_remaining_budget_holds_the_next_call_back() {
    let (server, client) = client(RateLimitPolicy::default()).await;
    call("GET", "/v2/me", None)
        .respond_with(
            me_ok()
                .insert_header("X-RateLimit-Limit-Default", "120")
                .insert_header("X-RateLimit-Remaining-Default", "0")
                .insert_header("X-RateLimit-Reset-Default", "30"),
        )
        .expect(1)
        .mount(&server)
        .await;
    client.me().await.unwrap();
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, CalcomError::RateLimited { reset: Some(d) }
            if d > Duration::from_secs(28) && d <= Duration::from_secs(30)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_short_reset_is_waited_out() {
    let (server, client) = client(RateLimitPolicy::default()).await;
    call("GET", "/v2/me", None)
        .respond_with(
            me_ok()
                .insert_header("X-RateLimit-Remaining-Default", "0")
                .insert_header("X-RateLimit-Reset-Default", "0.2"),
        )
        .expect(2)
        .mount(&server)
        .await;
    client.me().await.unwrap();
    let started = Instant::now();
    client.me().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(190),
        "{:?}",
        started.elapsed()
    );
}
