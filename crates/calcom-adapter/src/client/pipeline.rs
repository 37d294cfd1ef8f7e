//! The path of a call through the guards and the retry policy, within the
//! operation's deadline, and the choice between API v2 and its v1 stand-in.

use std::time::Duration;

use tokio::time::Instant;

use crate::client::CalcomClient;
use crate::client::request::{Api, AttemptError, Call, Exchange, is_missing_route};
use crate::error::CalcomError;
use crate::metrics;
use crate::resilience::breaker::CallResult;
use crate::resilience::{Decision, Failure, decide};

/// How a call's retry loop ended without success.
#[derive(Debug)]
pub(crate) struct Exhausted {
    /// The last attempt's error, for the caller.
    pub(crate) error: CalcomError,
    /// Whether an earlier attempt ended with its outcome unknown (timeout,
    /// lost connection, 5xx): the call may already have been applied, so a
    /// later "already done" answer may be our own doing.
    pub(crate) earlier_outcome_unknown: bool,
}

impl CalcomClient {
    /// When an operation starting now must be over.
    pub(crate) fn deadline(&self) -> Instant {
        Instant::now() + self.inner.operation_deadline
    }

    /// The deadline for settling an unknown outcome: the operation's, but
    /// at least one attempt's time from now (answering "in doubt" without
    /// looking would be worse than a short overrun).
    pub(crate) fn resolution_deadline(&self, deadline: Instant) -> Instant {
        deadline.max(Instant::now() + self.inner.timeout)
    }

    /// One attempt: through the breaker and the limiter, sent with what is
    /// left of the deadline, and its outcome reported back to the breaker.
    pub(crate) async fn attempt(
        &self,
        call: &Call,
        n: u32,
        deadline: Instant,
    ) -> Result<Exchange, AttemptError> {
        let shared = self.inner.shared.as_ref();
        // The deadline passed before anything was sent: a definite end.
        let out_of_time = || AttemptError {
            error: CalcomError::Timeout,
            failure: Failure::Rejected,
        };
        let admitted = tokio::time::timeout_at(deadline, self.inner.guards.admit(shared)).await;
        let ticket = match admitted {
            Err(_) => return Err(out_of_time()),
            Ok(Ok(ticket)) => ticket,
            Ok(Err(error)) => {
                let (failure, status) = match &error {
                    CalcomError::CircuitOpen { .. } => (Failure::CircuitOpen, "circuit_open"),
                    _ => (Failure::Rejected, "rate_limited"),
                };
                ::metrics::counter!(metrics::REQUESTS_TOTAL,
                    "operation" => call.op.as_str(), "status" => status)
                .increment(1);
                tracing::debug!(operation = %call.op, %error, "Cal.com call refused by our guards");
                return Err(AttemptError { error, failure });
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            // Dropping the ticket unsettled frees a half-open probe slot.
            return Err(out_of_time());
        }
        let result = self.send_once(call, n, left.min(self.inner.timeout)).await;
        let verdict = match &result {
            Err(AttemptError {
                failure:
                    Failure::Timeout
                    | Failure::ConnectionLost
                    | Failure::NotSent
                    | Failure::ServerError(_),
                ..
            }) => CallResult::Outage,
            _ => CallResult::Answered,
        };
        ticket.settle(verdict, shared).await;
        result
    }

    /// Every attempt of a call the retry policy allows, within the
    /// operation deadline.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Exchange, CalcomError> {
        self.execute_until(call, self.deadline())
            .await
            .map_err(|e| e.error)
    }

    /// [`CalcomClient::execute`] with an explicit deadline, telling whether
    /// an earlier attempt's outcome was unknown.
    pub(crate) async fn execute_until(
        &self,
        call: &Call,
        deadline: Instant,
    ) -> Result<Exchange, Exhausted> {
        let policy = &self.inner.retry;
        let mut backoff = policy.backoff();
        let mut n = 1;
        let mut earlier_outcome_unknown = false;
        loop {
            let AttemptError { error, failure } = match self.attempt(call, n, deadline).await {
                Ok(exchange) => return Ok(exchange),
                Err(e) => e,
            };
            match decide(policy, n, call.safety, &failure, backoff.next()) {
                Decision::Retry(wait) if fits(deadline, wait) => {
                    earlier_outcome_unknown |= failure.outcome_unknown();
                    self.note_retry(call, &failure, n, wait);
                    tokio::time::sleep(wait).await;
                    n += 1;
                }
                Decision::Retry(_) => {
                    note_deadline(call, n);
                    return Err(Exhausted {
                        error,
                        earlier_outcome_unknown,
                    });
                }
                // Only booking writes are resolvable, and they take their
                // own path (`write_resolving`); anything else stops here.
                Decision::Stop | Decision::ResolveThenRetry(_) => {
                    return Err(Exhausted {
                        error,
                        earlier_outcome_unknown,
                    });
                }
            }
        }
    }

    /// Logs and counts a retry.
    pub(crate) fn note_retry(&self, call: &Call, failure: &Failure, n: u32, wait: Duration) {
        ::metrics::counter!(metrics::RETRIES_TOTAL,
            "operation" => call.op.as_str(), "reason" => failure.reason())
        .increment(1);
        tracing::info!(
            operation = %call.op,
            attempt = n,
            reason = failure.reason(),
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying Cal.com call"
        );
    }

    /// `v2`, or its v1 stand-in when configured or when v2 says the
    /// operation does not exist, both within one deadline. Returns which
    /// API answered.
    pub(crate) async fn execute_v2_or_v1(
        &self,
        v2: &Call,
        v1: &Call,
    ) -> Result<(Api, Exchange), CalcomError> {
        let deadline = self.deadline();
        if self.inner.v1.preferred() {
            self.note_v1(v1, "configured");
            return Ok((Api::V1, self.execute_v1_until(v1, deadline).await?));
        }
        match self.execute_until(v2, deadline).await {
            Err(e) if is_missing_route(&e.error) && self.inner.v1.may_fall_back() => {
                self.note_v1(v1, "v2_missing");
                Ok((Api::V1, self.execute_v1_until(v1, deadline).await?))
            }
            other => other
                .map(|exchange| (Api::V2, exchange))
                .map_err(|e| e.error),
        }
    }

    /// A v1 call; `410 Gone` switches v1 off for this client.
    pub(crate) async fn execute_v1(&self, call: &Call) -> Result<Exchange, CalcomError> {
        self.execute_v1_until(call, self.deadline()).await
    }

    async fn execute_v1_until(
        &self,
        call: &Call,
        deadline: Instant,
    ) -> Result<Exchange, CalcomError> {
        match self
            .execute_until(call, deadline)
            .await
            .map_err(|e| e.error)
        {
            Err(CalcomError::Upstream {
                status: 410,
                message,
            }) => {
                self.inner.v1.mark_gone();
                Err(CalcomError::V1Gone { message })
            }
            other => other,
        }
    }

    /// Whether v1 answers first for creates.
    pub(crate) fn v1_preferred(&self) -> bool {
        self.inner.v1.preferred()
    }

    /// Whether v1 may stand in after v2 said the operation does not exist.
    pub(crate) fn v1_may_fall_back(&self) -> bool {
        self.inner.v1.may_fall_back()
    }

    pub(crate) fn note_v1(&self, call: &Call, reason: &'static str) {
        ::metrics::counter!(metrics::V1_FALLBACKS_TOTAL,
            "operation" => call.op.as_str(), "reason" => reason)
        .increment(1);
        tracing::info!(operation = %call.op, reason, "using Cal.com API v1");
    }
}

/// Whether waiting `wait` still leaves time to send before `deadline`.
pub(crate) fn fits(deadline: Instant, wait: Duration) -> bool {
    Instant::now() + wait < deadline
}

/// Logs a retry that the deadline did not leave time for.
pub(crate) fn note_deadline(call: &Call, n: u32) {
    tracing::info!(operation = %call.op, attempt = n,
        "not retrying Cal.com call: the operation deadline is reached");
}
