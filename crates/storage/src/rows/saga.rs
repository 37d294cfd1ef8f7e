//! `sagas` and `saga_steps` rows.

use calbridge_domain::{SagaId, SagaRecord, SagaStatus, SagaStep, StepStatus, TenantId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::RowContext;
use crate::error::StorageError;

/// A saga row as read back.
#[derive(Debug, Clone)]
pub(crate) struct StoredSaga {
    pub(crate) id: Uuid,
    pub(crate) tenant_id: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) payload: String,
    pub(crate) attempt: i64,
    pub(crate) next_run_at: DateTime<Utc>,
    pub(crate) lease_owner: Option<String>,
    pub(crate) lease_expires_at: Option<DateTime<Utc>>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// A step row as read back.
#[derive(Debug, Clone)]
pub(crate) struct StoredStep {
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) attempt: i64,
    pub(crate) next_run_at: Option<DateTime<Utc>>,
    pub(crate) external_id: Option<String>,
    pub(crate) detail: String,
    pub(crate) error: Option<String>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl StoredSaga {
    /// Validates the row and its steps (in recorded order) into a
    /// [`SagaRecord`].
    ///
    /// # Errors
    /// [`StorageError::CorruptRow`] naming the first bad column.
    pub(crate) fn into_record(self, steps: Vec<StoredStep>) -> Result<SagaRecord, StorageError> {
        let row = RowContext::new("sagas", self.id.to_string());
        let steps = steps
            .into_iter()
            .map(|s| {
                let step = RowContext::new("saga_steps", format!("{}/{}", self.id, s.name));
                Ok(SagaStep {
                    status: step.parsed("status", &s.status, StepStatus::parse)?,
                    attempt: step.u32("attempt", s.attempt)?,
                    next_run_at: s.next_run_at,
                    external_id: s.external_id,
                    detail: step.json("detail", &s.detail)?,
                    error: s.error,
                    updated_at: s.updated_at,
                    name: s.name,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(SagaRecord {
            id: SagaId(self.id),
            tenant: TenantId::parse(self.tenant_id).map_err(|e| row.corrupt("tenant_id", e))?,
            status: row.parsed("status", &self.status, SagaStatus::parse)?,
            payload: row.json("payload", &self.payload)?,
            attempt: row.u32("attempt", self.attempt)?,
            kind: self.kind,
            next_run_at: self.next_run_at,
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_at,
            steps,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The error for a write whose lease is no longer the saga's.
pub(crate) fn lease_lost(saga: SagaId) -> StorageError {
    StorageError::Conflict {
        message: format!(
            "the lease on saga {saga} was lost (claimed by another owner, or the saga ended)"
        ),
    }
}

/// The error for an unknown saga.
pub(crate) fn saga_not_found(saga: SagaId) -> StorageError {
    StorageError::NotFound {
        entity: "saga",
        id: saga.to_string(),
    }
}

/// Checks a lease owner name: 1-200 characters.
///
/// # Errors
/// [`StorageError::InvalidInput`] otherwise.
pub(crate) fn check_owner(owner: &str) -> Result<(), StorageError> {
    let count = owner.chars().count();
    if count == 0 || count > 200 {
        return Err(StorageError::InvalidInput {
            field: "owner",
            message: "must be 1-200 characters".to_owned(),
        });
    }
    Ok(())
}

/// Checks a step against the limits the domain sets (a step built by
/// hand can skip [`SagaStep::new`]).
///
/// # Errors
/// [`StorageError::InvalidInput`] for a bad name.
pub(crate) fn check_step(step: &SagaStep) -> Result<(), StorageError> {
    let count = step.name.chars().count();
    if count == 0 || count > SagaStep::MAX_NAME_CHARS {
        return Err(StorageError::InvalidInput {
            field: "step",
            message: format!("name must be 1-{} characters", SagaStep::MAX_NAME_CHARS),
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rows_decode_and_bad_columns_are_named() {
        let at = DateTime::from_timestamp(1_930_899_600, 0).unwrap();
        let saga = StoredSaga {
            id: Uuid::now_v7(),
            tenant_id: "t".into(),
            kind: "k".into(),
            status: "running".into(),
            payload: r#"{"a":1}"#.into(),
            attempt: 1,
            next_run_at: at,
            lease_owner: None,
            lease_expires_at: None,
            created_at: at,
            updated_at: at,
        };
        let step = StoredStep {
            name: "hold".into(),
            status: "started".into(),
            attempt: 1,
            next_run_at: None,
            external_id: None,
            detail: "null".into(),
            error: None,
            updated_at: at,
        };
        let record = saga.clone().into_record(vec![step.clone()]).unwrap();
        assert_eq!(record.steps[0].name, "hold");
        assert_eq!(record.payload["a"], 1);
        let bad_step = StoredStep {
            status: "exploded".into(),
            ..step
        };
        let error = saga.clone().into_record(vec![bad_step]).unwrap_err();
        assert!(error.to_string().contains("saga_steps"), "{error}");
        let bad_tenant = StoredSaga {
            tenant_id: "Not A Slug".into(),
            ..saga
        };
        assert!(bad_tenant.into_record(vec![]).is_err());
        assert!(check_owner("").is_err());
        assert!(check_owner("worker-1").is_ok());
    }
}
