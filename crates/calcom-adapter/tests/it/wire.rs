//! What goes over the wire for the original operations: the exact method,
//! path, version header, bearer key, query and body; how every kind of
//! failure answer is classified; and that the API key never leaks. Every
//! call here is sent once (no retries), so each test sees one exchange.

use std::collections::BTreeMap;
use std::time::Duration;

use calbridge_calcom::dto::{BookingListStatus, SortOrder};
use calbridge_calcom::{
    CalcomClient, CalcomConfig, CalcomError, CancelBookingRequest, CreateBookingAttendee,
    CreateBookingRequest, ListBookingsQuery, RescheduleBookingRequest, SlotsQuery,
};
use calbridge_domain::ports::CalendarPort;
use calbridge_domain::{
    BookingFilter, BookingStatus, DomainError, EventTypeId, SlotQuery, Upstream,
};
use chrono::{TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, header};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

// ---- every operation on the wire ------------------------------------------

#[tokio::test]
async fn me_sends_no_version_header() {
    let (server, client) = setup().await;
    call("GET", "/v2/me", None)
        .and(ExactQuery::new(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!({
            "id": 1, "username": "host", "email": "host@example.com", "name": "Host",
            "avatarUrl": null, "bio": null, "timeFormat": 24, "defaultScheduleId": 5,
            "weekStart": "Monday", "timeZone": "Europe/Berlin", "organizationId": null
        }))))
        .expect(2)
        .mount(&server)
        .await;

    let me = client.me().await.unwrap();
    assert_eq!((me.id, me.username.as_str()), (1, "host"));
    let account = client.account().await.unwrap();
    assert_eq!(account.time_zone, "Europe/Berlin");
    assert_eq!(account.email, "host@example.com");
}

#[tokio::test]
async fn the_port_lists_team_event_types_with_hosts_and_routes_round_robin_bookings() {
    let (server, client) = setup().await;
    call("GET", "/v2/event-types", Some("2024-06-14"))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([{
            "id": 7, "lengthInMinutes": 30, "title": "Consult", "slug": "consult", "ownerId": 1
        }]))))
        .mount(&server)
        .await;
    call("GET", "/v2/teams", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([
            {"id": 4, "name": "Salon", "slug": "salon", "isOrganization": false}
        ]))))
        .mount(&server)
        .await;
    call("GET", "/v2/teams/4/event-types", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([{
            "id": 70, "lengthInMinutes": 45, "title": "Cut", "slug": "cut", "teamId": 4,
            "schedulingType": "roundRobin",
            "hosts": [{"userId": 11, "name": "A"}, {"userId": 12, "name": "B"}]
        }]))))
        .mount(&server)
        .await;

    let types = CalendarPort::event_types(&client).await.unwrap();
    assert_eq!(types.len(), 2, "{types:?}");
    assert_eq!(types[0].host_ids, vec![1]);
    assert_eq!(types[0].scheduling, calbridge_domain::Scheduling::Personal);
    assert_eq!(types[1].id, EventTypeId(70));
    assert_eq!(
        types[1].scheduling,
        calbridge_domain::Scheduling::RoundRobin
    );
    assert_eq!(types[1].host_ids, vec![11, 12]);
    assert_eq!(types[1].team_id, Some(4));

    let mut appt = appointment();
    appt.team_member_ids = vec![12];
    call("POST", "/v2/bookings", Some("2024-08-13"))
        .and(wiremock::matchers::body_partial_json(
            json!({"routing": {"teamMemberIds": [12]}}),
        ))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(success(booking_json("bk_rr", "accepted", appt.start))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let booked = CalendarPort::create_booking(&client, &appt).await.unwrap();
    assert_eq!(booked.uid.as_str(), "bk_rr");
}

#[tokio::test]
async fn event_types_use_2024_06_14() {
    let (server, client) = setup().await;
    call("GET", "/v2/event-types", Some("2024-06-14"))
        .and(ExactQuery::new(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!([{
            "id": 7, "lengthInMinutes": 30, "lengthInMinutesOptions": [30, 60], "title": "Consult",
            "slug": "consult", "description": "Talk", "hidden": false, "locations": [],
            "bookingFields": [], "ownerId": 1, "users": ["host"], "bookingUrl": "https://cal.com/host/consult"
        }]))))
        .expect(2)
        .mount(&server)
        .await;

    let dtos = client.event_types().await.unwrap();
    assert_eq!(dtos[0].length_in_minutes_options, vec![30, 60]);
    let types = CalendarPort::event_types(&client).await.unwrap();
    assert_eq!(types.len(), 1);
    assert_eq!(types[0].id, EventTypeId(7));
    assert!(types[0].allows_length(60));
}

#[tokio::test]
async fn slots_use_2024_09_04_utc_window_and_range_format() {
    let (server, client) = setup().await;
    call("GET", "/v2/slots", Some("2024-09-04"))
        .and(ExactQuery::new(&[
            ("start", "2050-09-05T00:00:00.000Z"),
            ("end", "2050-09-07T00:00:00.000Z"),
            ("eventTypeId", "7"),
            ("timeZone", "Europe/Berlin"),
            ("duration", "30"),
            ("format", "range"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!({
            "2050-09-06": [{"start": "2050-09-06T09:00:00.000+02:00", "end": "2050-09-06T09:30:00.000+02:00"}],
            "2050-09-05": [
                {"start": "2050-09-05T10:00:00.000+02:00", "end": "2050-09-05T10:30:00.000+02:00"},
                {"start": "2050-09-05T09:00:00.000+02:00", "end": "2050-09-05T09:30:00.000+02:00"}
            ]
        }))))
        .expect(2)
        .mount(&server)
        .await;

    let query = SlotQuery::new(
        EventTypeId(7),
        at(0, 0),
        at(0, 0) + TimeDelta::days(2),
        Tz::Europe__Berlin,
    )
    .unwrap()
    .with_duration(30)
    .unwrap();
    let slots = client.free_slots(&query).await.unwrap();
    assert_eq!(slots.len(), 3);
    assert_eq!((slots[0].start, slots[0].end), (at(7, 0), at(7, 30)));
    assert_eq!(slots[1].start, at(8, 0));
    assert!(slots.windows(2).all(|w| w[0].start < w[1].start));

    let typed = SlotsQuery {
        time_zone: Some(Tz::Europe__Berlin),
        duration: Some(30),
        ..SlotsQuery::new(7, at(0, 0), at(0, 0) + TimeDelta::days(2))
    };
    let by_date = client.slots(&typed).await.unwrap();
    assert_eq!(by_date["2050-09-05"].len(), 2);
}

#[tokio::test]
async fn create_booking_posts_the_documented_body_with_correlation_id() {
    let (server, client) = setup().await;
    let appt = appointment();
    let expected_body = json!({
        "start": "2050-09-05T07:00:00.000Z",
        "eventTypeId": 7,
        "attendee": {"name": "Ann", "email": "ann@example.com", "timeZone": "Europe/Berlin",
                     "phoneNumber": "+4912345"},
        "metadata": {"source": "web", "correlationId": appt.id.to_string()},
        "lengthInMinutes": 30
    });
    let mut answer = booking_json("bk_1", "accepted", at(7, 0));
    answer["metadata"] = json!({"source": "web", "correlationId": appt.id.to_string()});
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .and(ExactQuery::new(&[]))
        .and(header("content-type", "application/json"))
        .and(body_json(&expected_body))
        .respond_with(ResponseTemplate::new(201).set_body_json(success(answer)))
        .expect(1)
        .mount(&server)
        .await;

    let booking = CalendarPort::create_booking(&client, &appt).await.unwrap();
    assert_eq!(booking.uid.as_str(), "bk_1");
    assert_eq!(booking.status, BookingStatus::Accepted);
    assert_eq!(booking.correlation_id(), Some(appt.id.to_string().as_str()));
}

#[tokio::test]
async fn create_booking_answered_with_a_recurring_list_is_a_decode_error() {
    let (server, client) = setup().await;
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(201).set_body_json(success(json!([
            booking_json("r1", "accepted", at(7, 0)),
            booking_json("r2", "accepted", at(8, 0)),
        ]))))
        .mount(&server)
        .await;
    let req = CreateBookingRequest {
        start: at(7, 0),
        event_type_id: 7,
        attendee: CreateBookingAttendee {
            name: "Ann".into(),
            email: "ann@example.com".into(),
            time_zone: Tz::UTC,
            phone_number: None,
            language: None,
        },
        metadata: BTreeMap::new(),
        length_in_minutes: None,
        guests: vec![],
        booking_fields_responses: BTreeMap::new(),
        routing: None,
    };
    let err = client.create_booking(&req).await.unwrap_err();
    assert!(matches!(err, CalcomError::Decode { .. }), "{err:?}");
    assert!(matches!(
        DomainError::from(err),
        DomainError::UpstreamFailed {
            upstream: Upstream::Calendar,
            ..
        }
    ));
}

#[tokio::test]
async fn list_bookings_sends_every_filter_and_returns_the_page() {
    let (server, client) = setup().await;
    call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
        .and(ExactQuery::new(&[
            ("status", "upcoming,cancelled"),
            ("attendeeEmail", "ann@example.com"),
            ("eventTypeId", "7"),
            ("afterStart", "2050-09-05T00:00:00.000Z"),
            ("beforeEnd", "2050-09-06T00:00:00.000Z"),
            ("afterUpdatedAt", "2050-09-01T00:00:00.000Z"),
            ("sortStart", "desc"),
            ("take", "10"),
            ("skip", "20"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "data": [booking_json("bk_1", "accepted", at(7, 0))],
            "pagination": {"totalItems": 21, "remainingItems": 0, "returnedItems": 1,
                           "itemsPerPage": 10, "currentPage": 3, "totalPages": 3,
                           "hasNextPage": false, "hasPreviousPage": true}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let q = ListBookingsQuery {
        status: vec![BookingListStatus::Upcoming, BookingListStatus::Cancelled],
        attendee_email: Some("ann@example.com".into()),
        event_type_id: Some(7),
        after_start: Some(at(0, 0)),
        before_end: Some(at(0, 0) + TimeDelta::days(1)),
        after_updated_at: Some(Utc.with_ymd_and_hms(2050, 9, 1, 0, 0, 0).unwrap()),
        sort_start: Some(SortOrder::Desc),
        take: Some(10),
        skip: Some(20),
        ..Default::default()
    };
    let page = client.list_bookings(&q).await.unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.pagination.total_items, 21);
    assert!(page.pagination.has_previous_page && !page.pagination.has_next_page);

    let too_big = ListBookingsQuery {
        take: Some(251),
        ..Default::default()
    };
    assert!(matches!(
        client.list_bookings(&too_big).await,
        Err(CalcomError::InvalidRequest { field: "take", .. })
    ));
}

#[tokio::test]
async fn port_list_maps_the_filter_and_keeps_only_matching_bookings() {
    let (server, client) = setup().await;
    call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
        .and(ExactQuery::new(&[
            ("afterUpdatedAt", "2050-09-01T00:00:00.000Z"),
            ("sortStart", "asc"),
            ("take", "100"),
            ("skip", "0"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "success",
            "data": [booking_json("bk_1", "accepted", at(7, 0)),
                     booking_json("bk_2", "cancelled", at(8, 0))],
            "pagination": {"totalItems": 2, "remainingItems": 0, "returnedItems": 2,
                           "itemsPerPage": 100, "currentPage": 1, "totalPages": 1,
                           "hasNextPage": false, "hasPreviousPage": false}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let filter = BookingFilter {
        status: Some(BookingStatus::Accepted),
        updated_after: Some(Utc.with_ymd_and_hms(2050, 9, 1, 0, 0, 0).unwrap()),
        ..Default::default()
    };
    let bookings = CalendarPort::list_bookings(&client, &filter).await.unwrap();
    let uids: Vec<_> = bookings.iter().map(|b| b.uid.as_str()).collect();
    assert_eq!(uids, vec!["bk_1"]);
}

#[tokio::test]
async fn get_booking_by_uid() {
    let (server, client) = setup().await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .and(ExactQuery::new(&[]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_1",
                "pending",
                at(7, 0),
            ))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let b = CalendarPort::get_booking(&client, &uid("bk_1"))
        .await
        .unwrap();
    assert_eq!(b.status, BookingStatus::Pending);
    assert_eq!(b.attendees[0].email.as_str(), "ann@example.com");
}

#[tokio::test]
async fn uids_are_path_escaped_and_dot_segments_refused() {
    let (server, client) = setup().await;
    call(
        "GET",
        "/v2/bookings/a%20b%2Fc%3Fd%23e",
        Some(BOOKINGS_VERSION),
    )
    .and(ExactQuery::new(&[]))
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
    client.get_booking("a b/c?d#e").await.unwrap();
    for bad in ["", ".", ".."] {
        assert!(matches!(
            client.get_booking(bad).await,
            Err(CalcomError::InvalidRequest { field: "uid", .. })
        ));
    }
}

#[tokio::test]
async fn cancel_always_sends_a_reason() {
    let (server, client) = setup().await;
    call("POST", "/v2/bookings/bk_1/cancel", Some(BOOKINGS_VERSION))
        .and(ExactQuery::new(&[]))
        .and(body_json(json!({"cancellationReason": "Patient is ill"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_1",
                "cancelled",
                at(7, 0),
            ))),
        )
        .expect(1)
        .mount(&server)
        .await;
    call("POST", "/v2/bookings/bk_2/cancel", Some(BOOKINGS_VERSION))
        .and(body_json(
            json!({"cancellationReason": "Cancelled via calbridge"}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_2",
                "cancelled",
                at(7, 0),
            ))),
        )
        .expect(1)
        .mount(&server)
        .await;

    let b = CalendarPort::cancel_booking(&client, &uid("bk_1"), "Patient is ill")
        .await
        .unwrap();
    assert_eq!(b.status, BookingStatus::Cancelled);
    let b = CalendarPort::cancel_booking(&client, &uid("bk_2"), "  ")
        .await
        .unwrap();
    assert_eq!(b.uid.as_str(), "bk_2");
    assert!(matches!(
        client
            .cancel_booking("bk_1", &CancelBookingRequest::new(""))
            .await,
        Err(CalcomError::InvalidRequest {
            field: "cancellationReason",
            ..
        })
    ));
}

#[tokio::test]
async fn reschedule_posts_new_start_and_returns_the_new_booking() {
    let (server, client) = setup().await;
    let mut new = booking_json("bk_new", "accepted", at(9, 0));
    new["rescheduledFromUid"] = json!("bk_1");
    call(
        "POST",
        "/v2/bookings/bk_1/reschedule",
        Some(BOOKINGS_VERSION),
    )
    .and(ExactQuery::new(&[]))
    .and(body_json(
        json!({"start": "2050-09-05T09:00:00.000Z", "reschedulingReason": "clash"}),
    ))
    .respond_with(ResponseTemplate::new(201).set_body_json(success(new.clone())))
    .expect(1)
    .mount(&server)
    .await;
    call(
        "POST",
        "/v2/bookings/bk_2/reschedule",
        Some(BOOKINGS_VERSION),
    )
    .and(body_json(json!({"start": "2050-09-05T09:00:00.000Z"})))
    .respond_with(ResponseTemplate::new(201).set_body_json(success(new)))
    .expect(1)
    .mount(&server)
    .await;

    let b = CalendarPort::reschedule_booking(&client, &uid("bk_1"), at(9, 0), Some("clash".into()))
        .await
        .unwrap();
    assert_eq!(b.uid.as_str(), "bk_new");
    assert_eq!(b.rescheduled_from_uid, Some(uid("bk_1")));
    let typed = client
        .reschedule_booking("bk_2", &RescheduleBookingRequest::new(at(9, 0)))
        .await
        .unwrap();
    assert_eq!(typed.uid, "bk_new");
}

// ---- every failure answer -------------------------------------------------

/// Mounts one answer for `GET /v2/bookings/bk_1` and returns the client's error.
async fn get_error(answer: ResponseTemplate) -> CalcomError {
    let (server, client) = setup().await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    let err = client.get_booking("bk_1").await.unwrap_err();
    assert_error_hides_key(&err);
    err
}

/// Mounts one answer for `POST /v2/bookings` and returns the port's error.
async fn create_error(answer: ResponseTemplate) -> DomainError {
    let (server, client) = setup().await;
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    let err = CalendarPort::create_booking(&client, &appointment())
        .await
        .unwrap_err();
    assert_error_hides_key(&err);
    err
}

#[tokio::test]
async fn unauthorized_and_forbidden() {
    let err = get_error(ResponseTemplate::new(401).set_body_json(error_envelope(
        "UnauthorizedException",
        "ApiAuthStrategy - api key - Your api key is not valid",
    )))
    .await;
    assert!(matches!(err, CalcomError::Unauthorized { .. }), "{err:?}");
    assert_eq!(DomainError::from(err), DomainError::CalendarUnauthorized);

    let err = get_error(ResponseTemplate::new(403).set_body_json(error_envelope(
        "ForbiddenException",
        "Missing permission BOOKING_READ",
    )))
    .await;
    assert!(matches!(err, CalcomError::Forbidden { .. }), "{err:?}");
    assert_eq!(DomainError::from(err), DomainError::CalendarUnauthorized);
}

#[tokio::test]
async fn not_found_is_the_booking() {
    let err = get_error(ResponseTemplate::new(404).set_body_json(error_envelope(
        "NotFoundException",
        "Booking with uid=bk_1 was not found in the database",
    )))
    .await;
    assert_eq!(
        err,
        CalcomError::NotFound {
            entity: "booking",
            id: "bk_1".into(),
            message: "Booking with uid=bk_1 was not found in the database".into()
        }
    );
    assert_eq!(
        DomainError::from(err),
        DomainError::NotFound {
            entity: "booking",
            id: "bk_1".into()
        }
    );
}

#[tokio::test]
async fn taken_slot_is_slot_unavailable() {
    let err = create_error(ResponseTemplate::new(400).set_body_json(error_envelope(
        "BadRequestException",
        "User either already has booking at this time or is not available",
    )))
    .await;
    assert_eq!(
        err,
        DomainError::SlotUnavailable {
            message: "User either already has booking at this time or is not available".into()
        }
    );
}

#[tokio::test]
async fn other_400_is_validation_with_details() {
    let body = json!({"status": "error", "timestamp": "t", "path": "/v2/bookings",
        "error": {"code": "BadRequestException", "message": "Bad Request Exception",
                  "details": {"errors": [{"property": "attendee", "constraints": {"isObject": "x"}}]}}});
    let (server, client) = setup().await;
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(400).set_body_json(body))
        .mount(&server)
        .await;
    let err = client
        .create_booking(&calbridge_calcom::CreateBookingRequest {
            start: at(7, 0),
            event_type_id: 7,
            attendee: CreateBookingAttendee {
                name: "Ann".into(),
                email: "ann@example.com".into(),
                time_zone: Tz::UTC,
                phone_number: None,
                language: None,
            },
            metadata: BTreeMap::new(),
            length_in_minutes: None,
            guests: vec![],
            booking_fields_responses: BTreeMap::new(),
            routing: None,
        })
        .await
        .unwrap_err();
    let CalcomError::Validation { message, details } = &err else {
        panic!("expected Validation, got {err:?}");
    };
    assert_eq!(message, "Bad Request Exception");
    assert_eq!(
        details.as_ref().unwrap()["errors"][0]["property"],
        json!("attendee")
    );
    assert_eq!(
        DomainError::from(err),
        DomainError::invalid("attendee", "Bad Request Exception")
    );

    let err = create_error(ResponseTemplate::new(400).set_body_json(error_envelope(
        "BadRequestException",
        "Attempting to book a meeting in the past.",
    )))
    .await;
    assert_eq!(
        err,
        DomainError::invalid("start", "Attempting to book a meeting in the past.")
    );
}

#[tokio::test]
async fn conflict_on_create_is_a_slot_and_elsewhere_a_conflict() {
    let err = create_error(ResponseTemplate::new(409).set_body_json(error_envelope(
        "ConflictException",
        "No more seats left at this seated booking.",
    )))
    .await;
    assert!(
        matches!(err, DomainError::SlotUnavailable { .. }),
        "{err:?}"
    );

    let (server, client) = setup().await;
    call("POST", "/v2/bookings/bk_1/cancel", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(409).set_body_json(error_envelope(
            "ConflictException",
            "Booking is already cancelled",
        )))
        .mount(&server)
        .await;
    let err = CalendarPort::cancel_booking(&client, &uid("bk_1"), "why")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::Conflict {
            message: "Booking is already cancelled".into()
        }
    );
}

#[tokio::test]
async fn rate_limit_carries_the_reset_delay() {
    let err = get_error(
        ResponseTemplate::new(429)
            .insert_header("X-RateLimit-Limit-Default", "120")
            .insert_header("X-RateLimit-Remaining-Default", "0")
            .insert_header("X-RateLimit-Reset-Default", "57")
            .set_body_json(error_envelope(
                "ThrottlerException",
                "CustomThrottlerGuard - Too many requests. Please try again later.",
            )),
    )
    .await;
    assert_eq!(
        err,
        CalcomError::RateLimited {
            reset: Some(Duration::from_secs(57))
        }
    );
    assert_eq!(
        DomainError::from(err),
        DomainError::RateLimited {
            retry_after: Some(Duration::from_secs(57))
        }
    );
}

#[tokio::test]
async fn server_errors_in_every_body_shape_are_upstream() {
    let err = get_error(ResponseTemplate::new(500).set_body_json(json!({
        "status": "error", "timestamp": "t", "path": "/v2/bookings/bk_1",
        "error": {"code": "INTERNAL_SERVER_ERROR", "message": "There was an error, please try again later."}
    })))
    .await;
    assert_eq!(
        err,
        CalcomError::Upstream {
            status: 500,
            message: "There was an error, please try again later.".into()
        }
    );

    let err = get_error(
        ResponseTemplate::new(500)
            .set_body_json(json!({"statusCode": 500, "message": "Internal server error"})),
    )
    .await;
    assert_eq!(
        err,
        CalcomError::Upstream {
            status: 500,
            message: "Internal server error".into()
        }
    );
    assert!(matches!(
        DomainError::from(err),
        DomainError::UpstreamFailed {
            upstream: Upstream::Calendar,
            ..
        }
    ));

    let err = get_error(
        ResponseTemplate::new(502)
            .insert_header("content-type", "text/html")
            .set_body_string("<html><body>502 Bad Gateway</body></html>"),
    )
    .await;
    assert!(
        matches!(&err, CalcomError::Upstream { status: 502, message } if message.contains("502 Bad Gateway")),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors() {
    for body in [
        "{\"status\":\"success\",\"data\":{\"uid\":",
        "not json at all",
        "{\"status\":\"error\",\"data\":null}",
        "{\"status\":\"success\",\"data\":{\"uid\":\"bk_1\"}}",
    ] {
        let err = get_error(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(body),
        )
        .await;
        assert!(matches!(err, CalcomError::Decode { .. }), "{body}: {err:?}");
        assert!(matches!(
            DomainError::from(err),
            DomainError::UpstreamFailed {
                upstream: Upstream::Calendar,
                ..
            }
        ));
    }
}

#[tokio::test]
async fn unknown_status_from_cal_com_is_a_decode_failure_at_the_port() {
    let (server, client) = setup().await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_1",
                "awaiting_payment",
                at(7, 0),
            ))),
        )
        .mount(&server)
        .await;
    let dto = client.get_booking("bk_1").await.unwrap();
    assert_eq!(dto.status.as_str(), "awaiting_payment");
    let err = CalendarPort::get_booking(&client, &uid("bk_1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, DomainError::UpstreamFailed { ref message, .. } if message.contains("awaiting_payment")),
        "{err:?}"
    );
}

// ---- transport failures ---------------------------------------------------

#[tokio::test]
async fn slow_answers_time_out_and_are_unavailable() {
    let server = MockServer::start().await;
    call("GET", "/v2/me", None)
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(1500))
                .set_body_json(success(json!({}))),
        )
        .mount(&server)
        .await;
    let client =
        CalcomClient::new(config(&server.uri()).with_timeout(Duration::from_millis(150))).unwrap();
    let started = std::time::Instant::now();
    let err = client.me().await.unwrap_err();
    assert_eq!(err, CalcomError::Timeout);
    assert!(started.elapsed() < Duration::from_millis(1200));
    let err = client.account().await.unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Unavailable {
                upstream: Upstream::Calendar,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn refused_connections_are_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = CalcomClient::new(config(&format!("http://127.0.0.1:{port}"))).unwrap();
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, CalcomError::Connection { .. }), "{err:?}");
    assert_error_hides_key(&err);
    let err = client.account().await.unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Unavailable {
                upstream: Upstream::Calendar,
                ..
            }
        ),
        "{err:?}"
    );
}

// ---- the key never leaks --------------------------------------------------

#[tokio::test]
async fn client_config_and_errors_never_show_the_key() {
    let cfg = config("https://api.cal.com");
    assert_no_key(&format!("{cfg:?}"));
    let client = CalcomClient::new(cfg).unwrap();
    assert_no_key(&format!("{client:?}"));

    // Even when Cal.com echoes the key back in an error body.
    let echoed = format!("Invalid header: Authorization: Bearer {KEY} (hash of {SECRET_PART})");
    let err = get_error(ResponseTemplate::new(400).set_body_json(json!({
        "status": "error", "timestamp": "t", "path": "/v2/bookings/bk_1",
        "error": {"code": "BadRequestException", "message": echoed,
                  "details": {"headers": {"authorization": format!("Bearer {KEY}")}}}
    })))
    .await;
    assert_error_hides_key(&err);
    assert_error_hides_key(&DomainError::from(err));
    let err = get_error(ResponseTemplate::new(500).set_body_string(echoed.clone())).await;
    assert_error_hides_key(&DomainError::from(err));

    let bad = CalcomClient::new(
        CalcomConfig::new(SecretString::from(format!("{KEY}\n"))).with_base_url("https://x.test"),
    )
    .unwrap_err();
    assert_error_hides_key(&bad);
}

#[tokio::test]
async fn logs_never_show_the_key() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let (server, client) = setup().await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(200).set_body_json(success({
            let mut b = booking_json("bk_1", "accepted", at(7, 0));
            b["attendees"][0]["email"] = json!("broken");
            b
        })))
        .mount(&server)
        .await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(401).set_body_json(error_envelope(
            "UnauthorizedException",
            &format!("key {KEY} is not valid"),
        )))
        .mount(&server)
        .await;

    // Other tests may have hit our callsites first, on threads without a
    // subscriber; make tracing ask this one again.
    tracing::callsite::rebuild_interest_cache();
    let b = CalendarPort::get_booking(&client, &uid("bk_1"))
        .await
        .unwrap();
    assert!(
        b.attendees.is_empty(),
        "invalid attendee email must be skipped"
    );
    assert!(client.me().await.is_err());

    let logged = capture.0.lock().unwrap().clone();
    assert!(
        logged.contains("Cal.com answered"),
        "nothing captured: {logged}"
    );
    assert!(logged.contains("Cal.com call failed"), "{logged}");
    assert!(logged.contains("invalid email"), "{logged}");
    assert!(
        !logged.contains("broken"),
        "attendee email logged: {logged}"
    );
    assert_no_key(&logged);
}
