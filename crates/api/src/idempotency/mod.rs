//! `Idempotency-Key` on booking POSTs, with Stripe's semantics: the first
//! request with a key runs; a repeat with the same body gets the stored
//! response (header `Idempotent-Replayed: true`); a repeat with another
//! body is refused (422); a repeat while the first still runs is refused
//! (409). Keys are per tenant and forgotten after
//! [`IdempotencyKey::TTL`]. Server errors are not stored, so the caller
//! may retry them with the same key, unless the booking saga goes on in
//! the background: then the key stays in progress until the saga has
//! finished, and a retry gets its final response. A claim whose request
//! died before its saga started (crash, killed handler) is taken over by a
//! retry once it is older than [`STALE_CLAIM_AFTER`], instead of blocking
//! the key until it expires.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use calbridge_domain::models::SagaRecord;
use calbridge_domain::ports::IdempotencyBegin;
use calbridge_domain::saga::SagaOutcome;
use calbridge_domain::{
    AppointmentId, DomainError, IdempotencyKey, SagaId, StoredResponse, TenantId,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::saga_worker;
use crate::state::AppState;

/// The request header carrying the key.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on replayed responses.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// Largest response stored for replay (booking responses are small).
const MAX_STORED_BODY: usize = 256 * 1024;
/// How old an in-progress claim without a saga must be before a retry may
/// take it over: longer than any request can spend before its saga starts
/// (planning reads event types from Cal.com with a 30 s deadline), so a
/// slow first request is never mistaken for a dead one.
pub const STALE_CLAIM_AFTER: Duration = Duration::from_secs(2 * 60);

/// The key in `headers`, if the caller sent one.
///
/// # Errors
/// 422 `invalid_input` for a key that is not 1-255 visible ASCII characters.
pub fn key_from(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = headers.get(&IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let text = raw
        .to_str()
        .map_err(|_| DomainError::invalid("Idempotency-Key", "must be visible ASCII characters"))?;
    Ok(Some(IdempotencyKey::parse(text)?))
}

/// Fingerprint of a request: method, path and the body as canonical JSON
/// (object keys sorted), so formatting differences do not count as a
/// different request.
pub fn fingerprint(method: &str, path: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Builds the final response of a booking saga that has finished (the
/// route knows its body); used when a retry finds the first request's
/// saga done after the first request could only answer "not known yet".
pub type Settle = fn(AppointmentId, SagaOutcome, &SagaRecord) -> Response;

/// Runs `handler` under the request's idempotency key (or simply runs it
/// when there is none). The handler gets the appointment id to book under,
/// chosen before the key is claimed and recorded as the key's resource, so
/// a retry can find the booking saga. The handler runs in its own task, so
/// a client that hangs up does not leave the key in progress.
///
/// When the booking's outcome is not known yet (the saga is deferred and
/// finished by the worker), the key stays in progress: retries get 409
/// until the saga finishes, then its final response (built by `settle`),
/// which is stored for later replays.
pub async fn run<H, F>(
    state: &AppState,
    tenant: &TenantId,
    headers: &HeaderMap,
    path: &str,
    body: &Value,
    handler: H,
    settle: Settle,
) -> Response
where
    H: FnOnce(AppointmentId) -> F,
    F: Future<Output = Response> + Send + 'static,
{
    let id = AppointmentId::new();
    let key = match key_from(headers) {
        Ok(Some(k)) => k,
        Ok(None) => return run_detached(handler(id)).await,
        Err(e) => return e.into_response(),
    };
    let hash = fingerprint("POST", path, body);
    let store = &state.storage.idempotency;
    let now = state.clock.now();
    let begun = store
        .begin(
            tenant,
            &key,
            &hash,
            Some(id.to_string()),
            now,
            IdempotencyKey::TTL,
        )
        .await;
    let claim = Claim {
        state,
        tenant,
        key: &key,
        hash: &hash,
        settle,
    };
    let id = match begun {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(IdempotencyBegin::Replay(stored)) => return replay(stored),
        Ok(IdempotencyBegin::InProgress {
            resource_id,
            claimed_at,
        }) => match claim.in_progress(resource_id, claimed_at).await {
            Repeat::Answer(response) => return response,
            Repeat::Reclaimed(id) => id,
        },
        Ok(IdempotencyBegin::Mismatch) => {
            return refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request",
            );
        }
        Ok(IdempotencyBegin::Started) => id,
    };
    let response = run_detached(handler(id)).await;
    claim.finish(id, response).await
}

/// What a repeat that found the key in progress does.
enum Repeat {
    /// Answer with this (409, or the finished saga's response).
    Answer(Response),
    /// The first request died before its saga started; this repeat took the
    /// key over and books under this new appointment id.
    Reclaimed(AppointmentId),
}

/// A claimed key and what is needed to settle it.
struct Claim<'a> {
    state: &'a AppState,
    tenant: &'a TenantId,
    key: &'a IdempotencyKey,
    hash: &'a str,
    settle: Settle,
}

/// Where the booking saga behind a key is.
enum SagaState {
    /// It never started (the request failed before): the key may be reused.
    Absent,
    /// Still running or compensating: the key stays in progress.
    Running,
    /// Finished: this is its final response.
    Finished(Response),
}

impl Claim<'_> {
    /// A repeat found the key in progress: 409 while the first request's
    /// saga runs, its final response once it has finished. A claim without
    /// a saga that is older than [`STALE_CLAIM_AFTER`] belongs to a request
    /// that died before its saga started: the repeat takes it over.
    async fn in_progress(&self, resource_id: Option<String>, claimed_at: DateTime<Utc>) -> Repeat {
        let Some(id) = resource_id
            .as_deref()
            .and_then(|r| uuid::Uuid::parse_str(r).ok())
            .map(AppointmentId)
        else {
            return Repeat::Answer(in_use());
        };
        match self.saga_state(id).await {
            Ok(SagaState::Finished(response)) => {
                let mut response = self.store(response).await;
                response
                    .headers_mut()
                    .insert(REPLAYED, HeaderValue::from_static("true"));
                Repeat::Answer(response)
            }
            // The swap compares the stored text, not the parsed id.
            Ok(SagaState::Absent) => {
                self.reclaim_if_stale(resource_id.as_deref(), claimed_at)
                    .await
            }
            Ok(SagaState::Running) => Repeat::Answer(in_use()),
            Err(e) => Repeat::Answer(ApiError::from(e).into_response()),
        }
    }

    /// The first request's saga does not exist: while the claim is young
    /// the first request may still be planning (409); once it is stale the
    /// request died, and this repeat takes the key over with a fresh
    /// appointment id (the compare-and-swap on the stale id lets only one
    /// of several concurrent retries win; the others get 409).
    async fn reclaim_if_stale(&self, stale: Option<&str>, claimed_at: DateTime<Utc>) -> Repeat {
        let now = self.state.clock.now();
        let stale_after =
            chrono::TimeDelta::from_std(STALE_CLAIM_AFTER).unwrap_or(chrono::TimeDelta::MAX);
        if now.signed_duration_since(claimed_at) < stale_after {
            return Repeat::Answer(in_use());
        }
        let fresh = AppointmentId::new();
        let reclaimed = self
            .state
            .storage
            .idempotency
            .reclaim(
                self.tenant,
                self.key,
                self.hash,
                stale,
                Some(fresh.to_string()),
                now,
                IdempotencyKey::TTL,
            )
            .await;
        match reclaimed {
            Ok(true) => {
                tracing::warn!(stale = stale.unwrap_or_default(), %fresh, %claimed_at, "idempotency key of a request that died before its saga started taken over by a retry");
                Repeat::Reclaimed(fresh)
            }
            Ok(false) => Repeat::Answer(in_use()),
            Err(e) => Repeat::Answer(ApiError::from(e).into_response()),
        }
    }

    /// Settles the key after the handler answered.
    async fn finish(&self, id: AppointmentId, response: Response) -> Response {
        let status = response.status();
        let uncertain = status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::ACCEPTED;
        if !uncertain {
            return self.store(response).await;
        }
        // A 503/202 may mean "the saga goes on in the background": then the
        // key must stay in progress, or a retry would book a second time.
        match self.saga_state(id).await {
            Ok(SagaState::Absent) => {
                self.abandon().await;
                response
            }
            Ok(SagaState::Running) => response,
            Ok(SagaState::Finished(settled)) => self.store(settled).await,
            Err(e) => {
                // Unknown: keeping the key is the safe side (it expires).
                tracing::warn!(error = %e, "saga state unknown; idempotency key kept in progress");
                response
            }
        }
    }

    async fn saga_state(&self, id: AppointmentId) -> Result<SagaState, DomainError> {
        let Some(saga) = self
            .state
            .storage
            .saga_log
            .get(self.tenant, SagaId(id.0))
            .await?
        else {
            return Ok(SagaState::Absent);
        };
        let engine = saga_worker::engine_for(self.state);
        Ok(match engine.outcome_of(&saga).await? {
            None => SagaState::Running,
            Some(outcome) => SagaState::Finished((self.settle)(id, outcome, &saga)),
        })
    }

    async fn abandon(&self) {
        if let Err(e) = self
            .state
            .storage
            .idempotency
            .abandon(self.tenant, self.key, self.hash)
            .await
        {
            tracing::warn!(error = %e, "idempotency key not released; it expires by itself");
        }
    }

    /// Stores the response for replay (unless it is a server error or a
    /// rate limit, which the caller may retry) and returns it.
    async fn store(&self, response: Response) -> Response {
        let status = response.status();
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            self.abandon().await;
            return response;
        }
        let (parts, body) = response.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_STORED_BODY).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "response too large to store for replay");
                self.abandon().await;
                return refusal(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "internal error",
                );
            }
        };
        let stored = StoredResponse {
            status: status.as_u16(),
            headers: [header::CONTENT_TYPE, header::LOCATION]
                .iter()
                .filter_map(|name| {
                    let v = parts.headers.get(name)?.to_str().ok()?;
                    Some((name.as_str().to_owned(), v.to_owned()))
                })
                .collect(),
            body: bytes.to_vec(),
        };
        let now = self.state.clock.now();
        if let Err(e) = self
            .state
            .storage
            .idempotency
            .complete(self.tenant, self.key, self.hash, &stored, now)
            .await
        {
            // E.g. two retries settled the same finished saga at once.
            tracing::warn!(error = %e, "response not stored for replay");
        }
        Response::from_parts(parts, Body::from(bytes))
    }
}

/// Runs the handler in its own task, so a client that hangs up does not
/// stop a booking halfway (the saga would be finished by the worker, but
/// only after its lease lapses).
async fn run_detached<F>(handler: F) -> Response
where
    F: Future<Output = Response> + Send + 'static,
{
    match tokio::spawn(handler).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "booking handler failed");
            refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "internal error",
            )
        }
    }
}

/// 409: another request holds the key.
fn in_use() -> Response {
    refusal(
        StatusCode::CONFLICT,
        "idempotency_key_in_use",
        "a request with this Idempotency-Key is still being processed; retry later",
    )
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in stored.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(n, v);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_fingerprint_ignores_key_order_but_not_values() {
        let a: Value = serde_json::from_str(r#"{"a":1,"b":{"c":2,"d":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b":{"d":3,"c":2},"a":1}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":1,"b":{"c":2,"d":4}}"#).unwrap();
        let p = "/api/bookings";
        assert_eq!(fingerprint("POST", p, &a), fingerprint("POST", p, &b));
        assert_ne!(fingerprint("POST", p, &a), fingerprint("POST", p, &c));
        assert_ne!(
            fingerprint("POST", p, &a),
            fingerprint("POST", "/api/composite-bookings", &a)
        );
    }

    #[test]
    fn keys_are_checked() {
        let mut h = HeaderMap::new();
        assert!(key_from(&h).unwrap().is_none());
        h.insert(IDEMPOTENCY_KEY, HeaderValue::from_static("abc-123"));
        assert_eq!(key_from(&h).unwrap().unwrap().as_str(), "abc-123");
        h.insert(IDEMPOTENCY_KEY, HeaderValue::from_static("has space"));
        assert!(key_from(&h).is_err());
    }

    #[tokio::test]
    async fn replays_carry_the_stored_status_headers_and_body() {
        let r = replay(StoredResponse {
            status: 201,
            headers: vec![("content-type".into(), "application/json".into())],
            body: b"{\"uid\":\"x\"}".to_vec(),
        });
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()[REPLAYED], "true");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"{\"uid\":\"x\"}");
    }
}
