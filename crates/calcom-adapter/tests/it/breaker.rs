//! Circuit-breaker sequences on the wire (the 60 s timing itself is tested
//! on a paused clock next to the breaker; here the open period is short and
//! real): 5 consecutive outages open it, open means no request leaves,
//! half-open lets one probe through, 2 successes close it, 4xx never count.

use std::time::Duration;

use calbridge_calcom::{BreakerPolicy, BreakerState, CalcomClient, CalcomError, RetryPolicy};
use calbridge_domain::ports::CalendarPort;
use calbridge_domain::{DomainError, Upstream};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

const OPEN_FOR: Duration = Duration::from_millis(300);

async fn client_with(retry: RetryPolicy) -> (MockServer, CalcomClient) {
    let server = MockServer::start().await;
    let client = CalcomClient::new(
        config(&server.uri())
            .with_retry_policy(retry)
            .with_breaker_policy(BreakerPolicy {
                open_for: OPEN_FOR,
                ..BreakerPolicy::default()
            }),
    )
    .unwrap();
    (server, client)
}

fn me_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(success(serde_json::json!({
        "id": 1, "username": "host", "email": "host@example.com", "timeZone": "Europe/Berlin"
    })))
}

#[tokio::test]
async fn five_outages_open_it_and_then_nothing_is_sent() {
    let (server, client) = client_with(RetryPolicy::never()).await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(500))
        .expect(5)
        .mount(&server)
        .await;
    for _ in 0..5 {
        assert!(matches!(
            client.me().await,
            Err(CalcomError::Upstream { status: 500, .. })
        ));
    }
    assert_eq!(client.breaker_state(), BreakerState::Open);
    let err = client.me().await.unwrap_err();
    assert!(
        matches!(err, CalcomError::CircuitOpen { retry_in: Some(_) }),
        "{err:?}"
    );
    let domain = client.account().await.unwrap_err();
    assert!(matches!(
        domain,
        DomainError::Unavailable {
            upstream: Upstream::Calendar,
            ..
        }
    ));
}

#[tokio::test]
async fn retries_count_towards_opening_and_stop_at_the_open_circuit() {
    let (server, client) = client_with(fast_retries()).await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(503))
        .expect(5)
        .mount(&server)
        .await;
    // 3 attempts, then 2 more before the breaker opens; the 6th is refused.
    assert!(matches!(
        client.me().await,
        Err(CalcomError::Upstream { status: 503, .. })
    ));
    assert!(matches!(
        client.me().await,
        Err(CalcomError::CircuitOpen { .. })
    ));
}

#[tokio::test]
async fn half_open_lets_one_probe_through_and_two_successes_close_it() {
    let (server, client) = client_with(RetryPolicy::never()).await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(5)
        .mount(&server)
        .await;
    call("GET", "/v2/me", None)
        .respond_with(me_ok().set_delay(Duration::from_millis(200)))
        .expect(2)
        .mount(&server)
        .await;
    for _ in 0..5 {
        let _ = client.me().await;
    }
    assert_eq!(client.breaker_state(), BreakerState::Open);
    tokio::time::sleep(OPEN_FOR).await;
    assert_eq!(client.breaker_state(), BreakerState::HalfOpen);

    // The probe is slow; a second caller meanwhile fails fast.
    let probe = tokio::spawn({
        let client = client.clone();
        async move { client.me().await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(
        client.me().await,
        Err(CalcomError::CircuitOpen { retry_in: None })
    ));
    probe.await.unwrap().unwrap();
    assert_eq!(client.breaker_state(), BreakerState::HalfOpen);
    client.me().await.unwrap();
    assert_eq!(client.breaker_state(), BreakerState::Closed);
}

#[tokio::test]
async fn a_failed_probe_opens_it_again() {
    let (server, client) = client_with(RetryPolicy::never()).await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(502))
        .expect(6)
        .mount(&server)
        .await;
    for _ in 0..5 {
        let _ = client.me().await;
    }
    tokio::time::sleep(OPEN_FOR).await;
    assert!(matches!(
        client.me().await,
        Err(CalcomError::Upstream { status: 502, .. })
    ));
    assert_eq!(client.breaker_state(), BreakerState::Open);
    assert!(matches!(
        client.me().await,
        Err(CalcomError::CircuitOpen { .. })
    ));
}

#[tokio::test]
async fn client_errors_and_rate_limits_never_open_it() {
    let (server, client) = client_with(RetryPolicy::never()).await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_envelope("NotFoundException", "nope")),
        )
        .expect(8)
        .mount(&server)
        .await;
    call("GET", "/v2/me", None)
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-RateLimit-Reset-Default", "60")
                .set_body_json(error_envelope("ThrottlerException", "slow down")),
        )
        .expect(1)
        .mount(&server)
        .await;
    for _ in 0..8 {
        assert!(matches!(
            client.get_booking("bk_1").await,
            Err(CalcomError::NotFound { .. })
        ));
    }
    assert!(matches!(
        client.me().await,
        Err(CalcomError::RateLimited { .. })
    ));
    assert_eq!(client.breaker_state(), BreakerState::Closed);
}

#[tokio::test]
async fn an_answer_between_outages_resets_the_count() {
    let (server, client) = client_with(RetryPolicy::never()).await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(error_envelope("NotFoundException", "nope")),
        )
        .mount(&server)
        .await;
    for _ in 0..4 {
        let _ = client.me().await;
    }
    let _ = client.get_booking("bk_1").await;
    for _ in 0..4 {
        let _ = client.me().await;
    }
    assert_eq!(client.breaker_state(), BreakerState::Closed);
}
