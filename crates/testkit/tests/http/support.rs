//! A running mock plus a client that speaks to it like the adapter would.

use calbridge_testkit::MockCalcom;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// `cal-api-version` per family.
pub const BOOKINGS: &str = "2024-08-13";
pub const SLOTS: &str = "2024-09-04";
pub const EVENT_TYPES: &str = "2024-06-14";

pub const TAKEN: &str = "User either already has booking at this time or is not available";

/// One HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }

    /// Asserts Cal.com's error envelope and returns the error code.
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status, status, "{:#}", self.body);
        assert_eq!(self.body["status"], "error", "{:#}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{:#}", self.body);
        let ts = self.body["timestamp"].as_str().unwrap();
        assert!(ts.len() == 24 && ts.ends_with('Z'), "{ts}");
        assert!(DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
        assert!(self.body["path"].as_str().unwrap().starts_with('/'));
        self
    }
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    None,
    Key,
    Bearer(&'a str),
}

pub struct Api {
    pub cal: MockCalcom,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn start() -> Api {
        Api {
            cal: MockCalcom::start().await,
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        version: Option<&str>,
        auth: Auth<'_>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.cal.base_url()));
        if let Some(v) = version {
            req = req.header("cal-api-version", v);
        }
        req = match auth {
            Auth::None => req,
            Auth::Key => req.bearer_auth(self.cal.api_key()),
            Auth::Bearer(token) => req.bearer_auth(token),
        };
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {text:?} (status {status})"));
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, version: Option<&str>, auth: Auth<'_>) -> Resp {
        self.send(reqwest::Method::GET, path, version, auth, None)
            .await
    }

    pub async fn post(
        &self,
        path: &str,
        version: Option<&str>,
        auth: Auth<'_>,
        body: Value,
    ) -> Resp {
        self.send(reqwest::Method::POST, path, version, auth, Some(body))
            .await
    }

    /// `POST /v2/bookings` the way the adapter sends it.
    pub async fn book(&self, event_type_id: u64, start: DateTime<Utc>, email: &str) -> Resp {
        self.post(
            "/v2/bookings",
            Some(BOOKINGS),
            Auth::Key,
            booking_body(event_type_id, start, email),
        )
        .await
    }

    /// Slot starts (UTC instants) of an event type between two instants.
    pub async fn slot_starts(
        &self,
        event_type_id: u64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let path = format!(
            "/v2/slots?eventTypeId={event_type_id}&start={}&end={}",
            from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        let r = self.get(&path, Some(SLOTS), Auth::None).await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let mut out = Vec::new();
        for (_, day) in r.data().as_object().unwrap() {
            for slot in day.as_array().unwrap() {
                out.push(parse(slot["start"].as_str().unwrap()));
            }
        }
        out
    }
}

pub fn booking_body(event_type_id: u64, start: DateTime<Utc>, email: &str) -> Value {
    json!({
        "start": js(start),
        "eventTypeId": event_type_id,
        "attendee": { "name": "Ann Example", "email": email, "timeZone": "Europe/Berlin" },
        "metadata": { "correlationId": "corr-1" },
    })
}

pub fn js(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A Monday–Friday at least `days_ahead` days from today (Berlin), at
/// `hour:minute` Berlin time.
pub fn weekday_at(days_ahead: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    let tz = Tz::Europe__Berlin;
    let mut date = Utc::now().with_timezone(&tz).date_naive() + Duration::days(days_ahead);
    while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        date += Duration::days(1);
    }
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap());
    tz.from_local_datetime(&local)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

impl Api {
    /// A server with a custom config.
    pub async fn start_with(config: calbridge_testkit::MockConfig) -> Api {
        Api {
            cal: MockCalcom::start_with(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn patch(
        &self,
        path: &str,
        version: Option<&str>,
        auth: Auth<'_>,
        body: Value,
    ) -> Resp {
        self.send(reqwest::Method::PATCH, path, version, auth, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, version: Option<&str>, auth: Auth<'_>) -> Resp {
        self.send(reqwest::Method::DELETE, path, version, auth, None)
            .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cal.base_url())
    }
}
