//! Breaker and limiter state shared through the real Redis (`REDIS_URL`):
//! two clients with separate in-process state stand for two instances.
//! Without Redis these tests are skipped, or fail under `CI=true`. The last
//! test needs no Redis: an unreachable one must never fail a call.

use std::num::NonZeroU32;
use std::time::Duration;

use calbridge_calcom::{
    BreakerPolicy, BreakerState, CalcomClient, CalcomConfig, CalcomError, RateLimitPolicy,
    RetryPolicy,
};
use secrecy::SecretString;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

/// Panics under CI, otherwise notes the skip; the caller then returns.
fn skip_or_fail(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{reason}; CI=true, so Redis tests must not be skipped");
    }
    eprintln!("skipped: {reason}");
}

/// A connection to `REDIS_URL`, or `None` after [`skip_or_fail`].
async fn redis() -> Option<redis::aio::ConnectionManager> {
    let url = match std::env::var("REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            skip_or_fail("REDIS_URL is not set");
            return None;
        }
    };
    let connected = async {
        let client = redis::Client::open(url.as_str())?;
        let mut manager = redis::aio::ConnectionManager::new(client).await?;
        redis::cmd("PING")
            .query_async::<String>(&mut manager)
            .await?;
        Ok::<_, redis::RedisError>(manager)
    };
    match tokio::time::timeout(Duration::from_secs(3), connected).await {
        Ok(Ok(manager)) => Some(manager),
        Ok(Err(e)) => {
            skip_or_fail(&format!(
                "Redis at REDIS_URL is unreachable: {}",
                e.category()
            ));
            None
        }
        Err(_) => {
            skip_or_fail("Redis at REDIS_URL did not answer in 3 s");
            None
        }
    }
}

fn unique_prefix() -> String {
    format!("calbridge-test:{}:", uuid::Uuid::new_v4().simple())
}

fn instance(
    server: &MockServer,
    redis: &redis::aio::ConnectionManager,
    prefix: &str,
) -> CalcomConfig {
    config(&server.uri())
        .with_redis(redis.clone())
        .with_redis_key_prefix(prefix)
}

fn me_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(success(serde_json::json!({
        "id": 1, "username": "host", "email": "host@example.com", "timeZone": "UTC"
    })))
}

#[tokio::test]
async fn an_open_breaker_makes_other_instances_fail_fast() {
    let Some(redis) = redis().await else { return };
    let prefix = unique_prefix();
    let (a_server, b_server) = (MockServer::start().await, MockServer::start().await);
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(500))
        .expect(5)
        .mount(&a_server)
        .await;
    call("GET", "/v2/me", None)
        .respond_with(me_ok())
        .expect(0)
        .mount(&b_server)
        .await;
    let a = CalcomClient::new(instance(&a_server, &redis, &prefix)).unwrap();
    let b = CalcomClient::new(instance(&b_server, &redis, &prefix)).unwrap();

    for _ in 0..5 {
        let _ = a.me().await;
    }
    assert_eq!(a.breaker_state(), BreakerState::Open);
    // B's own breaker is closed, but Redis says A's is open.
    assert_eq!(b.breaker_state(), BreakerState::Closed);
    let err = b.me().await.unwrap_err();
    assert!(
        matches!(err, CalcomError::CircuitOpen { retry_in: Some(d) } if d <= Duration::from_secs(60)),
        "{err:?}"
    );

    // The Redis key names the key's fingerprint, never the key, and expires.
    let key = format!("{prefix}calcom:cb:{}", a.key_fingerprint());
    assert!(!key.contains(SECRET_PART));
    let mut conn = redis.clone();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 0 && ttl <= 60_000, "{ttl}");
    let _: i64 = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn instances_share_one_rate_limit_budget() {
    let Some(redis) = redis().await else { return };
    let prefix = unique_prefix();
    let server = MockServer::start().await;
    call("GET", "/v2/me", None)
        .respond_with(me_ok())
        .expect(2)
        .mount(&server)
        .await;
    let policy = RateLimitPolicy {
        per_minute: NonZeroU32::new(60).unwrap(),
        burst: NonZeroU32::new(2).unwrap(),
        max_wait: Duration::ZERO,
    };
    let a = CalcomClient::new(instance(&server, &redis, &prefix).with_rate_limit(policy.clone()))
        .unwrap();
    let b = CalcomClient::new(instance(&server, &redis, &prefix).with_rate_limit(policy)).unwrap();
    a.me().await.unwrap();
    a.me().await.unwrap();
    // B has sent nothing, but the shared budget is spent.
    let err = b.me().await.unwrap_err();
    assert!(
        matches!(err, CalcomError::RateLimited { reset: Some(_) }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_spent_budget_seen_by_one_instance_holds_back_the_others() {
    let Some(redis) = redis().await else { return };
    let prefix = unique_prefix();
    let server = MockServer::start().await;
    call("GET", "/v2/me", None)
        .respond_with(
            me_ok()
                .insert_header("X-RateLimit-Remaining-Default", "0")
                .insert_header("X-RateLimit-Reset-Default", "30"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let a = CalcomClient::new(instance(&server, &redis, &prefix)).unwrap();
    let b = CalcomClient::new(instance(&server, &redis, &prefix)).unwrap();
    a.me().await.unwrap();
    let err = b.me().await.unwrap_err();
    assert!(
        matches!(err, CalcomError::RateLimited { reset: Some(d) } if d > Duration::from_secs(25)),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_redis_never_fails_a_call() {
    let server = MockServer::start().await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(5)
        .mount(&server)
        .await;
    call("GET", "/v2/me", None)
        .respond_with(me_ok())
        .mount(&server)
        .await;
    let metrics = Metrics::default();
    let _guard = metrics::set_default_local_recorder(&metrics);
    let client = CalcomClient::new(
        CalcomConfig::new(SecretString::from(KEY))
            .with_base_url(server.uri())
            .with_retry_policy(RetryPolicy::never())
            .with_breaker_policy(BreakerPolicy {
                open_for: Duration::from_millis(200),
                ..BreakerPolicy::default()
            })
            .with_redis_url(SecretString::from(format!(
                "redis://127.0.0.1:{}",
                closed_port()
            ))),
    )
    .unwrap();
    // The local breaker still works without Redis ...
    for _ in 0..5 {
        let _ = client.me().await;
    }
    assert!(matches!(
        client.me().await,
        Err(CalcomError::CircuitOpen { .. })
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ... and so does the local limiter: calls go through.
    client.me().await.unwrap();
    client.me().await.unwrap();
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    // The first Redis failure starts a cool-down; later calls skip Redis.
    let failures = |component| {
        metrics.counter(
            calbridge_calcom::metrics::SHARED_STATE_ERRORS_TOTAL,
            &[("component", component)],
        )
    };
    assert!(failures("breaker") + failures("rate_limiter") >= 1);
}
