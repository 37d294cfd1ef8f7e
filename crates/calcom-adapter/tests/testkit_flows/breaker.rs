//! The breaker's whole cycle against a failing, then recovering Cal.com:
//! it opens on a burst of 5xx, lets one probe through at a time, and closes
//! after two good answers. Short policy durations keep it under a second.

use std::time::Duration;

use calbridge_calcom::{BreakerPolicy, BreakerState, CalcomClient, CalcomError, RetryPolicy};
use calbridge_testkit::{MockCalcom, Route};

use crate::support::*;

const OPEN_FOR: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_5xx_burst_opens_it_a_probe_half_opens_it_recovery_closes_it() {
    let mock = MockCalcom::start().await;
    let client = CalcomClient::new(
        config_for(&mock)
            .with_retry_policy(RetryPolicy::never())
            .with_breaker_policy(BreakerPolicy {
                open_for: OPEN_FOR,
                ..BreakerPolicy::default()
            }),
    )
    .unwrap();
    mock.faults().fail_next(Route::GetMe, 5, 503);
    for _ in 0..5 {
        let err = client.me().await.unwrap_err();
        assert!(
            matches!(err, CalcomError::Upstream { status: 503, .. }),
            "{err:?}"
        );
    }
    assert_eq!(client.breaker_state(), BreakerState::Open);
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, CalcomError::CircuitOpen { .. }), "{err:?}");
    assert_eq!(calls(&mock, Route::GetMe), 5, "failed fast, nothing sent");

    tokio::time::sleep(OPEN_FOR + Duration::from_millis(50)).await;
    assert_eq!(client.breaker_state(), BreakerState::HalfOpen);
    // One probe at a time: while a slow probe is out, others fail fast.
    mock.faults()
        .latency(Route::GetMe, Duration::from_millis(200));
    let (a, b) = tokio::join!(client.me(), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        client.me().await
    });
    mock.faults().clear();
    assert!(a.is_ok(), "{a:?}");
    assert!(matches!(b, Err(CalcomError::CircuitOpen { .. })), "{b:?}");
    assert_eq!(client.breaker_state(), BreakerState::HalfOpen);
    client.me().await.unwrap();
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    assert_eq!(calls(&mock, Route::GetMe), 7);
}

#[tokio::test]
async fn client_errors_never_open_it() {
    let mock = MockCalcom::start().await;
    let client =
        CalcomClient::new(config_for(&mock).with_retry_policy(RetryPolicy::never())).unwrap();
    mock.faults().fail_next(Route::GetMe, 8, 400);
    for _ in 0..8 {
        assert!(client.me().await.is_err());
    }
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    client.me().await.unwrap();
}
