//! Crash recovery of the booking saga: a run stopped after each durable
//! step in turn, then a new engine (the recovery worker) on the same
//! database must end every saga all-booked-and-confirmed or fully
//! compensated, upstream and locally; and a property test over random
//! failure schedules.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use calbridge_api::saga_worker::SagaWorker;
use calbridge_api::tenancy::StaticCalendarDirectory;
use calbridge_calcom::{BreakerPolicy, CalcomClient, CalcomConfig, RateLimitPolicy, RetryPolicy};
use calbridge_domain::ports::{CalendarPort, Clock};
use calbridge_domain::saga::{
    BookingPlan, RetryPolicy as SagaRetry, SagaEngine, SagaOutcome, SagaProbe,
};
use calbridge_domain::usecases::BookingService;
use calbridge_domain::usecases::composite::{CompositeRequest, SegmentRequest};
use calbridge_domain::{
    AppointmentStatus, Attendee, DomainError, Email, EventTypeId, SagaId, SagaStatus,
    SegmentStatus, SlotQuery, TenantId, Upstream,
};
use calbridge_storage::{Keyring, MasterKey, Storage};
use calbridge_testkit::{Faults, MockCalcom, MockConfig, Route};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use proptest::prelude::*;

/// "Now" that tests can move forward (leases and backoff use it).
#[derive(Default)]
pub struct TestClock {
    offset_secs: AtomicI64,
}

impl TestClock {
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::seconds(self.offset_secs.load(Ordering::SeqCst))
    }
}

/// Arms testkit faults when a point is reached.
type ArmFault = Box<dyn Fn(&Faults) + Send>;

/// Stops the run the first time `point` is reached, like a crash there;
/// also arms testkit faults when given points are reached.
struct Probe {
    crash_at: Option<String>,
    fired: AtomicBool,
    faults: Faults,
    arm: Mutex<Vec<(String, ArmFault)>>,
}

impl SagaProbe for Probe {
    fn reached(&self, _saga: SagaId, point: &str) -> calbridge_domain::Result<()> {
        if let Ok(mut arm) = self.arm.lock() {
            arm.retain(|(at, f)| {
                if at == point {
                    f(&self.faults);
                    false
                } else {
                    true
                }
            });
        }
        if self.crash_at.as_deref() == Some(point) && !self.fired.swap(true, Ordering::SeqCst) {
            return Err(DomainError::Unavailable {
                upstream: Upstream::Storage,
                message: "simulated crash".into(),
            });
        }
        Ok(())
    }
}

pub struct Harness {
    pub mock: MockCalcom,
    pub storage: Storage,
    pub calendar: Arc<dyn CalendarPort>,
    pub service: BookingService,
    pub tenant: TenantId,
    pub clock: Arc<TestClock>,
    db_file: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db_file.display()));
        }
    }
}

pub async fn harness() -> Harness {
    let mock = MockCalcom::start_with(
        MockConfig::default().with_rate_limit(100_000, Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let db_file = std::env::temp_dir().join(format!(
        "calbridge-saga-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let storage = calbridge_storage::open(
        &format!("sqlite://{}", db_file.display()),
        Keyring::new(1, MasterKey::generate().unwrap()),
    )
    .await
    .unwrap();
    // The saga retries by itself; one attempt per call keeps faults visible.
    let config = CalcomConfig::new(secrecy::SecretString::from(mock.api_key().to_owned()))
        .with_base_url(mock.base_url())
        .with_retry_policy(RetryPolicy::never())
        .with_breaker_policy(BreakerPolicy {
            failure_threshold: 10_000,
            open_for: Duration::from_millis(1),
            close_after: 1,
        })
        .with_rate_limit(RateLimitPolicy {
            per_minute: NonZeroU32::new(100_000).unwrap(),
            burst: NonZeroU32::new(10_000).unwrap(),
            max_wait: Duration::from_secs(1),
        });
    let calendar: Arc<dyn CalendarPort> = Arc::new(CalcomClient::new(config).unwrap());
    let clock = Arc::new(TestClock::default());
    let tenant = TenantId::parse("saga-test").unwrap();
    let cache = calbridge_cache::connect(None).await.unwrap();
    let service = BookingService::new(
        tenant.clone(),
        calendar.clone(),
        storage.bookings.clone(),
        cache,
        clock.clone(),
    );
    Harness {
        mock,
        storage,
        calendar,
        service,
        tenant,
        clock,
        db_file,
    }
}

/// The `k`-th weekday from two days ahead.
pub fn weekday(k: u64) -> NaiveDate {
    let mut d = Utc::now().date_naive() + chrono::Days::new(2);
    let mut seen = 0;
    loop {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            if seen == k {
                return d;
            }
            seen += 1;
        }
        d = d + chrono::Days::new(1);
    }
}

impl Harness {
    pub fn engine(&self, owner: &str, probe: Option<Arc<dyn SagaProbe>>) -> SagaEngine {
        let e = SagaEngine::new(
            self.storage.appointments.clone(),
            self.storage.saga_log.clone(),
            self.storage.bookings.clone(),
            self.clock.clone(),
            owner,
        )
        .with_lease(Duration::from_secs(30))
        .with_retry(SagaRetry {
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
            max_attempts: 50,
        });
        match probe {
            Some(p) => e.with_probe(p),
            None => e,
        }
    }

    fn probe(&self, crash_at: Option<&str>) -> Arc<Probe> {
        Arc::new(Probe {
            crash_at: crash_at.map(str::to_owned),
            fired: AtomicBool::new(false),
            faults: self.mock.faults(),
            arm: Mutex::new(Vec::new()),
        })
    }

    /// First free 30-minute slot of weekday `k`.
    pub async fn first_slot(&self, k: u64) -> DateTime<Utc> {
        let day = weekday(k);
        let from = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
        let q = SlotQuery::new(
            EventTypeId(1001),
            from,
            from + TimeDelta::days(1),
            chrono_tz::Tz::UTC,
        )
        .unwrap();
        self.calendar.free_slots(&q).await.unwrap()[0].start
    }

    pub fn request(&self, email: &str) -> CompositeRequest {
        let seg = || SegmentRequest {
            event_type_id: EventTypeId(1001),
            duration_minutes: None,
            host_id: None,
            pause_after_minutes: 0,
        };
        CompositeRequest {
            attendee: Attendee::new(
                "Ann Example",
                Email::parse(email).unwrap(),
                chrono_tz::Tz::Europe__Berlin,
            )
            .unwrap(),
            metadata: BTreeMap::new(),
            segments: vec![seg(), seg(), seg()],
        }
    }

    /// Books the time directly at Cal.com, behind calbridge's back.
    pub async fn book_upstream_directly(&self, start: DateTime<Utc>) {
        let r = reqwest::Client::new()
            .post(format!("{}/v2/bookings", self.mock.base_url()))
            .header("cal-api-version", "2024-08-13")
            .json(&serde_json::json!({
                "start": start.to_rfc3339(),
                "eventTypeId": 1001,
                "attendee": {"name": "Someone Else", "email": "else@example.com", "timeZone": "UTC"}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    }

    /// Rounds of the recovery worker (a new engine) until nothing is due.
    pub async fn recover(&self) {
        let worker = SagaWorker::new(
            self.engine("recovery", None),
            Arc::new(StaticCalendarDirectory::new(
                self.tenant.clone(),
                self.calendar.clone(),
            )),
        );
        for _ in 0..60 {
            // Past every lease and backoff.
            self.clock.advance(120);
            let report = worker.run_once(self.clock.now()).await.unwrap();
            if report.claimed == 0 {
                return;
            }
        }
        panic!("sagas still due after 60 recovery rounds");
    }

    /// The invariant: all segments booked and confirmed, upstream and
    /// locally — or none active anywhere. Returns whether it was booked.
    pub async fn all_or_nothing(&self, plan: &BookingPlan) -> bool {
        let saga = self
            .storage
            .saga_log
            .get(&self.tenant, SagaId(plan.appointment_id.0))
            .await
            .unwrap()
            .expect("saga recorded");
        let record = self
            .storage
            .appointments
            .get(&self.tenant, plan.appointment_id)
            .await
            .unwrap();
        let correlation: Vec<String> = plan
            .segments
            .iter()
            .map(|s| s.correlation_id.to_string())
            .collect();
        let upstream: Vec<_> = self
            .mock
            .bookings()
            .into_iter()
            .filter(|b| {
                b.metadata["correlationId"]
                    .as_str()
                    .is_some_and(|c| correlation.iter().any(|x| x == c))
            })
            .collect();
        let active_upstream: Vec<_> = upstream.iter().filter(|b| b.is_active()).collect();
        match saga.status {
            SagaStatus::Completed => {
                let record = record.expect("a completed saga has its appointment");
                assert_eq!(record.status, AppointmentStatus::Confirmed);
                assert!(
                    record
                        .segments
                        .iter()
                        .all(|s| s.status == SegmentStatus::Confirmed)
                );
                assert_eq!(active_upstream.len(), plan.segments.len(), "{upstream:?}");
                for s in &record.segments {
                    let uid = s
                        .booking_uid
                        .as_ref()
                        .expect("confirmed segments have a uid");
                    assert!(active_upstream.iter().any(|b| b.uid == uid.as_str()));
                }
                // At most one booking per segment was ever made.
                assert_eq!(upstream.len(), plan.segments.len(), "{upstream:?}");
                true
            }
            SagaStatus::Compensated => {
                assert!(
                    active_upstream.is_empty(),
                    "left active upstream: {active_upstream:?}"
                );
                for b in &upstream {
                    assert!(b.cancellation_reason.is_some(), "cancelled with a reason");
                }
                if let Some(r) = record {
                    assert!(r.status == AppointmentStatus::Failed, "{:?}", r.status);
                    assert!(r.segments.iter().all(|s| !s.status.is_active()));
                }
                false
            }
            other => panic!("saga not finished: {other:?}"),
        }
    }
}

const FORWARD_POINTS: &[&str] = &[
    "hold:started",
    "hold",
    "create:0:started",
    "create:0",
    "segment:0",
    "create:1:started",
    "create:1",
    "segment:1",
    "create:2:started",
    "create:2",
    "segment:2",
    "confirm:started",
    "confirm",
];

#[tokio::test]
async fn a_crash_after_any_forward_step_is_finished_by_a_new_engine() {
    let h = harness().await;
    for (k, point) in FORWARD_POINTS.iter().enumerate() {
        let start = h.first_slot(k as u64).await;
        let probe = h.probe(Some(point));
        let engine = h.engine("crashing", Some(probe));
        let plan = h
            .service
            .plan_composite(&h.request(&format!("crash{k}@example.com")), start)
            .await
            .unwrap();
        let crashed = engine.start(&h.tenant, h.calendar.as_ref(), &plan).await;
        assert!(crashed.is_err(), "{point}: the run should have stopped");
        h.recover().await;
        assert!(
            h.all_or_nothing(&plan).await,
            "{point}: nothing failed, so recovery books it"
        );
    }
}

const BACKWARD_POINTS: &[&str] = &[
    "create:1",
    "compensating",
    "cancel:0:started",
    "cancel:0",
    "segment:0:cancelled",
    "release",
];

#[tokio::test]
async fn a_crash_while_compensating_is_finished_by_a_new_engine() {
    let h = harness().await;
    for (k, point) in BACKWARD_POINTS.iter().enumerate() {
        let start = h.first_slot(20 + k as u64).await;
        // Segment 2 of 3 is taken at Cal.com behind our back.
        h.book_upstream_directly(start + TimeDelta::minutes(30))
            .await;
        let probe = h.probe(Some(point));
        let engine = h.engine("crashing", Some(probe));
        let plan = h
            .service
            .plan_composite(&h.request(&format!("undo{k}@example.com")), start)
            .await
            .unwrap();
        let crashed = engine.start(&h.tenant, h.calendar.as_ref(), &plan).await;
        if *point == "create:1" {
            // Segment 1's create failed: that point is reached with a Failed record.
            assert!(crashed.is_err(), "{point}");
        } else {
            assert!(crashed.is_err(), "{point}: the run should have stopped");
        }
        h.recover().await;
        assert!(
            !h.all_or_nothing(&plan).await,
            "{point}: must be compensated"
        );
    }
}

#[tokio::test]
async fn a_failed_compensating_cancel_is_retried_with_backoff_until_done() {
    let h = harness().await;
    let start = h.first_slot(30).await;
    h.book_upstream_directly(start + TimeDelta::minutes(60))
        .await;
    let probe = h.probe(None);
    probe.arm.lock().unwrap().push((
        "cancel:1:started".into(),
        Box::new(|f: &Faults| {
            f.fail_next(Route::CancelBooking, 2, 503);
        }),
    ));
    let engine = h.engine("first", Some(probe));
    let plan = h
        .service
        .plan_composite(&h.request("retry@example.com"), start)
        .await
        .unwrap();
    let outcome = engine
        .start(&h.tenant, h.calendar.as_ref(), &plan)
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            SagaOutcome::Deferred {
                status: SagaStatus::Compensating,
                ..
            }
        ),
        "{outcome:?}"
    );
    h.recover().await;
    assert!(!h.all_or_nothing(&plan).await);
    let cancels = h
        .mock
        .journal()
        .iter()
        .filter(|e| e.route == Some(Route::CancelBooking))
        .count();
    assert!(
        cancels >= 4,
        "two failed cancels, then two that worked: {cancels}"
    );
    let saga = h
        .storage
        .saga_log
        .get(&h.tenant, SagaId(plan.appointment_id.0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saga.step("cancel:1").unwrap().attempt, 3);
}

#[derive(Debug, Clone, Copy)]
enum CreateFault {
    None,
    Fail503,
    Conflict,
    DropResponse,
}

fn create_fault() -> impl Strategy<Value = CreateFault> {
    prop_oneof![
        4 => Just(CreateFault::None),
        1 => Just(CreateFault::Fail503),
        1 => Just(CreateFault::Conflict),
        1 => Just(CreateFault::DropResponse),
    ]
}

const ALL_POINTS: &[&str] = &[
    "hold",
    "create:0:started",
    "create:0",
    "segment:0",
    "create:1:started",
    "create:1",
    "create:2:started",
    "segment:2",
    "confirm:started",
    "compensating",
    "cancel:0:started",
    "cancel:0",
    "cancel:1:started",
    "release",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn after_recovery_every_saga_is_all_or_nothing(
        faults in proptest::collection::vec(create_fault(), 3),
        cancel_failures in 0u32..3,
        crash in proptest::option::of(0usize..ALL_POINTS.len()),
    ) {
        let rt = runtime();
        rt.block_on(async {
            let h = shared_harness().await;
            let k = 40 + NEXT_DAY.fetch_add(1, Ordering::SeqCst);
            let start = h.first_slot(k).await;
            let probe = h.probe(crash.map(|i| ALL_POINTS[i]));
            {
                let mut arm = probe.arm.lock().unwrap();
                for (i, f) in faults.iter().copied().enumerate() {
                    arm.push((format!("create:{i}:started"), Box::new(move |faults: &Faults| match f {
                        CreateFault::None => {}
                        CreateFault::Fail503 => { faults.fail_next(Route::CreateBooking, 1, 503); }
                        CreateFault::Conflict => { faults.force_conflict(Route::CreateBooking, 1); }
                        CreateFault::DropResponse => { faults.drop_response_after_apply(Route::CreateBooking, 1); }
                    })));
                    if cancel_failures > 0 {
                        arm.push((format!("cancel:{i}:started"), Box::new(move |faults: &Faults| {
                            faults.fail_next(Route::CancelBooking, cancel_failures, 503);
                        })));
                    }
                }
            }
            let engine = h.engine("prop", Some(probe));
            let plan = h
                .service
                .plan_composite(&h.request(&format!("prop{k}@example.com")), start)
                .await
                .unwrap();
            let _ = engine.start(&h.tenant, h.calendar.as_ref(), &plan).await;
            h.recover().await;
            h.mock.faults().clear();
            h.all_or_nothing(&plan).await;
        });
    }
}

static NEXT_DAY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

async fn shared_harness() -> &'static Harness {
    static H: tokio::sync::OnceCell<Harness> = tokio::sync::OnceCell::const_new();
    H.get_or_init(harness).await
}

#[tokio::test]
async fn two_workers_never_drive_the_same_saga() {
    let h = harness().await;
    let mut plans = Vec::new();
    for k in 0..4u64 {
        let start = h.first_slot(60 + k).await;
        let engine = h.engine("crashing", Some(h.probe(Some("create:0"))));
        let plan = h
            .service
            .plan_composite(&h.request(&format!("pair{k}@example.com")), start)
            .await
            .unwrap();
        assert!(
            engine
                .start(&h.tenant, h.calendar.as_ref(), &plan)
                .await
                .is_err()
        );
        plans.push(plan);
    }
    h.clock.advance(120);
    let worker = |owner: &str| {
        SagaWorker::new(
            h.engine(owner, None),
            Arc::new(StaticCalendarDirectory::new(
                h.tenant.clone(),
                h.calendar.clone(),
            )),
        )
    };
    let (a, b) = (worker("instance-a"), worker("instance-b"));
    let now = h.clock.now();
    let (ra, rb) = tokio::join!(a.run_once(now), b.run_once(now));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.claimed + rb.claimed, 4, "{ra:?} {rb:?}");
    assert_eq!(ra.completed + rb.completed, 4, "{ra:?} {rb:?}");
    for plan in &plans {
        // all_or_nothing also checks that no segment was created twice.
        assert!(h.all_or_nothing(plan).await);
    }
}
