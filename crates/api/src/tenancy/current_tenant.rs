use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use calbridge_domain::TenantId;

use crate::error::ApiError;
use crate::state::AppState;

/// The tenant a request acts for. Every tenant-scoped handler takes this
/// extractor, so tenant resolution (today: the instance's configured
/// tenant) changes in one place.
#[derive(Debug, Clone)]
pub struct CurrentTenant(pub TenantId);

impl FromRequestParts<AppState> for CurrentTenant {
    type Rejection = ApiError;

    async fn from_request_parts(
        _parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(CurrentTenant(state.default_tenant.clone()))
    }
}
