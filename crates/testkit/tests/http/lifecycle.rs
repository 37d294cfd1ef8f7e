use calbridge_testkit::{MockCalcom, MockConfig};
use chrono_tz::Tz;

use super::support::*;

#[tokio::test]
async fn base_url_and_key_are_what_clients_need() {
    let cal = MockCalcom::start().await;
    let url = cal.base_url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with('/') && !url.ends_with("/v2"), "{url}");
    assert_eq!(cal.api_key(), MockConfig::DEFAULT_API_KEY);
    assert_eq!(cal.event_type_ids(), [1001, 1002, 1003, 1004]);
    assert!(cal.bookings().is_empty());
    assert!(!format!("{cal:?}").contains(cal.api_key()));
}

#[tokio::test]
async fn dropping_the_mock_stops_the_server() {
    let cal = MockCalcom::start().await;
    let url = format!("{}/v2/me", cal.base_url());
    let key = cal.api_key().to_owned();
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    drop(cal);
    let mut stopped = false;
    for _ in 0..100 {
        // A fresh client each time, so no pooled connection is reused.
        if reqwest::Client::new().get(&url).send().await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(stopped, "server still answering after drop");
}

#[tokio::test]
async fn custom_config_changes_key_and_working_zone() {
    let config = MockConfig {
        api_key: "cal_custom_key".to_owned(),
        time_zone: Tz::America__New_York,
        ..MockConfig::default()
    };
    let api = Api {
        cal: MockCalcom::start_with(config).await.unwrap(),
        http: reqwest::Client::new(),
    };
    assert_eq!(api.cal.api_key(), "cal_custom_key");
    let me = api.get("/v2/me", None, Auth::Key).await;
    assert_eq!(me.data()["timeZone"], "America/New_York");
    let d = weekday_at(4, 12, 0).format("%Y-%m-%d").to_string();
    let r = api
        .get(
            &format!("/v2/slots?eventTypeId=1002&start={d}&end={d}&timeZone=America/New_York"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    let first = r.data()[&d][0]["start"].as_str().unwrap().to_owned();
    assert!(first.contains("T09:00:00.000-0"), "{first}");
    let old_key = api
        .get("/v2/me", None, Auth::Bearer(MockConfig::DEFAULT_API_KEY))
        .await;
    assert_eq!(old_key.status, 401);
}

#[tokio::test]
async fn a_taken_port_is_an_error_not_a_panic() {
    let first = MockCalcom::start().await;
    let port: u16 = first
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let config = MockConfig {
        bind: ([127, 0, 0, 1], port).into(),
        ..MockConfig::default()
    };
    assert!(MockCalcom::start_with(config).await.is_err());
}
