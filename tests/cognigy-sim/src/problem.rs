//! RFC 7807 problem responses, shaped like Cognigy's (`code`, `traceId`, `details`).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::ids;

/// Cognigy error codes (`ErrorCode.js` in the official client).
pub mod code {
    pub const MISSING_ARGUMENT: u16 = 1000;
    pub const RESOURCE_NOT_FOUND: u16 = 1002;
    pub const CONFLICT: u16 = 1004;
    pub const INVALID_ARGUMENT: u16 = 1005;
}

static TRACE: AtomicU64 = AtomicU64::new(1);

/// An error answered as `application/problem+json`.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: u16,
    pub detail: String,
    pub details: Value,
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: u16, detail: impl Into<String>) -> Problem {
        Problem { status, code, detail: detail.into(), details: json!({}), retry_after: None }
    }

    /// 400 with the HTTP status as code (malformed request).
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, 400, detail)
    }

    /// 400, code 1005 (a value that fails validation).
    pub fn invalid(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, detail)
    }

    /// 400, code 1000 (a required argument is missing).
    pub fn missing(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, code::MISSING_ARGUMENT, detail)
    }

    /// 404, code 1002.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, code::RESOURCE_NOT_FOUND, detail)
    }

    /// 409, code 1004.
    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, code::CONFLICT, detail)
    }

    /// Any status with the status as code.
    pub fn status(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem::new(status, status.as_u16(), detail)
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Problem {
        self.retry_after = Some(seconds);
        self
    }

    pub fn body(&self) -> Value {
        let trace = TRACE.fetch_add(1, Ordering::Relaxed);
        json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "code": self.code,
            "detail": self.detail,
            "traceId": ids::trace_id(trace),
            "details": self.details,
        })
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, Problem>;
