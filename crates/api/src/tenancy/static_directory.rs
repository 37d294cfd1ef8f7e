use std::sync::Arc;

use async_trait::async_trait;
use calbridge_domain::ports::{CalendarDirectory, CalendarPort};
use calbridge_domain::{DomainError, TenantId};

/// One tenant, one calendar: the instance's configured Cal.com key (or the
/// demo mock). Any other tenant has no connection.
pub struct StaticCalendarDirectory {
    tenant: TenantId,
    calendar: Arc<dyn CalendarPort>,
}

impl StaticCalendarDirectory {
    /// A directory that knows only `tenant`.
    pub fn new(tenant: TenantId, calendar: Arc<dyn CalendarPort>) -> Self {
        Self { tenant, calendar }
    }
}

#[async_trait]
impl CalendarDirectory for StaticCalendarDirectory {
    async fn calendar_for(
        &self,
        tenant: &TenantId,
    ) -> calbridge_domain::Result<Arc<dyn CalendarPort>> {
        if *tenant == self.tenant {
            Ok(self.calendar.clone())
        } else {
            Err(DomainError::NotFound {
                entity: "connection",
                id: tenant.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use calbridge_domain::ports::MockCalendarPort;

    use super::*;

    #[tokio::test]
    async fn other_tenants_have_no_calendar() {
        let dir = StaticCalendarDirectory::new(
            TenantId::parse("a").unwrap(),
            Arc::new(MockCalendarPort::new()),
        );
        assert!(
            dir.calendar_for(&TenantId::parse("a").unwrap())
                .await
                .is_ok()
        );
        let err = dir
            .calendar_for(&TenantId::parse("b").unwrap())
            .await
            .err()
            .unwrap();
        assert!(matches!(
            err,
            DomainError::NotFound {
                entity: "connection",
                ..
            }
        ));
    }
}
