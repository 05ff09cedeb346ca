//! What a synchronized plan is loaded from ([`PlanData`], checked by [`read_snapshot`]) and what the
//! application reads of it ([`PlanSnapshot`], with its [`PlanStatus`] and [`RequestError`]).

use crate::core::decode::{is_task, Value};
use planwire_protocol::{ErrorCode, Progress};
use serde::{Deserialize, Serialize};

/// Where a synchronized plan is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum PlanStatus {
    /// The first snapshot is not there yet (`tasks` is empty).
    Loading,
    /// The tasks reflect the server's, and every change since.
    Live,
    /// A reload is under way (after a `resync`); the tasks shown are the last known.
    Resyncing,
    /// The last load failed (`error` says why); it is retried with backoff, the tasks shown are the
    /// last known.
    Error,
}

/// Why a load or a write failed: the code of the error the loader or the REST call gave
/// (`FORBIDDEN`, `NOT_FOUND`, …, `REQUEST_FAILED` without one, `INVALID_SNAPSHOT` for an answer of
/// the wrong shape) and its message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct RequestError {
    /// An `ErrorCode`, or the code a server or the application's loader gave.
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// What a plan loader resolves to: `GET /api/plans/:planId`'s body (other members ignored).
#[derive(Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(bound(deserialize = "P: Value"))]
pub struct PlanData<P> {
    /// Every task, in order.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Task[]", type_params = ""))]
    pub tasks: Vec<P>,
    /// The plan's progress (counted from the tasks when absent).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub progress: Option<Progress>,
    /// **Extension.** The room `seq` the tasks reflect: changes up to it are not applied again.
    /// Without it, every change that arrived during the load is applied on top.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "number"))]
    pub seq: Option<u64>,
    /// **Extension.** The room history `seq` belongs to.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub epoch: Option<String>,
}

/// A synchronized plan as the application reads it (`plan(planId)`, `usePlan`): the same object
/// until something in it changes, and each task the same object until it changes.
#[derive(Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct PlanSnapshot<P> {
    /// The plan.
    pub plan_id: String,
    /// `loading` (no tasks yet), `live`, `resyncing` (reloading; the last known tasks shown) or
    /// `error` (the last load failed and is retried; `error` says why).
    pub status: PlanStatus,
    /// The tasks in order, the application's pending writes included (a new task has the id
    /// `pending-<n>` until the server answers).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Task[]", type_params = ""))]
    pub tasks: Vec<P>,
    /// The progress: the server's, or counted from `tasks` while writes are pending.
    pub progress: Progress,
    /// **Extension.** The room `seq` the server's part of the state reflects.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "number | null"))]
    pub seq: Option<u64>,
    /// Why the last load failed, while it is retried.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "RequestError | null"))]
    pub error: Option<RequestError>,
    /// The ids (as `idKey` gives them) of tasks with a write not yet in the server's state.
    pub pending: Vec<String>,
}

/// A loader's answer as a snapshot, refused with `INVALID_SNAPSHOT` unless it has the shape the
/// protocol promises.
pub(super) fn read_snapshot<P: Value>(answer: &P) -> Result<PlanData<P>, RequestError> {
    let invalid = |message: &str| RequestError { code: ErrorCode::InvalidSnapshot.as_str().into(), message: message.into() };
    let snapshot: PlanData<P> = answer
        .read()
        .ok_or_else(|| invalid("the plan must be an object with a tasks array (progress, seq and epoch optional)"))?;
    if !snapshot.tasks.iter().all(is_task) {
        return Err(invalid("every task of the plan needs an id (a number or a string), a title and a status (strings)"));
    }
    Ok(snapshot)
}
