//! `idempotency_keys` rows.

use calbridge_domain::StoredResponse;
use calbridge_domain::ports::IdempotencyBegin;
use chrono::{DateTime, Utc};

use super::{RowContext, to_json};
use crate::error::StorageError;

/// Longest request fingerprint accepted.
const MAX_HASH_CHARS: usize = 128;

/// A key row as read back (only what deciding a repeat needs).
#[derive(Debug, Clone)]
pub(crate) struct StoredIdempotency {
    pub(crate) key: String,
    pub(crate) request_hash: String,
    pub(crate) resource_id: Option<String>,
    /// When the key was claimed (a stale claim may be reclaimed).
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) response_status: Option<i64>,
    pub(crate) response_headers: Option<String>,
    pub(crate) response_body: Option<Vec<u8>>,
}

impl StoredIdempotency {
    /// What a repeat of the request with `request_hash` gets.
    ///
    /// # Errors
    /// [`StorageError::CorruptRow`] for a stored response that does not decode.
    pub(crate) fn decide(self, request_hash: &str) -> Result<IdempotencyBegin, StorageError> {
        if self.request_hash != request_hash {
            return Ok(IdempotencyBegin::Mismatch);
        }
        let row = RowContext::new("idempotency_keys", self.key);
        match self.response_status {
            None => Ok(IdempotencyBegin::InProgress {
                resource_id: self.resource_id,
                claimed_at: self.created_at,
            }),
            Some(status) => {
                let status = u16::try_from(status).map_err(|_| {
                    row.corrupt("response_status", format!("{status} is not an HTTP status"))
                })?;
                let headers: Vec<(String, String)> = row.json(
                    "response_headers",
                    self.response_headers.as_deref().unwrap_or("[]"),
                )?;
                Ok(IdempotencyBegin::Replay(StoredResponse {
                    status,
                    headers,
                    body: self.response_body.unwrap_or_default(),
                }))
            }
        }
    }
}

/// Checks a request fingerprint: 1-128 visible ASCII characters.
///
/// # Errors
/// [`StorageError::InvalidInput`] otherwise.
pub(crate) fn check_hash(request_hash: &str) -> Result<(), StorageError> {
    let ok = !request_hash.is_empty()
        && request_hash.len() <= MAX_HASH_CHARS
        && request_hash.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(StorageError::InvalidInput {
            field: "request_hash",
            message: format!("must be 1-{MAX_HASH_CHARS} visible ASCII characters"),
        })
    }
}

/// Checks that a reclaim swaps the resource for a different one: with equal
/// ids the compare-and-swap could not tell concurrent reclaimers apart.
///
/// # Errors
/// [`StorageError::InvalidInput`] when they are equal.
pub(crate) fn check_swap(stale: Option<&str>, new: Option<&str>) -> Result<(), StorageError> {
    if stale == new {
        return Err(StorageError::InvalidInput {
            field: "new_resource_id",
            message: "must differ from the stale resource id".to_owned(),
        });
    }
    Ok(())
}

/// The stored form of a response's headers.
///
/// # Errors
/// [`StorageError::Unstorable`] when they do not serialize.
pub(crate) fn headers_json(response: &StoredResponse) -> Result<String, StorageError> {
    to_json("response_headers", &response.headers)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn claimed_at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_900_000_000, 0).unwrap()
    }

    fn stored(status: Option<i64>) -> StoredIdempotency {
        StoredIdempotency {
            key: "k".into(),
            request_hash: "h1".into(),
            resource_id: Some("saga-1".into()),
            created_at: claimed_at(),
            response_status: status,
            response_headers: status.map(|_| r#"[["content-type","application/json"]]"#.into()),
            response_body: status.map(|_| b"{}".to_vec()),
        }
    }

    #[test]
    fn repeats_are_decided_by_hash_and_state() {
        assert_eq!(
            stored(None).decide("h2").unwrap(),
            IdempotencyBegin::Mismatch
        );
        assert_eq!(
            stored(None).decide("h1").unwrap(),
            IdempotencyBegin::InProgress {
                resource_id: Some("saga-1".into()),
                claimed_at: claimed_at(),
            }
        );
        match stored(Some(201)).decide("h1").unwrap() {
            IdempotencyBegin::Replay(r) => {
                assert_eq!(r.status, 201);
                assert_eq!(r.headers[0].0, "content-type");
                assert_eq!(r.body, b"{}");
            }
            other => panic!("expected a replay, got {other:?}"),
        }
        assert!(stored(Some(70_000)).decide("h1").is_err());
        assert!(check_hash("").is_err() && check_hash("a b").is_err());
        assert!(check_hash(&"f".repeat(64)).is_ok());
    }

    #[test]
    fn a_reclaim_must_change_the_resource() {
        assert!(check_swap(Some("a"), Some("a")).is_err());
        assert!(check_swap(None, None).is_err());
        assert!(check_swap(Some("a"), Some("b")).is_ok());
        assert!(check_swap(None, Some("b")).is_ok());
        assert!(check_swap(Some("a"), None).is_ok());
    }
}
