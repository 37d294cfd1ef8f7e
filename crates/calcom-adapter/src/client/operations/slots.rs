//! `GET /v2/slots` (`cal-api-version: 2024-09-04`).

use reqwest::Method;

use crate::client::request::Call;
use crate::client::{CalcomClient, decode};
use crate::dto::{SlotsByDate, SlotsQuery};
use crate::error::CalcomError;
use crate::operation::Operation;

impl CalcomClient {
    /// `GET /v2/slots?format=range`: free slots by local date.
    ///
    /// # Errors
    /// `InvalidRequest` for an empty or reversed window; `NotFound` (event
    /// type) for an unknown event type; any other [`CalcomError`].
    pub async fn slots(&self, q: &SlotsQuery) -> Result<SlotsByDate, CalcomError> {
        if q.end <= q.start {
            return Err(CalcomError::InvalidRequest {
                field: "end",
                message: "must be after start".to_owned(),
            });
        }
        let call = Call::v2(Operation::Slots, Method::GET, &["slots"])
            .query(q.query_pairs())
            .subject(q.event_type_id.to_string());
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }
}
