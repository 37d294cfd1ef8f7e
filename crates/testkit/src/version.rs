//! `cal-api-version` routing (NOTES §1): the header picks the controller.
//!
//! A missing or unknown value resolves to `2024-04-15`. Per endpoint family
//! the resolved version either reaches the real controller, reaches no
//! controller at all (Nest's 404 `Cannot GET ...`), or would reach a legacy
//! controller this mock does not implement (400 `TestkitUnsupportedVersion`,
//! the deviation documented in the crate docs).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::envelope::redact_url;
use crate::error::ApiError;

/// The header Cal.com reads.
pub(crate) const HEADER: &str = "cal-api-version";

const V2024_04_15: &str = "2024-04-15";
const V2024_06_11: &str = "2024-06-11";
const V2024_06_14: &str = "2024-06-14";
const V2024_08_13: &str = "2024-08-13";
const V2024_09_04: &str = "2024-09-04";
const KNOWN: [&str; 5] = [
    V2024_04_15,
    V2024_06_11,
    V2024_06_14,
    V2024_08_13,
    V2024_09_04,
];

/// Endpoint families that route by version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `/v2/event-types/**`: needs `2024-06-14`.
    EventTypes,
    /// `/v2/slots/**`: needs `2024-09-04`.
    Slots,
    /// `/v2/bookings/**`: needs `2024-08-13`.
    Bookings,
    /// `/v2/schedules/**`: `2024-06-11` (or `2024-06-14`, same controller).
    Schedules,
}

/// What the resolved version leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Current,
    NoController,
    Legacy,
}

impl Family {
    fn required(self) -> &'static str {
        match self {
            Self::EventTypes => V2024_06_14,
            Self::Slots => V2024_09_04,
            Self::Bookings => V2024_08_13,
            Self::Schedules => V2024_06_11,
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Self::EventTypes => "/v2/event-types",
            Self::Slots => "/v2/slots",
            Self::Bookings => "/v2/bookings",
            Self::Schedules => "/v2/schedules",
        }
    }

    fn route(self, resolved: &str) -> Route {
        if resolved == self.required() {
            return Route::Current;
        }
        match (self, resolved) {
            // The legacy slots controller lives at other paths
            // (`/v2/slots/available`), so `/v2/slots` itself has none.
            (Self::Slots, _) => Route::NoController,
            (Self::EventTypes, V2024_08_13 | V2024_09_04) => Route::NoController,
            (Self::Bookings, V2024_09_04) => Route::NoController,
            (Self::Schedules, V2024_06_14) => Route::Current,
            (Self::Schedules, V2024_08_13 | V2024_09_04) => Route::NoController,
            _ => Route::Legacy,
        }
    }
}

/// Decides whether a request with this header value may reach `family`'s
/// current controller.
pub(crate) fn check(
    family: Family,
    header: Option<&str>,
    method: &str,
    url: &str,
) -> Result<(), ApiError> {
    let resolved = header.filter(|v| KNOWN.contains(v)).unwrap_or(V2024_04_15);
    match family.route(resolved) {
        Route::Current => Ok(()),
        Route::NoController => Err(ApiError::RouteNotFound {
            method: method.to_owned(),
            url: redact_url(url),
        }),
        Route::Legacy => Err(ApiError::UnsupportedVersion {
            endpoint: family.endpoint(),
            required: family.required(),
            received: header.map(|h| h.chars().take(64).collect()),
        }),
    }
}

/// Route-layer middleware: runs [`check`] before the handler (and so before
/// authentication, as Nest's router does).
pub(crate) async fn gate(State(family): State<Family>, req: Request, next: Next) -> Response {
    let header = req
        .headers()
        .get(HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let url = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
    match check(family, header.as_deref(), req.method().as_str(), &url) {
        Ok(()) => next.run(req).await,
        Err(err) => err.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(family: Family, header: Option<&str>) -> &'static str {
        match check(family, header, "GET", "/x") {
            Ok(()) => "ok",
            Err(ApiError::RouteNotFound { .. }) => "404",
            Err(ApiError::UnsupportedVersion { .. }) => "legacy",
            Err(_) => "other",
        }
    }

    #[test]
    fn follows_the_notes_table() {
        use Family::*;
        assert_eq!(outcome(EventTypes, Some("2024-06-14")), "ok");
        assert_eq!(outcome(EventTypes, Some("2024-08-13")), "404");
        assert_eq!(outcome(EventTypes, Some("2024-09-04")), "404");
        assert_eq!(outcome(EventTypes, Some("2024-06-11")), "legacy");
        assert_eq!(outcome(EventTypes, None), "legacy");

        assert_eq!(outcome(Slots, Some("2024-09-04")), "ok");
        assert_eq!(outcome(Slots, Some("2024-08-13")), "404");
        assert_eq!(outcome(Slots, None), "404");

        assert_eq!(outcome(Schedules, Some("2024-06-11")), "ok");
        assert_eq!(outcome(Schedules, Some("2024-06-14")), "ok");
        assert_eq!(outcome(Schedules, Some("2024-08-13")), "404");
        assert_eq!(outcome(Schedules, None), "legacy");

        assert_eq!(outcome(Bookings, Some("2024-08-13")), "ok");
        assert_eq!(outcome(Bookings, Some("2024-09-04")), "404");
        assert_eq!(outcome(Bookings, Some("2024-06-14")), "legacy");
        assert_eq!(outcome(Bookings, None), "legacy");
        // Unknown values resolve to 2024-04-15.
        assert_eq!(outcome(Bookings, Some("2099-01-01")), "legacy");
        assert_eq!(outcome(EventTypes, Some("garbage")), "legacy");
    }
}
