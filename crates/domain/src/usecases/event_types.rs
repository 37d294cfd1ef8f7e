use crate::error::Result;
use crate::models::EventType;
use crate::usecases::BookingService;

impl BookingService {
    /// The tenant's event types, cached for [`super::CachePolicy::event_types_ttl`].
    ///
    /// # Errors
    /// Whatever the calendar port returns; cache trouble is never an error.
    pub async fn event_types(&self) -> Result<Vec<EventType>> {
        let key = format!("calbridge:event-types:{}", self.tenant);
        if let Ok(Some(bytes)) = self.cache.get(&key).await
            && let Ok(types) = serde_json::from_slice(&bytes)
        {
            return Ok(types);
        }
        let types = self.calendar.event_types().await?;
        if let Ok(bytes) = serde_json::to_vec(&types)
            && let Err(e) = self
                .cache
                .set(&key, &bytes, Some(self.policy.event_types_ttl))
                .await
        {
            tracing::warn!(error = %e, "event type cache write failed");
        }
        Ok(types)
    }
}
