//! The Redis cache against a real server (`REDIS_URL`).

use std::time::{Duration, Instant};

use calbridge_cache::RedisCache;
use calbridge_domain::conformance::cache as conformance;
use calbridge_domain::ports::CachePort;
use calbridge_domain::{DomainError, Upstream};

use crate::redis_env::{redis_cache, redis_url, tokio_sleep, unique_prefix};
use crate::tcp_proxy::TcpProxy;

#[tokio::test]
async fn redis_cache_passes_conformance() {
    let Some(cache) = redis_cache(&unique_prefix()).await else {
        return;
    };
    conformance::run_all(&cache, &tokio_sleep).await;
}

#[tokio::test]
async fn key_prefix_separates_caches_on_one_server() {
    let prefix = unique_prefix();
    let Some(prefixed) = redis_cache(&prefix).await else {
        return;
    };
    let Some(other) = redis_cache(&unique_prefix()).await else {
        return;
    };
    let Some(unprefixed) = redis_cache("").await else {
        return;
    };

    prefixed
        .set("k", b"v", Some(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(other.get("k").await.unwrap(), None);
    assert_eq!(
        unprefixed
            .get(&format!("{prefix}k"))
            .await
            .unwrap()
            .as_deref(),
        Some(&b"v"[..]),
        "the prefix must be prepended to the key as is"
    );
    prefixed.delete("k").await.unwrap();
    assert_eq!(unprefixed.get(&format!("{prefix}k")).await.unwrap(), None);
}

/// Redis going away mid-life turns into a quick `Unavailable`, not a hang,
/// and the cache works again once Redis is back.
#[tokio::test]
async fn outage_fails_fast_and_recovers() {
    let Some(url) = redis_url() else { return };
    let Some(route) = ProxyRoute::parse(&url) else {
        // Not a failure of the code under test, so not a CI failure either.
        eprintln!("skipped: proxy test needs a plain redis:// REDIS_URL");
        return;
    };
    let proxy = TcpProxy::start(&route.target).await;
    let cache = match RedisCache::connect(&route.via(proxy.listen), &unique_prefix()).await {
        Ok(cache) => cache,
        Err(error) => {
            crate::redis_env::skip_or_fail(&format!("Redis unreachable through proxy: {error}"));
            return;
        }
    };
    cache.set("k", b"before", None).await.unwrap();

    proxy.cut();
    let started = Instant::now();
    let error = cache
        .get("k")
        .await
        .expect_err("a get while Redis is down must fail");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?} to notice the outage",
        started.elapsed()
    );
    assert!(
        matches!(
            error,
            DomainError::Unavailable {
                upstream: Upstream::Cache,
                ..
            }
        ),
        "{error:?}"
    );

    proxy.restore().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let value = loop {
        match cache.get("k").await {
            Ok(value) => break value,
            Err(error) if Instant::now() > deadline => panic!("no recovery after outage: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    assert_eq!(value.as_deref(), Some(&b"before"[..]));
    cache.delete("k").await.unwrap();
}

/// A `redis://` URL split around its `host:port`, so the same credentials
/// and database can be reached through the proxy.
struct ProxyRoute {
    /// `user:password@` or empty.
    userinfo: String,
    /// `host:port` of the real server.
    target: String,
    /// `/db?options` or empty.
    tail: String,
}

impl ProxyRoute {
    fn parse(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("redis://")?;
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (format!("{userinfo}@"), host),
            None => (String::new(), authority),
        };
        if host.is_empty() || host.starts_with('[') {
            return None;
        }
        let target = if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:6379")
        };
        Some(Self {
            userinfo,
            target,
            tail: tail.to_owned(),
        })
    }

    /// The same URL, pointed at `proxy`.
    fn via(&self, proxy: std::net::SocketAddr) -> String {
        format!("redis://{}{proxy}{}", self.userinfo, self.tail)
    }
}
