//! REST routes of seed 000 (authenticated with the same JWT), health and metrics.
//! Mutations broadcast to the plan's room, skipping only the connection named by `X-Connection-Id`.
//!
//! A route verifies the token and parses and checks its body before it takes the hub's lock; the
//! lock guards only the change. A body's error is still reported after the plan or task's
//! not-found and forbidden errors.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use planwire_protocol::{CreateTask, ErrorCode, ReorderTasks, RestError, TaskDeleted, TaskReordered, UpdateTask, UserId};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::app::SharedApp;
use crate::auth::{bearer, AuthError};
use crate::conn_id::{parse_conn_id, ConnId};
use crate::hub::Mutation;
use crate::metrics::{Limit, Metrics};
use crate::plans::{NewTask, PlanError, TaskChange, TaskOrder};

/// Request header naming the originating connection, which the broadcast skips.
pub const CONNECTION_ID_HEADER: &str = "x-connection-id";
/// **Extension.** Response header of mutations: the room's latest `seq` after the change.
pub const SEQ_HEADER: &str = "x-seq";

/// The REST, health and metrics routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/api/plans/{plan_id}", get(get_plan))
        .route("/api/plans/{plan_id}/tasks", post(create_task))
        .route("/api/plans/{plan_id}/tasks/reorder", post(reorder_tasks))
        .route("/api/tasks/{task_id}", patch(update_task).delete(delete_task))
        .route("/api/v1/ws/health", get(health))
        .route("/api/v1/ws/metrics", get(metrics))
}

/// A JSON error response (with `Retry-After`, in seconds, when the third field is set).
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub RestError, pub Option<Duration>);

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError(status, RestError { code: code.as_str().to_owned(), message: message.into() }, None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.0, Json(self.1)).into_response();
        if let Some(after) = self.2 {
            let secs = after.as_millis().div_ceil(1000).max(1) as u64;
            resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        resp
    }
}

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        let status = match e {
            PlanError::NotFound(_) => StatusCode::NOT_FOUND,
            PlanError::Forbidden(_) => StatusCode::FORBIDDEN,
            PlanError::Invalid(_) => StatusCode::BAD_REQUEST,
        };
        let (code, message) = e.code_and_message();
        ApiError::new(status, code, message)
    }
}

/// Fallback: a JSON 404 for unknown routes.
pub async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such route")
}

/// The caller's user id, from `Authorization: Bearer`, within the user's REST rate limit.
fn caller(app: &SharedApp, headers: &HeaderMap) -> Result<UserId, ApiError> {
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
    let claims = token.ok_or(AuthError::Missing).and_then(|t| app.jwt.verify(t));
    let user = claims.map(|c| c.user_id).map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, e.reason()))?;
    if let Err(after) = app.rest_limit.check(&user, Instant::now()) {
        app.hub.counters.limit(Limit::RestRateLimited, 1);
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "too many requests");
        e.2 = Some(after);
        return Err(e);
    }
    Ok(user)
}

/// The connection to skip in the broadcast.
fn origin(headers: &HeaderMap) -> Option<ConnId> {
    headers.get(CONNECTION_ID_HEADER).and_then(|v| v.to_str().ok()).and_then(parse_conn_id)
}

fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, PlanError> {
    serde_json::from_slice(bytes).map_err(|e| PlanError::Invalid(format!("invalid body: {e}")))
}

fn with_seq<T: serde::Serialize>(status: StatusCode, m: Mutation<T>) -> Response {
    let seq = (HeaderName::from_static(SEQ_HEADER), m.seq.to_string());
    (status, [seq], Json(m.value)).into_response()
}

async fn get_plan(State(app): State<SharedApp>, Path(plan_id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let user = caller(&app, &headers)?;
    Ok(Json(app.hub.plan(&plan_id, &user)?).into_response())
}

async fn create_task(State(app): State<SharedApp>, Path(plan_id): Path<String>, headers: HeaderMap, bytes: Bytes) -> Result<Response, ApiError> {
    let user = caller(&app, &headers)?;
    let new = body::<CreateTask>(&bytes).and_then(NewTask::try_from);
    let max_tasks = app.cfg.limits.max_tasks_per_plan;
    let m = app.hub.mutate(&user, origin(&headers), |plans| {
        plans.check_access(&plan_id, &user)?;
        let (task, events) = plans.create_task(&plan_id, &user, new?, max_tasks)?;
        Ok((plan_id, task, events))
    })?;
    Ok(with_seq(StatusCode::CREATED, m))
}

async fn update_task(State(app): State<SharedApp>, Path(task_id): Path<String>, headers: HeaderMap, bytes: Bytes) -> Result<Response, ApiError> {
    let user = caller(&app, &headers)?;
    let change = body::<UpdateTask>(&bytes).and_then(TaskChange::try_from);
    let m = app.hub.mutate(&user, origin(&headers), |plans| {
        plans.task_plan(&task_id, &user)?;
        plans.update_task(&task_id, &user, change?)
    })?;
    Ok(with_seq(StatusCode::OK, m))
}

async fn delete_task(State(app): State<SharedApp>, Path(task_id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let user = caller(&app, &headers)?;
    let m = app.hub.mutate(&user, origin(&headers), |plans| {
        let (plan_id, task_id, events) = plans.delete_task(&task_id, &user)?;
        Ok((plan_id, TaskDeleted { task_id }, events))
    })?;
    Ok(with_seq(StatusCode::OK, m))
}

async fn reorder_tasks(State(app): State<SharedApp>, Path(plan_id): Path<String>, headers: HeaderMap, bytes: Bytes) -> Result<Response, ApiError> {
    let user = caller(&app, &headers)?;
    // Parsed before the lock; more ids than a plan may hold are refused before they are prepared.
    let max_tasks = app.cfg.limits.max_tasks_per_plan;
    let order = body::<ReorderTasks>(&bytes).and_then(|b| {
        if b.task_ids.len() > max_tasks.max(1) {
            Err(PlanError::Invalid(format!("taskIds: at most {max_tasks} ids")))
        } else {
            Ok(TaskOrder::from(b))
        }
    });
    let m = app.hub.mutate(&user, origin(&headers), |plans| {
        plans.check_access(&plan_id, &user)?;
        let (task_ids, events) = plans.reorder(&plan_id, &user, order?)?;
        Ok((plan_id, TaskReordered { task_ids }, events))
    })?;
    Ok(with_seq(StatusCode::OK, m))
}

async fn health(State(app): State<SharedApp>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "connections": app.hub.connection_count(), "uptimeMs": app.hub.uptime_ms() }))
}

async fn metrics(State(app): State<SharedApp>) -> Json<Metrics> {
    let mut m = app.hub.metrics();
    m.pending_connections = app.gate.len();
    Json(m)
}
