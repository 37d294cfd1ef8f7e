//! One sync of a tenant's connection, full or incremental, under the
//! connection's lease. The cursor moves only after every page was stored,
//! so a failed run is repeated, never skipped.

use std::time::Duration;

use calbridge_domain::ports::UpsertOutcome;
use calbridge_domain::{BookingFilter, BookingSource, DomainError, TenantId};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::state::AppState;
use crate::tenancy::DEFAULT_CONNECTION;

/// How long a sync lease lasts without renewal.
pub const LEASE_TTL: Duration = Duration::from_secs(300);
/// Incremental syncs re-read this much before the cursor, in case Cal.com
/// compares `afterUpdatedAt` strictly or clocks are coarse.
const OVERLAP: TimeDelta = TimeDelta::seconds(1);
/// How far Cal.com's clock may run ahead of ours (see [`cursor_after`]).
const CLOCK_SKEW_MARGIN: TimeDelta = TimeDelta::minutes(1);
/// Bookings per Cal.com page (its maximum).
const PAGE: u32 = BookingFilter::MAX_LIMIT;

/// Walk everything, or only what changed since the last successful sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Every booking, every page.
    Full,
    /// `afterUpdatedAt` = the cursor (a full sync when there is none).
    Incremental,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Pages fetched from Cal.com.
    pub pages: u32,
    /// Bookings Cal.com returned.
    pub fetched: u64,
    /// New in the local cache.
    pub inserted: u64,
    /// Changed in the local cache.
    pub updated: u64,
    /// Already current.
    pub unchanged: u64,
    /// The cursor after the sync (next `afterUpdatedAt`).
    pub cursor: Option<DateTime<Utc>>,
}

/// Syncs `tenant`'s default connection into the local cache, as lease
/// holder `holder`; `progress` is called after every page.
///
/// # Errors
/// `Conflict` when another instance holds the lease; `NotFound` without a
/// connection; any calendar or storage error (the cursor is not moved).
pub async fn sync_tenant(
    state: &AppState,
    tenant: &TenantId,
    mode: SyncMode,
    holder: &str,
    progress: &(dyn Fn(&SyncReport) + Send + Sync),
) -> Result<SyncReport, DomainError> {
    let sync_state = &state.storage.sync_state;
    let now = state.clock.now();
    if !sync_state
        .try_lease(tenant, DEFAULT_CONNECTION, holder, now, LEASE_TTL)
        .await?
    {
        return Err(DomainError::Conflict {
            message: "a sync of this connection is running on another instance".to_owned(),
        });
    }
    let outcome = sync_leased(state, tenant, mode, holder, progress).await;
    // Released either way: the lease serialises runs, it does not reserve
    // the connection for this instance.
    if let Err(e) = sync_state.release(tenant, DEFAULT_CONNECTION, holder).await {
        tracing::warn!(%tenant, error = %e, "cannot release the sync lease; it will expire");
    }
    outcome
}

async fn sync_leased(
    state: &AppState,
    tenant: &TenantId,
    mode: SyncMode,
    holder: &str,
    progress: &(dyn Fn(&SyncReport) + Send + Sync),
) -> Result<SyncReport, DomainError> {
    let sync_state = &state.storage.sync_state;
    let started_at = state.clock.now();
    let bookings = state.bookings_for(tenant).await?;
    let calendar = bookings.calendar();
    let cursor = sync_state.cursor(tenant, DEFAULT_CONNECTION).await?;
    let updated_after = match mode {
        SyncMode::Full => None,
        SyncMode::Incremental => cursor.updated_after.map(|t| t - OVERLAP),
    };
    let mut report = SyncReport::default();
    let mut newest: Option<DateTime<Utc>> = None;
    let mut offset: u32 = 0;
    loop {
        let filter = BookingFilter {
            updated_after,
            limit: PAGE,
            offset,
            ..BookingFilter::default()
        };
        let page = calendar.list_bookings(&filter).await?;
        report.pages += 1;
        if page.is_empty() {
            break;
        }
        for booking in &page {
            report.fetched += 1;
            newest = newest.max(Some(booking.updated_at));
            match state
                .repository
                .upsert(tenant, booking, BookingSource::Sync)
                .await?
            {
                UpsertOutcome::Inserted => report.inserted += 1,
                UpsertOutcome::Updated => report.updated += 1,
                UpsertOutcome::Stale => report.unchanged += 1,
            }
            // Cancelled or moved at Cal.com: our hold on its time follows.
            bookings.follow_calendar_change(booking).await?;
        }
        progress(&report);
        let got = u32::try_from(page.len()).unwrap_or(u32::MAX);
        offset = offset.saturating_add(got);
    }
    sync_state
        .advance(
            tenant,
            DEFAULT_CONNECTION,
            holder,
            cursor_after(newest, started_at),
            state.clock.now(),
        )
        .await?;
    report.cursor = sync_state
        .cursor(tenant, DEFAULT_CONNECTION)
        .await?
        .updated_after;
    tracing::info!(
        %tenant,
        ?mode,
        pages = report.pages,
        fetched = report.fetched,
        inserted = report.inserted,
        updated = report.updated,
        "sync finished"
    );
    Ok(report)
}

/// Where the cursor may move after a run that began at `started_at` and
/// saw bookings updated up to `newest`. A booking Cal.com changes while
/// the run pages through its answer can land on a page already read, and
/// may be older than the newest one seen; so the cursor never passes the
/// run's start (less a margin for clock skew), and the next run reads that
/// stretch again. Re-reading is harmless: unchanged copies are `Stale`.
fn cursor_after(newest: Option<DateTime<Utc>>, started_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    newest.map(|n| n.min(started_at - CLOCK_SKEW_MARGIN))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, Utc};

    use super::{CLOCK_SKEW_MARGIN, cursor_after};

    #[test]
    fn the_cursor_never_passes_the_start_of_the_run() {
        let start = Utc::now();
        let before = start - TimeDelta::hours(1);
        assert_eq!(cursor_after(None, start), None);
        assert_eq!(cursor_after(Some(before), start), Some(before));
        assert_eq!(
            cursor_after(Some(start + TimeDelta::seconds(5)), start),
            Some(start - CLOCK_SKEW_MARGIN)
        );
    }
}
