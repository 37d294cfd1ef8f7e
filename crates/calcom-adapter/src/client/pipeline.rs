//! The path of a call through the guards and the retry policy, and the
//! choice between API v2 and its v1 stand-in.

use crate::client::CalcomClient;
use crate::client::request::{Api, AttemptError, Call, Exchange, is_missing_route};
use crate::error::CalcomError;
use crate::metrics;
use crate::resilience::breaker::CallResult;
use crate::resilience::{Decision, Failure, decide};

impl CalcomClient {
    /// One attempt: through the breaker and the limiter, sent, and its
    /// outcome reported back to the breaker.
    pub(crate) async fn attempt(&self, call: &Call, n: u32) -> Result<Exchange, AttemptError> {
        let shared = self.inner.shared.as_ref();
        let ticket = match self.inner.guards.admit(shared).await {
            Ok(ticket) => ticket,
            Err(error) => {
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
        let result = self.send_once(call, n).await;
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

    /// Every attempt of a call the retry policy allows.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Exchange, CalcomError> {
        let policy = &self.inner.retry;
        let mut backoff = policy.backoff();
        let mut n = 1;
        loop {
            let AttemptError { error, failure } = match self.attempt(call, n).await {
                Ok(exchange) => return Ok(exchange),
                Err(e) => e,
            };
            match decide(policy, n, call.safety, &failure, backoff.next()) {
                Decision::Retry(wait) => {
                    self.note_retry(call, &failure, n, wait);
                    tokio::time::sleep(wait).await;
                    n += 1;
                }
                // Only creates are resolvable, and they take their own path
                // (`create_resolving`); anything else stops here.
                Decision::Stop | Decision::ResolveThenRetry(_) => return Err(error),
            }
        }
    }

    /// Logs and counts a retry.
    pub(crate) fn note_retry(
        &self,
        call: &Call,
        failure: &Failure,
        n: u32,
        wait: std::time::Duration,
    ) {
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
    /// operation does not exist. Returns which API answered.
    pub(crate) async fn execute_v2_or_v1(
        &self,
        v2: &Call,
        v1: &Call,
    ) -> Result<(Api, Exchange), CalcomError> {
        if self.inner.v1.preferred() {
            self.note_v1(v1, "configured");
            return Ok((Api::V1, self.execute_v1(v1).await?));
        }
        match self.execute(v2).await {
            Err(e) if is_missing_route(&e) && self.inner.v1.may_fall_back() => {
                self.note_v1(v1, "v2_missing");
                Ok((Api::V1, self.execute_v1(v1).await?))
            }
            other => other.map(|exchange| (Api::V2, exchange)),
        }
    }

    /// A v1 call; `410 Gone` switches v1 off for this client.
    pub(crate) async fn execute_v1(&self, call: &Call) -> Result<Exchange, CalcomError> {
        match self.execute(call).await {
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
