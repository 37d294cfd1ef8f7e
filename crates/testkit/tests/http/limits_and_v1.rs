//! Rate limiting (v2 and v1) and the API v1 fallback with its shutdown.

use std::time::Duration;

use calbridge_testkit::MockConfig;
use serde_json::{Value, json};

use super::support::*;

#[tokio::test]
async fn the_default_is_calcoms_120_per_minute_with_default_suffixed_headers() {
    let api = Api::start().await;
    let r = api.get("/v2/me", None, Auth::Key).await;
    let h = |name: &str| r.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(h("x-ratelimit-limit-default").as_deref(), Some("120"));
    assert_eq!(h("x-ratelimit-remaining-default").as_deref(), Some("119"));
    assert_eq!(h("x-ratelimit-reset-default").as_deref(), Some("60"));
    assert_eq!(h("x-ratelimit-limit"), None);
    assert_eq!(h("retry-after"), None);
    // Anonymous callers are not tracked (Cal.com limits them per IP).
    let anon = api
        .get(
            "/v2/event-types?username=calbridge-demo",
            Some(EVENT_TYPES),
            Auth::None,
        )
        .await;
    assert!(anon.headers.get("x-ratelimit-limit-default").is_none());
}

#[tokio::test]
async fn past_the_limit_a_key_gets_429_throttler_exception() {
    let api =
        Api::start_with(MockConfig::default().with_rate_limit(3, Duration::from_secs(60))).await;
    for left in ["2", "1", "0"] {
        let r = api.get("/v2/me", None, Auth::Key).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["x-ratelimit-remaining-default"], left);
    }
    let r = api.get("/v2/me", None, Auth::Key).await;
    r.assert_error(429, "ThrottlerException");
    assert_eq!(
        r.error_message(),
        "CustomThrottlerGuard - Too many requests. Please try again later."
    );
    assert_eq!(r.headers["x-ratelimit-remaining-default"], "0");
    assert_eq!(r.headers["x-ratelimit-reset-default"], "60");
    assert!(r.headers.get("retry-after").is_none());
    // Another key has its own budget (and is then refused as invalid).
    api.get("/v2/me", None, Auth::Bearer("cal_other"))
        .await
        .assert_error(401, "UnauthorizedException");
    // A blocked key is refused before anything runs.
    let b = api
        .book(1001, weekday_at(6, 10, 0), "ann@example.com")
        .await;
    assert_eq!(b.status, 429);
    assert!(api.cal.bookings().is_empty());
}

fn v1(api: &Api, path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    api.url(&format!("{path}{sep}apiKey={}", api.cal.api_key()))
}

async fn get_json(api: &Api, url: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let res = api.http.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, res.json().await.unwrap(), headers)
}

#[tokio::test]
async fn v1_serves_its_own_shapes_with_the_api_key_query() {
    let api = Api::start().await;
    let (s, body, h) = get_json(&api, &v1(&api, "/v1/event-types")).await;
    assert_eq!(s, 200);
    assert_eq!(body["event_types"].as_array().unwrap().len(), 4);
    assert_eq!(h["x-ratelimit-limit"], "30");
    assert!(h.get("x-ratelimit-limit-default").is_none());
    let (_, body, _) = get_json(&api, &v1(&api, "/v1/event-types/1002")).await;
    assert_eq!(body["event_type"]["length"], 60);
    let (_, body, _) = get_json(&api, &v1(&api, "/v1/schedules")).await;
    assert_eq!(
        body["schedules"][0]["availability"][0]["startTime"],
        "09:00:00"
    );
    let (_, body, _) = get_json(&api, &v1(&api, "/v1/users")).await;
    assert_eq!(body["total"], 1);
    let (s, _, _) = get_json(&api, &v1(&api, "/v1/users/2")).await;
    assert_eq!(s, 403);

    let (s, body, _) = get_json(&api, &api.url("/v1/event-types")).await;
    assert_eq!((s, body), (401, json!({"message": "No apiKey provided"})));
    let (s, body, _) = get_json(&api, &api.url("/v1/event-types?apiKey=cal_wrong")).await;
    assert_eq!(
        (s, body),
        (401, json!({"error": "Your API key is not valid."}))
    );

    let start = weekday_at(6, 10, 0);
    let create = json!({"eventTypeId": 1001, "start": js(start), "timeZone": "Europe/Berlin",
                        "language": "en", "metadata": {},
                        "responses": {"name": "Vee", "email": "vee@example.com"}});
    let res = api
        .http
        .post(v1(&api, "/v1/bookings"))
        .json(&create)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let booking: Value = res.json().await.unwrap();
    assert_eq!(booking["status"], "ACCEPTED");
    let id = booking["id"].as_u64().unwrap();
    let (_, got, _) = get_json(&api, &v1(&api, &format!("/v1/bookings/{id}"))).await;
    assert_eq!(got["booking"]["uid"], booking["uid"]);
    // The same slot again: handleNewBooking's error code.
    let res = api
        .http
        .post(v1(&api, "/v1/bookings"))
        .json(&create)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err, json!({"message": "no_available_users_found_error"}));
    let res = api
        .http
        .post(v1(&api, "/v1/bookings"))
        .json(&json!({"eventTypeId": 1001}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn v1_can_be_shut_down_and_is_rate_limited() {
    let api =
        Api::start_with(MockConfig::default().with_rate_limit(8, Duration::from_secs(60))).await;
    // v1 allows a quarter: 2.
    for _ in 0..2 {
        assert_eq!(get_json(&api, &v1(&api, "/v1/me")).await.0, 200);
    }
    let (s, body, _) = get_json(&api, &v1(&api, "/v1/me")).await;
    assert_eq!((s, body), (429, json!({"message": "Rate limit exceeded"})));

    api.cal.set_v1_gone(true);
    let (s, body, _) = get_json(&api, &v1(&api, "/v1/bookings/1")).await;
    assert_eq!(s, 410);
    assert!(body["message"].as_str().unwrap().contains("discontinued"));
    // Over HTTP too, and back.
    let res = api
        .http
        .post(api.url("/_testkit/v1"))
        .json(&json!({"gone": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let gone = Api::start_with(MockConfig::default().with_v1_gone(true)).await;
    assert_eq!(get_json(&gone, &v1(&gone, "/v1/event-types")).await.0, 410);
}
