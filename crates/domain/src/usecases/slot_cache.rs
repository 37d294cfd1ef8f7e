//! Cache keys for free slots.
//!
//! Slots are cached per tenant under a *generation* token. Any booking
//! change replaces the token, which orphans every cached slot list of the
//! tenant at once, without scanning keys. The token is random, not a
//! counter, so a token lost to eviction can never bring an old generation
//! (and its stale slots) back.

use uuid::Uuid;

use super::BookingService;
use crate::models::SlotQuery;

impl BookingService {
    fn generation_key(&self) -> String {
        format!("calbridge:slots-gen:{}", self.tenant)
    }

    /// The current generation token, creating one if absent or unreadable.
    pub(super) async fn slot_generation(&self) -> String {
        let key = self.generation_key();
        match self.cache.get(&key).await {
            Ok(Some(bytes)) => {
                if let Ok(token) = String::from_utf8(bytes) {
                    return token;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "slot cache unavailable; reading through"),
        }
        let token = Uuid::new_v4().simple().to_string();
        if let Err(e) = self.cache.set(&key, token.as_bytes(), None).await {
            tracing::warn!(error = %e, "could not store slot generation");
        }
        token
    }

    /// Makes every cached slot list of this tenant unreachable.
    pub(super) async fn invalidate_slots(&self) {
        let token = Uuid::new_v4().simple().to_string();
        if let Err(e) = self
            .cache
            .set(&self.generation_key(), token.as_bytes(), None)
            .await
        {
            // Fall back to deleting; if that fails too, entries expire by TTL.
            tracing::warn!(error = %e, "could not replace slot generation");
            let _ = self.cache.delete(&self.generation_key()).await;
        }
    }

    pub(super) fn slots_key(&self, generation: &str, q: &SlotQuery) -> String {
        format!(
            "calbridge:slots:{}:{}:{}:{}:{}:{}:{}",
            self.tenant,
            generation,
            q.event_type_id,
            q.start.timestamp(),
            q.end.timestamp(),
            q.time_zone.name(),
            q.duration_minutes.unwrap_or(0),
        )
    }
}
