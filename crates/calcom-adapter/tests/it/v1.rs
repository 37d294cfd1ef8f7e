//! API v1 as a fallback: used when configured or when v2 lacks the route;
//! `410 Gone` switches it off; the `apiKey` query parameter never shows.

use calbridge_calcom::{CalcomClient, CalcomError, V1Mode};
use calbridge_domain::ports::CalendarPort;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn client(mode: V1Mode) -> (MockServer, CalcomClient) {
    let server = MockServer::start().await;
    let client = CalcomClient::new(config(&server.uri()).with_v1_mode(mode)).unwrap();
    (server, client)
}

/// A v1 request: `?apiKey=`, and neither a bearer key nor a version header.
fn v1_call(verb: &str, p: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(p))
        .and(query_param("apiKey", KEY))
        .and(NoHeader("authorization"))
        .and(NoHeader("cal-api-version"))
}

fn missing_route(route: &str) -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "statusCode": 404, "message": format!("Cannot {route}"), "error": "Not Found"
    }))
}

#[tokio::test]
async fn v1_stands_in_when_v2_lacks_the_route() {
    let (server, client) = client(V1Mode::Fallback).await;
    call("GET", "/v2/me", None)
        .respond_with(missing_route("GET /v2/me"))
        .expect(1)
        .mount(&server)
        .await;
    v1_call("GET", "/v1/me")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user": {
            "id": 1, "username": "host", "email": "host@example.com", "timeZone": "Europe/Berlin"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let account = client.account().await.unwrap();
    assert_eq!(account.username, "host");
    let debug = client.last_request_debug().unwrap();
    assert_eq!(debug.api, "v1");
    assert!(!debug.url.contains(KEY), "{}", debug.url);
    assert!(debug.url.contains("apiKey=%5Bredacted%5D"), "{}", debug.url);
    assert_no_key(&format!("{debug:?}"));
}

#[tokio::test]
async fn a_missing_resource_is_not_a_missing_route() {
    let (server, client) = client(V1Mode::Fallback).await;
    call("GET", "/v2/event-types/7", Some("2024-06-14"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(error_envelope("NotFoundException", "Event type not found")),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client.get_event_type(7).await,
        Err(CalcomError::NotFound {
            entity: "event type",
            ..
        })
    ));
}

#[tokio::test]
async fn preferred_v1_serves_event_types_schedules_and_bookings() {
    let (server, client) = client(V1Mode::Prefer).await;
    v1_call("GET", "/v1/event-types")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"event_types": [
                {"id": 7, "title": "Consult", "slug": "consult", "length": 30, "hidden": false}
            ]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    v1_call("GET", "/v1/schedules/5")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"schedule": {
            "id": 5, "userId": 1, "name": "Work", "timeZone": "Europe/Berlin",
            "availability": [{"id": 1, "days": [1, 2, 3], "startTime": "09:00:00", "endTime": "17:00:00"}]
        }})))
        .expect(1)
        .mount(&server)
        .await;
    v1_call("POST", "/v1/bookings")
        .and(body_partial_json(json!({"eventTypeId": 7, "start": "2050-09-05T07:00:00.000Z",
            "responses": {"name": "Ann", "email": "ann@example.com"}, "timeZone": "Europe/Berlin"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 91, "uid": "bk_v1", "title": "Consult", "eventTypeId": 7,
            "startTime": "2050-09-05T07:00:00.000Z", "endTime": "2050-09-05T07:30:00.000Z",
            "status": "ACCEPTED", "metadata": {"correlationId": "c"},
            "attendees": [{"email": "ann@example.com", "name": "Ann", "timeZone": "Europe/Berlin", "locale": "en"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    v1_call("GET", "/v1/bookings/91")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"booking": {
            "id": 91, "uid": "bk_v1", "eventTypeId": 7, "status": "CANCELLED",
            "startTime": "2050-09-05T07:00:00.000Z", "endTime": "2050-09-05T07:30:00.000Z"
        }})))
        .expect(1)
        .mount(&server)
        .await;

    let types = CalendarPort::event_types(&client).await.unwrap();
    assert_eq!(types[0].length_minutes, 30);
    assert_eq!(
        client.get_schedule(5).await.unwrap().availability[0].start_time,
        "09:00"
    );
    let booking = CalendarPort::create_booking(&client, &appointment())
        .await
        .unwrap();
    assert_eq!(booking.uid.as_str(), "bk_v1");
    assert_eq!(
        client.get_booking("91").await.unwrap().status.as_str(),
        "cancelled"
    );
    assert!(matches!(
        client.get_booking("bk_v1").await,
        Err(CalcomError::InvalidRequest { field: "uid", .. })
    ));
}

#[tokio::test]
async fn gone_switches_v1_off_for_the_client() {
    let (server, client) = client(V1Mode::Prefer).await;
    v1_call("GET", "/v1/me")
        .respond_with(
            ResponseTemplate::new(410)
                .set_body_json(json!({"message": "API v1 has been discontinued"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(200).set_body_json(success(json!({
            "id": 1, "username": "host", "email": "host@example.com", "timeZone": "UTC"
        }))))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.me().await.unwrap_err();
    assert_eq!(
        err,
        CalcomError::V1Gone {
            message: "API v1 has been discontinued".into()
        }
    );
    assert!(client.v1_gone());
    assert_error_hides_key(&err);
    // From now on v2 answers, even though v1 is preferred.
    assert_eq!(client.me().await.unwrap().username, "host");
}

#[tokio::test]
async fn off_means_never() {
    let (server, client) = client(V1Mode::Off).await;
    call("GET", "/v2/schedules", Some("2024-06-11"))
        .respond_with(missing_route("GET /v2/schedules"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.list_schedules().await.unwrap_err();
    assert!(
        matches!(err, CalcomError::Upstream { status: 404, .. }),
        "{err:?}"
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
}

#[tokio::test]
async fn v1_errors_never_show_the_key() {
    let (server, client) = client(V1Mode::Prefer).await;
    v1_call("GET", "/v1/me")
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": format!("Your API key is not valid: {KEY}")
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, CalcomError::Unauthorized { .. }), "{err:?}");
    assert_error_hides_key(&err);
    assert_no_key(&format!("{:?}", client.last_request_debug()));
}
