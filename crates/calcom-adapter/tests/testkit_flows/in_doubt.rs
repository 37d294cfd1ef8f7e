//! Writes whose answer is lost after Cal.com applied them: the booking
//! exists exactly once, and the client answers with it (or says it is in
//! doubt) instead of booking twice.

use calbridge_calcom::{CalcomError, CancelBookingRequest, RescheduleBookingRequest};
use calbridge_domain::ports::CalendarPort;
use calbridge_domain::{BookingFilter, BookingStatus, DomainError, Upstream};
use calbridge_testkit::{MockCalcom, Route};

use crate::support::*;

#[tokio::test]
async fn a_create_applied_but_unanswered_ends_as_exactly_one_booking() {
    let mock = MockCalcom::start().await;
    let client = client_for(&mock);
    let slots = free_slots(&client, 1001).await;
    mock.faults()
        .drop_response_after_apply(Route::CreateBooking, 1);

    let appt = appointment(1001, slots[3].start, "ann@example.com");
    let booking = CalendarPort::create_booking(&client, &appt).await.unwrap();

    assert_eq!(booking.start, slots[3].start);
    assert_eq!(booking.correlation_id(), Some(appt.id.to_string().as_str()));
    let stored = mock.bookings();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].uid, booking.uid.as_str());
    assert_eq!(calls(&mock, Route::CreateBooking), 1, "never sent twice");
    assert!(calls(&mock, Route::ListBookings) >= 1, "looked up first");
}

#[tokio::test]
async fn a_lost_create_whose_lookup_fails_too_is_in_doubt_and_exists_once() {
    let mock = MockCalcom::start().await;
    let client = client_for(&mock);
    let slots = free_slots(&client, 1001).await;
    mock.faults()
        .drop_response_after_apply(Route::CreateBooking, 1)
        .fail_next(Route::ListBookings, 3, 503);

    let appt = appointment(1001, slots[4].start, "ann@example.com");
    let err = CalendarPort::create_booking(&client, &appt)
        .await
        .unwrap_err();
    let DomainError::Unavailable {
        upstream: Upstream::Calendar,
        message,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(message.contains("outcome unknown"), "{message}");
    assert!(message.contains(&appt.id.to_string()), "{message}");
    assert_eq!(
        calls(&mock, Route::CreateBooking),
        1,
        "never re-sent blindly"
    );

    // Later, with Cal.com healthy again, the booking is there exactly once.
    let later = CalendarPort::list_bookings(
        &client,
        &BookingFilter {
            attendee_email: Some("ann@example.com".into()),
            ..BookingFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(later.len(), 1, "{later:?}");
    assert_eq!(
        later[0].correlation_id(),
        Some(appt.id.to_string().as_str())
    );
    assert_eq!(mock.bookings().len(), 1);
}

#[tokio::test]
async fn a_reschedule_applied_but_unanswered_is_resolved_from_the_old_booking() {
    let mock = MockCalcom::start().await;
    let client = client_for(&mock);
    let slots = free_slots(&client, 1001).await;
    let booked = CalendarPort::create_booking(
        &client,
        &appointment(1001, slots[1].start, "ann@example.com"),
    )
    .await
    .unwrap();
    mock.faults()
        .drop_response_after_apply(Route::RescheduleBooking, 1);

    let moved = client
        .reschedule_booking(
            booked.uid.as_str(),
            &RescheduleBookingRequest::new(slots[5].start),
        )
        .await
        .unwrap();

    assert_ne!(moved.uid, booked.uid.as_str());
    assert_eq!(moved.start, slots[5].start);
    assert_eq!(
        moved.rescheduled_from_uid.as_deref(),
        Some(booked.uid.as_str())
    );
    assert_eq!(calls(&mock, Route::RescheduleBooking), 1, "never re-sent");
    let stored = mock.bookings();
    assert_eq!(stored.len(), 2, "the old booking and exactly one new one");
    let active: Vec<_> = stored.iter().filter(|b| b.status == "accepted").collect();
    assert_eq!(active.len(), 1, "{stored:?}");
    assert_eq!(active[0].uid, moved.uid);
}

#[tokio::test]
async fn a_lost_reschedule_whose_lookup_fails_is_in_doubt() {
    let mock = MockCalcom::start().await;
    let client = client_for(&mock);
    let slots = free_slots(&client, 1001).await;
    let booked = CalendarPort::create_booking(
        &client,
        &appointment(1001, slots[1].start, "ann@example.com"),
    )
    .await
    .unwrap();
    mock.faults()
        .drop_response_after_apply(Route::RescheduleBooking, 1)
        .fail_next(Route::GetBooking, 3, 503);

    let err = client
        .reschedule_booking(
            booked.uid.as_str(),
            &RescheduleBookingRequest::new(slots[5].start),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CalcomError::InDoubt { operation: "reschedule_booking", message, .. }
            if message.contains(booked.uid.as_str())),
        "{err:?}"
    );
    assert_eq!(calls(&mock, Route::RescheduleBooking), 1);
    assert_eq!(
        mock.bookings()
            .iter()
            .filter(|b| b.status == "accepted")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_cancel_applied_but_unanswered_returns_the_cancelled_booking() {
    let mock = MockCalcom::start().await;
    let client = client_for(&mock);
    let slots = free_slots(&client, 1001).await;
    let booked = CalendarPort::create_booking(
        &client,
        &appointment(1001, slots[2].start, "ann@example.com"),
    )
    .await
    .unwrap();
    mock.faults()
        .drop_response_after_apply(Route::CancelBooking, 1);

    let cancelled = client
        .cancel_booking(booked.uid.as_str(), &CancelBookingRequest::new("ill"))
        .await
        .unwrap();

    assert_eq!(cancelled.uid, booked.uid.as_str());
    assert_eq!(cancelled.status.as_str(), "cancelled");
    assert_eq!(
        calls(&mock, Route::CancelBooking),
        2,
        "retried, refused as done"
    );
    assert_eq!(mock.bookings()[0].status, "cancelled");

    // Cancelling a booking that was cancelled before is still an error.
    let again = CalendarPort::cancel_booking(&client, &booked.uid, "twice").await;
    assert!(
        matches!(again, Err(DomainError::InvalidInput { .. })),
        "{again:?}"
    );
    let fetched = CalendarPort::get_booking(&client, &booked.uid)
        .await
        .unwrap();
    assert_eq!(fetched.status, BookingStatus::Cancelled);
}
