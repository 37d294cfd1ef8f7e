//! Faults on demand and the request journal, from Rust and over HTTP.

use std::time::{Duration, Instant};

use calbridge_testkit::{FaultKind, Route, fingerprint};
use serde_json::json;

use super::support::*;

#[tokio::test]
async fn fail_next_answers_the_status_then_recovers() {
    let api = Api::start().await;
    api.cal.faults().fail_next(Route::CreateBooking, 2, 503);
    let start = weekday_at(6, 10, 0);
    for _ in 0..2 {
        let r = api.book(1001, start, "ann@example.com").await;
        r.assert_error(503, "ServiceUnavailableException");
    }
    assert!(
        api.cal.bookings().is_empty(),
        "a failed call applies nothing"
    );
    let r = api.book(1001, start, "ann@example.com").await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    // Other routes were never affected.
    assert_eq!(api.get("/v2/me", None, Auth::Key).await.status, 200);
}

#[tokio::test]
async fn a_bare_500_is_nests_unenveloped_body() {
    let api = Api::start().await;
    api.cal.faults().fail_next(Route::Any, 1, 500);
    let r = api.get("/v2/me", None, Auth::Key).await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.body,
        json!({"statusCode": 500, "message": "Internal server error"})
    );
}

#[tokio::test]
async fn drop_response_after_apply_leaves_the_caller_in_doubt() {
    let api = Api::start().await;
    api.cal
        .faults()
        .drop_response_after_apply(Route::CreateBooking, 1);
    let start = weekday_at(6, 11, 0);
    let sent = api
        .http
        .post(api.url("/v2/bookings"))
        .header("cal-api-version", BOOKINGS)
        .bearer_auth(api.cal.api_key())
        .json(&booking_body(1001, start, "ann@example.com"))
        .send()
        .await;
    // Either the request itself or reading its body fails: no usable answer.
    let outcome = match sent {
        Err(_) => None,
        Ok(res) => res.text().await.ok(),
    };
    assert!(outcome.is_none(), "got a body: {outcome:?}");
    // ...but the booking exists, so a retry finds the slot taken.
    assert_eq!(api.cal.bookings().len(), 1);
    let again = api.book(1001, start, "ann@example.com").await;
    assert_eq!(again.error_message(), TAKEN);
}

#[tokio::test]
async fn hang_never_answers_and_latency_delays() {
    let api = Api::start().await;
    api.cal.faults().hang(Route::GetMe, 1);
    let hung = api
        .http
        .get(api.url("/v2/me"))
        .bearer_auth(api.cal.api_key())
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(hung.is_err_and(|e| e.is_timeout()));

    api.cal
        .faults()
        .latency(Route::GetMe, Duration::from_millis(150));
    let t = Instant::now();
    assert_eq!(api.get("/v2/me", None, Auth::Key).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    api.cal.faults().clear();
    let t = Instant::now();
    assert_eq!(api.get("/v2/me", None, Auth::Key).await.status, 200);
    assert!(t.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn forced_conflicts_and_malformed_json() {
    let api = Api::start().await;
    let start = weekday_at(6, 12, 0);
    api.cal.faults().force_conflict(Route::CreateBooking, 1);
    let r = api.book(1001, start, "ann@example.com").await;
    r.assert_error(400, "BadRequestException");
    assert_eq!(r.error_message(), TAKEN);
    assert!(api.cal.bookings().is_empty());

    api.cal.faults().malformed_json(Route::CreateBooking, 1);
    let res = api
        .http
        .post(api.url("/v2/bookings"))
        .header("cal-api-version", BOOKINGS)
        .json(&booking_body(1001, start, "ann@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let text = res.text().await.unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
    assert_eq!(api.cal.bookings().len(), 1, "malformed_json still applies");
}

#[tokio::test]
async fn the_journal_records_calls_with_redacted_credentials() {
    let api = Api::start().await;
    api.get("/v2/me", None, Auth::Key).await;
    api.book(1001, weekday_at(6, 13, 0), "ann@example.com")
        .await;
    api.get("/v2/nope?apiKey=cal_leak", None, Auth::None).await;
    let j = api.cal.journal();
    assert_eq!(j.len(), 3);
    assert_eq!(j[0].route, Some(Route::GetMe));
    assert_eq!((j[0].seq, j[2].seq), (1, 3));
    assert_eq!(j[0].status, 200);
    let auth = j[0].header("authorization").unwrap();
    assert!(!auth.contains(api.cal.api_key()), "{auth}");
    assert!(auth.contains(&fingerprint(api.cal.api_key())), "{auth}");
    assert_eq!(j[1].method, "POST");
    assert_eq!(j[1].route, Some(Route::CreateBooking));
    assert_eq!(j[1].header("cal-api-version"), Some(BOOKINGS));
    assert_eq!(j[1].status, 201);
    assert!(j[1].body.as_deref().unwrap().contains("ann@example.com"));
    assert_eq!(j[2].route, None);
    assert_eq!(j[2].status, 404);
    assert_eq!(j[2].query.as_deref(), Some("apiKey=[redacted]"));
    api.cal.clear_journal();
    assert!(api.cal.journal().is_empty());
}

#[tokio::test]
async fn the_admin_surface_arms_faults_and_reads_the_journal() {
    let api = Api::start().await;
    let admin = |p: &str| api.url(p);
    let res = api
        .http
        .post(admin("/_testkit/faults"))
        .json(&json!({"route": "GetMe", "kind": "fail", "status": 502, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let armed: serde_json::Value = res.json().await.unwrap();
    assert_eq!(armed[0]["remaining"], 1);
    assert_eq!(
        api.cal.faults().armed()[0].kind,
        FaultKind::Fail { status: 502 }
    );
    api.get("/v2/me", None, Auth::Key)
        .await
        .assert_error(502, "BadGatewayException");
    assert_eq!(api.get("/v2/me", None, Auth::Key).await.status, 200);

    let res = api
        .http
        .post(admin("/_testkit/faults"))
        .json(&json!({"route": "NoSuchRoute", "kind": "hang"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);

    let journal: serde_json::Value = api
        .http
        .get(admin("/_testkit/journal"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = journal.as_array().unwrap();
    assert_eq!(
        entries.len(),
        2,
        "admin calls are not journaled: {journal:#}"
    );
    assert_eq!(entries[0]["status"], 502);
    assert_eq!(entries[1]["route"], "GetMe");
    let lat = api
        .http
        .post(admin("/_testkit/faults/latency"))
        .json(&json!({"route": "GetMe", "ms": 120}))
        .send()
        .await
        .unwrap();
    assert_eq!(lat.status().as_u16(), 204);
    let t = Instant::now();
    api.get("/v2/me", None, Auth::Key).await;
    assert!(t.elapsed() >= Duration::from_millis(120));
    api.http
        .post(admin("/_testkit/faults"))
        .json(&json!({"route": "Any", "kind": "malformedJson", "times": 3}))
        .send()
        .await
        .unwrap();
    let armed: serde_json::Value = api
        .http
        .get(admin("/_testkit/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        armed,
        json!([{"route": "Any", "kind": "malformedJson", "remaining": 3}])
    );
    let cleared = api
        .http
        .delete(admin("/_testkit/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status().as_u16(), 204);
    assert!(api.cal.faults().armed().is_empty());
    let t = Instant::now();
    assert_eq!(api.get("/v2/me", None, Auth::Key).await.status, 200);
    assert!(t.elapsed() < Duration::from_millis(120));

    let del = api
        .http
        .delete(admin("/_testkit/journal"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status().as_u16(), 204);
    assert!(api.cal.journal().is_empty());
}
