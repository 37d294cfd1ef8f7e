//! `calbridge_cache::connect`, the api's entry point.

use calbridge_domain::{DomainError, Upstream};

use crate::redis_env::{redis_url, tokio_sleep};

#[tokio::test]
async fn without_url_gives_a_working_in_process_cache() {
    let cache = calbridge_cache::connect(None).await.unwrap();
    calbridge_domain::conformance::cache::run_all(cache.as_ref(), &tokio_sleep).await;
}

#[tokio::test]
async fn with_url_gives_a_working_redis_cache() {
    let Some(url) = redis_url() else { return };
    let cache = match calbridge_cache::connect(Some(&url)).await {
        Ok(cache) => cache,
        Err(error) => {
            crate::redis_env::skip_or_fail(&format!("Redis unreachable: {error}"));
            return;
        }
    };
    cache.ping().await.unwrap();
    calbridge_domain::conformance::cache::binary_values_round_trip(cache.as_ref()).await;
}

#[tokio::test]
async fn with_a_bad_url_fails_with_cache_unavailable() {
    let error = match calbridge_cache::connect(Some("no-scheme:s3cret@host")).await {
        Ok(_) => panic!("a bad URL must not give a cache"),
        Err(error) => error,
    };
    assert!(
        !format!("{error} {error:?}").contains("s3cret"),
        "{error:?}"
    );
    assert!(matches!(
        DomainError::from(error),
        DomainError::Unavailable {
            upstream: Upstream::Cache,
            ..
        }
    ));
}
