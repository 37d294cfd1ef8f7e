//! `list_all_bookings` walks every page: more bookings than the largest
//! page (250) all come back, each once.

use std::collections::HashSet;
use std::time::Duration;

use calbridge_calcom::{CalcomClient, ListBookingsQuery, RateLimitPolicy};
use calbridge_domain::ports::CalendarPort;
use calbridge_testkit::{MockCalcom, MockConfig, RateLimit, Route};
use chrono::TimeDelta;
use futures_util::TryStreamExt;

use crate::support::*;

const BOOKINGS: usize = 260;

#[tokio::test]
async fn list_all_bookings_returns_more_than_250_bookings_once_each() {
    let mock = MockCalcom::start_with(MockConfig {
        rate_limit: RateLimit::UNLIMITED,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let client = CalcomClient::new(
        config_for(&mock)
            .with_rate_limit(RateLimitPolicy::unlimited())
            .with_timeout(Duration::from_secs(5)),
    )
    .unwrap();
    // 15-minute slots: 32 per weekday.
    let start = weekday(2);
    let slots = free_slots_between(&client, 1003, start, start + TimeDelta::days(14)).await;
    assert!(slots.len() >= BOOKINGS, "{} slots", slots.len());
    for (i, slot) in slots.iter().take(BOOKINGS).enumerate() {
        let appt = appointment(1003, slot.start, &format!("guest{i}@example.com"));
        CalendarPort::create_booking(&client, &appt).await.unwrap();
    }
    mock.clear_journal();

    let all: Vec<_> = client
        .list_all_bookings(ListBookingsQuery {
            take: Some(100),
            ..ListBookingsQuery::default()
        })
        .try_collect()
        .await
        .unwrap();

    assert_eq!(all.len(), BOOKINGS);
    let uids: HashSet<_> = all.iter().map(|b| b.uid.as_str()).collect();
    assert_eq!(uids.len(), BOOKINGS, "no booking twice");
    let pages: Vec<_> = mock
        .journal()
        .into_iter()
        .filter(|e| e.route == Some(Route::ListBookings))
        .map(|e| e.query.unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    for (page, skip) in pages.iter().zip(["skip=0", "skip=100", "skip=200"]) {
        assert!(page.contains(skip) && page.contains("take=100"), "{page}");
    }
}
