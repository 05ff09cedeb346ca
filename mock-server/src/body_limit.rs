//! REST request bodies are read in full, within `--body-timeout-ms` and `--max-body-bytes`, before
//! a route runs: a body that never completes costs a timer, not a task forever.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use planwire_protocol::ErrorCode;

use crate::app::SharedApp;
use crate::metrics::Limit;
use crate::rest::ApiError;

/// Middleware: buffers the body (upgrade requests pass untouched), or answers 408 / 413.
pub async fn buffer_body(State(app): State<SharedApp>, req: Request, next: Next) -> Response {
    if req.headers().contains_key(header::UPGRADE) {
        return next.run(req).await;
    }
    let limits = &app.cfg.limits;
    let max = limits.max_body_bytes;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large(&app, max);
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(limits.body_timeout, to_bytes(body, max)).await {
        Err(_) => {
            app.hub.counters.limit(Limit::BodyTimeout, 1);
            let msg = format!("the request body did not arrive within {} ms", limits.body_timeout.as_millis());
            closing(ApiError::new(StatusCode::REQUEST_TIMEOUT, ErrorCode::InvalidMessage, msg))
        }
        Ok(Err(e)) if is_length_limit(&e) => too_large(&app, max),
        Ok(Err(_)) => closing(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidMessage, "could not read the request body")),
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
    }
}

fn too_large(app: &SharedApp, max: usize) -> Response {
    app.hub.counters.limit(Limit::BodyTooLarge, 1);
    closing(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::InvalidMessage, format!("the request body exceeds {max} bytes")))
}

/// The error response, closing the connection (the unread rest of the body cannot be skipped).
fn closing(e: ApiError) -> Response {
    let mut resp = e.into_response();
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.to_string().contains("length limit") {
            return true;
        }
        source = err.source();
    }
    false
}
