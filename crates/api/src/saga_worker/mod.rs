//! The saga recovery worker started by `calbridge serve`: at start and
//! then periodically it claims unfinished booking sagas (with leases, so
//! several instances never drive the same saga) and drives each to
//! completion or full compensation on its tenant's calendar. Its poll
//! interval, the lease and the backoff come from the settings
//! ([`crate::settings::SagaWorkerConfig`]), carried in the state.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use calbridge_domain::DomainError;
use calbridge_domain::ports::CalendarDirectory;
use calbridge_domain::saga::{COMPOSITE_BOOKING_KIND, RetryPolicy, SagaEngine, SagaOutcome};
use tokio::task::JoinHandle;

use crate::state::AppState;

/// Sagas claimed per round.
pub const BATCH: u32 = 16;

/// This process's name in saga leases (pid and a random suffix, so two
/// processes on one host never share it).
pub fn instance_owner() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        format!("calbridge-{}-{}", std::process::id(), &suffix[..8])
    })
}

/// The booking saga engine of this instance, over the state's stores,
/// with the configured lease and backoff (the routes and the worker must
/// agree on them, or a request's lease could lapse under the worker).
pub fn engine_for(state: &AppState) -> SagaEngine {
    SagaEngine::new(
        state.storage.appointments.clone(),
        state.storage.saga_log.clone(),
        state.repository.clone(),
        state.clock.clone(),
        instance_owner(),
    )
    .with_lease(state.saga_worker.lease)
    .with_retry(state.saga_worker.retry)
}

/// The booking saga engine of this instance over `storage` (for tools and
/// benchmarks that run without the HTTP service).
pub fn engine_for_parts(
    storage: &calbridge_storage::Storage,
    clock: Arc<dyn calbridge_domain::ports::Clock>,
) -> SagaEngine {
    SagaEngine::new(
        storage.appointments.clone(),
        storage.saga_log.clone(),
        storage.bookings.clone(),
        clock,
        instance_owner(),
    )
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Sagas claimed.
    pub claimed: usize,
    /// Driven to completion.
    pub completed: usize,
    /// Fully compensated.
    pub compensated: usize,
    /// Handed back for a later attempt.
    pub deferred: usize,
    /// Given up (need a human) or errored.
    pub failed: usize,
}

/// Claims due sagas and drives them.
#[derive(Clone)]
pub struct SagaWorker {
    engine: SagaEngine,
    directory: Arc<dyn CalendarDirectory>,
    retry: RetryPolicy,
}

impl SagaWorker {
    /// A worker driving sagas with `engine`, resolving each tenant's
    /// calendar through `directory`, with the default backoff.
    pub fn new(engine: SagaEngine, directory: Arc<dyn CalendarDirectory>) -> Self {
        Self {
            engine,
            directory,
            retry: RetryPolicy::default(),
        }
    }

    /// Replaces the backoff used when a saga's tenant has no calendar
    /// (the engine has its own for failed steps).
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The worker of a running service, with its configured backoff.
    pub fn for_state(state: &AppState) -> Self {
        Self::new(engine_for(state), state.directory.clone()).with_retry(state.saga_worker.retry)
    }

    /// One round: claim up to [`BATCH`] due sagas and drive each.
    ///
    /// # Errors
    /// Only when due sagas cannot be claimed (storage down); a saga that
    /// fails is logged and counted, never fatal.
    pub async fn run_once(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<RoundReport, DomainError> {
        let claimed = self
            .engine
            .saga_log()
            .claim_due(
                COMPOSITE_BOOKING_KIND,
                self.engine.owner(),
                now,
                self.engine.lease_for(),
                BATCH,
            )
            .await?;
        let mut report = RoundReport {
            claimed: claimed.len(),
            ..RoundReport::default()
        };
        for leased in claimed {
            let saga = leased.saga.id;
            let tenant = leased.saga.tenant.clone();
            let calendar = match self.directory.calendar_for(&tenant).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(%saga, %tenant, error = %e, "no calendar for the saga's tenant; retrying later");
                    let next = self.retry.next_run_at(leased.saga.attempt, now);
                    if let Err(e) = self
                        .engine
                        .saga_log()
                        .release(&leased.lease, next, now)
                        .await
                    {
                        tracing::warn!(%saga, error = %e, "saga not released; its lease will lapse");
                    }
                    report.deferred += 1;
                    continue;
                }
            };
            match self.engine.drive(calendar.as_ref(), leased).await {
                Ok(SagaOutcome::Completed { .. }) => report.completed += 1,
                Ok(SagaOutcome::Compensated { .. }) => report.compensated += 1,
                Ok(SagaOutcome::Deferred { .. }) => report.deferred += 1,
                Ok(SagaOutcome::Failed { .. }) => report.failed += 1,
                Err(e) => {
                    tracing::warn!(%saga, error = %e, "saga run stopped; it is taken up again when its lease lapses");
                    report.failed += 1;
                }
            }
        }
        if report.claimed > 0 {
            tracing::info!(?report, "saga recovery round");
        }
        Ok(report)
    }

    /// Runs rounds at start and then every `interval`, until the task is aborted.
    pub fn spawn(
        self,
        interval: Duration,
        clock: Arc<dyn calbridge_domain::ports::Clock>,
    ) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                // Keep going through a full batch before waiting again.
                loop {
                    match self.run_once(clock.now()).await {
                        Ok(r) if r.claimed as u32 >= BATCH => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "saga recovery: cannot claim sagas");
                            break;
                        }
                    }
                }
            }
        })
    }
}

/// Starts the recovery worker of a running service, polling at the
/// configured interval.
pub fn spawn_for(state: &AppState) -> JoinHandle<()> {
    SagaWorker::for_state(state).spawn(state.saga_worker.poll, state.clock.clone())
}
