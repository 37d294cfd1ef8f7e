//! Why a saga is compensating, kept in the saga log so a recovery run
//! (which did not see the original error) reports the same cause.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Upstream};

/// A storable summary of the error that made a saga compensate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Failure {
    /// Stable kind: `slot_unavailable`, `invalid_input`, `not_found`, `conflict`, `upstream`.
    pub kind: String,
    /// The error's text (never a secret: domain errors carry none).
    pub message: String,
}

impl Failure {
    pub(crate) fn of(e: &DomainError) -> Self {
        let kind = match e {
            DomainError::SlotUnavailable { .. } => "slot_unavailable",
            DomainError::InvalidInput { .. } => "invalid_input",
            DomainError::NotFound { .. } => "not_found",
            DomainError::Conflict { .. } => "conflict",
            DomainError::Unavailable { .. } => "unavailable",
            DomainError::RateLimited { .. } => "rate_limited",
            _ => "upstream",
        };
        let message = match e {
            DomainError::SlotUnavailable { message } | DomainError::Conflict { message } => {
                message.clone()
            }
            other => other.to_string(),
        };
        Self {
            kind: kind.to_owned(),
            message,
        }
    }

    /// The closest domain error, for callers of a recovered saga.
    pub(crate) fn to_error(&self) -> DomainError {
        match self.kind.as_str() {
            "slot_unavailable" => DomainError::SlotUnavailable {
                message: self.message.clone(),
            },
            "invalid_input" => DomainError::invalid("segments", self.message.clone()),
            "conflict" | "not_found" => DomainError::Conflict {
                message: self.message.clone(),
            },
            "unavailable" => DomainError::Unavailable {
                upstream: Upstream::Calendar,
                message: self.message.clone(),
            },
            "rate_limited" => DomainError::RateLimited { retry_after: None },
            _ => DomainError::UpstreamFailed {
                upstream: Upstream::Calendar,
                message: self.message.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_slot_survives_the_round_trip() {
        let e = DomainError::SlotUnavailable {
            message: "taken".into(),
        };
        let back: Failure =
            serde_json::from_value(serde_json::to_value(Failure::of(&e)).unwrap()).unwrap();
        assert_eq!(back.to_error(), e);
    }
}
