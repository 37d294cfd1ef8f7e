//! One HTTP attempt: build the request (key, version header, body), send it
//! under the time limit, read the answer, classify a failure, and record
//! what happened (metrics, tracing, the last-request record, Cal.com's
//! rate-limit headers).

use std::time::Instant;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{StatusCode, Url};
use secrecy::ExposeSecret;
use tracing::Instrument;

use crate::api_version::{API_VERSION_HEADER, api_version};
use crate::client::CalcomClient;
use crate::client::debug_record::RawExchange;
use crate::client::error_mapping;
use crate::client::request::{Api, AttemptError, Call, Exchange, failure_for_status};
use crate::error::CalcomError;
use crate::metrics;
use crate::redaction::{mask_contact_details, redact_body};
use crate::resilience::Failure;
use crate::resilience::guards::lock;

/// The answer to one sent request, before classification.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl CalcomClient {
    /// The full URL of `call` (v1 gets `?apiKey=`).
    fn url_of(&self, call: &Call) -> Result<Url, CalcomError> {
        let base = match call.api {
            Api::V2 => &self.inner.base_url,
            Api::V1 => &self.inner.v1_base_url,
        };
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| CalcomError::InvalidConfig {
                message: "base URL cannot have a path".to_owned(),
            })?
            .pop_if_empty()
            .extend(&call.path);
        if !call.query.is_empty() || call.api == Api::V1 {
            let mut pairs = url.query_pairs_mut();
            pairs.extend_pairs(&call.query);
            if call.api == Api::V1 {
                pairs.append_pair("apiKey", self.inner.api_key.expose_secret());
            }
        }
        Ok(url)
    }

    /// Sends `call` once (no guards, no retry), waiting at most `time_limit`
    /// for the whole answer.
    pub(crate) async fn send_once(
        &self,
        call: &Call,
        attempt: u32,
        time_limit: std::time::Duration,
    ) -> Result<Exchange, AttemptError> {
        let inner = &self.inner;
        let url = self.url_of(call).map_err(|error| AttemptError {
            error,
            failure: Failure::Rejected,
        })?;
        let path = url.path().to_owned();
        let raw_url = url.clone();

        let mut builder = inner
            .http
            .request(call.method.clone(), url)
            .timeout(time_limit)
            .header(ACCEPT, "application/json");
        if call.api == Api::V2 {
            builder = builder.header(AUTHORIZATION, inner.authorization.clone());
            if let Some(version) = api_version(call.op) {
                builder = builder.header(API_VERSION_HEADER, version);
            }
        }
        if let Some(body) = &call.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let request = builder.build().map_err(|e| AttemptError {
            error: CalcomError::InvalidRequest {
                field: "request",
                message: inner.redactor.redact(&e.without_url().to_string()),
            },
            failure: Failure::Rejected,
        })?;
        let request_headers = request.headers().clone();

        let span = tracing::debug_span!(
            "calcom.request",
            operation = %call.op,
            api = call.api.as_str(),
            method = %call.method,
            %path,
            attempt,
            status = tracing::field::Empty,
        );
        if tracing::enabled!(tracing::Level::TRACE)
            && let Some(body) = call.body.as_deref()
            && let Ok(json) = serde_json::from_slice::<serde_json::Value>(body)
        {
            let shown = inner.redactor.redact(&redact_body(&json).to_string());
            tracing::trace!(parent: &span, body = %shown, "request body");
        }

        let started = Instant::now();
        let sent = async {
            let response = inner.http.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>(Answer {
                status,
                headers,
                body: body.to_vec(),
            })
        }
        .instrument(span.clone())
        .await;
        let duration = started.elapsed();

        let (outcome, status, response_headers) = match sent {
            Ok(answer) => {
                span.record("status", answer.status.as_u16());
                let reset = error_mapping::rate_limit_reset(&answer.headers);
                inner
                    .guards
                    .sync_budget(&answer.headers, reset, inner.shared.as_ref())
                    .await;
                let status = answer.status;
                let outcome = if status.is_success() {
                    Ok(Exchange { body: answer.body })
                } else {
                    let error = error_mapping::classify_status(
                        call.op,
                        call.subject.as_deref(),
                        status,
                        &answer.headers,
                        &answer.body,
                        &inner.redactor,
                    );
                    let failure = failure_for_status(status, &error);
                    Err(AttemptError { error, failure })
                };
                (outcome, Some(status.as_u16()), Some(answer.headers))
            }
            Err(e) => {
                let failure = if e.is_connect() {
                    Failure::NotSent
                } else if e.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::ConnectionLost
                };
                let error = error_mapping::classify_transport(e, &inner.redactor);
                (Err(AttemptError { error, failure }), None, None)
            }
        };

        let status_label = match (&outcome, status) {
            (_, Some(code)) => code.to_string(),
            (
                Err(AttemptError {
                    error: CalcomError::Timeout,
                    ..
                }),
                None,
            ) => "timeout".to_owned(),
            (_, None) => "connection".to_owned(),
        };
        ::metrics::counter!(metrics::REQUESTS_TOTAL,
            "operation" => call.op.as_str(), "status" => status_label.clone())
        .increment(1);
        ::metrics::histogram!(metrics::REQUEST_DURATION_SECONDS,
            "operation" => call.op.as_str(), "status" => status_label)
        .record(duration.as_secs_f64());

        let elapsed_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        match &outcome {
            Ok(_) => tracing::debug!(parent: &span, status, elapsed_ms, "Cal.com answered"),
            Err(AttemptError { error, .. }) => {
                let shown = mask_contact_details(&error.to_string());
                tracing::warn!(parent: &span, status, elapsed_ms, error = %shown, "Cal.com call failed");
            }
        }
        *lock(&inner.last_request) = Some(RawExchange {
            operation: call.op,
            api: call.api.as_str(),
            attempt,
            method: call.method.clone(),
            url: raw_url,
            status,
            duration,
            request_headers,
            response_headers,
            error: outcome.as_ref().err().map(|e| e.error.clone()),
        });
        outcome
    }
}
