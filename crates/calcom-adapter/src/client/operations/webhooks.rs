//! `/v2/webhooks/**`.

use reqwest::Method;

use crate::client::request::Call;
use crate::client::{CalcomClient, check_segment, decode};
use crate::dto::{CreateWebhookRequest, UpdateWebhookRequest, WebhookDto, WebhooksQuery};
use crate::error::CalcomError;
use crate::operation::Operation;

impl CalcomClient {
    /// `GET /v2/webhooks`: one page of the key owner's webhooks.
    ///
    /// # Errors
    /// `InvalidRequest` for `take` outside 1–250; any other [`CalcomError`].
    pub async fn list_webhooks(&self, q: &WebhooksQuery) -> Result<Vec<WebhookDto>, CalcomError> {
        if let Some(take) = q.take
            && !(1..=250).contains(&take)
        {
            return Err(CalcomError::InvalidRequest {
                field: "take",
                message: "must be 1-250".to_owned(),
            });
        }
        let call = Call::v2(Operation::Webhooks, Method::GET, &["webhooks"]).query(q.query_pairs());
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `GET /v2/webhooks/{id}`.
    ///
    /// # Errors
    /// `NotFound` (webhook) for an unknown id; any other [`CalcomError`].
    pub async fn get_webhook(&self, id: &str) -> Result<WebhookDto, CalcomError> {
        let id = check_segment("webhookId", id)?;
        let call = Call::v2(Operation::GetWebhook, Method::GET, &["webhooks", id]).subject(id);
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `POST /v2/webhooks` (never re-sent after a lost answer: list the
    /// webhooks to see whether it exists).
    ///
    /// # Errors
    /// `Conflict` when the URL is already subscribed (409); any other [`CalcomError`].
    pub async fn create_webhook(
        &self,
        req: &CreateWebhookRequest,
    ) -> Result<WebhookDto, CalcomError> {
        let call = Call::v2(Operation::CreateWebhook, Method::POST, &["webhooks"]).json(req)?;
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `PATCH /v2/webhooks/{id}`.
    ///
    /// # Errors
    /// `NotFound` (webhook) for an unknown id; any other [`CalcomError`].
    pub async fn update_webhook(
        &self,
        id: &str,
        req: &UpdateWebhookRequest,
    ) -> Result<WebhookDto, CalcomError> {
        let id = check_segment("webhookId", id)?;
        let call = Call::v2(Operation::UpdateWebhook, Method::PATCH, &["webhooks", id])
            .json(req)?
            .subject(id);
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `DELETE /v2/webhooks/{id}`; returns the deleted webhook.
    ///
    /// # Errors
    /// `NotFound` (webhook) for an unknown id; any other [`CalcomError`].
    pub async fn delete_webhook(&self, id: &str) -> Result<WebhookDto, CalcomError> {
        let id = check_segment("webhookId", id)?;
        let call =
            Call::v2(Operation::DeleteWebhook, Method::DELETE, &["webhooks", id]).subject(id);
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }
}
