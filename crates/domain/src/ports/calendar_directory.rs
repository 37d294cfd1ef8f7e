use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::TenantId;
use crate::ports::CalendarPort;

/// Finds the calendar a tenant books on: each tenant has its own Cal.com
/// connection (its own API key, breaker and rate-limit budget). Background
/// work (saga recovery, sync) resolves calendars through this, never
/// through a single global client.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CalendarDirectory: Send + Sync {
    /// The calendar of `tenant`'s connection.
    ///
    /// # Errors
    /// `NotFound { entity: "connection" }` when the tenant has no Cal.com
    /// connection; `Unavailable { Storage }` when connections cannot be read.
    async fn calendar_for(&self, tenant: &TenantId) -> Result<Arc<dyn CalendarPort>>;
}
