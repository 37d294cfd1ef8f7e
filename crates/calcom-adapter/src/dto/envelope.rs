//! The wrappers around every Cal.com v2 answer (NOTES §2): the success
//! envelope, the paginated list envelope, the error envelope, and the bare
//! Nest body that uncaught errors produce.

use serde::{Deserialize, Serialize};

use crate::dto::wire_format::null_as_default;

/// `{"status":"success","data": ...}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SuccessEnvelope<T> {
    /// `"success"`; anything else is not a success, whatever the HTTP status.
    pub status: String,
    /// The payload.
    pub data: T,
}

/// Offset paging metadata (`GET /v2/bookings` only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Matching items across all pages.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total_items: u64,
    /// Items after this page.
    #[serde(default, deserialize_with = "null_as_default")]
    pub remaining_items: u64,
    /// Items in this page (older builds call it `itemsReturned`).
    #[serde(default, alias = "itemsReturned", deserialize_with = "null_as_default")]
    pub returned_items: u64,
    /// Requested page size (`take`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub items_per_page: u64,
    /// 1-based page number (0 when there are no items).
    #[serde(default, deserialize_with = "null_as_default")]
    pub current_page: u64,
    /// Number of pages.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total_pages: u64,
    /// Whether `skip + take < total`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_next_page: bool,
    /// Whether `skip > 0`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_previous_page: bool,
}

/// One page of a list: the items and where the page sits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Paging metadata, to ask for the next page.
    pub pagination: Pagination,
}

/// `{"status":"error","timestamp","path","error":{code,message,details?}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorEnvelope {
    /// `"error"`.
    #[serde(default)]
    pub status: Option<String>,
    /// When Cal.com produced the error.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The request path Cal.com saw.
    #[serde(default)]
    pub path: Option<String>,
    /// The error itself.
    pub error: ErrorBody,
}

/// The `error` object of the error envelope.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorBody {
    /// Exception class or error code (`BadRequestException`, `booking_conflict_error`, ...).
    #[serde(default)]
    pub code: Option<String>,
    /// Usually a string; Nest validation sends an array of strings.
    #[serde(default)]
    pub message: Option<serde_json::Value>,
    /// Extra detail (Nest's exception response, class-validator errors).
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

/// Nest's default body for uncaught errors: `{"statusCode":500,"message":"Internal server error"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NestErrorBody {
    /// The HTTP status Nest meant.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// A string, or an array of strings for validation failures.
    #[serde(default)]
    pub message: Option<serde_json::Value>,
    /// The status text (`"Bad Request"`).
    #[serde(default)]
    pub error: Option<serde_json::Value>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pagination_accepts_the_old_field_name_and_nulls() {
        let p: Pagination = serde_json::from_str(
            r#"{"totalItems":3,"itemsReturned":2,"itemsPerPage":2,"currentPage":1,
                "totalPages":2,"hasNextPage":true,"hasPreviousPage":false,"remainingItems":null}"#,
        )
        .unwrap();
        assert_eq!(p.returned_items, 2);
        assert_eq!(p.remaining_items, 0);
        assert!(p.has_next_page);
    }

    #[test]
    fn error_envelope_with_and_without_details() {
        let e: ErrorEnvelope = serde_json::from_str(
            r#"{"status":"error","timestamp":"t","path":"/v2/x",
                "error":{"code":"NotFoundException","message":"nope"}}"#,
        )
        .unwrap();
        assert_eq!(e.error.code.as_deref(), Some("NotFoundException"));
        assert!(e.error.details.is_none());
    }
}
