use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use calbridge_domain::TenantId;
use secrecy::SecretString;

use crate::error::ApiError;
use crate::state::AppState;

/// The tenant a request acts for, named by its bearer token
/// (`Authorization: Bearer cbt_…`). Every tenant-scoped handler takes this
/// extractor, so no handler can forget to authenticate.
#[derive(Debug, Clone)]
pub struct CurrentTenant(pub TenantId);

impl FromRequestParts<AppState> for CurrentTenant {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Err(ApiError::Unauthorized {
                message: "missing bearer token: send Authorization: Bearer <token>",
            });
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized {
                message: "malformed Authorization header: expected Bearer <token>",
            })?;
        let token = SecretString::from(token.to_owned());
        match crate::auth::authenticate_cached(&*state.storage.tenants, &state.tokens, &token)
            .await?
        {
            Some(tenant) => Ok(CurrentTenant(tenant)),
            None => Err(ApiError::Unauthorized {
                message: "invalid or revoked bearer token",
            }),
        }
    }
}
