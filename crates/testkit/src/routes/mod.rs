//! HTTP handlers, one file per endpoint family. Handlers are thin: check
//! credentials, validate, call the domain of the mock, wrap the envelope.

pub(crate) mod bookings;
pub(crate) mod event_types;
pub(crate) mod extract;
pub(crate) mod me;
pub(crate) mod reservations;
pub(crate) mod schedules;
pub(crate) mod slots;
pub(crate) mod teams;
pub(crate) mod webhooks;

use axum::http::{Method, Uri};

use crate::envelope::redact_url;
use crate::error::ApiError;

/// Nest's answer for a path/method it has no controller for.
pub(crate) async fn not_found(method: Method, uri: Uri) -> ApiError {
    let url = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    ApiError::RouteNotFound {
        method: method.as_str().to_owned(),
        url: redact_url(&url),
    }
}
