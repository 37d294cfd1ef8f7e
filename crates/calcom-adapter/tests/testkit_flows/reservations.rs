//! Reservations hold a slot: it disappears from the free slots, nobody else
//! can book or reserve it, and deleting the hold frees it again.

use calbridge_calcom::CalcomError;
use calbridge_calcom::dto::ReserveSlotRequest;
use calbridge_domain::DomainError;
use calbridge_domain::ports::CalendarPort;
use calbridge_testkit::MockCalcom;

use crate::support::*;

#[tokio::test]
async fn a_held_slot_is_hidden_refused_and_freed_by_deleting_the_hold() {
    let mock = MockCalcom::start().await;
    let client = client_for(&mock);
    let slots = free_slots(&client, 1001).await;
    let held = slots[3];

    let reservation = client
        .reserve_slot(&ReserveSlotRequest::new(1001, held.start))
        .await
        .unwrap();
    assert!(!reservation.reservation_uid.is_empty());
    assert_eq!(reservation.slot_start, held.start);
    let fetched = client
        .get_reservation(&reservation.reservation_uid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.reservation_uid, reservation.reservation_uid);

    let during = free_slots(&client, 1001).await;
    assert!(!during.contains(&held), "the held slot is hidden");
    assert_eq!(during.len(), slots.len() - 1);
    let booking =
        CalendarPort::create_booking(&client, &appointment(1001, held.start, "bob@example.com"))
            .await;
    assert!(
        matches!(booking, Err(DomainError::SlotUnavailable { .. })),
        "{booking:?}"
    );

    client
        .delete_reservation(&reservation.reservation_uid)
        .await
        .unwrap();
    assert!(
        client
            .get_reservation(&reservation.reservation_uid)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(free_slots(&client, 1001).await, slots, "free again");
    let booked =
        CalendarPort::create_booking(&client, &appointment(1001, held.start, "bob@example.com"))
            .await
            .unwrap();

    // A booked slot cannot be reserved: Cal.com's 422 is a slot refusal.
    let err = client
        .reserve_slot(&ReserveSlotRequest::new(1001, booked.start))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CalcomError::SlotUnavailable { .. }),
        "{err:?}"
    );
    assert!(!free_slots(&client, 1001).await.contains(&held));
}
