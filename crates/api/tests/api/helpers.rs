//! Spins up the real application on port 0 (zero2prod's `spawn_app`).

use calbridge_api::settings::Settings;
use calbridge_api::startup::Application;
use calbridge_testkit::MockCalcom;
use chrono::{Datelike, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};

pub struct TestApp {
    pub address: String,
    /// Sends the demo tenant's bearer token with every request.
    pub client: reqwest::Client,
    pub mock: MockCalcom,
    /// The demo tenant's token.
    pub token: String,
    /// Every storage port of the running app.
    pub storage: calbridge_storage::Storage,
    /// The running app's handler state (tests drive its saga worker).
    pub state: calbridge_api::state::AppState,
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
    let token = app
        .demo_token()
        .map(|t| secrecy::ExposeSecret::expose_secret(t).to_owned())
        .expect("demo mode issues a demo token");
    let storage = app.storage().clone();
    let state = app.state().clone();
    let (listener, router, mock) = app.into_parts();
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    TestApp {
        address: format!("http://{addr}"),
        client: client_for(&token),
        mock: mock.expect("demo mode runs the mock"),
        token,
        storage,
        state,
        db_file,
        server,
    }
}

/// An HTTP client that authenticates with `token`.
pub fn client_for(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
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

    /// A new tenant with its own token, not connected to Cal.com.
    pub async fn second_tenant(&self, id: &str) -> OtherTenant {
        let tenant = calbridge_domain::TenantId::parse(id).unwrap();
        let issued = calbridge_api::auth::issue_token(
            &*self.storage.tenants,
            &calbridge_domain::ports::SystemClock,
            &tenant,
            "test",
            false,
        )
        .await
        .unwrap();
        let token = secrecy::ExposeSecret::expose_secret(&issued.token).to_owned();
        OtherTenant {
            client: client_for(&token),
            address: self.address.clone(),
        }
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

/// Another tenant of the same running app.
pub struct OtherTenant {
    pub client: reqwest::Client,
    address: String,
}

impl OtherTenant {
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

    pub async fn delete(&self, path: &str) -> u16 {
        self.client
            .delete(self.url(path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// The demo tenant's id.
pub fn demo_tenant() -> calbridge_domain::TenantId {
    calbridge_domain::TenantId::parse("demo").unwrap()
}

/// Lowercase hex HMAC-SHA256, as Cal.com signs.
pub fn sign(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

impl TestApp {
    /// The demo connection's webhook URL and newest secret.
    pub async fn webhook_target(&self) -> (String, String) {
        let (status, body) = self.get("/api/calcom/connection").await;
        assert_eq!(status, 200, "{body}");
        let url = body["data"]["webhookUrl"].as_str().unwrap().to_owned();
        let connection = self
            .storage
            .connections
            .get(&demo_tenant(), "default")
            .await
            .unwrap()
            .unwrap();
        let secret =
            secrecy::ExposeSecret::expose_secret(connection.webhook_secrets.last().unwrap())
                .to_owned();
        (url, secret)
    }

    /// POSTs `body` to `url` with a signature header (if any).
    pub async fn deliver(&self, url: &str, body: &[u8], signature: Option<&str>) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("x-cal-webhook-version", "2021-10-20")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("x-cal-signature-256", s);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn mock_call(&self, path: &str, body: Value) -> Value {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.mock.base_url()))
            .bearer_auth(self.mock.api_key())
            .header("cal-api-version", "2024-08-13")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "mock {path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Books directly on the mock Cal.com (not through calbridge), so only
    /// a webhook or a sync can tell calbridge about it. Returns the uid.
    pub async fn book_on_mock(&self, start: &str, email: &str) -> String {
        let event = self.thirty_minute_event().await;
        let body = self
            .mock_call(
                "/v2/bookings",
                json!({"start": start, "eventTypeId": event,
                       "attendee": {"name": "Bea Direct", "email": email, "timeZone": "Europe/Berlin"}}),
            )
            .await;
        body["data"]["uid"].as_str().unwrap().to_owned()
    }

    /// Cancels directly on the mock.
    pub async fn cancel_on_mock(&self, uid: &str) {
        self.mock_call(
            &format!("/v2/bookings/{uid}/cancel"),
            json!({"cancellationReason": "changed plans"}),
        )
        .await;
    }

    /// Reschedules directly on the mock; returns the new uid.
    pub async fn reschedule_on_mock(&self, uid: &str, start: &str) -> String {
        let body = self
            .mock_call(
                &format!("/v2/bookings/{uid}/reschedule"),
                json!({"start": start, "reschedulingReason": "moved"}),
            )
            .await;
        body["data"]["uid"].as_str().unwrap().to_owned()
    }

    /// The local cache's copy of a booking (`fromDb=true`), if any.
    pub async fn cached(&self, uid: &str) -> Option<Value> {
        let (status, body) = self.get("/api/calcom/bookings?limit=250").await;
        assert_eq!(status, 200, "{body}");
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["uid"] == uid)
            .cloned()
    }

    /// Waits (up to 5 s) until `check` holds for the cached booking.
    pub async fn wait_cached(&self, uid: &str, check: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..100 {
            if let Some(b) = self.cached(uid).await
                && check(&b)
            {
                return b;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "booking {uid} never reached the expected state: {:?}",
            self.cached(uid).await
        );
    }
}
