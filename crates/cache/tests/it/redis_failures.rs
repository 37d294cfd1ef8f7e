//! Redis failures that need no server: refused, silent, bad credentials.
//! They must fail fast, as `Unavailable { Cache }`, and never show the password.

use std::time::{Duration, Instant};

use calbridge_cache::{CacheError, RedisCache};
use calbridge_domain::{DomainError, Upstream};
use tokio::net::TcpListener;

use crate::redis_env::redis_url;

/// Well inside "a few seconds", well above the ~2 s worst case of the
/// configured timeouts, so a loaded CI box does not flake.
const FAIL_FAST: Duration = Duration::from_secs(5);

/// Connects, expecting an error within [`FAIL_FAST`].
async fn connect_err(url: &str) -> CacheError {
    let started = Instant::now();
    let result = RedisCache::connect(url, "").await;
    let elapsed = started.elapsed();
    let error = match result {
        Ok(cache) => panic!("connect to {url:?} must fail, got {cache:?}"),
        Err(error) => error,
    };
    assert!(elapsed < FAIL_FAST, "connect took {elapsed:?}: {error}");
    error
}

fn assert_no_secret(error: &CacheError, secret: &str) {
    let display = error.to_string();
    let debug = format!("{error:?}");
    let domain = DomainError::from(error.clone());
    let domain_text = format!("{domain} {domain:?}");
    for text in [&display, &debug, &domain_text] {
        assert!(!text.contains(secret), "secret leaked: {text}");
    }
}

fn assert_cache_unavailable(error: CacheError) {
    assert!(
        matches!(
            DomainError::from(error),
            DomainError::Unavailable {
                upstream: Upstream::Cache,
                ..
            }
        ),
        "every cache error must be Unavailable {{ Cache }}"
    );
}

#[tokio::test]
async fn unreachable_redis_fails_fast_as_unavailable() {
    let error = connect_err("redis://127.0.0.1:1").await;
    assert!(matches!(error, CacheError::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains("127.0.0.1:1"), "{error}");
    assert_cache_unavailable(error);
}

#[tokio::test]
async fn password_never_appears_in_connect_errors() {
    let error = connect_err("redis://:s3cret@127.0.0.1:1").await;
    assert_no_secret(&error, "s3cret");
    let error = connect_err("redis://calbridge:s3cret@127.0.0.1:1/2").await;
    assert_no_secret(&error, "s3cret");
    assert_cache_unavailable(error);
}

#[tokio::test]
async fn wrong_password_on_a_real_server_is_not_echoed() {
    let Some(url) = redis_url() else { return };
    let Some(rest) = url.strip_prefix("redis://") else {
        crate::redis_env::skip_or_fail("REDIS_URL is not a redis:// URL");
        return;
    };
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    for userinfo in [":wr0ng-s3cret", "nobody:wr0ng-s3cret"] {
        let error = connect_err(&format!("redis://{userinfo}@{host}")).await;
        assert_no_secret(&error, "wr0ng-s3cret");
        assert_cache_unavailable(error);
    }
}

/// A server that accepts connections and never answers (a hung Redis, a
/// black-holing firewall) must not hang the caller.
#[tokio::test]
async fn silent_server_times_out_quickly() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let error = connect_err(&format!("redis://:s3cret@{addr}")).await;
    silent.abort();
    assert_no_secret(&error, "s3cret");
    assert_cache_unavailable(error);
}
