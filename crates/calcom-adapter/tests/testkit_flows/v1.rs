//! API v1 as a stand-in, against the mock's v1 routes (`?apiKey=`), and its
//! shutdown: a `410 Gone` switches v1 off for the client, which then uses v2.

use calbridge_calcom::{CalcomClient, CalcomError, V1Mode};
use calbridge_testkit::{MockCalcom, Route};

use crate::support::*;

fn v1_paths(mock: &MockCalcom) -> Vec<String> {
    mock.journal()
        .iter()
        .filter(|e| e.route == Some(Route::V1))
        .map(|e| e.path.clone())
        .collect()
}

#[tokio::test]
async fn configured_v1_answers_until_it_is_gone_then_v2_takes_over() {
    let mock = MockCalcom::start().await;
    let client = CalcomClient::new(config_for(&mock).with_v1_mode(V1Mode::Prefer)).unwrap();

    let me = client.me().await.unwrap();
    assert!(!me.username.is_empty());
    let types = client.event_types().await.unwrap();
    assert!(types.iter().any(|t| t.id == 1001), "{types:?}");
    assert_eq!(v1_paths(&mock), vec!["/v1/me", "/v1/event-types"]);
    assert_eq!(calls(&mock, Route::GetMe), 0);
    // The key travels in the query, and shows nowhere.
    let shown = format!("{:?}", client.last_request_debug().unwrap());
    assert!(!shown.contains(mock.api_key()), "{shown}");
    assert!(
        mock.journal().iter().all(|e| !e
            .query
            .clone()
            .unwrap_or_default()
            .contains(mock.api_key()))
    );

    mock.set_v1_gone(true);
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, CalcomError::V1Gone { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(mock.api_key()));
    assert!(client.v1_gone());

    // v1 is off for good: the same call now goes to v2.
    let before = v1_paths(&mock).len();
    client.me().await.unwrap();
    assert_eq!(v1_paths(&mock).len(), before);
    assert_eq!(calls(&mock, Route::GetMe), 1);
}
