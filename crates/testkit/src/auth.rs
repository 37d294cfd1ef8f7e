//! Cal.com's `ApiAuthStrategy`, reduced to the one API key the mock knows.
//!
//! Endpoints differ only in whether a *missing* credential is acceptable; a
//! wrong credential is refused everywhere, as on the real API.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use crate::config::MockConfig;
use crate::error::ApiError;

/// Who is calling, once the credentials were checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// No credentials (only where the endpoint allows it).
    Anonymous,
    /// The demo user's own API key: the caller is the host.
    Owner,
}

const NO_AUTH: &str = "ApiAuthStrategy - No authentication method provided. Either pass an API key \
    as 'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers";
const BAD_KEY: &str = "ApiAuthStrategy - api key - Your api key is not valid";
const BAD_TOKEN: &str = "ApiAuthStrategy - access token - Invalid Access Token.";
const BAD_CLIENT: &str = "ApiAuthStrategy - oauth client - OAuth client not found";

/// Credentials must be present and valid (`GET /v2/me`, `GET /v2/bookings`).
pub(crate) fn require(headers: &HeaderMap, config: &MockConfig) -> Result<Caller, ApiError> {
    match identify(headers, config)? {
        Caller::Anonymous => Err(ApiError::Unauthorized(NO_AUTH.to_owned())),
        owner => Ok(owner),
    }
}

/// Credentials may be missing, but if sent they must be valid.
pub(crate) fn optional(headers: &HeaderMap, config: &MockConfig) -> Result<Caller, ApiError> {
    identify(headers, config)
}

fn identify(headers: &HeaderMap, config: &MockConfig) -> Result<Caller, ApiError> {
    let client_id = headers.get("x-cal-client-id");
    let client_secret = headers.get("x-cal-secret-key");
    if client_id.is_some() && client_secret.is_some() {
        return Err(ApiError::Unauthorized(BAD_CLIENT.to_owned()));
    }
    let Some(raw) = headers.get(AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    let Ok(raw) = raw.to_str() else {
        return Err(ApiError::Unauthorized(BAD_TOKEN.to_owned()));
    };
    // Like the real strategy: `authorization.replace("Bearer ", "")`.
    let token = raw.replacen("Bearer ", "", 1);
    if token.is_empty() {
        return Ok(Caller::Anonymous);
    }
    if !token.starts_with("cal_") {
        return Err(ApiError::Unauthorized(BAD_TOKEN.to_owned()));
    }
    if constant_time_eq(token.as_bytes(), config.api_key.as_bytes()) {
        Ok(Caller::Owner)
    } else {
        Err(ApiError::Unauthorized(BAD_KEY.to_owned()))
    }
}

/// Compares without an early exit, so response timing does not leak how
/// much of a guessed key was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn right_wrong_and_missing_keys() {
        let c = MockConfig::default();
        let good = format!("Bearer {}", c.api_key);
        assert_eq!(require(&headers(Some(&good)), &c), Ok(Caller::Owner));
        assert_eq!(optional(&headers(None), &c), Ok(Caller::Anonymous));
        assert_eq!(
            require(&headers(None), &c),
            Err(ApiError::Unauthorized(NO_AUTH.to_owned()))
        );
        assert_eq!(
            optional(&headers(Some("Bearer cal_wrong")), &c),
            Err(ApiError::Unauthorized(BAD_KEY.to_owned()))
        );
        assert_eq!(
            optional(&headers(Some("Bearer eyJhbGciOi")), &c),
            Err(ApiError::Unauthorized(BAD_TOKEN.to_owned()))
        );
        assert_eq!(
            optional(&headers(Some("Bearer ")), &c),
            Ok(Caller::Anonymous)
        );
    }

    #[test]
    fn errors_never_contain_the_offered_key() {
        let c = MockConfig::default();
        let err = require(&headers(Some("Bearer cal_live_topsecret")), &c).unwrap_err();
        assert!(!err.message().contains("topsecret"));
        assert!(!format!("{err:?}").contains("topsecret"));
    }
}
