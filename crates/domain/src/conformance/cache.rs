//! Conformance suite for [`CachePort`]: the behaviour every cache adapter
//! (in-process, Redis, ...) must share, so the use cases can rely on it
//! whichever backend the api wires in.
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule. Keys are random (uuid), so runs against a
//! shared server never collide; every check deletes what it wrote.
//!
//! This crate has no async runtime, so the checks that must wait for time to
//! pass take a [`Sleep`] function from the caller (e.g. one that boxes
//! `tokio::time::sleep`). Use real time, not a paused clock: adapters expire
//! entries by their own clocks.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use uuid::Uuid;

use crate::error::Result;
use crate::ports::CachePort;

/// The future a [`Sleep`] function returns.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits for the given real time; supplied by the caller's runtime.
pub type Sleep = dyn Fn(Duration) -> SleepFuture + Send + Sync;

/// A TTL short enough to keep the suite fast, long enough that a set
/// followed at once by a get sees the value even on a busy 2-core machine.
const SHORT_TTL: Duration = Duration::from_millis(300);

/// How long to wait for [`SHORT_TTL`] entries to be gone: twice the TTL
/// leaves room for clock granularity.
const EXPIRY_WAIT: Duration = Duration::from_millis(600);

/// Size of the large value check: bigger than any slot list we cache.
const LARGE_VALUE_LEN: usize = 1024 * 1024;

/// Runs every check, one after another.
pub async fn run_all(cache: &dyn CachePort, sleep: &Sleep) {
    ping_succeeds(cache).await;
    missing_key_is_none(cache).await;
    binary_values_round_trip(cache).await;
    keys_are_independent(cache).await;
    overwrite_replaces_value(cache).await;
    delete_removes_key(cache).await;
    delete_of_missing_key_is_ok(cache).await;
    large_value_round_trips(cache).await;
    zero_ttl_is_never_returned(cache).await;
    huge_ttl_is_accepted(cache).await;
    ttl_expires(cache, sleep).await;
    none_ttl_persists(cache, sleep).await;
    overwrite_replaces_ttl(cache, sleep).await;
}

/// A fresh key no other run uses.
fn fresh_key(check: &str) -> String {
    format!("calbridge:conformance:{}:{check}", Uuid::new_v4().simple())
}

/// The value, or a panic naming the step and the error.
fn ok<T>(result: Result<T>, step: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("cache conformance: {step} failed: {error}"),
    }
}

async fn get(cache: &dyn CachePort, key: &str, step: &str) -> Option<Vec<u8>> {
    ok(cache.get(key).await, step)
}

async fn set(cache: &dyn CachePort, key: &str, value: &[u8], ttl: Option<Duration>, step: &str) {
    ok(cache.set(key, value, ttl).await, step);
}

async fn delete(cache: &dyn CachePort, key: &str, step: &str) {
    ok(cache.delete(key).await, step);
}

/// `ping` answers `Ok` on a healthy cache.
pub async fn ping_succeeds(cache: &dyn CachePort) {
    ok(cache.ping().await, "ping");
}

/// A key never written reads as `None`, not as an error or an empty value.
pub async fn missing_key_is_none(cache: &dyn CachePort) {
    let key = fresh_key("missing");
    assert_eq!(
        get(cache, &key, "get of a missing key").await,
        None,
        "a key never written must read as None"
    );
}

/// Values are bytes, not text: empty, NUL, invalid UTF-8 and every byte
/// value come back exactly as stored.
pub async fn binary_values_round_trip(cache: &dyn CachePort) {
    let all_bytes: Vec<u8> = (0..=u8::MAX).collect();
    let values: [(&str, &[u8]); 5] = [
        ("text", b"hello, cache"),
        ("empty", b""),
        ("non-utf8", &[0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]),
        ("nul-only", &[0x00]),
        ("all-bytes", &all_bytes),
    ];
    for (name, value) in values {
        let key = fresh_key(&format!("binary-{name}"));
        set(cache, &key, value, None, &format!("set of {name} value")).await;
        assert_eq!(
            get(cache, &key, &format!("get of {name} value"))
                .await
                .as_deref(),
            Some(value),
            "the {name} value must round-trip byte for byte (an empty value is Some(empty), not None)"
        );
        delete(cache, &key, "cleanup").await;
    }
}

/// Writing or deleting one key leaves keys that merely share a prefix alone.
pub async fn keys_are_independent(cache: &dyn CachePort) {
    let base = fresh_key("independent");
    let child = format!("{base}:child");
    set(cache, &base, b"base", None, "set of base key").await;
    set(cache, &child, b"child", None, "set of child key").await;
    assert_eq!(
        get(cache, &base, "get of base key").await.as_deref(),
        Some(&b"base"[..]),
        "a key must keep its own value when a longer key sharing its prefix is written"
    );
    delete(cache, &base, "delete of base key").await;
    assert_eq!(
        get(cache, &child, "get of child key").await.as_deref(),
        Some(&b"child"[..]),
        "deleting a key must not delete keys that share its prefix"
    );
    delete(cache, &child, "cleanup").await;
}

/// A second `set` replaces the value, also with a shorter value.
pub async fn overwrite_replaces_value(cache: &dyn CachePort) {
    let key = fresh_key("overwrite-value");
    set(cache, &key, b"first, longer value", None, "first set").await;
    set(cache, &key, b"second", None, "second set").await;
    assert_eq!(
        get(cache, &key, "get after overwrite").await.as_deref(),
        Some(&b"second"[..]),
        "a second set must replace the whole value"
    );
    delete(cache, &key, "cleanup").await;
}

/// A deleted key reads as `None`.
pub async fn delete_removes_key(cache: &dyn CachePort) {
    let key = fresh_key("delete");
    set(cache, &key, b"doomed", None, "set before delete").await;
    delete(cache, &key, "delete of a present key").await;
    assert_eq!(
        get(cache, &key, "get after delete").await,
        None,
        "a deleted key must read as None"
    );
}

/// Deleting a key that is not there (or twice) is not an error: callers
/// invalidate without checking first.
pub async fn delete_of_missing_key_is_ok(cache: &dyn CachePort) {
    let key = fresh_key("delete-missing");
    delete(cache, &key, "delete of a missing key").await;
    set(cache, &key, b"x", None, "set before double delete").await;
    delete(cache, &key, "first delete").await;
    delete(cache, &key, "second delete of the same key").await;
}

/// A 1 MiB value is stored and returned intact.
pub async fn large_value_round_trips(cache: &dyn CachePort) {
    let key = fresh_key("large");
    // A pattern that is not periodic on any power of two, so a truncated,
    // shifted or spliced value cannot compare equal by accident.
    let value: Vec<u8> = (0..LARGE_VALUE_LEN)
        .map(|i| u8::try_from(i % 251).unwrap_or(0))
        .collect();
    set(cache, &key, &value, None, "set of a 1 MiB value").await;
    let read = get(cache, &key, "get of a 1 MiB value").await;
    match read {
        None => panic!("cache conformance: a 1 MiB value must be stored, got None"),
        Some(read) => {
            assert_eq!(read.len(), value.len(), "the 1 MiB value changed length");
            assert!(
                read == value,
                "the 1 MiB value came back with different bytes"
            );
        }
    }
    delete(cache, &key, "cleanup").await;
}

/// A zero TTL means "already expired": the set succeeds and the key reads as
/// `None`, including when it replaced an earlier value.
pub async fn zero_ttl_is_never_returned(cache: &dyn CachePort) {
    let key = fresh_key("zero-ttl");
    set(cache, &key, b"fresh", None, "set without ttl").await;
    set(
        cache,
        &key,
        b"stale",
        Some(Duration::ZERO),
        "set with zero ttl",
    )
    .await;
    assert_eq!(
        get(cache, &key, "get after zero-ttl set").await,
        None,
        "a value set with a zero TTL must never be returned, nor the value it replaced"
    );
    delete(cache, &key, "cleanup").await;
}

/// An absurdly long TTL is accepted (no overflow, no backend error) and the
/// value is kept.
pub async fn huge_ttl_is_accepted(cache: &dyn CachePort) {
    let key = fresh_key("huge-ttl");
    set(
        cache,
        &key,
        b"forever-ish",
        Some(Duration::MAX),
        "set with Duration::MAX ttl",
    )
    .await;
    assert_eq!(
        get(cache, &key, "get after huge-ttl set").await.as_deref(),
        Some(&b"forever-ish"[..]),
        "a value with a huge TTL must be kept"
    );
    delete(cache, &key, "cleanup").await;
}

/// A value with a sub-second TTL is there at once and gone after the TTL;
/// a sub-millisecond TTL expires too (it is not rounded down to "never").
pub async fn ttl_expires(cache: &dyn CachePort, sleep: &Sleep) {
    let key = fresh_key("ttl");
    let tiny = fresh_key("tiny-ttl");
    set(
        cache,
        &key,
        b"short-lived",
        Some(SHORT_TTL),
        "set with short ttl",
    )
    .await;
    set(
        cache,
        &tiny,
        b"very short-lived",
        Some(Duration::from_micros(500)),
        "set with sub-millisecond ttl",
    )
    .await;
    assert_eq!(
        get(cache, &key, "get before expiry").await.as_deref(),
        Some(&b"short-lived"[..]),
        "a value must be readable before its TTL elapses"
    );
    sleep(EXPIRY_WAIT).await;
    assert_eq!(
        get(cache, &key, "get after expiry").await,
        None,
        "a value must be gone once its {SHORT_TTL:?} TTL has elapsed"
    );
    assert_eq!(
        get(cache, &tiny, "get after sub-millisecond expiry").await,
        None,
        "a value with a sub-millisecond TTL must expire"
    );
    delete(cache, &key, "cleanup").await;
    delete(cache, &tiny, "cleanup").await;
}

/// A value stored without TTL outlives a wait longer than the short TTL.
pub async fn none_ttl_persists(cache: &dyn CachePort, sleep: &Sleep) {
    let key = fresh_key("no-ttl");
    set(cache, &key, b"lasting", None, "set without ttl").await;
    sleep(EXPIRY_WAIT).await;
    assert_eq!(
        get(cache, &key, "get after wait").await.as_deref(),
        Some(&b"lasting"[..]),
        "a value set without TTL must not expire"
    );
    delete(cache, &key, "cleanup").await;
}

/// Overwriting replaces the TTL too: short → none keeps the value, none →
/// short lets it expire. The slot-generation token relies on this.
pub async fn overwrite_replaces_ttl(cache: &dyn CachePort, sleep: &Sleep) {
    let lengthened = fresh_key("ttl-lengthened");
    let shortened = fresh_key("ttl-shortened");
    set(
        cache,
        &lengthened,
        b"v1",
        Some(SHORT_TTL),
        "first set (short ttl)",
    )
    .await;
    set(cache, &lengthened, b"v2", None, "overwrite without ttl").await;
    set(cache, &shortened, b"v1", None, "first set (no ttl)").await;
    set(
        cache,
        &shortened,
        b"v2",
        Some(SHORT_TTL),
        "overwrite with short ttl",
    )
    .await;
    sleep(EXPIRY_WAIT).await;
    assert_eq!(
        get(cache, &lengthened, "get of lengthened key")
            .await
            .as_deref(),
        Some(&b"v2"[..]),
        "overwriting without TTL must drop the earlier short TTL"
    );
    assert_eq!(
        get(cache, &shortened, "get of shortened key").await,
        None,
        "overwriting with a short TTL must make the value expire"
    );
    delete(cache, &lengthened, "cleanup").await;
    delete(cache, &shortened, "cleanup").await;
}
