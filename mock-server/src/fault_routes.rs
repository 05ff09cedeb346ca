//! Fault injection for tests and demos, mounted only with `--enable-faults`: unauthenticated
//! `POST /api/v1/faults/*` routes with JSON bodies. Local use only.
//!
//! They set the switches in [`crate::faults`] (delay, restart) or act through the hub (drop,
//! freeze, malformed frames, token expiry, flood).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use planwire_protocol::{CloseCode, ErrorCode, UserId};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::SharedApp;
use crate::auth::AuthError;
use crate::conn_id::{parse_conn_id, ConnId};
use crate::connections::{CloseCmd, ConnFilter};
use crate::faults::Restart;
use crate::plans::PlanError;
use crate::rest::ApiError;

/// Largest `count` the flood route accepts.
pub const MAX_FLOOD: u64 = 1_000_000;

/// The fault routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/api/v1/faults/token", post(token))
        .route("/api/v1/faults/drop", post(drop_connections))
        .route("/api/v1/faults/restart", post(restart))
        .route("/api/v1/faults/freeze", post(freeze))
        .route("/api/v1/faults/delay", post(delay))
        .route("/api/v1/faults/malformed", post(malformed))
        .route("/api/v1/faults/expire-token", post(expire_token))
        .route("/api/v1/faults/flood", post(flood))
}

fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidMessage, format!("invalid body: {e}")))
}

/// Parses a `connectionId`; unknown or malformed ids are 404.
fn conn(app: &SharedApp, raw: &str) -> Result<ConnId, ApiError> {
    parse_conn_id(raw)
        .filter(|&id| app.hub.ctl(id).is_some())
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("no connection {raw:?}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    user_id: UserId,
    user_name: String,
    email: Option<String>,
    ttl_secs: Option<u64>,
}

/// `POST /faults/token` {userId, userName, email?, ttlSecs?} → {token}.
async fn token(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: TokenBody = body(&bytes)?;
    let ttl = Duration::from_secs(b.ttl_secs.unwrap_or(3600));
    Ok(Json(json!({ "token": app.jwt.issue(b.user_id, b.user_name, b.email, ttl) })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DropBody {
    code: Option<u16>,
    reason: Option<String>,
    #[serde(default)]
    abrupt: bool,
    user_id: Option<UserId>,
    connection_id: Option<String>,
}

/// Close codes an endpoint may send (RFC 6455 §7.4).
fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// `POST /faults/drop` {code?, reason?, abrupt?, userId?, connectionId?} → {dropped}.
async fn drop_connections(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: DropBody = body(&bytes)?;
    let code = b.code.unwrap_or(CloseCode::GoingAway.code());
    let reason = b.reason.unwrap_or_else(|| "dropped by fault injection".into());
    if !sendable(code) || reason.len() > 123 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidMessage, "code must be sendable and reason at most 123 bytes"));
    }
    // An id that parses to nothing matches nothing (0 is never a connection id).
    let filter = ConnFilter { user_id: b.user_id, conn: b.connection_id.map(|c| parse_conn_id(&c).unwrap_or(0)) };
    let cmd = if b.abrupt { CloseCmd::Abrupt } else { CloseCmd::AnyFrame(code, reason) };
    Ok(Json(json!({ "dropped": app.hub.close_matching(&filter, &cmd) })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestartBody {
    down_ms: u64,
    #[serde(default)]
    forget_history: bool,
}

/// `POST /faults/restart` {downMs, forgetHistory?}: drops every connection, stops listening for
/// `downMs`, listens again; with `forgetHistory` every room's history and `seq` start over under a
/// new epoch, as after a real restart.
async fn restart(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: RestartBody = body(&bytes)?;
    let req = Restart { down: Duration::from_millis(b.down_ms), forget_history: b.forget_history };
    app.faults
        .request_restart(req)
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "the server is shutting down"))?;
    Ok(Json(json!({ "restarting": true, "downMs": b.down_ms })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnBody {
    connection_id: String,
}

/// `POST /faults/freeze` {connectionId}: the connection stops reading and writing.
async fn freeze(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: ConnBody = body(&bytes)?;
    let id = conn(&app, &b.connection_id)?;
    if let Some(ctl) = app.hub.ctl(id) {
        ctl.freeze();
    }
    Ok(Json(json!({ "frozen": true })))
}

#[derive(Deserialize)]
struct DelayBody {
    ms: u64,
}

/// `POST /faults/delay` {ms}: holds every outgoing frame `ms` (0 disables).
async fn delay(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: DelayBody = body(&bytes)?;
    app.faults.set_delay_ms(b.ms);
    Ok(Json(json!({ "delayMs": b.ms })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MalformedBody {
    connection_id: Option<String>,
    frame: String,
}

/// `POST /faults/malformed` {connectionId?, frame}: sends the raw text frame.
async fn malformed(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: MalformedBody = body(&bytes)?;
    let conn = b.connection_id.map(|c| conn(&app, &c)).transpose()?;
    Ok(Json(json!({ "sent": app.hub.send_raw(&ConnFilter { user_id: None, conn }, &b.frame) })))
}

/// `POST /faults/expire-token` {connectionId}: closes it with 4001 "token expired".
async fn expire_token(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: ConnBody = body(&bytes)?;
    let id = conn(&app, &b.connection_id)?;
    let cmd = CloseCmd::Frame(CloseCode::Unauthorized, AuthError::Expired.reason().into());
    app.hub.close_matching(&ConnFilter { user_id: None, conn: Some(id) }, &cmd);
    Ok(Json(json!({ "expired": true })))
}

/// A task id given as a number or a numeric string.
#[derive(Deserialize)]
#[serde(untagged)]
enum TaskIdParam {
    Num(u64),
    Str(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FloodBody {
    plan_id: String,
    count: u64,
    task_id: Option<TaskIdParam>,
}

/// `POST /faults/flood` {planId, count, taskId?} → {sent, elapsedMs}: `count` task-updated broadcasts.
async fn flood(State(app): State<SharedApp>, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let b: FloodBody = body(&bytes)?;
    if b.count > MAX_FLOOD {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidMessage, format!("count must be at most {MAX_FLOOD}")));
    }
    let task_id = match b.task_id {
        None => None,
        Some(TaskIdParam::Num(n)) => Some(n),
        Some(TaskIdParam::Str(s)) => Some(s.parse().map_err(|_| PlanError::NotFound(format!("no task with id {s:?}")))?),
    };
    let started = Instant::now();
    let worker = app.clone();
    tokio::task::spawn_blocking(move || worker.hub.flood(&b.plan_id, task_id, b.count))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "flood worker failed"))??;
    Ok(Json(json!({ "sent": b.count, "elapsedMs": started.elapsed().as_millis() as u64 })))
}
