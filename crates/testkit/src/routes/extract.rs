//! Turning raw requests into JSON objects the validators read, with every
//! malformed input ending as a 400 envelope instead of axum's plain-text
//! rejections.

use axum::body::Bytes;
use axum::extract::Query;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Query pairs as axum parses them (lenient percent-decoding).
pub(crate) type QueryPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The request body as bytes, or why it could not be read.
pub(crate) type RawBody = Result<Bytes, BytesRejection>;

/// Query parameters as an object, like Express's `qs`: a repeated parameter
/// becomes an array (which then fails string validation, as on Cal.com).
pub(crate) fn query_object(query: QueryPairs) -> Result<Map<String, Value>, ApiError> {
    let Query(pairs) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut out = Map::new();
    for (k, v) in pairs {
        match out.get_mut(&k) {
            None => {
                out.insert(k, Value::String(v));
            }
            Some(Value::Array(items)) => items.push(Value::String(v)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(v)]);
            }
        }
    }
    Ok(out)
}

/// The JSON body as an object. Like Express's `json()` parser, a body that
/// is not declared as JSON is ignored (read as `{}`), an empty body is `{}`.
pub(crate) fn json_object(
    headers: &HeaderMap,
    body: RawBody,
) -> Result<Map<String, Value>, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(e.body_text())
        }
    })?;
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if !is_json || bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::BadRequest("Body should be an object".to_owned())),
        Err(e) => Err(ApiError::BadRequest(format!(
            "Unexpected token in JSON at position {}",
            byte_position(&bytes, e.line(), e.column())
        ))),
    }
}

/// Byte offset of a 1-based (line, column) position, as JSON.parse reports.
fn byte_position(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(bytes.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn json_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h
    }

    #[test]
    fn bodies() {
        let ok = json_object(&json_headers(), Ok(Bytes::from_static(b"{\"a\":1}"))).unwrap();
        assert_eq!(ok["a"], 1);
        assert!(
            json_object(&json_headers(), Ok(Bytes::new()))
                .unwrap()
                .is_empty()
        );
        assert!(
            json_object(&HeaderMap::new(), Ok(Bytes::from_static(b"{\"a\":1}")))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            json_object(&json_headers(), Ok(Bytes::from_static(b"{\"a\":}"))),
            Err(ApiError::BadRequest(
                "Unexpected token in JSON at position 5".into()
            ))
        );
        assert_eq!(
            json_object(&json_headers(), Ok(Bytes::from_static(b"[1]"))),
            Err(ApiError::BadRequest("Body should be an object".into()))
        );
    }

    #[test]
    fn repeated_query_parameters_become_arrays() {
        let q = query_object(Ok(Query(vec![
            ("a".into(), "1".into()),
            ("b".into(), "2".into()),
            ("a".into(), "3".into()),
            ("a".into(), "4".into()),
        ])))
        .unwrap();
        assert_eq!(q["a"], serde_json::json!(["1", "3", "4"]));
        assert_eq!(q["b"], "2");
    }
}
