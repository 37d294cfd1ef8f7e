//! Cal.com's own rate limit (the mock's throttler): a 429 is waited out and
//! sent again, and the default quota keeps a burst of calls under it.

use std::time::{Duration, Instant};

use calbridge_calcom::{CalcomClient, CalcomError, RateLimitPolicy};
use calbridge_testkit::{MockCalcom, MockConfig, Route};

use crate::support::*;

#[tokio::test]
async fn a_429_is_retried_once_its_reset_has_passed() {
    let mock =
        MockCalcom::start_with(MockConfig::default().with_rate_limit(3, Duration::from_secs(1)))
            .await
            .unwrap();
    // Another user of the same key spends the budget: the key is blocked
    // for one window, which the client cannot know in advance.
    let raw = reqwest::Client::new();
    for _ in 0..4 {
        raw.get(format!("{}/v2/me", mock.base_url()))
            .bearer_auth(mock.api_key())
            .send()
            .await
            .unwrap();
    }
    mock.clear_journal();

    let client = client_for(&mock);
    let started = Instant::now();
    let me = client.me().await.unwrap();
    assert!(!me.username.is_empty());
    let statuses: Vec<u16> = mock.journal().iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![429, 200],
        "waited for the reset, then sent again"
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn the_default_quota_never_meets_cal_coms_429() {
    let mock = MockCalcom::start().await; // 120 calls per minute per key
    // The default quota, without waiting for a turn (so the test is quick):
    // calls past it are refused here instead of at Cal.com.
    let policy = RateLimitPolicy {
        max_wait: Duration::ZERO,
        ..RateLimitPolicy::default()
    };
    let client = CalcomClient::new(config_for(&mock).with_rate_limit(policy)).unwrap();
    let mut sent = 0;
    let mut refused = 0;
    for _ in 0..150 {
        match client.me().await {
            Ok(_) => sent += 1,
            Err(CalcomError::RateLimited { reset: Some(_) }) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(sent + refused, 150);
    assert!((20..120).contains(&sent), "{sent} sent");
    assert_eq!(calls(&mock, Route::GetMe), sent);
    assert!(
        mock.journal().iter().all(|e| e.status != 429),
        "Cal.com never had to refuse a call"
    );
}
