//! The crate's one error type, and its translation into the domain's.

use std::time::Duration;

use calbridge_domain::{DomainError, Upstream};

/// Why a cache operation failed. Messages never contain the Redis URL or
/// its password: they are scrubbed before an error is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// The Redis URL cannot be used (the URL itself is not echoed).
    #[error("invalid redis url: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// No connection to Redis could be made or verified.
    #[error("cannot connect to redis at {addr}: {reason}")]
    Connect {
        /// `host:port` (or socket path) we tried; no credentials.
        addr: String,
        /// What failed.
        reason: String,
    },
    /// A command reached Redis (or tried to) and failed.
    #[error("redis {operation} failed: {reason}")]
    Command {
        /// The Redis command (`GET`, `SET`, ...).
        operation: &'static str,
        /// What failed.
        reason: String,
    },
    /// An operation did not finish in time; Redis is probably down or overloaded.
    #[error("redis {operation} timed out after {after:?}")]
    Timeout {
        /// The Redis command, or `connect`.
        operation: &'static str,
        /// The deadline that passed.
        after: Duration,
    },
}

impl From<CacheError> for DomainError {
    /// Every cache failure means the same to a caller: no cache right now,
    /// read through and retry later.
    fn from(error: CacheError) -> Self {
        DomainError::Unavailable {
            upstream: Upstream::Cache,
            message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_becomes_cache_unavailable() {
        let errors = [
            CacheError::InvalidUrl {
                reason: "bad".into(),
            },
            CacheError::Connect {
                addr: "127.0.0.1:1".into(),
                reason: "refused".into(),
            },
            CacheError::Command {
                operation: "GET",
                reason: "broken pipe".into(),
            },
            CacheError::Timeout {
                operation: "SET",
                after: Duration::from_secs(1),
            },
        ];
        for error in errors {
            let text = error.to_string();
            let domain = DomainError::from(error);
            assert!(domain.is_retryable());
            assert_eq!(
                domain,
                DomainError::Unavailable {
                    upstream: Upstream::Cache,
                    message: text,
                }
            );
        }
    }
}
