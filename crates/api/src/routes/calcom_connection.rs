//! `/api/calcom/connection`: a tenant's Cal.com connection. The key is
//! checked against Cal.com (`GET /v2/me`) before it is stored (encrypted);
//! the webhook secret is shown once, in the `POST` answer; `GET` never
//! shows either.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use calbridge_calcom::CalcomError;
use calbridge_calcom::dto::webhooks::{
    CreateWebhookRequest, UpdateWebhookRequest, WebhookTrigger, WebhooksQuery,
};
use calbridge_domain::ports::CalendarPort;
use calbridge_domain::{Connection, DomainError, TenantId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::tenancy::bootstrap::{generate_endpoint_id, generate_webhook_secret};
use crate::tenancy::{CurrentTenant, DEFAULT_CONNECTION};

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/api/calcom/connection",
        get(show).post(connect).delete(disconnect),
    )
}

/// The public URL Cal.com should post to, from how this request reached us.
pub(crate) fn webhook_url(headers: &HeaderMap, endpoint: &str) -> String {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(axum::http::header::HOST))
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}/api/calcom/webhook/{endpoint}")
}

async fn show(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let Some(connection) = state
        .storage
        .connections
        .get(&tenant, DEFAULT_CONNECTION)
        .await?
    else {
        return Ok(Json(json!({"data": {"status": "not_connected"}})));
    };
    let endpoint = state
        .storage
        .tenants
        .ensure_webhook_endpoint(&tenant, DEFAULT_CONNECTION, &generate_endpoint_id())
        .await?;
    let (status, user) = match connected_account(&state, &tenant, &connection).await {
        Ok(account) => ("connected", account),
        Err(DomainError::CalendarUnauthorized) => ("key_rejected", Value::Null),
        Err(_) => ("unreachable", Value::Null),
    };
    Ok(Json(json!({"data": {
        "status": status,
        "label": connection.label,
        "calcomUser": user,
        "webhookUrl": webhook_url(&headers, &endpoint.id),
        "webhookSecretCount": connection.webhook_secrets.len(),
        "createdAt": connection.created_at,
        "updatedAt": connection.updated_at,
    }})))
}

/// How long a successful `GET /v2/me` answers the connection's status, so
/// a dashboard polling it does not spend the Cal.com rate budget. Only
/// success is remembered: a fixed key or a recovered Cal.com shows at once.
const ACCOUNT_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The Cal.com account behind the connection, from the cache when it was
/// seen in the last [`ACCOUNT_TTL`] (the key names the connection's
/// version, so saving a new key asks Cal.com again).
async fn connected_account(
    state: &AppState,
    tenant: &TenantId,
    connection: &Connection,
) -> Result<Value, DomainError> {
    let key = format!(
        "calcom-account:{tenant}:{}:{}",
        connection.label,
        connection.updated_at.timestamp_micros()
    );
    if let Ok(Some(bytes)) = state.cache.get(&key).await
        && let Ok(account) = serde_json::from_slice::<Value>(&bytes)
    {
        return Ok(account);
    }
    let account = state.calcom.client_for(tenant).await?.account().await?;
    let account = serde_json::to_value(account).unwrap_or(Value::Null);
    if let Ok(bytes) = serde_json::to_vec(&account)
        && let Err(e) = state.cache.set(&key, &bytes, Some(ACCOUNT_TTL)).await
    {
        tracing::debug!(error = %e, "connection status not cached");
    }
    Ok(account)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConnectBody {
    api_key: SecretString,
    /// Must be `default` (the connection bookings use) when given.
    label: Option<String>,
    /// The secret Cal.com signs with; generated when absent.
    webhook_secret: Option<SecretString>,
    /// Keep the connection's previous secrets (rotation: old and new both
    /// accepted). Default true; false retires them.
    keep_previous_secrets: Option<bool>,
    /// Also create the webhook on Cal.com (`POST /v2/webhooks`).
    register_webhook: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Connected {
    status: &'static str,
    label: String,
    calcom_user: calbridge_domain::ports::CalendarAccount,
    webhook_url: String,
    /// Shown once, here, and never again.
    webhook_secret: String,
    webhook_registered: bool,
}

async fn connect(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ConnectBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let label = body.label.unwrap_or_else(|| DEFAULT_CONNECTION.to_owned());
    if label != DEFAULT_CONNECTION {
        return Err(
            DomainError::invalid("label", "only the `default` connection is supported").into(),
        );
    }
    let key = body.api_key.expose_secret().trim().to_owned();
    if key.is_empty() || key.len() > 500 || key.chars().any(char::is_control) {
        return Err(DomainError::invalid("apiKey", "must be a Cal.com API key").into());
    }
    let key = SecretString::from(key);
    let client = state.calcom.client_for_key(key.clone())?;
    let account = match client.account().await {
        Ok(a) => a,
        Err(DomainError::CalendarUnauthorized) => {
            return Err(DomainError::invalid("apiKey", "Cal.com rejected this API key").into());
        }
        Err(e) => return Err(e.into()),
    };
    let now = state.clock.now();
    let previous = state.storage.connections.get(&tenant, &label).await?;
    let secret = body.webhook_secret.unwrap_or_else(generate_webhook_secret);
    let connection = build_connection(
        &label,
        key,
        &secret,
        previous.filter(|_| body.keep_previous_secrets.unwrap_or(true)),
        now,
    )?;
    state.storage.tenants.create_tenant(&tenant, now).await?;
    state.storage.connections.save(&tenant, &connection).await?;
    state.calcom.forget(&tenant);
    let endpoint = state
        .storage
        .tenants
        .ensure_webhook_endpoint(&tenant, &label, &generate_endpoint_id())
        .await?;
    let url = webhook_url(&headers, &endpoint.id);
    let registered = if body.register_webhook.unwrap_or(false) {
        register(&client, &url, &secret).await?;
        true
    } else {
        false
    };
    tracing::info!(%tenant, %label, calcom_user = account.id, registered, "Cal.com connection saved");
    let out = Connected {
        status: "connected",
        label,
        calcom_user: account,
        webhook_url: url,
        webhook_secret: secret.expose_secret().to_owned(),
        webhook_registered: registered,
    };
    Ok((StatusCode::CREATED, Json(json!({"data": out}))))
}

/// The connection to store: the new key and secret, after any previous
/// secrets still accepted (the oldest dropped beyond the maximum).
fn build_connection(
    label: &str,
    key: SecretString,
    secret: &SecretString,
    previous: Option<Connection>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Connection, DomainError> {
    let mut connection = Connection::new(label, key, now)?;
    if let Some(old) = previous {
        connection.created_at = old.created_at;
        let keep = Connection::MAX_WEBHOOK_SECRETS - 1;
        let skip = old.webhook_secrets.len().saturating_sub(keep);
        for s in old.webhook_secrets.into_iter().skip(skip) {
            if s.expose_secret() != secret.expose_secret() {
                connection = connection.with_webhook_secret(s)?;
            }
        }
    }
    connection.with_webhook_secret(secret.clone())
}

async fn register(
    client: &calbridge_calcom::CalcomClient,
    url: &str,
    secret: &SecretString,
) -> Result<(), DomainError> {
    let triggers: Vec<WebhookTrigger> = [
        "BOOKING_CREATED",
        "BOOKING_RESCHEDULED",
        "BOOKING_CANCELLED",
        "BOOKING_REJECTED",
        "BOOKING_REQUESTED",
        "BOOKING_PAID",
        "BOOKING_NO_SHOW_UPDATED",
        "MEETING_STARTED",
        "MEETING_ENDED",
        "RECORDING_READY",
        "FORM_SUBMITTED",
    ]
    .into_iter()
    .map(WebhookTrigger::from_wire)
    .collect();
    let created = client
        .create_webhook(&CreateWebhookRequest {
            subscriber_url: url.to_owned(),
            active: true,
            triggers: triggers.clone(),
            payload_template: None,
            secret: Some(secret.clone()),
            version: None,
        })
        .await;
    match created {
        Ok(_) => Ok(()),
        // Already subscribed (e.g. registered before): bring that webhook
        // up to date instead, so it signs with the new secret.
        Err(CalcomError::Conflict { .. }) => {
            let existing = client
                .list_webhooks(&WebhooksQuery::default())
                .await
                .map_err(DomainError::from)?
                .into_iter()
                .find(|w| w.subscriber_url == url)
                .ok_or_else(|| DomainError::Conflict {
                    message: "Cal.com reports this webhook URL as taken by another webhook"
                        .to_owned(),
                })?;
            client
                .update_webhook(
                    &existing.id,
                    &UpdateWebhookRequest {
                        active: Some(true),
                        triggers: Some(triggers),
                        secret: Some(secret.clone()),
                        ..UpdateWebhookRequest::default()
                    },
                )
                .await
                .map(|_| ())
                .map_err(DomainError::from)
        }
        Err(e) => Err(e.into()),
    }
}

async fn disconnect(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
) -> ApiResult<StatusCode> {
    let removed = remove_connection(&state, &tenant).await?;
    Ok(if removed {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    })
}

/// Deletes the key, its secrets and its webhook endpoint.
async fn remove_connection(state: &AppState, tenant: &TenantId) -> Result<bool, DomainError> {
    let removed = state
        .storage
        .connections
        .delete(tenant, DEFAULT_CONNECTION)
        .await?;
    state
        .storage
        .tenants
        .delete_webhook_endpoint(tenant, DEFAULT_CONNECTION)
        .await?;
    state.calcom.forget(tenant);
    Ok(removed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_old_secrets_up_to_the_maximum() {
        let now = chrono::Utc::now();
        let mut old = Connection::new("default", SecretString::from("k"), now).unwrap();
        for i in 0..Connection::MAX_WEBHOOK_SECRETS {
            old = old
                .with_webhook_secret(SecretString::from(format!("s{i}")))
                .unwrap();
        }
        let c = build_connection(
            "default",
            SecretString::from("k2"),
            &SecretString::from("new"),
            Some(old),
            now,
        )
        .unwrap();
        let secrets: Vec<&str> = c
            .webhook_secrets
            .iter()
            .map(|s| s.expose_secret())
            .collect();
        assert_eq!(secrets.len(), Connection::MAX_WEBHOOK_SECRETS);
        assert_eq!(secrets.first(), Some(&"s1"));
        assert_eq!(secrets.last(), Some(&"new"));
    }

    #[test]
    fn the_webhook_url_follows_the_request_host() {
        let mut h = HeaderMap::new();
        h.insert("host", "cb.example.com".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(
            webhook_url(&h, "wh_1"),
            "https://cb.example.com/api/calcom/webhook/wh_1"
        );
    }
}
