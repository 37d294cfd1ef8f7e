//! `calbridge sync`: one sync of a tenant's connection from the command
//! line, with a progress line on stderr.

use std::io::Write;

use calbridge_domain::TenantId;

use crate::settings::Settings;
use crate::startup::{Application, StartupError};
use crate::sync::{SyncMode, SyncReport, sync_tenant};

/// Runs a sync with the service's settings (no port is served).
///
/// # Errors
/// Start-up failures, or the sync's error (nothing is marked synced then).
pub async fn run_sync(settings: Settings, full: bool) -> Result<SyncReport, StartupError> {
    let tenant = TenantId::parse(settings.tenant.clone())
        .map_err(|e| StartupError::Settings(format!("tenant: {e}")))?;
    let mut settings = settings;
    settings.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    settings.sync_interval_secs = 0;
    let app = Application::build(settings).await?;
    let mode = if full {
        SyncMode::Full
    } else {
        SyncMode::Incremental
    };
    let holder = format!("cli-{}", uuid::Uuid::new_v4().simple());
    let progress = |r: &SyncReport| {
        let mut err = std::io::stderr().lock();
        let bar = "#".repeat((r.pages as usize).min(40));
        let _ = write!(
            err,
            "\r[{bar:<40}] page {} · {} bookings ({} new, {} changed)",
            r.pages, r.fetched, r.inserted, r.updated
        );
        let _ = err.flush();
    };
    let report = sync_tenant(app.state(), &tenant, mode, &holder, &progress)
        .await
        .map_err(|e| StartupError::Calendar(e.to_string()))?;
    eprintln!();
    Ok(report)
}
