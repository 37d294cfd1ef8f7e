//! The one error type of the domain. Adapters convert their own errors into
//! it at their boundary; the api maps it to HTTP in one place.

use std::time::Duration;

/// Which outside system an error came from, so callers and health reports
/// can tell a Cal.com outage from a database outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upstream {
    /// Cal.com (or whatever implements the calendar port).
    Calendar,
    /// The booking store.
    Storage,
    /// The cache.
    Cache,
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Upstream::Calendar => "calendar",
            Upstream::Storage => "storage",
            Upstream::Cache => "cache",
        })
    }
}

/// Everything that can go wrong in a use case, in terms a caller can act on.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DomainError {
    /// The caller sent something we cannot accept; `field` names what to fix.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The offending input field, as the caller spelled it.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The thing asked for does not exist (here or at Cal.com).
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of thing was looked up ("booking", "event type").
        entity: &'static str,
        /// The identifier that was looked up.
        id: String,
    },
    /// The requested time is taken or otherwise not bookable.
    #[error("slot unavailable: {message}")]
    SlotUnavailable {
        /// The calendar's own explanation.
        message: String,
    },
    /// The request conflicts with the current state (e.g. reschedule a cancelled booking).
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts.
        message: String,
    },
    /// The calendar refused our credentials: a configuration problem, not the caller's.
    #[error("calendar rejected our credentials")]
    CalendarUnauthorized,
    /// The calendar's rate limit is exhausted; try again after `retry_after`.
    #[error("calendar rate limit reached")]
    RateLimited {
        /// How long until the calendar accepts requests again, when known.
        retry_after: Option<Duration>,
    },
    /// An outside system could not be reached or timed out; retrying later may work.
    #[error("{upstream} unavailable: {message}")]
    Unavailable {
        /// Which system.
        upstream: Upstream,
        /// What happened (never contains secrets).
        message: String,
    },
    /// An outside system answered, but with something we cannot use.
    #[error("{upstream} failed: {message}")]
    UpstreamFailed {
        /// Which system.
        upstream: Upstream,
        /// What it answered (never contains secrets).
        message: String,
    },
}

impl DomainError {
    /// Shorthand for [`DomainError::InvalidInput`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// True when the same call may succeed if simply made again later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            DomainError::RateLimited { .. } | DomainError::Unavailable { .. }
        )
    }
}

/// Result alias used by every port and use case.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;
