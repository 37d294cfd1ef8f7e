//! `GET /api/calcom/bookings`: the tenant's bookings from the local cache
//! (kept current by webhooks and the poller; the default, cheap and
//! available when Cal.com is not) or live from Cal.com (`fromDb=false`),
//! paginated with an opaque cursor.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use calbridge_domain::{BookingFilter, BookingStatus, DomainError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::tenancy::CurrentTenant;
use crate::time_params::{DateBound, parse_instant};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/calcom/bookings", get(list))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    status: Option<String>,
    after_start: Option<String>,
    before_end: Option<String>,
    from_db: Option<bool>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `c<offset>`: opaque to clients, but cheap to check.
fn parse_cursor(cursor: Option<&str>) -> Result<u32, DomainError> {
    match cursor {
        None | Some("") => Ok(0),
        Some(c) => c
            .strip_prefix('c')
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| DomainError::invalid("cursor", "use the nextCursor of a previous page")),
    }
}

fn filter_from(q: &ListQuery) -> Result<BookingFilter, DomainError> {
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            BookingStatus::parse(s).ok_or_else(|| {
                DomainError::invalid("status", "one of accepted, pending, cancelled, rejected")
            })
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(BookingFilter::DEFAULT_LIMIT);
    if !(1..=BookingFilter::MAX_LIMIT).contains(&limit) {
        return Err(DomainError::invalid(
            "limit",
            format!("must be 1-{}", BookingFilter::MAX_LIMIT),
        ));
    }
    let utc = chrono_tz::UTC;
    Ok(BookingFilter {
        status,
        starts_after: q
            .after_start
            .as_deref()
            .map(|t| parse_instant("afterStart", t, utc, DateBound::StartOfDay))
            .transpose()?,
        ends_before: q
            .before_end
            .as_deref()
            .map(|t| parse_instant("beforeEnd", t, utc, DateBound::EndOfDay))
            .transpose()?,
        limit,
        offset: parse_cursor(q.cursor.as_deref())?,
        ..BookingFilter::default()
    })
}

async fn list(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let filter = filter_from(&q)?;
    let from_db = q.from_db.unwrap_or(true);
    let bookings = if from_db {
        // One extra row tells whether there is a next page.
        let probe = BookingFilter {
            limit: filter.limit + 1,
            ..filter.clone()
        };
        state.repository.list(&tenant, &probe).await?
    } else {
        state
            .directory
            .calendar_for(&tenant)
            .await?
            .list_bookings(&filter)
            .await?
    };
    let limit = filter.limit as usize;
    let has_more = if from_db {
        bookings.len() > limit
    } else {
        bookings.len() == limit
    };
    let page: Vec<_> = bookings.into_iter().take(limit).collect();
    let next = has_more.then(|| format!("c{}", filter.offset as usize + page.len()));
    Ok(Json(json!({
        "data": page,
        "source": if from_db { "local" } else { "calcom" },
        "nextCursor": next,
    })))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_limits_are_checked() {
        assert_eq!(parse_cursor(None).unwrap(), 0);
        assert_eq!(parse_cursor(Some("c250")).unwrap(), 250);
        assert!(parse_cursor(Some("250")).is_err());
        assert!(parse_cursor(Some("c-1")).is_err());
        let q = |limit| ListQuery {
            status: Some("cancelled".into()),
            after_start: Some("2030-01-01".into()),
            before_end: None,
            from_db: None,
            limit: Some(limit),
            cursor: None,
        };
        assert!(filter_from(&q(0)).is_err());
        assert!(filter_from(&q(251)).is_err());
        let f = filter_from(&q(10)).unwrap();
        assert_eq!(f.status, Some(BookingStatus::Cancelled));
        assert!(f.starts_after.is_some());
    }
}
