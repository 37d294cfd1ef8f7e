//! The client as a `CalendarPort`, against the testkit's stateful mock
//! Cal.com: whole flows rather than single requests.

use std::collections::BTreeMap;

use calbridge_calcom::{CalcomClient, CalcomConfig};
use calbridge_domain::ports::CalendarPort;
use calbridge_domain::{
    Appointment, Attendee, BookingFilter, BookingStatus, BookingUid, DomainError, Email,
    EventTypeId, SlotQuery,
};
use calbridge_testkit::MockCalcom;
use chrono::{Datelike, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use secrecy::SecretString;

fn client_for(mock: &MockCalcom, key: &str) -> CalcomClient {
    CalcomClient::new(
        CalcomConfig::new(SecretString::from(key.to_owned())).with_base_url(mock.base_url()),
    )
    .unwrap()
}

/// A query covering a whole weekday at least two days ahead.
fn weekday_query(event: u64) -> SlotQuery {
    let mut day = Utc::now().date_naive() + chrono::Days::new(2);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day + chrono::Days::new(1);
    }
    let start = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
    SlotQuery::new(
        EventTypeId(event),
        start,
        start + TimeDelta::days(1),
        Tz::Europe__Berlin,
    )
    .unwrap()
}

fn appointment(event: u64, start: chrono::DateTime<Utc>, email: &str) -> Appointment {
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

#[tokio::test]
async fn a_booking_lifecycle_through_the_port() {
    let mock = MockCalcom::start().await;
    let cal: &dyn CalendarPort = &client_for(&mock, mock.api_key());

    let account = cal.account().await.unwrap();
    assert!(!account.username.is_empty());
    let types = cal.event_types().await.unwrap();
    assert!(
        types
            .iter()
            .any(|t| t.id == EventTypeId(1001) && t.length_minutes == 30),
        "{types:?}"
    );

    let query = weekday_query(1001);
    let slots = cal.free_slots(&query).await.unwrap();
    assert_eq!(slots.len(), 16, "09:00-17:00 Berlin in 30-minute steps");
    assert!(
        slots
            .iter()
            .all(|s| s.end - s.start == TimeDelta::minutes(30))
    );

    let appt = appointment(1001, slots[2].start, "ann@example.com");
    let booking = cal.create_booking(&appt).await.unwrap();
    assert_eq!(booking.status, BookingStatus::Accepted);
    assert_eq!(booking.start, slots[2].start);
    assert_eq!(booking.correlation_id(), Some(appt.id.to_string().as_str()));
    assert_eq!(mock.bookings().len(), 1);

    let after = cal.free_slots(&query).await.unwrap();
    assert!(!after.contains(&slots[2]));

    let again = cal
        .create_booking(&appointment(1001, slots[2].start, "bob@example.com"))
        .await;
    assert!(
        matches!(again, Err(DomainError::SlotUnavailable { .. })),
        "{again:?}"
    );

    let fetched = cal.get_booking(&booking.uid).await.unwrap();
    assert_eq!(fetched.uid, booking.uid);
    let listed = cal
        .list_bookings(&BookingFilter {
            attendee_email: Some("ann@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|b| &b.uid).collect::<Vec<_>>(),
        vec![&booking.uid]
    );

    let moved = cal
        .reschedule_booking(&booking.uid, slots[6].start, Some("later".into()))
        .await
        .unwrap();
    assert_ne!(moved.uid, booking.uid);
    assert_eq!(moved.rescheduled_from_uid.as_ref(), Some(&booking.uid));
    let old = cal.get_booking(&booking.uid).await.unwrap();
    assert_eq!(old.status, BookingStatus::Cancelled);
    assert_eq!(old.rescheduled_to_uid.as_ref(), Some(&moved.uid));

    let cancelled = cal
        .cancel_booking(&moved.uid, "patient called")
        .await
        .unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(
        cal.free_slots(&query).await.unwrap(),
        slots,
        "every slot is free again"
    );
}

#[tokio::test]
async fn a_wrong_key_and_an_unknown_uid_are_typed_errors() {
    let mock = MockCalcom::start().await;
    let wrong: &dyn CalendarPort = &client_for(&mock, "cal_test_wrong");
    assert_eq!(
        wrong.account().await.unwrap_err(),
        DomainError::CalendarUnauthorized
    );

    let cal: &dyn CalendarPort = &client_for(&mock, mock.api_key());
    let missing = cal
        .get_booking(&BookingUid::parse("nope").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(missing, DomainError::NotFound { .. }),
        "{missing:?}"
    );
    let unknown_type = cal.free_slots(&weekday_query(999_999)).await.unwrap_err();
    assert!(
        matches!(unknown_type, DomainError::NotFound { .. }),
        "{unknown_type:?}"
    );
}
