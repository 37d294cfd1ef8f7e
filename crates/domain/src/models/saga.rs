//! The saga log: a durable record of multi-step work (a composite booking)
//! and of every step's outcome, written before the next step runs, so any
//! instance can finish or undo the work after a crash.
//!
//! A saga is driven by whoever holds its lease. The lease carries a fresh
//! token on every claim; writes with an older token are refused, so an
//! instance that lost its lease (paused, partitioned) cannot overwrite the
//! work of the instance that took over.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;
use crate::ids::TenantId;

/// Our id for a saga (uuid v7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SagaId(pub Uuid);

impl SagaId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for SagaId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for SagaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a saga is. Only running and compensating sagas are ever claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SagaStatus {
    /// Moving forward.
    Running,
    /// Undoing completed steps after a failure.
    Compensating,
    /// Done, every step succeeded.
    Completed,
    /// Done, every completed step was undone.
    Compensated,
    /// Given up; needs a human (kept for the record).
    Failed,
}

impl SagaStatus {
    /// Whether the saga is finished and will never be claimed again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            SagaStatus::Completed | SagaStatus::Compensated | SagaStatus::Failed
        )
    }

    /// Stable lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SagaStatus::Running => "running",
            SagaStatus::Compensating => "compensating",
            SagaStatus::Completed => "completed",
            SagaStatus::Compensated => "compensated",
            SagaStatus::Failed => "failed",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(SagaStatus::Running),
            "compensating" => Some(SagaStatus::Compensating),
            "completed" => Some(SagaStatus::Completed),
            "compensated" => Some(SagaStatus::Compensated),
            "failed" => Some(SagaStatus::Failed),
            _ => None,
        }
    }
}

/// Where one step is. `Started` without a later status after a crash means
/// the outcome is unknown and must be looked up before deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// About to run (written before the side effect).
    Started,
    /// Ran and succeeded.
    Succeeded,
    /// Ran and failed (nothing to undo).
    Failed,
    /// Its undo is under way (written before the undo's side effect).
    Compensating,
    /// Undone.
    Compensated,
}

impl StepStatus {
    /// Stable lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Started => "started",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Compensating => "compensating",
            StepStatus::Compensated => "compensated",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "started" => Some(StepStatus::Started),
            "succeeded" => Some(StepStatus::Succeeded),
            "failed" => Some(StepStatus::Failed),
            "compensating" => Some(StepStatus::Compensating),
            "compensated" => Some(StepStatus::Compensated),
            _ => None,
        }
    }
}

/// One step of a saga and what came of it. Steps are keyed by name within
/// their saga; recording a step again replaces it (keeping its place).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SagaStep {
    /// Unique within the saga, e.g. `hold`, `create:1`, `cancel:0`.
    pub name: String,
    /// Where it is.
    pub status: StepStatus,
    /// How many times it has been tried (1 on the first try).
    pub attempt: u32,
    /// When to try it (or its undo) again, for backoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_run_at: Option<DateTime<Utc>>,
    /// What it produced outside, e.g. the Cal.com booking uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Step-specific data (JSON `null` when there is none).
    #[serde(default)]
    pub detail: serde_json::Value,
    /// Why it failed last, if it did (never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When this record was written.
    pub updated_at: DateTime<Utc>,
}

impl SagaStep {
    /// Longest step name.
    pub const MAX_NAME_CHARS: usize = 100;

    /// A first attempt of step `name` in `status`, with nothing else set.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for an empty or overlong name.
    pub fn new(
        name: impl Into<String>,
        status: StepStatus,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let name = name.into();
        if name.is_empty() || name.chars().count() > Self::MAX_NAME_CHARS {
            return Err(DomainError::invalid(
                "step",
                format!("name must be 1-{} characters", Self::MAX_NAME_CHARS),
            ));
        }
        Ok(Self {
            name,
            status,
            attempt: 1,
            next_run_at: None,
            external_id: None,
            detail: serde_json::Value::Null,
            error: None,
            updated_at: now,
        })
    }
}

/// A saga to start.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSaga {
    /// Its id (e.g. derived from the appointment it books).
    pub id: SagaId,
    /// What kind of work it is; workers claim one kind.
    pub kind: String,
    /// Everything needed to drive it from scratch after a crash.
    pub payload: serde_json::Value,
}

impl NewSaga {
    /// Longest kind name.
    pub const MAX_KIND_CHARS: usize = 100;

    /// A saga of `kind` with `payload`.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for an empty or overlong kind.
    pub fn new(
        id: SagaId,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> Result<Self, DomainError> {
        let kind = kind.into();
        if kind.is_empty() || kind.chars().count() > Self::MAX_KIND_CHARS {
            return Err(DomainError::invalid(
                "kind",
                format!("must be 1-{} characters", Self::MAX_KIND_CHARS),
            ));
        }
        Ok(Self { id, kind, payload })
    }
}

/// A stored saga with its steps in the order they were first recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct SagaRecord {
    /// Its id.
    pub id: SagaId,
    /// Whose work it is.
    pub tenant: TenantId,
    /// What kind of work.
    pub kind: String,
    /// Where it is.
    pub status: SagaStatus,
    /// The input it was started with.
    pub payload: serde_json::Value,
    /// How many times it was taken up (1 when started).
    pub attempt: u32,
    /// When it is due to be driven again (if not leased).
    pub next_run_at: DateTime<Utc>,
    /// Who holds its lease, if anyone.
    pub lease_owner: Option<String>,
    /// Until when that lease is valid.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Its steps, in first-recorded order.
    pub steps: Vec<SagaStep>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl SagaRecord {
    /// The step called `name`, if recorded.
    pub fn step(&self, name: &str) -> Option<&SagaStep> {
        self.steps.iter().find(|s| s.name == name)
    }
}

/// The right to drive one saga until `expires_at`. Every write presents it;
/// once another owner has claimed the saga, the old lease is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SagaLease {
    /// The leased saga.
    pub saga_id: SagaId,
    /// Who holds it (for humans and logs; e.g. host name and pid).
    pub owner: String,
    /// Fresh on every claim; what writes are checked against.
    pub token: Uuid,
    /// Until when others leave the saga alone.
    pub expires_at: DateTime<Utc>,
}

/// A saga together with the lease its caller now holds on it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeasedSaga {
    /// The saga as it was when leased.
    pub saga: SagaRecord,
    /// The lease to present on every write.
    pub lease: SagaLease,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            SagaStatus::Running,
            SagaStatus::Compensating,
            SagaStatus::Completed,
            SagaStatus::Compensated,
            SagaStatus::Failed,
        ] {
            assert_eq!(SagaStatus::parse(s.as_str()), Some(s));
        }
        for s in [
            StepStatus::Started,
            StepStatus::Succeeded,
            StepStatus::Failed,
            StepStatus::Compensating,
            StepStatus::Compensated,
        ] {
            assert_eq!(StepStatus::parse(s.as_str()), Some(s));
        }
        assert!(SagaStatus::Compensated.is_terminal());
        assert!(!SagaStatus::Compensating.is_terminal());
        assert_eq!(SagaStatus::parse("bogus"), None);
    }

    #[test]
    fn names_and_kinds_are_bounded() {
        let now = Utc::now();
        assert!(SagaStep::new("", StepStatus::Started, now).is_err());
        assert!(SagaStep::new("x".repeat(101), StepStatus::Started, now).is_err());
        let step = SagaStep::new("create:0", StepStatus::Started, now).unwrap();
        assert_eq!((step.attempt, step.detail.is_null()), (1, true));
        assert!(NewSaga::new(SagaId::new(), "", serde_json::Value::Null).is_err());
        assert!(NewSaga::new(SagaId::new(), "composite_booking", serde_json::json!({})).is_ok());
    }
}
