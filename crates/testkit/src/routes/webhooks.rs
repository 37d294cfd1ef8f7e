//! `/v2/webhooks[/{id}]` (any `cal-api-version`): the demo user's webhook
//! subscriptions (NOTES §4.7).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::auth;
use crate::bookings::input::{forbidden, opt, optional_string};
use crate::envelope;
use crate::error::ApiError;
use crate::js_compat::number::parse_int;
use crate::routes::extract::{QueryPairs, RawBody, json_object, query_object};
use crate::state::AppState;
use crate::validation::ValidationError;
use crate::webhooks::payload::TRIGGERS;
use crate::webhooks::{DUPLICATE_URL, WEBHOOK_VERSION, Webhook};

const KEYS: [&str; 6] = [
    "payloadTemplate",
    "active",
    "subscriberUrl",
    "triggers",
    "secret",
    "version",
];

/// The parsed fields of a create or update body (all optional here).
#[derive(Debug, Default)]
struct Fields {
    payload_template: Option<String>,
    active: Option<bool>,
    subscriber_url: Option<String>,
    triggers: Option<Vec<String>>,
    secret: Option<String>,
}

fn parse(body: &Map<String, Value>, create: bool) -> Result<Fields, ApiError> {
    let mut errors = forbidden(body, &KEYS);
    let payload_template = optional_string(body, "payloadTemplate", &mut errors);
    let secret = optional_string(body, "secret", &mut errors);
    let subscriber_url = optional_string(body, "subscriberUrl", &mut errors);
    if let Some(url) = &subscriber_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        errors.push(
            ValidationError::new("subscriberUrl", body.get("subscriberUrl"))
                .constraint("isUrl", "subscriberUrl must be a URL address"),
        );
    }
    if let Some(v) = optional_string(body, "version", &mut errors)
        && v != WEBHOOK_VERSION
    {
        errors.push(
            ValidationError::new("version", body.get("version")).constraint(
                "isEnum",
                format!("version must be one of the following values: {WEBHOOK_VERSION}"),
            ),
        );
    }
    let active = match opt(body, "active") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            errors.push(
                ValidationError::new("active", Some(v))
                    .constraint("isBoolean", "active must be a boolean value"),
            );
            None
        }
    };
    let triggers = match opt(body, "triggers") {
        None => None,
        Some(Value::Array(items)) => {
            let names: Vec<String> = items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            if names.len() != items.len() || names.iter().any(|n| !TRIGGERS.contains(&n.as_str())) {
                errors.push(
                    ValidationError::new("triggers", Some(&Value::Array(items.clone())))
                        .constraint(
                            "isEnum",
                            format!(
                                "each value in triggers must be one of the following values: {}",
                                TRIGGERS.join(", ")
                            ),
                        ),
                );
            }
            Some(names)
        }
        Some(v) => {
            errors.push(
                ValidationError::new("triggers", Some(v))
                    .constraint("isArray", "triggers must be an array"),
            );
            None
        }
    };
    if create {
        for (name, missing) in [
            ("active", active.is_none() && !body.contains_key("active")),
            (
                "subscriberUrl",
                subscriber_url.is_none() && !body.contains_key("subscriberUrl"),
            ),
            (
                "triggers",
                triggers.is_none() && !body.contains_key("triggers"),
            ),
        ] {
            if missing {
                errors.push(ValidationError::new(name, None).constraint(
                    "isDefined",
                    format!("{name} should not be null or undefined"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(Fields {
            payload_template,
            active,
            subscriber_url,
            triggers,
            secret,
        })
    } else {
        let target = Value::Object(body.clone());
        Err(ApiError::Validation(
            errors.into_iter().map(|e| e.with_target(&target)).collect(),
        ))
    }
}

/// `UserWebhookOutputDto` (`id` is a uuid string, as the real repository
/// makes it, although the DTO says number).
pub(crate) fn webhook_json(w: &Webhook) -> Value {
    let mut out = json!({
        "id": w.id,
        "userId": w.user_id,
        "subscriberUrl": w.subscriber_url,
        "active": w.active,
        "triggers": w.triggers,
        "payloadTemplate": w.payload_template,
    });
    if let (Some(secret), Some(obj)) = (&w.secret, out.as_object_mut()) {
        obj.insert("secret".to_owned(), json!(secret));
    }
    out
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("Webhook with id={id} not found"))
}

/// `POST /v2/webhooks` → 201.
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let f = parse(&json_object(&headers, body)?, true)?;
    let user_id = state.catalog().user.id;
    let hook = Webhook {
        id: uuid::Uuid::new_v4().to_string(),
        user_id,
        subscriber_url: f.subscriber_url.unwrap_or_default(),
        active: f.active.unwrap_or(true),
        triggers: f.triggers.unwrap_or_default(),
        payload_template: f.payload_template,
        secret: f.secret,
    };
    state.hub().with(|s| {
        if s.hooks
            .iter()
            .any(|h| h.user_id == user_id && h.subscriber_url == hook.subscriber_url)
        {
            return Err(ApiError::Conflict(DUPLICATE_URL.to_owned()));
        }
        s.hooks.push(hook.clone());
        Ok(())
    })?;
    Ok(envelope::created(webhook_json(&hook)))
}

/// `GET /v2/webhooks?take=&skip=` → plain `data[]`.
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let q = query_object(query)?;
    let mut errors = Vec::new();
    let mut num = |name: &str, min: i64, max: i64, default: i64| -> i64 {
        match q.get(name) {
            None => default,
            Some(v) => match v.as_str().and_then(parse_int) {
                Some(n) if (min..=max).contains(&n) => n,
                _ => {
                    errors.push(ValidationError::new(name, Some(v)).constraint(
                        "range",
                        format!("{name} must be a number between {min} and {max}"),
                    ));
                    default
                }
            },
        }
    };
    let take = num("take", 1, 250, 250);
    let skip = num("skip", 0, i64::MAX, 0);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let data: Vec<Value> = state.hub().with(|s| {
        s.hooks
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(take).unwrap_or(250))
            .map(webhook_json)
            .collect()
    });
    Ok(envelope::ok(Value::Array(data)))
}

/// `GET /v2/webhooks/{id}`.
pub(crate) async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    state
        .hub()
        .with(|s| s.hooks.iter().find(|h| h.id == id).map(webhook_json))
        .map(envelope::ok)
        .ok_or_else(|| not_found(&id))
}

/// `PATCH /v2/webhooks/{id}` → 200.
pub(crate) async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: RawBody,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let f = parse(&json_object(&headers, body)?, false)?;
    state
        .hub()
        .with(|s| {
            if let Some(url) = &f.subscriber_url
                && s.hooks
                    .iter()
                    .any(|h| h.id != id && &h.subscriber_url == url)
            {
                return Err(ApiError::Conflict(DUPLICATE_URL.to_owned()));
            }
            let h = s
                .hooks
                .iter_mut()
                .find(|h| h.id == id)
                .ok_or_else(|| not_found(&id))?;
            if let Some(v) = f.subscriber_url {
                h.subscriber_url = v;
            }
            if let Some(v) = f.active {
                h.active = v;
            }
            if let Some(v) = f.triggers {
                h.triggers = v;
            }
            if f.payload_template.is_some() {
                h.payload_template = f.payload_template;
            }
            if f.secret.is_some() {
                h.secret = f.secret;
            }
            Ok(webhook_json(h))
        })
        .map(envelope::ok)
}

/// `DELETE /v2/webhooks/{id}` → 200 with the deleted webhook.
pub(crate) async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    state
        .hub()
        .with(|s| {
            let idx = s.hooks.iter().position(|h| h.id == id)?;
            Some(webhook_json(&s.hooks.remove(idx)))
        })
        .map(envelope::ok)
        .ok_or_else(|| not_found(&id))
}
