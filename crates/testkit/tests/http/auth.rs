use serde_json::json;

use super::support::*;

#[tokio::test]
async fn wrong_key_is_401_with_calcoms_body() {
    let api = Api::start().await;
    let r = api
        .get("/v2/me", None, Auth::Bearer("cal_not_the_key"))
        .await;
    r.assert_error(401, "UnauthorizedException");
    assert_eq!(
        r.error_message(),
        "ApiAuthStrategy - api key - Your api key is not valid"
    );
    assert_eq!(r.body["path"], "/v2/me");
    assert_eq!(r.body["error"]["details"]["statusCode"], 401);
    assert!(!r.body.to_string().contains("cal_not_the_key"));
}

#[tokio::test]
async fn missing_key_is_401_where_auth_is_required() {
    let api = Api::start().await;
    let me = api.get("/v2/me", None, Auth::None).await;
    me.assert_error(401, "UnauthorizedException");
    assert!(
        me.error_message()
            .contains("No authentication method provided")
    );
    let list = api.get("/v2/bookings", Some(BOOKINGS), Auth::None).await;
    list.assert_error(401, "UnauthorizedException");
}

#[tokio::test]
async fn missing_key_is_fine_where_auth_is_optional() {
    let api = Api::start().await;
    let start = weekday_at(3, 10, 0);
    let slots = api
        .get(
            "/v2/slots?eventTypeId=1001&start=2030-01-01&end=2030-01-02",
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(slots.status, 200);
    let types = api
        .get(
            "/v2/event-types?username=calbridge-demo",
            Some(EVENT_TYPES),
            Auth::None,
        )
        .await;
    assert_eq!(types.status, 200);
    let created = api
        .post(
            "/v2/bookings",
            Some(BOOKINGS),
            Auth::None,
            booking_body(1001, start, "anon@example.com"),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let uid = created.data()["uid"].as_str().unwrap();
    let fetched = api
        .get(&format!("/v2/bookings/{uid}"), Some(BOOKINGS), Auth::None)
        .await;
    assert_eq!(fetched.status, 200);
    // An anonymous booker may cancel without a reason (only hosts need one).
    let cancelled = api
        .post(
            &format!("/v2/bookings/{uid}/cancel"),
            Some(BOOKINGS),
            Auth::None,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);
}

#[tokio::test]
async fn wrong_key_is_refused_even_where_auth_is_optional() {
    let api = Api::start().await;
    let r = api
        .post(
            "/v2/bookings",
            Some(BOOKINGS),
            Auth::Bearer("cal_wrong"),
            booking_body(1001, weekday_at(3, 10, 0), "a@example.com"),
        )
        .await;
    r.assert_error(401, "UnauthorizedException");
    assert!(api.cal.bookings().is_empty());
    let r = api
        .get(
            "/v2/slots?eventTypeId=1001&start=2030-01-01&end=2030-01-02",
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn me_returns_the_demo_user() {
    let api = Api::start().await;
    let r = api.get("/v2/me", None, Auth::Key).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "success");
    let me = r.data();
    for key in [
        "id",
        "username",
        "email",
        "name",
        "avatarUrl",
        "bio",
        "timeFormat",
        "defaultScheduleId",
        "weekStart",
        "timeZone",
        "organizationId",
    ] {
        assert!(me.get(key).is_some(), "missing {key}");
    }
    assert_eq!(me["timeZone"], "Europe/Berlin");
    assert_eq!(me["username"], "calbridge-demo");
}
