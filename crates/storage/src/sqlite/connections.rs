//! `ConnectionRepository` for SQLite: secrets are sealed before they are
//! bound and opened after they are read; the database never sees them.

use std::fmt;

use async_trait::async_trait;
use calbridge_domain::ports::ConnectionRepository;
use calbridge_domain::{Connection, DomainError, TenantId};
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteRow;

use super::{Columns, to_micros};
use crate::crypto::Keyring;
use crate::error::StorageError;
use crate::rows::RowContext;
use crate::rows::connection::{SealedConnection, StoredConnection, reseal};

const UPSERT: &str = "
INSERT INTO connections (tenant_id, label, key_version, api_key, webhook_secrets, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (tenant_id, label) DO UPDATE SET
    key_version = excluded.key_version, api_key = excluded.api_key,
    webhook_secrets = excluded.webhook_secrets, updated_at = excluded.updated_at";

const GET: &str = "
SELECT label, api_key, webhook_secrets, created_at, updated_at
FROM connections WHERE tenant_id = ?1 AND label = ?2";

const LIST: &str = "
SELECT label, api_key, webhook_secrets, created_at, updated_at
FROM connections WHERE tenant_id = ?1 ORDER BY label";

const DELETE: &str = "DELETE FROM connections WHERE tenant_id = ?1 AND label = ?2";

const OUTDATED: &str = "
SELECT tenant_id, label, api_key, webhook_secrets FROM connections
WHERE key_version < ?1 ORDER BY tenant_id, label LIMIT ?2";

/// Rewrites one row unless it changed since it was read.
const RESEAL: &str = "
UPDATE connections SET key_version = ?3, api_key = ?4, webhook_secrets = ?5
WHERE tenant_id = ?1 AND label = ?2 AND api_key = ?6 AND webhook_secrets = ?7";

/// Rows re-encrypted per round.
const RESEAL_BATCH: i64 = 100;

/// [`ConnectionRepository`] on SQLite, sealing with a [`Keyring`].
#[derive(Clone)]
pub struct SqliteConnectionRepository {
    pool: SqlitePool,
    keyring: Keyring,
}

impl fmt::Debug for SqliteConnectionRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteConnectionRepository")
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

fn decode(row: &SqliteRow, tenant: &TenantId) -> Result<StoredConnection, StorageError> {
    let label: String = sqlx::Row::try_get(row, "label")
        .map_err(|e| StorageError::from_sqlx("decoding a connection", &e))?;
    let c = Columns::new(
        row,
        RowContext::new("connections", format!("{tenant}/{label}")),
    );
    Ok(StoredConnection {
        api_key: c.get("api_key")?,
        webhook_secrets: c.get("webhook_secrets")?,
        created_at: c.instant("created_at")?,
        updated_at: c.instant("updated_at")?,
        label,
    })
}

impl SqliteConnectionRepository {
    /// Connections on `pool`, sealed with `keyring`.
    pub fn new(pool: SqlitePool, keyring: Keyring) -> Self {
        Self { pool, keyring }
    }

    /// Re-seals every connection still sealed with an older master key
    /// version, so the old version can be retired; returns how many rows
    /// were rewritten. Rows saved meanwhile are left alone (they are
    /// sealed with the newest key already).
    ///
    /// # Errors
    /// [`StorageError::Crypto`] when a row names a key version the ring
    /// lacks; [`StorageError::Unavailable`] when the database is unreachable.
    pub async fn reencrypt_all(&self) -> Result<u64, StorageError> {
        let context = "re-encrypting connections";
        let current = i64::from(self.keyring.current_version());
        let mut total = 0;
        loop {
            let rows = sqlx::query(OUTDATED)
                .bind(current)
                .bind(RESEAL_BATCH)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
            if rows.is_empty() {
                return Ok(total);
            }
            let mut progressed = 0;
            for row in &rows {
                let read = |e: sqlx::Error| StorageError::from_sqlx(context, &e);
                let tenant: String = sqlx::Row::try_get(row, "tenant_id").map_err(read)?;
                let label: String = sqlx::Row::try_get(row, "label").map_err(read)?;
                let api_key: Vec<u8> = sqlx::Row::try_get(row, "api_key").map_err(read)?;
                let secrets: Vec<u8> = sqlx::Row::try_get(row, "webhook_secrets").map_err(read)?;
                let sealed = reseal(&self.keyring, &tenant, &api_key, &secrets)?;
                let done = sqlx::query(RESEAL)
                    .bind(&tenant)
                    .bind(&label)
                    .bind(sealed.key_version)
                    .bind(sealed.api_key)
                    .bind(sealed.webhook_secrets)
                    .bind(api_key)
                    .bind(secrets)
                    .execute(&self.pool)
                    .await
                    .map_err(read)?;
                progressed += done.rows_affected();
            }
            total += progressed;
            if progressed == 0 {
                // Everything left changed under us with an older ring;
                // another run will pick it up.
                return Ok(total);
            }
        }
    }
}

#[async_trait]
impl ConnectionRepository for SqliteConnectionRepository {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, label = %connection.label))]
    async fn save(&self, tenant: &TenantId, connection: &Connection) -> Result<(), DomainError> {
        let sealed = SealedConnection::new(&self.keyring, tenant, connection)?;
        sqlx::query(UPSERT)
            .bind(tenant.as_str())
            .bind(&connection.label)
            .bind(sealed.key_version)
            .bind(sealed.api_key)
            .bind(sealed.webhook_secrets)
            .bind(to_micros(connection.created_at))
            .bind(to_micros(connection.updated_at))
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("storing a connection", &e))?;
        Ok(())
    }

    async fn get(&self, tenant: &TenantId, label: &str) -> Result<Option<Connection>, DomainError> {
        let row = sqlx::query(GET)
            .bind(tenant.as_str())
            .bind(label)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a connection", &e))?;
        Ok(row
            .map(|r| decode(&r, tenant)?.open(&self.keyring, tenant))
            .transpose()?)
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<Connection>, DomainError> {
        let rows = sqlx::query(LIST)
            .bind(tenant.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("listing connections", &e))?;
        rows.iter()
            .map(|r| {
                decode(r, tenant)?
                    .open(&self.keyring, tenant)
                    .map_err(DomainError::from)
            })
            .collect()
    }

    async fn delete(&self, tenant: &TenantId, label: &str) -> Result<bool, DomainError> {
        let done = sqlx::query(DELETE)
            .bind(tenant.as_str())
            .bind(label)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("deleting a connection", &e))?;
        Ok(done.rows_affected() > 0)
    }
}
