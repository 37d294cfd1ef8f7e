//! The operations added for issue 5, on the wire: method, path, version
//! header (or none), bearer key, query and body, and the decoded answer.

use calbridge_calcom::dto::{
    AbsentAttendee, CreateWebhookRequest, DeclineBookingRequest, EventTypesQuery,
    MarkAbsentRequest, ReserveSlotRequest, SchedulingType, SortOrder, TeamEventTypesQuery,
    UpdateWebhookRequest, WebhookTrigger, WebhooksQuery, Weekday,
};
use calbridge_calcom::{CalcomError, ListBookingsQuery};
use futures_util::TryStreamExt;
use secrecy::SecretString;
use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, body_string, header, query_param};

use crate::support::*;

const EVENT_TYPES: &str = "2024-06-14";
const SCHEDULES: &str = "2024-06-11";
const SLOTS: &str = "2024-09-04";

fn event_type_json(id: u64) -> serde_json::Value {
    json!({"id": id, "lengthInMinutes": 30, "title": "Consult", "slug": "consult",
           "locations": [], "bookingFields": [], "hidden": false})
}

#[tokio::test]
async fn event_types_with_filters_and_by_id() {
    let (server, client) = setup().await;
    call("GET", "/v2/event-types", Some(EVENT_TYPES))
        .and(ExactQuery::new(&[
            ("username", "host"),
            ("eventSlug", "consult"),
            ("sortCreatedAt", "asc"),
        ]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(json!([event_type_json(7)]))),
        )
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/event-types/7", Some(EVENT_TYPES))
        .and(ExactQuery::new(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(event_type_json(7))))
        .expect(1)
        .mount(&server)
        .await;
    let q = EventTypesQuery {
        username: Some("host".into()),
        event_slug: Some("consult".into()),
        sort_created_at: Some(SortOrder::Asc),
        ..Default::default()
    };
    assert_eq!(client.list_event_types(&q).await.unwrap()[0].id, 7);
    assert_eq!(client.get_event_type(7).await.unwrap().slug, "consult");
}

#[tokio::test]
async fn team_event_types_send_no_version_header() {
    let (server, client) = setup().await;
    let mut team_type = event_type_json(9);
    team_type["teamId"] = json!(4);
    team_type["schedulingType"] = json!("collective");
    call("GET", "/v2/teams/4/event-types", None)
        .and(ExactQuery::new(&[
            ("eventSlug", "consult"),
            ("hostsLimit", "3"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([team_type.clone()]))))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/teams/4/event-types/9", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(team_type)))
        .expect(1)
        .mount(&server)
        .await;
    let q = TeamEventTypesQuery {
        event_slug: Some("consult".into()),
        hosts_limit: Some(3),
        sort_created_at: None,
    };
    let list = client.list_team_event_types(4, &q).await.unwrap();
    assert_eq!(list[0].scheduling_type, Some(SchedulingType::Collective));
    assert_eq!(
        client.get_team_event_type(4, 9).await.unwrap().team_id,
        Some(4)
    );
}

#[tokio::test]
async fn schedules_list_default_and_get() {
    let (server, client) = setup().await;
    let schedule = json!({"id": 5, "ownerId": 1, "name": "Work", "timeZone": "Europe/Berlin",
        "isDefault": true, "overrides": [],
        "availability": [{"days": ["Monday", "Tuesday"], "startTime": "09:00", "endTime": "17:00"}]});
    call("GET", "/v2/schedules", Some(SCHEDULES))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([schedule.clone()]))))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/schedules/default", Some(SCHEDULES))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!(null))))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/schedules/5", Some(SCHEDULES))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(schedule)))
        .expect(1)
        .mount(&server)
        .await;
    let list = client.list_schedules().await.unwrap();
    assert_eq!(
        list[0].availability[0].days,
        vec![Weekday::Monday, Weekday::Tuesday]
    );
    assert_eq!(client.default_schedule().await.unwrap(), None);
    assert!(client.get_schedule(5).await.unwrap().is_default);
}

#[tokio::test]
async fn reservations_create_get_update_delete() {
    let (server, client) = setup().await;
    let reservation = json!({"eventTypeId": 7, "slotStart": "2050-09-05T07:00:00.000Z",
        "slotEnd": "2050-09-05T07:30:00.000Z", "slotDuration": 30, "reservationUid": "r-1",
        "reservationDuration": 10, "reservationUntil": "2050-09-01T10:10:00.000Z"});
    call("POST", "/v2/slots/reservations", Some(SLOTS))
        .and(body_json(
            json!({"eventTypeId": 7, "slotStart": "2050-09-05T07:00:00.000Z",
                              "reservationDuration": 10}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(success(reservation.clone())))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/slots/reservations/r-1", Some(SLOTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(reservation.clone())))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/slots/reservations/gone", Some(SLOTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!(null))))
        .expect(1)
        .mount(&server)
        .await;
    call("PATCH", "/v2/slots/reservations/r-1", Some(SLOTS))
        .and(body_json(
            json!({"eventTypeId": 7, "slotStart": "2050-09-05T08:00:00.000Z"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(reservation)))
        .expect(1)
        .mount(&server)
        .await;
    call("DELETE", "/v2/slots/reservations/r-1", Some(SLOTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "success"})))
        .expect(1)
        .mount(&server)
        .await;

    let req = ReserveSlotRequest {
        reservation_duration: Some(10),
        ..ReserveSlotRequest::new(7, at(7, 0))
    };
    let r = client.reserve_slot(&req).await.unwrap();
    assert_eq!(r.reservation_uid, "r-1");
    assert_eq!(
        client
            .get_reservation("r-1")
            .await
            .unwrap()
            .unwrap()
            .slot_duration,
        Some(30)
    );
    assert_eq!(client.get_reservation("gone").await.unwrap(), None);
    client
        .update_reservation("r-1", &ReserveSlotRequest::new(7, at(8, 0)))
        .await
        .unwrap();
    client.delete_reservation("r-1").await.unwrap();
    assert!(matches!(
        client.delete_reservation("..").await,
        Err(CalcomError::InvalidRequest {
            field: "reservationUid",
            ..
        })
    ));
}

#[tokio::test]
async fn reserving_a_booked_slot_is_slot_unavailable() {
    let (server, client) = setup().await;
    call("POST", "/v2/slots/reservations", Some(SLOTS))
        .respond_with(ResponseTemplate::new(422).set_body_json(error_envelope(
            "UnprocessableEntityException",
            "Can't reserve a slot if the event is already booked.",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .reserve_slot(&ReserveSlotRequest::new(7, at(7, 0)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CalcomError::SlotUnavailable { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn confirm_decline_and_mark_absent() {
    let (server, client) = setup().await;
    call("POST", "/v2/bookings/bk_1/confirm", Some(BOOKINGS_VERSION))
        .and(body_string(""))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_1",
                "accepted",
                at(7, 0),
            ))),
        )
        .expect(1)
        .mount(&server)
        .await;
    call("POST", "/v2/bookings/bk_2/decline", Some(BOOKINGS_VERSION))
        .and(body_json(json!({"reason": "fully booked"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_2",
                "rejected",
                at(7, 0),
            ))),
        )
        .expect(1)
        .mount(&server)
        .await;
    call(
        "POST",
        "/v2/bookings/bk_3/mark-absent",
        Some(BOOKINGS_VERSION),
    )
    .and(body_json(
        json!({"host": false, "attendees": [{"email": "ann@example.com", "absent": true}]}),
    ))
    .respond_with(
        ResponseTemplate::new(200).set_body_json(success(booking_json(
            "bk_3",
            "accepted",
            at(7, 0),
        ))),
    )
    .expect(1)
    .mount(&server)
    .await;
    assert_eq!(client.confirm_booking("bk_1").await.unwrap().uid, "bk_1");
    let declined = client
        .decline_booking(
            "bk_2",
            &DeclineBookingRequest {
                reason: Some("fully booked".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(declined.status.as_str(), "rejected");
    let marked = client
        .mark_absent(
            "bk_3",
            &MarkAbsentRequest {
                host: Some(false),
                attendees: vec![AbsentAttendee {
                    email: "ann@example.com".into(),
                    absent: true,
                }],
            },
        )
        .await
        .unwrap();
    assert_eq!(marked.uid, "bk_3");
}

#[tokio::test]
async fn teams_list_and_get() {
    let (server, client) = setup().await;
    let team = json!({"id": 4, "name": "Care", "slug": "care", "isOrganization": false});
    call("GET", "/v2/teams", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([team.clone()]))))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/teams/4", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(team)))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/teams/5", None)
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(error_envelope("NotFoundException", "Team not found")),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.list_teams().await.unwrap()[0].name, "Care");
    assert_eq!(
        client.get_team(4).await.unwrap().slug.as_deref(),
        Some("care")
    );
    assert!(matches!(
        client.get_team(5).await,
        Err(CalcomError::NotFound { entity: "team", ref id, .. }) if id == "5"
    ));
}

#[tokio::test]
async fn webhooks_crud_keeps_the_secret_out_of_debug() {
    let (server, client) = setup().await;
    let hook = json!({"id": "wh-uuid-1", "userId": 1, "subscriberUrl": "https://example.com/hook",
        "active": true, "triggers": ["BOOKING_CREATED"], "payloadTemplate": null});
    call("GET", "/v2/webhooks", None)
        .and(ExactQuery::new(&[("take", "10"), ("skip", "20")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([hook.clone()]))))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/webhooks/wh-uuid-1", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(hook.clone())))
        .expect(1)
        .mount(&server)
        .await;
    call("POST", "/v2/webhooks", None)
        .and(body_json(
            json!({"subscriberUrl": "https://example.com/hook", "active": true,
            "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"], "secret": "whsec_s3cr3t"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(success(hook.clone())))
        .expect(1)
        .mount(&server)
        .await;
    call("PATCH", "/v2/webhooks/wh-uuid-1", None)
        .and(body_json(json!({"active": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(hook.clone())))
        .expect(1)
        .mount(&server)
        .await;
    call("DELETE", "/v2/webhooks/wh-uuid-1", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(hook)))
        .expect(1)
        .mount(&server)
        .await;

    let list = client
        .list_webhooks(&WebhooksQuery {
            take: Some(10),
            skip: Some(20),
        })
        .await
        .unwrap();
    assert_eq!(list[0].triggers, vec![WebhookTrigger::BookingCreated]);
    assert_eq!(
        client.get_webhook("wh-uuid-1").await.unwrap().id,
        "wh-uuid-1"
    );
    let req = CreateWebhookRequest {
        subscriber_url: "https://example.com/hook".into(),
        active: true,
        triggers: vec![
            WebhookTrigger::BookingCreated,
            WebhookTrigger::BookingCancelled,
        ],
        payload_template: None,
        secret: Some(SecretString::from("whsec_s3cr3t")),
        version: None,
    };
    assert!(!format!("{req:?}").contains("s3cr3t"));
    client.create_webhook(&req).await.unwrap();
    client
        .update_webhook(
            "wh-uuid-1",
            &UpdateWebhookRequest {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    client.delete_webhook("wh-uuid-1").await.unwrap();
    let debug = format!("{:?}", client.last_request_debug());
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(matches!(
        client
            .list_webhooks(&WebhooksQuery {
                take: Some(0),
                skip: None
            })
            .await,
        Err(CalcomError::InvalidRequest { field: "take", .. })
    ));
}

#[tokio::test]
async fn a_duplicate_webhook_is_a_conflict() {
    let (server, client) = setup().await;
    call("POST", "/v2/webhooks", None)
        .respond_with(ResponseTemplate::new(409).set_body_json(error_envelope(
            "ConflictException",
            "Webhook with this subscriber url already exists for this user",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let req = CreateWebhookRequest {
        subscriber_url: "https://example.com/hook".into(),
        active: true,
        triggers: vec![WebhookTrigger::BookingCreated],
        payload_template: None,
        secret: None,
        version: None,
    };
    assert!(matches!(
        client.create_webhook(&req).await,
        Err(CalcomError::Conflict { .. })
    ));
}

#[tokio::test]
async fn list_all_bookings_walks_every_page() {
    let (server, client) = setup().await;
    for (skip, uids, next) in [
        ("0", vec!["b1", "b2"], true),
        ("2", vec!["b3", "b4"], true),
        ("4", vec!["b5"], false),
    ] {
        let data: Vec<_> = uids
            .iter()
            .map(|u| booking_json(u, "accepted", at(7, 0)))
            .collect();
        call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
            .and(query_param("skip", skip))
            .and(query_param("take", "2"))
            .and(query_param("attendeeEmail", "ann@example.com"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(json!(data), next)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let all: Vec<_> = client
        .list_all_bookings(ListBookingsQuery {
            attendee_email: Some("ann@example.com".into()),
            take: Some(2),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    let uids: Vec<_> = all.iter().map(|b| b.uid.as_str()).collect();
    assert_eq!(uids, vec!["b1", "b2", "b3", "b4", "b5"]);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_the_error() {
    let (server, client) = setup().await;
    call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
        .and(query_param("skip", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            json!([booking_json("b1", "accepted", at(7, 0))]),
            true,
        )))
        .mount(&server)
        .await;
    call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
        .and(query_param("skip", "1"))
        .and(header("cal-api-version", BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(error_envelope("ForbiddenException", "no")),
        )
        .mount(&server)
        .await;
    let result: Result<Vec<_>, _> = client
        .list_all_bookings(ListBookingsQuery::default())
        .try_collect()
        .await;
    assert!(matches!(result, Err(CalcomError::Forbidden { .. })));
}
