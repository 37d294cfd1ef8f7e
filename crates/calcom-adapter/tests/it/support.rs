//! Shared helpers: the test key, a client on a wiremock server, request
//! matchers, Cal.com-shaped bodies, a log capture and a metrics capture.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{Debug, Display, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use calbridge_calcom::{
    CalcomClient, CalcomConfig, CreateBookingAttendee, CreateBookingRequest, RetryPolicy,
};
use calbridge_domain::{Appointment, Attendee, BookingUid, Email, EventTypeId};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, MockBuilder, MockServer, Request};

pub const KEY: &str = "cal_live_Zq8Xw3Rt9Lp2Vn6Kb4Yh";
pub const SECRET_PART: &str = "Zq8Xw3Rt9Lp2Vn6Kb4Yh";
pub const BOOKINGS_VERSION: &str = "2024-08-13";

/// A config on `base` that sends every call exactly once: tests of single
/// exchanges should not see retries.
pub fn config(base: &str) -> CalcomConfig {
    CalcomConfig::new(SecretString::from(KEY))
        .with_base_url(base)
        .with_timeout(Duration::from_secs(5))
        .with_retry_policy(RetryPolicy::never())
}

/// Retries as in production, but with millisecond backoff so tests are fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    }
}

pub async fn setup() -> (MockServer, CalcomClient) {
    let server = MockServer::start().await;
    let client = CalcomClient::new(config(&server.uri())).unwrap();
    (server, client)
}

/// Fails when any 6-character piece of the key's secret part shows up.
pub fn assert_no_key(text: &str) {
    let chars: Vec<char> = SECRET_PART.chars().collect();
    for w in chars.windows(6) {
        let piece: String = w.iter().collect();
        assert!(
            !text.contains(&piece),
            "key piece {piece:?} leaked in: {text}"
        );
    }
}

pub fn assert_error_hides_key(e: &(impl Debug + Display)) {
    assert_no_key(&format!("{e} {e:?}"));
}

/// Matches only when the request lacks header `0`.
pub struct NoHeader(pub &'static str);

impl Match for NoHeader {
    fn matches(&self, req: &Request) -> bool {
        !req.headers.contains_key(self.0)
    }
}

/// Matches only when the query string has exactly these pairs (any order).
pub struct ExactQuery(Vec<(String, String)>);

impl ExactQuery {
    pub fn new(pairs: &[(&str, &str)]) -> Self {
        let mut v: Vec<_> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        v.sort();
        Self(v)
    }
}

impl Match for ExactQuery {
    fn matches(&self, req: &Request) -> bool {
        let mut got: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        got.sort();
        got == self.0
    }
}

/// Method, path, bearer key and the version header (or its absence).
pub fn call(verb: &str, p: &str, version: Option<&'static str>) -> MockBuilder {
    let m = Mock::given(method(verb))
        .and(path(p))
        .and(header("authorization", format!("Bearer {KEY}").as_str()));
    match version {
        Some(v) => m.and(header("cal-api-version", v)),
        None => m.and(NoHeader("cal-api-version")),
    }
}

pub fn success(data: Value) -> Value {
    json!({"status": "success", "data": data})
}

pub fn page(data: Value, has_next: bool) -> Value {
    let n = data.as_array().map_or(0, Vec::len);
    json!({"status": "success", "data": data,
           "pagination": {"totalItems": n, "remainingItems": 0, "returnedItems": n,
                          "itemsPerPage": 100, "currentPage": 1, "totalPages": 1,
                          "hasNextPage": has_next, "hasPreviousPage": false}})
}

pub fn error_envelope(code: &str, message: &str) -> Value {
    json!({"status": "error", "timestamp": "2025-05-03T10:00:00.000Z", "path": "/v2/bookings",
           "error": {"code": code, "message": message}})
}

pub fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2050, 9, 5, h, m, 0).unwrap()
}

pub fn booking_json(uid: &str, status: &str, start: DateTime<Utc>) -> Value {
    json!({
        "id": 12, "uid": uid, "title": "Consultation", "description": "", "status": status,
        "hosts": [{"id": 3, "name": "Host", "email": "host@example.com",
                   "displayEmail": "host@example.com", "username": "host", "timeZone": "Europe/Berlin"}],
        "start": start.to_rfc3339(), "end": (start + TimeDelta::minutes(30)).to_rfc3339(),
        "duration": 30, "eventTypeId": 7, "eventType": {"id": 7, "slug": "consult"},
        "location": "https://cal.com/video/x", "absentHost": false,
        "createdAt": "2050-09-01T10:00:00.000Z", "updatedAt": "2050-09-02T10:00:00.000Z",
        "metadata": {"correlationId": "corr-1"},
        "attendees": [{"name": "Ann", "email": "ann@example.com", "displayEmail": "ann@example.com",
                       "timeZone": "Europe/Berlin", "language": "de", "absent": false}],
        "bookingFieldsResponses": {}
    })
}

pub fn appointment() -> Appointment {
    let mut attendee = Attendee::new(
        "Ann",
        Email::parse("ann@example.com").unwrap(),
        Tz::Europe__Berlin,
    )
    .unwrap();
    attendee.phone_number = Some("+4912345".into());
    Appointment::new(
        EventTypeId(7),
        at(7, 0),
        attendee,
        BTreeMap::from([("source".to_owned(), "web".to_owned())]),
        at(7, 0) - TimeDelta::days(1),
    )
    .unwrap()
    .with_length(30)
    .unwrap()
}

/// A typed create request; with `Some(id)` it carries a correlation id.
pub fn create_request(correlation: Option<&str>) -> CreateBookingRequest {
    CreateBookingRequest {
        start: at(7, 0),
        event_type_id: 7,
        attendee: CreateBookingAttendee {
            name: "Ann".into(),
            email: "ann@example.com".into(),
            time_zone: Tz::UTC,
            phone_number: None,
            language: None,
        },
        metadata: correlation
            .map(|c| BTreeMap::from([("correlationId".to_owned(), c.to_owned())]))
            .unwrap_or_default(),
        length_in_minutes: None,
        guests: vec![],
        booking_fields_responses: BTreeMap::new(),
        routing: None,
    }
}

pub fn uid(s: &str) -> BookingUid {
    BookingUid::parse(s).unwrap()
}

/// A port on localhost with nothing listening.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// ---- log capture ------------------------------------------------------------

/// Collects every field of every span and event into one string.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<String>>);

struct Collect<'a>(&'a mut String);

impl tracing::field::Visit for Collect<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        span.record(&mut Collect(&mut self.0.lock().unwrap()));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Collect(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut Collect(&mut self.0.lock().unwrap()));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// ---- metrics capture ----------------------------------------------------------

/// Counter totals by `name{label=value,...}` (labels sorted).
#[derive(Clone, Default)]
pub struct Metrics(Arc<Mutex<HashMap<String, Arc<AtomicU64>>>>);

struct Count(Arc<AtomicU64>);

impl metrics::CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

struct Ignore;

impl metrics::GaugeFn for Ignore {
    fn increment(&self, _: f64) {}
    fn decrement(&self, _: f64) {}
    fn set(&self, _: f64) {}
}

impl metrics::HistogramFn for Ignore {
    fn record(&self, _: f64) {}
}

fn key_name(key: &metrics::Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl metrics::Recorder for Metrics {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let cell = self
            .0
            .lock()
            .unwrap()
            .entry(key_name(key))
            .or_default()
            .clone();
        metrics::Counter::from_arc(Arc::new(Count(cell)))
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::from_arc(Arc::new(Ignore))
    }
    fn register_histogram(
        &self,
        _: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::from_arc(Arc::new(Ignore))
    }
}

impl Metrics {
    /// The total of counter `name` with exactly these labels.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let mut l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        l.sort();
        let key = format!("{name}{{{}}}", l.join(","));
        self.0
            .lock()
            .unwrap()
            .get(&key)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }
}
