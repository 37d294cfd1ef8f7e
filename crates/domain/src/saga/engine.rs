//! The saga executor: drives one composite booking forward or backward,
//! writing each step to the saga log before the next one runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::error::{DomainError, Result, Upstream};
use crate::ids::{AppointmentId, BookingUid, TenantId};
use crate::models::{
    AppointmentRecord, AppointmentStatus, Booking, BookingFilter, BookingSource, BookingStatus,
    LeasedSaga, NewSaga, SagaId, SagaLease, SagaRecord, SagaStatus, SagaStep, SegmentStatus,
    StepStatus,
};
use crate::ports::{AppointmentRepository, BookingRepository, CalendarPort, Clock, SagaLog};
use crate::saga::failure::Failure;
use crate::saga::{BookingPlan, COMPOSITE_BOOKING_KIND, RetryPolicy, SagaProbe};

/// Cal.com refuses a host's cancellation without a reason, so compensation
/// always gives one.
const COMPENSATION_REASON: &str =
    "Cancelled by calbridge: the appointment could not be booked completely";

/// How a saga run ended.
#[derive(Debug, PartialEq)]
pub enum SagaOutcome {
    /// Every segment is booked at Cal.com and confirmed locally.
    Completed {
        /// The confirmed appointment.
        appointment: AppointmentRecord,
        /// The Cal.com bookings, by segment position.
        bookings: Vec<Booking>,
    },
    /// It failed and everything it did was undone.
    Compensated {
        /// Why it failed.
        cause: DomainError,
    },
    /// It could not finish now (a cancel failed, an outcome is unknown);
    /// handed back to the log and due again at `next_run_at`.
    Deferred {
        /// Running (forward) or compensating.
        status: SagaStatus,
        /// When a worker takes it up again.
        next_run_at: DateTime<Utc>,
        /// What stopped it.
        cause: DomainError,
    },
    /// Given up after too many attempts of one step; needs a human.
    Failed {
        /// The last error.
        cause: DomainError,
    },
}

/// Drives composite-booking sagas for any tenant; the calendar is passed
/// per run (each tenant has its own).
#[derive(Clone)]
pub struct SagaEngine {
    appointments: Arc<dyn AppointmentRepository>,
    saga_log: Arc<dyn SagaLog>,
    bookings: Arc<dyn BookingRepository>,
    clock: Arc<dyn Clock>,
    owner: String,
    lease_for: Duration,
    retry: RetryPolicy,
    probe: Option<Arc<dyn SagaProbe>>,
}

impl SagaEngine {
    /// Default lease: long enough for a few Cal.com calls with retries.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

    /// An engine over the stores; `owner` names this instance in leases.
    pub fn new(
        appointments: Arc<dyn AppointmentRepository>,
        saga_log: Arc<dyn SagaLog>,
        bookings: Arc<dyn BookingRepository>,
        clock: Arc<dyn Clock>,
        owner: impl Into<String>,
    ) -> Self {
        Self {
            appointments,
            saga_log,
            bookings,
            clock,
            owner: owner.into(),
            lease_for: Self::DEFAULT_LEASE,
            retry: RetryPolicy::default(),
            probe: None,
        }
    }

    /// Replaces the backoff policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the lease length.
    #[must_use]
    pub fn with_lease(mut self, lease_for: Duration) -> Self {
        self.lease_for = lease_for;
        self
    }

    /// Installs a probe called after every durable write (tests stop runs with it).
    #[must_use]
    pub fn with_probe(mut self, probe: Arc<dyn SagaProbe>) -> Self {
        self.probe = Some(probe);
        self
    }

    /// Who this engine claims leases as.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// How long a claimed lease lasts.
    pub fn lease_for(&self) -> Duration {
        self.lease_for
    }

    /// The saga log this engine writes to.
    pub fn saga_log(&self) -> &Arc<dyn SagaLog> {
        &self.saga_log
    }

    /// Starts a saga for `plan` (its id is the appointment id) and drives it.
    ///
    /// # Errors
    /// `InvalidInput` for a bad plan; `Conflict` when the appointment id was
    /// used before; storage errors (the saga is then resumed by a worker).
    pub async fn start(
        &self,
        tenant: &TenantId,
        calendar: &dyn CalendarPort,
        plan: &BookingPlan,
    ) -> Result<SagaOutcome> {
        let now = self.clock.now();
        plan.validate(now)?;
        let payload = serde_json::to_value(plan).map_err(|e| DomainError::UpstreamFailed {
            upstream: Upstream::Storage,
            message: format!("saga payload: {e}"),
        })?;
        let saga = NewSaga::new(
            SagaId(plan.appointment_id.0),
            COMPOSITE_BOOKING_KIND,
            payload,
        )?;
        let leased = self
            .saga_log
            .start(tenant, &saga, &self.owner, now, self.lease_for)
            .await?;
        self.drive(calendar, leased).await
    }

    /// How a finished saga ended, read from its log without driving it
    /// (an idempotent retry replays it); `None` while it still runs.
    ///
    /// # Errors
    /// Storage errors; `NotFound` when a completed saga's appointment is gone.
    pub async fn outcome_of(&self, saga: &SagaRecord) -> Result<Option<SagaOutcome>> {
        let failure = || stored_failure_in(saga.step("failure")).to_error();
        match saga.status {
            SagaStatus::Running | SagaStatus::Compensating => Ok(None),
            SagaStatus::Compensated => Ok(Some(SagaOutcome::Compensated { cause: failure() })),
            SagaStatus::Failed => Ok(Some(SagaOutcome::Failed { cause: failure() })),
            SagaStatus::Completed => {
                let id = AppointmentId(saga.id.0);
                let appointment =
                    self.appointments
                        .get(&saga.tenant, id)
                        .await?
                        .ok_or_else(|| DomainError::NotFound {
                            entity: "appointment",
                            id: id.to_string(),
                        })?;
                let bookings = (0..appointment.segments.len())
                    .filter_map(|i| saga.step(&format!("create:{i}")))
                    .filter_map(|s| serde_json::from_value(s.detail.clone()).ok())
                    .collect();
                Ok(Some(SagaOutcome::Completed {
                    appointment,
                    bookings,
                }))
            }
        }
    }

    /// Drives a leased saga from wherever its log says it is.
    ///
    /// # Errors
    /// Storage errors and lost leases; the saga stays in the log and is
    /// taken up again once the lease ends.
    pub async fn drive(
        &self,
        calendar: &dyn CalendarPort,
        leased: LeasedSaga,
    ) -> Result<SagaOutcome> {
        let LeasedSaga { saga, lease } = leased;
        let plan: BookingPlan = match serde_json::from_value(saga.payload.clone()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(saga = %saga.id, error = %e, "unreadable saga payload; marked failed");
                let now = self.clock.now();
                self.saga_log
                    .set_status(&lease, SagaStatus::Failed, now)
                    .await?;
                return Ok(SagaOutcome::Failed {
                    cause: DomainError::UpstreamFailed {
                        upstream: Upstream::Storage,
                        message: "unreadable saga payload".into(),
                    },
                });
            }
        };
        let mut run = Run {
            engine: self,
            calendar,
            tenant: saga.tenant.clone(),
            saga_id: saga.id,
            lease,
            status: saga.status,
            steps: saga
                .steps
                .into_iter()
                .map(|s| (s.name.clone(), s))
                .collect(),
            plan,
        };
        match run.status {
            SagaStatus::Running => run.forward().await,
            SagaStatus::Compensating => {
                let cause = run.stored_failure();
                run.compensate(cause).await
            }
            SagaStatus::Completed => run.completed().await,
            SagaStatus::Compensated => Ok(SagaOutcome::Compensated {
                cause: run.stored_failure().to_error(),
            }),
            SagaStatus::Failed => Ok(SagaOutcome::Failed {
                cause: run.stored_failure().to_error(),
            }),
        }
    }
}

/// The failure a saga recorded in its `failure` step (a generic one when
/// the step is missing or unreadable).
fn stored_failure_in(step: Option<&SagaStep>) -> Failure {
    step.and_then(|s| serde_json::from_value(s.detail.clone()).ok())
        .unwrap_or_else(|| Failure {
            kind: "upstream".into(),
            message: "the appointment could not be booked".into(),
        })
}

/// Whether a failed create certainly made nothing at Cal.com.
fn certainly_not_made(e: &DomainError) -> bool {
    matches!(
        e,
        DomainError::SlotUnavailable { .. }
            | DomainError::InvalidInput { .. }
            | DomainError::NotFound { .. }
            | DomainError::Conflict { .. }
            | DomainError::CalendarUnauthorized
            | DomainError::RateLimited { .. }
    )
}

/// One run over one leased saga.
struct Run<'a> {
    engine: &'a SagaEngine,
    calendar: &'a dyn CalendarPort,
    tenant: TenantId,
    saga_id: SagaId,
    lease: SagaLease,
    status: SagaStatus,
    steps: HashMap<String, SagaStep>,
    plan: BookingPlan,
}

impl Run<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.engine.clock.now()
    }

    fn probe(&self, point: &str) -> Result<()> {
        match &self.engine.probe {
            Some(p) => p.reached(self.saga_id, point),
            None => Ok(()),
        }
    }

    fn status_of(&self, name: &str) -> Option<StepStatus> {
        self.steps.get(name).map(|s| s.status)
    }

    /// Writes a step; `bump` counts a new attempt of it.
    async fn record(
        &mut self,
        name: &str,
        status: StepStatus,
        bump: bool,
        external_id: Option<String>,
        detail: Value,
        error: Option<String>,
    ) -> Result<()> {
        let now = self.now();
        let mut step = SagaStep::new(name, status, now)?;
        if let Some(prev) = self.steps.get(name) {
            step.attempt = prev.attempt + u32::from(bump);
            step.external_id = prev.external_id.clone();
            if detail.is_null() {
                step.detail = prev.detail.clone();
            }
        }
        if external_id.is_some() {
            step.external_id = external_id;
        }
        if !detail.is_null() {
            step.detail = detail;
        }
        step.error = error;
        self.engine.saga_log.record_step(&self.lease, &step).await?;
        self.steps.insert(name.to_owned(), step);
        Ok(())
    }

    async fn renew(&mut self) -> Result<()> {
        let now = self.now();
        let half = TimeDelta::from_std(self.engine.lease_for / 2).unwrap_or(TimeDelta::seconds(30));
        if self.lease.expires_at - now < half {
            self.lease = self
                .engine
                .saga_log
                .renew(&self.lease, now, self.engine.lease_for)
                .await?;
        }
        Ok(())
    }

    async fn set_saga_status(&mut self, status: SagaStatus) -> Result<()> {
        let now = self.now();
        self.engine
            .saga_log
            .set_status(&self.lease, status, now)
            .await?;
        self.status = status;
        Ok(())
    }

    fn stored_failure(&self) -> Failure {
        stored_failure_in(self.steps.get("failure"))
    }

    /// Hands the saga back with backoff, or gives up after too many attempts.
    async fn defer(&mut self, step: &str, cause: DomainError) -> Result<SagaOutcome> {
        let attempt = self.steps.get(step).map_or(1, |s| s.attempt);
        let now = self.now();
        if attempt >= self.engine.retry.max_attempts {
            tracing::error!(saga = %self.saga_id, %step, error = %cause, "giving up; needs a human");
            self.set_saga_status(SagaStatus::Failed).await?;
            return Ok(SagaOutcome::Failed { cause });
        }
        let next_run_at = self.engine.retry.next_run_at(attempt, now);
        if let Some(prev) = self.steps.get(step).cloned() {
            let mut s = prev;
            s.error = Some(cause.to_string());
            s.next_run_at = Some(next_run_at);
            s.updated_at = now;
            self.engine.saga_log.record_step(&self.lease, &s).await?;
            self.steps.insert(step.to_owned(), s);
        }
        self.engine
            .saga_log
            .release(&self.lease, next_run_at, now)
            .await?;
        tracing::warn!(saga = %self.saga_id, %step, attempt, error = %cause, %next_run_at, "saga deferred");
        Ok(SagaOutcome::Deferred {
            status: self.status,
            next_run_at,
            cause,
        })
    }

    /// Finds segment `position`'s booking at Cal.com by its correlation id.
    async fn lookup(&self, position: usize) -> Result<Option<Booking>> {
        let Some(seg) = self.plan.segments.get(position) else {
            return Ok(None);
        };
        let filter = BookingFilter {
            attendee_email: Some(self.plan.attendee.email.as_str().to_owned()),
            starts_after: Some(seg.start - TimeDelta::minutes(1)),
            ends_before: Some(seg.end + TimeDelta::days(1)),
            limit: BookingFilter::MAX_LIMIT,
            ..BookingFilter::default()
        };
        let wanted = seg.correlation_id.to_string();
        let found = self.calendar.list_bookings(&filter).await?;
        Ok(found
            .into_iter()
            .find(|b| b.correlation_id() == Some(wanted.as_str())))
    }

    fn appointment_exists(&self) -> bool {
        self.status_of("hold") == Some(StepStatus::Succeeded)
    }

    async fn forward(&mut self) -> Result<SagaOutcome> {
        if self.status_of("hold") != Some(StepStatus::Succeeded)
            && let Some(outcome) = self.hold().await?
        {
            return Ok(outcome);
        }
        for i in 0..self.plan.segments.len() {
            let name = format!("create:{i}");
            match self.status_of(&name) {
                Some(StepStatus::Succeeded) => {
                    self.ensure_booked(i).await?;
                    continue;
                }
                Some(StepStatus::Failed) => {
                    let cause = self.stored_failure();
                    return self.compensate(cause).await;
                }
                Some(StepStatus::Started) => match self.lookup(i).await {
                    Ok(Some(b)) if b.status.is_active() => {
                        self.created(i, b).await?;
                        continue;
                    }
                    // Proven absent: it was never made, send it (again).
                    Ok(_) => {}
                    Err(e) => return self.defer(&name, e).await,
                },
                _ => {}
            }
            self.renew().await?;
            let corr = self.plan.segments[i].correlation_id.to_string();
            self.record(
                &name,
                StepStatus::Started,
                true,
                None,
                json!({"correlationId": corr}),
                None,
            )
            .await?;
            self.probe(&format!("{name}:started"))?;
            let Some(appointment) = self.plan.appointment_for(i) else {
                break;
            };
            match self.calendar.create_booking(&appointment).await {
                Ok(b) => self.created(i, b).await?,
                Err(e) if certainly_not_made(&e) => return self.create_failed(i, &e).await,
                Err(e) => match self.lookup(i).await {
                    Ok(Some(b)) if b.status.is_active() => {
                        tracing::info!(saga = %self.saga_id, segment = i, "in-doubt create found by correlation id");
                        self.created(i, b).await?;
                    }
                    Ok(_) => return self.create_failed(i, &e).await,
                    Err(_) => return self.defer(&name, e).await,
                },
            }
        }
        self.confirm().await
    }

    /// The hold step; `Some` when the saga ended there.
    async fn hold(&mut self) -> Result<Option<SagaOutcome>> {
        if self.status_of("hold") == Some(StepStatus::Started)
            && self
                .engine
                .appointments
                .get(&self.tenant, self.plan.appointment_id)
                .await?
                .is_some()
        {
            self.record(
                "hold",
                StepStatus::Succeeded,
                false,
                None,
                Value::Null,
                None,
            )
            .await?;
            self.probe("hold")?;
            return Ok(None);
        }
        self.record("hold", StepStatus::Started, true, None, Value::Null, None)
            .await?;
        self.probe("hold:started")?;
        let now = self.now();
        let mut created = self.create_record(now).await;
        // Round robin without staff: a concurrent booking of ours may hold
        // the host we picked; try the other eligible ones before refusing.
        let mut alternatives = self.plan.round_robin_alternatives();
        while matches!(created, Err(DomainError::SlotUnavailable { .. })) && alternatives > 0 {
            alternatives -= 1;
            self.plan.rotate_round_robin_hosts();
            created = self.create_record(now).await;
        }
        match created {
            Ok(()) => {}
            Err(e @ (DomainError::SlotUnavailable { .. } | DomainError::InvalidInput { .. })) => {
                let failure = Failure::of(&e);
                self.record(
                    "hold",
                    StepStatus::Failed,
                    false,
                    None,
                    Value::Null,
                    Some(e.to_string()),
                )
                .await?;
                self.record_failure(&failure).await?;
                self.set_saga_status(SagaStatus::Compensated).await?;
                return Ok(Some(SagaOutcome::Compensated { cause: e }));
            }
            Err(e) => return Err(e),
        }
        self.record(
            "hold",
            StepStatus::Succeeded,
            false,
            None,
            Value::Null,
            None,
        )
        .await?;
        self.probe("hold")?;
        Ok(None)
    }

    async fn create_record(&self, now: DateTime<Utc>) -> Result<()> {
        let record = self.plan.record(now)?;
        self.engine.appointments.create(&self.tenant, &record).await
    }

    async fn record_failure(&mut self, failure: &Failure) -> Result<()> {
        let detail = serde_json::to_value(failure).unwrap_or(Value::Null);
        self.record(
            "failure",
            StepStatus::Failed,
            false,
            None,
            detail,
            Some(failure.message.clone()),
        )
        .await
    }

    async fn create_failed(&mut self, i: usize, e: &DomainError) -> Result<SagaOutcome> {
        let name = format!("create:{i}");
        self.record(
            &name,
            StepStatus::Failed,
            false,
            None,
            Value::Null,
            Some(e.to_string()),
        )
        .await?;
        self.probe(&name)?;
        self.compensate(Failure::of(e)).await
    }

    /// Records a created booking, then marks its segment booked.
    async fn created(&mut self, i: usize, b: Booking) -> Result<()> {
        let name = format!("create:{i}");
        let detail = serde_json::to_value(&b).unwrap_or(Value::Null);
        self.record(
            &name,
            StepStatus::Succeeded,
            false,
            Some(b.uid.to_string()),
            detail,
            None,
        )
        .await?;
        self.probe(&name)?;
        let assigned = b.host.as_ref().map(|h| h.id);
        self.mark_segment(i, SegmentStatus::Booked, Some(b.uid))
            .await?;
        self.probe(&format!("segment:{i}"))?;
        self.follow_assigned_host(i, assigned).await;
        Ok(())
    }

    /// Round robin: Cal.com may assign another eligible host than the one
    /// held; the hold moves to the real host so our guard covers the right
    /// person. If that host's time is held by another of our bookings (a
    /// race Cal.com has already decided), the hold stays where it is: the
    /// time stays guarded, just under the wrong name, never double-booked.
    async fn follow_assigned_host(&mut self, i: usize, assigned: Option<u64>) {
        let Some(segment) = self.plan.segments.get(i) else {
            return;
        };
        let Some(host) =
            assigned.filter(|h| *h != segment.host_id && segment.team_member_ids.contains(h))
        else {
            return;
        };
        let position = u32::try_from(i).unwrap_or(u32::MAX);
        let now = self.now();
        match self
            .engine
            .appointments
            .reassign_host(&self.tenant, self.plan.appointment_id, position, host, now)
            .await
        {
            Ok(_) => tracing::debug!(position, host, "hold moved to the assigned host"),
            Err(e) => tracing::warn!(
                position,
                host,
                error = %e,
                "hold stays on the planned host; Cal.com assigned another"
            ),
        }
    }

    async fn mark_segment(
        &mut self,
        i: usize,
        status: SegmentStatus,
        uid: Option<BookingUid>,
    ) -> Result<()> {
        let position = u32::try_from(i).unwrap_or(u32::MAX);
        let now = self.now();
        self.engine
            .appointments
            .update_segment(
                &self.tenant,
                self.plan.appointment_id,
                position,
                status,
                uid,
                now,
            )
            .await
            .map(drop)
    }

    /// After a crash between the create record and the segment update.
    async fn ensure_booked(&mut self, i: usize) -> Result<()> {
        let uid = self
            .steps
            .get(&format!("create:{i}"))
            .and_then(|s| s.external_id.clone())
            .and_then(|u| BookingUid::parse(u).ok());
        let record = self
            .engine
            .appointments
            .get(&self.tenant, self.plan.appointment_id)
            .await?;
        let pending = record
            .as_ref()
            .and_then(|r| r.segment(u32::try_from(i).unwrap_or(u32::MAX)))
            .is_some_and(|s| s.status == SegmentStatus::Pending);
        if pending {
            self.mark_segment(i, SegmentStatus::Booked, uid).await?;
        }
        Ok(())
    }

    fn created_bookings(&self) -> Vec<Booking> {
        (0..self.plan.segments.len())
            .filter_map(|i| self.steps.get(&format!("create:{i}")))
            .filter_map(|s| serde_json::from_value(s.detail.clone()).ok())
            .collect()
    }

    async fn confirm(&mut self) -> Result<SagaOutcome> {
        self.record(
            "confirm",
            StepStatus::Started,
            true,
            None,
            Value::Null,
            None,
        )
        .await?;
        self.probe("confirm:started")?;
        let now = self.now();
        let appointment = match self
            .engine
            .appointments
            .set_status(
                &self.tenant,
                self.plan.appointment_id,
                AppointmentStatus::Confirmed,
                now,
            )
            .await
        {
            Ok(a) => a,
            Err(DomainError::Conflict { message }) => {
                // Confirmed by an earlier run that crashed before recording it.
                match self
                    .engine
                    .appointments
                    .get(&self.tenant, self.plan.appointment_id)
                    .await?
                {
                    Some(a) if a.status == AppointmentStatus::Confirmed => a,
                    _ => return Err(DomainError::Conflict { message }),
                }
            }
            Err(e) => return Err(e),
        };
        self.record(
            "confirm",
            StepStatus::Succeeded,
            false,
            None,
            Value::Null,
            None,
        )
        .await?;
        self.probe("confirm")?;
        let bookings = self.created_bookings();
        for b in &bookings {
            if let Err(e) = self
                .engine
                .bookings
                .upsert(&self.tenant, b, BookingSource::Ours)
                .await
            {
                tracing::warn!(uid = %b.uid, error = %e, "local copy not stored; sync will repair it");
            }
        }
        self.set_saga_status(SagaStatus::Completed).await?;
        tracing::info!(saga = %self.saga_id, segments = bookings.len(), "appointment booked");
        Ok(SagaOutcome::Completed {
            appointment,
            bookings,
        })
    }

    async fn completed(&mut self) -> Result<SagaOutcome> {
        let appointment = self
            .engine
            .appointments
            .get(&self.tenant, self.plan.appointment_id)
            .await?
            .ok_or_else(|| DomainError::NotFound {
                entity: "appointment",
                id: self.plan.appointment_id.to_string(),
            })?;
        Ok(SagaOutcome::Completed {
            appointment,
            bookings: self.created_bookings(),
        })
    }

    /// Undoes everything, in reverse order: cancels created bookings (by
    /// uid, with a reason), then releases the holds.
    async fn compensate(&mut self, failure: Failure) -> Result<SagaOutcome> {
        if self.status != SagaStatus::Compensating {
            self.record_failure(&failure).await?;
            self.set_saga_status(SagaStatus::Compensating).await?;
            self.probe("compensating")?;
            if self.appointment_exists() {
                let now = self.now();
                self.engine
                    .appointments
                    .set_status(
                        &self.tenant,
                        self.plan.appointment_id,
                        AppointmentStatus::Compensating,
                        now,
                    )
                    .await?;
            }
        }
        for i in (0..self.plan.segments.len()).rev() {
            let create = format!("create:{i}");
            let uid = match self.status_of(&create) {
                Some(StepStatus::Succeeded) => self
                    .steps
                    .get(&create)
                    .and_then(|s| s.external_id.clone())
                    .and_then(|u| BookingUid::parse(u).ok()),
                Some(StepStatus::Started) => match self.lookup(i).await {
                    Ok(Some(b)) => {
                        let uid = b.uid.clone();
                        let detail = serde_json::to_value(&b).unwrap_or(Value::Null);
                        self.record(
                            &create,
                            StepStatus::Succeeded,
                            false,
                            Some(uid.to_string()),
                            detail,
                            None,
                        )
                        .await?;
                        Some(uid)
                    }
                    Ok(None) => {
                        self.record(
                            &create,
                            StepStatus::Failed,
                            false,
                            None,
                            Value::Null,
                            Some("never made".into()),
                        )
                        .await?;
                        None
                    }
                    Err(e) => return self.defer(&create, e).await,
                },
                _ => None,
            };
            let Some(uid) = uid else { continue };
            let cancel = format!("cancel:{i}");
            if self.status_of(&cancel) != Some(StepStatus::Compensated) {
                self.renew().await?;
                self.record(
                    &cancel,
                    StepStatus::Compensating,
                    true,
                    Some(uid.to_string()),
                    Value::Null,
                    None,
                )
                .await?;
                self.probe(&format!("{cancel}:started"))?;
                if let Err(e) = self.cancel_upstream(&uid).await {
                    return self.defer(&cancel, e).await;
                }
                self.record(
                    &cancel,
                    StepStatus::Compensated,
                    false,
                    None,
                    Value::Null,
                    None,
                )
                .await?;
                self.probe(&cancel)?;
            }
            if self.appointment_exists() {
                self.mark_segment(i, SegmentStatus::Cancelled, None).await?;
                self.probe(&format!("segment:{i}:cancelled"))?;
            }
        }
        if self.appointment_exists() {
            let now = self.now();
            self.engine
                .appointments
                .set_status(
                    &self.tenant,
                    self.plan.appointment_id,
                    AppointmentStatus::Failed,
                    now,
                )
                .await?;
        }
        self.record(
            "release",
            StepStatus::Compensated,
            false,
            None,
            Value::Null,
            None,
        )
        .await?;
        self.probe("release")?;
        self.set_saga_status(SagaStatus::Compensated).await?;
        tracing::info!(saga = %self.saga_id, "appointment compensated");
        Ok(SagaOutcome::Compensated {
            cause: failure.to_error(),
        })
    }

    /// Cancels a booking; one already cancelled (or gone) counts as done.
    async fn cancel_upstream(&self, uid: &BookingUid) -> Result<()> {
        match self.calendar.get_booking(uid).await {
            Ok(b)
                if b.status == BookingStatus::Cancelled || b.status == BookingStatus::Rejected =>
            {
                return Ok(());
            }
            Ok(_) => {}
            Err(DomainError::NotFound { .. }) => {
                tracing::warn!(%uid, "booking to cancel is gone; nothing to undo");
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        match self.calendar.cancel_booking(uid, COMPENSATION_REASON).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // A cancel that raced with another one is done too.
                match self.calendar.get_booking(uid).await {
                    Ok(b) if b.status == BookingStatus::Cancelled => Ok(()),
                    _ => Err(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use chrono_tz::Tz;
    use uuid::Uuid;

    use super::*;
    use crate::ids::{AppointmentId, EventTypeId};
    use crate::models::{Attendee, Email, SagaRecord};
    use crate::ports::{
        MockAppointmentRepository, MockBookingRepository, MockCalendarPort, MockSagaLog,
        SystemClock, UpsertOutcome,
    };
    use crate::saga::PlannedSegment;

    fn plan() -> BookingPlan {
        let start = Utc::now() + TimeDelta::days(1);
        BookingPlan {
            appointment_id: AppointmentId::new(),
            attendee: Attendee::new("Ann", Email::parse("ann@example.com").unwrap(), Tz::UTC)
                .unwrap(),
            metadata: BTreeMap::new(),
            segments: (0..3)
                .map(|i| PlannedSegment {
                    team_member_ids: Vec::new(),
                    event_type_id: EventTypeId(7),
                    host_id: 1,
                    start: start + TimeDelta::minutes(30 * i),
                    end: start + TimeDelta::minutes(30 * i + 30),
                    pause_after_minutes: 0,
                    length_minutes: None,
                    correlation_id: AppointmentId::new(),
                })
                .collect(),
        }
    }

    fn booking(a: &crate::models::Appointment, uid: &str, status: BookingStatus) -> Booking {
        Booking {
            uid: BookingUid::parse(uid).unwrap(),
            event_type_id: a.event_type_id,
            title: "t".into(),
            start: a.start,
            end: a.start + TimeDelta::minutes(30),
            status,
            host: None,
            attendees: vec![a.attendee.clone()],
            metadata: a.outgoing_metadata(),
            rescheduled_from_uid: None,
            rescheduled_to_uid: None,
            cancellation_reason: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn saga_log() -> MockSagaLog {
        let mut log = MockSagaLog::new();
        log.expect_start().returning(|tenant, saga, owner, now, _| {
            let lease = SagaLease {
                saga_id: saga.id,
                owner: owner.to_owned(),
                token: Uuid::new_v4(),
                expires_at: now + TimeDelta::minutes(5),
            };
            Ok(LeasedSaga {
                saga: SagaRecord {
                    id: saga.id,
                    tenant: tenant.clone(),
                    kind: saga.kind.clone(),
                    status: SagaStatus::Running,
                    payload: saga.payload.clone(),
                    attempt: 1,
                    next_run_at: now,
                    lease_owner: Some(owner.to_owned()),
                    lease_expires_at: Some(lease.expires_at),
                    steps: vec![],
                    created_at: now,
                    updated_at: now,
                },
                lease,
            })
        });
        log.expect_record_step().returning(|_, _| Ok(()));
        log.expect_set_status().returning(|_, _, _| Ok(()));
        log
    }

    fn appointments(p: &BookingPlan) -> MockAppointmentRepository {
        let record = p.record(Utc::now()).unwrap();
        let mut repo = MockAppointmentRepository::new();
        repo.expect_create().returning(|_, _| Ok(()));
        let r = record.clone();
        repo.expect_update_segment()
            .returning(move |_, _, _, _, _, _| Ok(r.clone()));
        let r = record.clone();
        repo.expect_set_status()
            .returning(move |_, _, _, _| Ok(r.clone()));
        repo
    }

    fn engine(p: &BookingPlan) -> SagaEngine {
        let mut bookings = MockBookingRepository::new();
        bookings
            .expect_upsert()
            .returning(|_, _, _| Ok(UpsertOutcome::Inserted));
        SagaEngine::new(
            Arc::new(appointments(p)),
            Arc::new(saga_log()),
            Arc::new(bookings),
            Arc::new(SystemClock),
            "test",
        )
    }

    #[tokio::test]
    async fn a_failed_third_segment_cancels_the_first_two_in_reverse_order() {
        let p = plan();
        let mut cal = MockCalendarPort::new();
        let n = Arc::new(Mutex::new(0));
        cal.expect_create_booking().returning(move |a| {
            let mut n = n.lock().unwrap();
            *n += 1;
            match *n {
                3 => Err(DomainError::SlotUnavailable {
                    message: "taken".into(),
                }),
                i => Ok(booking(a, &format!("u{}", i - 1), BookingStatus::Accepted)),
            }
        });
        let probe = plan_appointment(&p);
        cal.expect_get_booking()
            .returning(move |uid| Ok(booking(&probe, uid.as_str(), BookingStatus::Accepted)));
        let cancelled = Arc::new(Mutex::new(Vec::new()));
        let c = cancelled.clone();
        let probe = plan_appointment(&p);
        cal.expect_cancel_booking().returning(move |uid, reason| {
            assert!(!reason.is_empty(), "always a reason");
            c.lock().unwrap().push(uid.to_string());
            Ok(booking(&probe, uid.as_str(), BookingStatus::Cancelled))
        });
        let tenant = TenantId::parse("t1").unwrap();
        let outcome = engine(&p).start(&tenant, &cal, &p).await.unwrap();
        assert_eq!(
            outcome,
            SagaOutcome::Compensated {
                cause: DomainError::SlotUnavailable {
                    message: "taken".into()
                }
            }
        );
        assert_eq!(*cancelled.lock().unwrap(), ["u1", "u0"]);
    }

    #[tokio::test]
    async fn a_create_in_doubt_is_found_by_correlation_id_and_rolled_forward() {
        let p = plan();
        let mut cal = MockCalendarPort::new();
        let made = Arc::new(Mutex::new(Vec::<Booking>::new()));
        let m = made.clone();
        let first = Arc::new(Mutex::new(true));
        cal.expect_create_booking().returning(move |a| {
            let b = booking(
                a,
                &format!("u{}", m.lock().unwrap().len()),
                BookingStatus::Accepted,
            );
            m.lock().unwrap().push(b.clone());
            if std::mem::replace(&mut *first.lock().unwrap(), false) {
                // Applied, but the answer was lost.
                return Err(DomainError::Unavailable {
                    upstream: Upstream::Calendar,
                    message: "in doubt".into(),
                });
            }
            Ok(b)
        });
        let m = made.clone();
        cal.expect_list_bookings()
            .returning(move |_| Ok(m.lock().unwrap().clone()));
        cal.expect_cancel_booking().never();
        let tenant = TenantId::parse("t1").unwrap();
        let outcome = engine(&p).start(&tenant, &cal, &p).await.unwrap();
        let SagaOutcome::Completed { bookings, .. } = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(bookings.len(), 3);
        assert_eq!(
            made.lock().unwrap().len(),
            3,
            "the in-doubt create is not sent again"
        );
    }

    fn plan_appointment(p: &BookingPlan) -> crate::models::Appointment {
        p.appointment_for(0).unwrap()
    }

    #[tokio::test]
    async fn the_outcome_of_a_finished_saga_is_read_from_its_log() {
        let p = plan();
        let tenant = TenantId::parse("t1").unwrap();
        let now = Utc::now();
        let step = |name: &str, detail: Value| {
            let mut s = SagaStep::new(name, StepStatus::Succeeded, now).unwrap();
            s.detail = detail;
            s
        };
        let record = |status, steps| SagaRecord {
            id: SagaId(p.appointment_id.0),
            tenant: tenant.clone(),
            kind: COMPOSITE_BOOKING_KIND.into(),
            status,
            payload: serde_json::to_value(&p).unwrap(),
            attempt: 1,
            next_run_at: now,
            lease_owner: None,
            lease_expires_at: None,
            steps,
            created_at: now,
            updated_at: now,
        };
        let mut repo = MockAppointmentRepository::new();
        let confirmed = p.record(now).unwrap();
        let r = confirmed.clone();
        repo.expect_get()
            .withf(move |t, id| t.as_str() == "t1" && id.0 == r.id.0)
            .returning(move |_, _| Ok(Some(r.clone())));
        let engine = SagaEngine::new(
            Arc::new(repo),
            Arc::new(MockSagaLog::new()),
            Arc::new(MockBookingRepository::new()),
            Arc::new(SystemClock),
            "test",
        );

        for running in [SagaStatus::Running, SagaStatus::Compensating] {
            let got = engine.outcome_of(&record(running, vec![])).await.unwrap();
            assert_eq!(got, None, "{running:?} is not finished");
        }

        let failure = step(
            "failure",
            json!({"kind": "slot_unavailable", "message": "taken"}),
        );
        let got = engine
            .outcome_of(&record(SagaStatus::Compensated, vec![failure]))
            .await
            .unwrap();
        let taken = DomainError::SlotUnavailable {
            message: "taken".into(),
        };
        assert_eq!(got, Some(SagaOutcome::Compensated { cause: taken }));

        let probe = plan_appointment(&p);
        let made: Vec<Booking> = (0..3)
            .map(|i| booking(&probe, &format!("u{i}"), BookingStatus::Accepted))
            .collect();
        // Steps in another order than the segments: bookings follow the segments.
        let steps = vec![
            step("hold", Value::Null),
            step("create:1", serde_json::to_value(&made[1]).unwrap()),
            step("create:0", serde_json::to_value(&made[0]).unwrap()),
            step("create:2", serde_json::to_value(&made[2]).unwrap()),
        ];
        let got = engine
            .outcome_of(&record(SagaStatus::Completed, steps))
            .await
            .unwrap();
        assert_eq!(
            got,
            Some(SagaOutcome::Completed {
                appointment: confirmed,
                bookings: made,
            })
        );
    }
}
