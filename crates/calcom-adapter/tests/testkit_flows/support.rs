//! Shared helpers: clients on a mock, free slots, appointments, the journal
//! and the Redis skip rule.

use std::collections::BTreeMap;
use std::time::Duration;

use calbridge_calcom::{CalcomClient, CalcomConfig, RetryPolicy};
use calbridge_domain::ports::CalendarPort;
use calbridge_domain::{Appointment, Attendee, Email, EventTypeId, Slot, SlotQuery};
use calbridge_testkit::{MockCalcom, Route};
use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use secrecy::SecretString;

/// Retries as in production, with millisecond backoff so tests are fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

/// A config for `mock`'s key and URL, fast retries, a short attempt limit.
pub fn config_for(mock: &MockCalcom) -> CalcomConfig {
    CalcomConfig::new(SecretString::from(mock.api_key().to_owned()))
        .with_base_url(mock.base_url())
        .with_timeout(Duration::from_secs(2))
        .with_retry_policy(fast_retries())
}

pub fn client_for(mock: &MockCalcom) -> CalcomClient {
    CalcomClient::new(config_for(mock)).unwrap()
}

/// Midnight UTC of a weekday at least `ahead` days from today.
pub fn weekday(ahead: u64) -> DateTime<Utc> {
    let mut day = Utc::now().date_naive() + chrono::Days::new(ahead);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day + chrono::Days::new(1);
    }
    day.and_hms_opt(0, 0, 0).unwrap().and_utc()
}

/// The free slots of `event` on the first weekday two days ahead.
pub async fn free_slots(client: &CalcomClient, event: u64) -> Vec<Slot> {
    let start = weekday(2);
    free_slots_between(client, event, start, start + TimeDelta::days(1)).await
}

pub async fn free_slots_between(
    client: &CalcomClient,
    event: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<Slot> {
    let query = SlotQuery::new(EventTypeId(event), start, end, Tz::Europe__Berlin).unwrap();
    CalendarPort::free_slots(client, &query).await.unwrap()
}

pub fn appointment(event: u64, start: DateTime<Utc>, email: &str) -> Appointment {
    let attendee = Attendee::new("Ann", Email::parse(email).unwrap(), Tz::Europe__Berlin).unwrap();
    Appointment::new(
        EventTypeId(event),
        start,
        attendee,
        BTreeMap::new(),
        Utc::now(),
    )
    .unwrap()
}

/// How many requests of `route` the mock saw.
pub fn calls(mock: &MockCalcom, route: Route) -> usize {
    mock.journal()
        .iter()
        .filter(|e| e.route == Some(route))
        .count()
}

/// Panics under CI, otherwise notes the skip; the caller then returns.
pub fn skip_or_fail(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{reason}; CI=true, so Redis tests must not be skipped");
    }
    eprintln!("skipped: {reason}");
}

/// A connection to `REDIS_URL`, or `None` after [`skip_or_fail`].
pub async fn redis() -> Option<redis::aio::ConnectionManager> {
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
