//! Spins up the real application on port 0 (zero2prod's `spawn_app`).

use calbridge_api::settings::Settings;
use calbridge_api::startup::Application;
use calbridge_testkit::MockCalcom;
use chrono::{Datelike, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub mock: MockCalcom,
    db_file: std::path::PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db_file.display()));
        }
    }
}

/// The service in demo mode on a fresh SQLite file.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The service in demo mode, with settings adjusted by `tweak` (e.g. to use
/// PostgreSQL and Redis).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let db_file = std::env::temp_dir().join(format!(
        "calbridge-api-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let mut settings = Settings::demo(
        format!("sqlite://{}", db_file.display()),
        "127.0.0.1:0".parse().unwrap(),
    );
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("app builds");
    let addr = app.local_addr().unwrap();
    let (listener, router, mock) = app.into_parts();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    TestApp {
        address: format!("http://{addr}"),
        client: reqwest::Client::new(),
        mock: mock.expect("demo mode runs the mock"),
        db_file,
        server,
    }
}

/// A weekday at least two days ahead, so minimum-notice rules never bite.
pub fn next_weekday() -> NaiveDate {
    let mut d = Utc::now().date_naive() + chrono::Days::new(2);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d + chrono::Days::new(1);
    }
    d
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The 30-minute demo event type.
    pub async fn thirty_minute_event(&self) -> u64 {
        let (status, body) = self.get("/api/event-types").await;
        assert_eq!(status, 200, "{body}");
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["lengthMinutes"] == 30)
            .expect("a 30-minute event type")["id"]
            .as_u64()
            .unwrap()
    }

    /// Slot start times (as returned) for one day in Berlin.
    pub async fn slots_on(&self, event_type: u64, day: NaiveDate) -> Vec<String> {
        let (status, body) = self
            .get(&format!(
                "/api/slots?eventTypeId={event_type}&start={day}&end={day}&timeZone=Europe/Berlin"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn booking_body(event_type: u64, start: &str, email: &str) -> Value {
        json!({
            "eventTypeId": event_type,
            "start": start,
            "attendee": {"name": "Ann Example", "email": email, "timeZone": "Europe/Berlin"},
            "metadata": {"source": "e2e"}
        })
    }
}

/// A server URL from the environment, or `None` (with a printed reason)
/// outside CI; in CI a missing server is a failure.
pub fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{var} must be set in CI"
            );
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}
