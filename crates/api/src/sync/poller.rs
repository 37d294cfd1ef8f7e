//! The incremental poller: every interval, each tenant with a connection
//! is synced by whichever instance holds its lease. Webhooks Cal.com never
//! sent (it does not retry) are found here.

use std::time::Duration;

use calbridge_domain::DomainError;
use tokio::task::JoinHandle;

use crate::state::AppState;
use crate::sync::{SyncMode, sync_tenant};
use crate::tenancy::DEFAULT_CONNECTION;

/// Starts the poller; `interval` zero means no poller (`None`).
pub fn spawn_poller(state: AppState, interval: Duration) -> Option<JoinHandle<()>> {
    if interval.is_zero() {
        return None;
    }
    let holder = format!("instance-{}", uuid::Uuid::new_v4().simple());
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            poll_once(&state, &holder).await;
        }
    }))
}

/// One round over every tenant; errors are logged, never fatal.
async fn poll_once(state: &AppState, holder: &str) {
    let tenants = match state.storage.tenants.list_tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "sync poller: cannot list tenants");
            return;
        }
    };
    for tenant in tenants {
        match state
            .storage
            .connections
            .get(&tenant, DEFAULT_CONNECTION)
            .await
        {
            Ok(Some(_)) => {}
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(%tenant, error = %e, "sync poller: cannot read the connection");
                continue;
            }
        }
        match sync_tenant(state, &tenant, SyncMode::Incremental, holder, &|_| {}).await {
            Ok(_) | Err(DomainError::Conflict { .. }) => {}
            Err(e) => tracing::warn!(%tenant, error = %e, "sync poller: sync failed; will retry"),
        }
    }
}
