//! Team event types over HTTP: round robin spreads concurrent bookings over
//! free hosts instead of refusing them, a named staff member is the one
//! Cal.com assigns, and staff who do not host the type are refused.

use serde_json::{Value, json};

use crate::helpers::{TestApp, next_weekday, spawn_app};

/// The testkit's team: the demo user (1) and a colleague (2) host both
/// team types.
const ROUND_ROBIN: u64 = 2002;
const COLLECTIVE: u64 = 2001;
const DEMO_USER: u64 = 1;
const COLLEAGUE: u64 = 2;

fn body(event: u64, start: &str, email: &str, staff: Option<u64>) -> Value {
    let mut b = TestApp::booking_body(event, start, email);
    if let Some(staff) = staff {
        b["staffId"] = json!(staff);
    }
    b
}

/// A start where both hosts work: the colleague keeps New York hours, so
/// only the afternoon in Berlin (the collective type's slots) has both.
async fn both_free(app: &TestApp) -> String {
    app.slots_on(COLLECTIVE, next_weekday()).await[0].clone()
}

/// The local appointment segment (and so the hold) behind booking `uid`.
async fn held_segment(app: &TestApp, uid: &str) -> calbridge_domain::SegmentRecord {
    let record = app
        .state
        .storage
        .appointments
        .find_by_booking_uid(
            &crate::helpers::demo_tenant(),
            &uid.to_owned().try_into().unwrap(),
        )
        .await
        .unwrap()
        .expect("the booking's appointment");
    record
        .segments
        .into_iter()
        .find(|s| s.booking_uid.as_ref().is_some_and(|u| u.as_str() == uid))
        .expect("the booking's segment")
}

fn upstream_hosts(app: &TestApp, uid: &str) -> Vec<u64> {
    app.mock
        .bookings()
        .into_iter()
        .find(|b| b.uid == uid)
        .map(|b| b.host_ids)
        .unwrap_or_default()
}

#[tokio::test]
async fn event_types_include_the_team_types_with_their_hosts() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/event-types").await;
    assert_eq!(status, 200, "{body}");
    let types = body["data"].as_array().unwrap();
    let find = |id: u64| types.iter().find(|t| t["id"] == id).cloned();
    let rr = find(ROUND_ROBIN).expect("round-robin team type listed");
    assert_eq!(rr["scheduling"], "roundRobin", "{rr}");
    assert_eq!(rr["hostIds"], json!([DEMO_USER, COLLEAGUE]), "{rr}");
    assert_eq!(rr["teamId"], 501, "{rr}");
    let collective = find(COLLECTIVE).expect("collective team type listed");
    assert_eq!(collective["scheduling"], "collective", "{collective}");
    let personal = find(1001).expect("personal type listed");
    assert_eq!(personal["scheduling"], "personal", "{personal}");
    assert_eq!(personal["hostIds"], json!([DEMO_USER]), "{personal}");
}

#[tokio::test]
async fn concurrent_round_robin_bookings_get_different_hosts_not_a_false_conflict() {
    let app = spawn_app().await;
    let start = both_free(&app).await;
    let (first, second) = (
        body(ROUND_ROBIN, &start, "a@example.com", None),
        body(ROUND_ROBIN, &start, "b@example.com", None),
    );
    let (a, b) = tokio::join!(
        app.post("/api/bookings", &first),
        app.post("/api/bookings", &second),
    );
    assert_eq!(a.0, 201, "{}", a.1);
    assert_eq!(b.0, 201, "{}", b.1);
    let mut hosts = [
        upstream_hosts(&app, a.1["uid"].as_str().unwrap()),
        upstream_hosts(&app, b.1["uid"].as_str().unwrap()),
    ];
    hosts.sort();
    assert_eq!(hosts, [vec![DEMO_USER], vec![COLLEAGUE]]);

    // Both hosts are taken now: a third booking is refused, locally.
    let (status, err) = app
        .post(
            "/api/bookings",
            &body(ROUND_ROBIN, &start, "c@example.com", None),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "slot_unavailable", "{err}");
}

#[tokio::test]
async fn a_named_staff_member_hosts_the_round_robin_booking() {
    let app = spawn_app().await;
    let start = both_free(&app).await;
    let (status, booked) = app
        .post(
            "/api/bookings",
            &body(ROUND_ROBIN, &start, "s@example.com", Some(COLLEAGUE)),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(
        upstream_hosts(&app, booked["uid"].as_str().unwrap()),
        vec![COLLEAGUE]
    );
    // The same staff member at the same time is taken; the other is free.
    let (status, err) = app
        .post(
            "/api/bookings",
            &body(ROUND_ROBIN, &start, "t@example.com", Some(COLLEAGUE)),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    let (status, other) = app
        .post(
            "/api/bookings",
            &body(ROUND_ROBIN, &start, "u@example.com", Some(DEMO_USER)),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    assert_eq!(
        upstream_hosts(&app, other["uid"].as_str().unwrap()),
        vec![DEMO_USER]
    );
}

#[tokio::test]
async fn staff_who_do_not_host_the_event_type_are_refused_before_anything_is_booked() {
    let app = spawn_app().await;
    let start = app.slots_on(ROUND_ROBIN, next_weekday()).await[1].clone();
    let (status, err) = app
        .post(
            "/api/bookings",
            &body(ROUND_ROBIN, &start, "x@example.com", Some(77)),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "staffId", "{err}");
    let (status, err) = app
        .post(
            "/api/composite-bookings",
            &json!({
                "start": start,
                "attendee": {"name": "Ann", "email": "x@example.com", "timeZone": "Europe/Berlin"},
                "segments": [{"eventTypeId": 1001, "staffId": COLLEAGUE}]
            }),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "segments.staffId", "{err}");
    assert!(app.mock.bookings().is_empty());
}

#[tokio::test]
async fn a_composite_books_each_segment_with_its_own_staff() {
    let app = spawn_app().await;
    let start = both_free(&app).await;
    let (status, done) = app
        .post(
            "/api/composite-bookings",
            &json!({
                "start": start,
                "attendee": {"name": "Ann", "email": "duo@example.com", "timeZone": "Europe/Berlin"},
                "segments": [
                    {"eventTypeId": ROUND_ROBIN, "staffId": COLLEAGUE},
                    {"eventTypeId": ROUND_ROBIN, "staffId": DEMO_USER}
                ]
            }),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    let segments = done["segments"].as_array().unwrap();
    assert_eq!(segments[0]["staffId"], COLLEAGUE, "{done}");
    assert_eq!(segments[1]["staffId"], DEMO_USER, "{done}");
    for (seg, host) in segments.iter().zip([COLLEAGUE, DEMO_USER]) {
        let uid = seg["bookingUid"].as_str().unwrap();
        assert_eq!(upstream_hosts(&app, uid), vec![host], "{done}");
    }
}

#[tokio::test]
async fn round_robin_without_staff_books_whoever_cal_com_finds_free_and_holds_that_host() {
    let app = spawn_app().await;
    // Berlin mornings: the colleague is not working yet, so Cal.com can
    // only assign the demo user, whichever host calbridge held first.
    let morning = app.slots_on(ROUND_ROBIN, next_weekday()).await;
    for (n, start) in morning.iter().take(6).enumerate() {
        let (status, booked) = app
            .post(
                "/api/bookings",
                &body(ROUND_ROBIN, start, &format!("m{n}@example.com"), None),
            )
            .await;
        assert_eq!(status, 201, "{start}: {booked}");
        let uid = booked["uid"].as_str().unwrap();
        assert_eq!(upstream_hosts(&app, uid), vec![DEMO_USER]);
        assert_eq!(
            held_segment(&app, uid).await.host_id,
            DEMO_USER,
            "the hold follows the host Cal.com assigned"
        );
    }
}

#[tokio::test]
async fn a_rescheduled_round_robin_booking_holds_the_host_cal_com_reassigned() {
    let app = spawn_app().await;
    let afternoon = both_free(&app).await;
    let (status, booked) = app
        .post(
            "/api/bookings",
            &body(ROUND_ROBIN, &afternoon, "r@example.com", Some(COLLEAGUE)),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    // The morning: the colleague is not working, so Cal.com hands the
    // booking to the demo user.
    let morning = app.slots_on(ROUND_ROBIN, next_weekday()).await[0].clone();
    let (status, moved) = app
        .post(
            &format!(
                "/api/bookings/{}/reschedule",
                booked["uid"].as_str().unwrap()
            ),
            &json!({"start": morning}),
        )
        .await;
    assert_eq!(status, 201, "{moved}");
    let new_uid = moved["uid"].as_str().unwrap();
    assert_eq!(upstream_hosts(&app, new_uid), vec![DEMO_USER]);
    let segment = held_segment(&app, new_uid).await;
    assert_eq!(segment.host_id, DEMO_USER);
    assert_eq!(
        segment.start.to_rfc3339(),
        chrono::DateTime::parse_from_rfc3339(&morning)
            .unwrap()
            .to_utc()
            .to_rfc3339()
    );
}

#[tokio::test]
async fn a_burst_of_round_robin_bookings_fills_each_host_once_and_refuses_the_rest() {
    let app = spawn_app().await;
    let start = both_free(&app).await;
    let bodies: Vec<Value> = (0..8)
        .map(|n| body(ROUND_ROBIN, &start, &format!("burst{n}@example.com"), None))
        .collect();
    let answers =
        futures_util::future::join_all(bodies.iter().map(|b| app.post("/api/bookings", b))).await;
    let mut hosts = Vec::new();
    for (status, answer) in &answers {
        match status {
            201 => hosts.extend(upstream_hosts(&app, answer["uid"].as_str().unwrap())),
            409 => assert_eq!(answer["error"]["code"], "slot_unavailable", "{answer}"),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    hosts.sort_unstable();
    assert_eq!(hosts, vec![DEMO_USER, COLLEAGUE], "each host booked once");
    let active_upstream = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.is_active() && b.event_type_id == ROUND_ROBIN)
        .count();
    assert_eq!(active_upstream, 2, "nothing else reached Cal.com's books");
}

#[tokio::test]
async fn a_collective_booking_takes_every_host_so_round_robin_at_that_time_is_refused() {
    let app = spawn_app().await;
    let start = both_free(&app).await;
    let (status, booked) = app
        .post(
            "/api/bookings",
            &body(COLLECTIVE, &start, "all@example.com", None),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let mut hosts = upstream_hosts(&app, booked["uid"].as_str().unwrap());
    hosts.sort_unstable();
    assert_eq!(hosts, vec![DEMO_USER, COLLEAGUE], "everyone attends");
    let (status, err) = app
        .post(
            "/api/bookings",
            &body(ROUND_ROBIN, &start, "rr@example.com", None),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "slot_unavailable", "{err}");
    let round_robin_upstream = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.is_active() && b.event_type_id == ROUND_ROBIN)
        .count();
    assert_eq!(round_robin_upstream, 0);
}
