//! Two instances (two clients with their own in-process state) sharing one
//! Redis share one rate-limit budget for the key. Needs `REDIS_URL`:
//! skipped without it, failed under `CI=true`.

use std::num::NonZeroU32;
use std::time::Duration;

use calbridge_calcom::{CalcomClient, CalcomError, RateLimitPolicy};
use calbridge_testkit::{MockCalcom, Route};

use crate::support::*;

#[tokio::test]
async fn two_clients_sharing_redis_share_one_budget() {
    let Some(redis) = redis().await else { return };
    let mock = MockCalcom::start().await;
    let prefix = format!("calbridge-test:{}:", uuid::Uuid::new_v4().simple());
    let policy = RateLimitPolicy {
        per_minute: NonZeroU32::new(60).unwrap(),
        burst: NonZeroU32::new(3).unwrap(),
        max_wait: Duration::ZERO,
    };
    let instance = || {
        CalcomClient::new(
            config_for(&mock)
                .with_rate_limit(policy.clone())
                .with_redis(redis.clone())
                .with_redis_key_prefix(prefix.clone()),
        )
        .unwrap()
    };
    let (a, b) = (instance(), instance());
    a.me().await.unwrap();
    b.me().await.unwrap();
    a.me().await.unwrap();
    // Each has sent at most two, but together they spent the burst of 3.
    for client in [&a, &b] {
        let err = client.me().await.unwrap_err();
        assert!(
            matches!(err, CalcomError::RateLimited { reset: Some(_) }),
            "{err:?}"
        );
    }
    assert_eq!(calls(&mock, Route::GetMe), 3);
}
