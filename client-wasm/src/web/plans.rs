//! Synchronized plans in the browser (**extension**): the core's [`Action::LoadPlan`] and
//! [`Action::Mutate`] become calls of the `api` option's functions (the app's own, or the package's
//! REST defaults), awaited as futures and fed back as inputs; each write's promise settles after
//! its answer is fed; `plan(planId)` hands out one cached object per plan version.
//!
//! [`Action::LoadPlan`]: crate::core::Action::LoadPlan
//! [`Action::Mutate`]: crate::core::Action::Mutate

use super::driver::Shared;
use super::error::{coded, error_text};
use super::feed::Feed;
use super::frames::{to_js, Js};
use crate::core::plan::{Ack, Mutation, RequestError};
use crate::core::Input;
use js_sys::{Array, Function, Object, Promise, Reflect};
use planwire_protocol::ErrorCode;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(typescript_custom_section)]
const PLAN_API: &'static str = r#"
/** What a plan's functions are called with: the client's current token and connection id (send it as `X-Connection-Id`; absent with `shareConnection`). */
export interface PlanApiContext { token?: string; connectionId?: string }
/** A new task's fields, or the fields of a task to change. */
export type TaskFields = { title?: string; status?: string; [field: string]: unknown };
/**
 * How synchronized plans are loaded and written (the `api` option). `planwire`'s `PlanClient` fills in
 * each function you leave out with a call of the Plan WebSocket Service's REST route, made with the
 * client's token. A function rejects with an `Error` whose `code` names the failure (`FORBIDDEN`,
 * `NOT_FOUND`, …); without one, the failure is `REQUEST_FAILED`.
 */
export interface PlanApi {
  /** `GET /api/plans/:planId`: the tasks in order, with the `seq` they reflect when the server names one. */
  loadPlan?(planId: string, context: PlanApiContext): Promise<PlanData>;
  /** `POST /api/plans/:planId/tasks`. */
  createTask?(planId: string, fields: TaskFields, context: PlanApiContext): Promise<WriteResult | Task>;
  /** `PATCH /api/tasks/:taskId`. */
  updateTask?(planId: string, taskId: number | string, patch: TaskFields, context: PlanApiContext): Promise<WriteResult | Task>;
  /** `DELETE /api/tasks/:taskId`. */
  deleteTask?(planId: string, taskId: number | string, context: PlanApiContext): Promise<WriteResult | void>;
  /** `POST /api/plans/:planId/tasks/reorder`. */
  reorderTasks?(planId: string, taskIds: (number | string)[], context: PlanApiContext): Promise<WriteResult | void>;
}
"#;

/// A write's promise, settled once its answer reached the core.
pub struct Settle {
    /// The write's id.
    pub id: u32,
    resolve: Function,
    reject: Function,
}

/// A new write's promise and what settles it (the executor runs at once: always `Some`).
pub fn promise(id: u32) -> (Promise, Option<Settle>) {
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some(Settle { id, resolve, reject }));
    (promise, settle)
}

/// The promise of the write `id`, taken from the ones waiting for their call.
pub fn take(shared: &Rc<Shared>, id: u32) -> Option<Settle> {
    let mut inner = shared.try_borrow_mut().ok()?;
    let i = inner.writes.iter().position(|s| s.id == id)?;
    Some(inner.writes.swap_remove(i))
}

impl Settle {
    /// Rejects with `error` (a caller error: nothing was sent).
    pub fn reject(self, error: &JsValue) {
        let _ = self.reject.call1(&JsValue::UNDEFINED, error);
    }
}

/// The `{ token, connectionId }` handed to the api's functions (no `connectionId` on a shared
/// connection: a change the server did not echo on it would never reach the other tabs).
fn context(shared: &Rc<Shared>) -> JsValue {
    let ctx = Object::new();
    if let Ok(inner) = shared.try_borrow() {
        if let Some(token) = inner.machine.token() {
            let _ = Reflect::set(&ctx, &"token".into(), &token.into());
        }
        if let Some(id) = inner.machine.connection_id().filter(|_| !inner.shared_connection) {
            let _ = Reflect::set(&ctx, &"connectionId".into(), &id.into());
        }
    }
    ctx.into()
}

/// The api option's function `name` and the api object, if given.
fn function(shared: &Rc<Shared>, name: &str) -> Option<(Object, Function)> {
    let inner = shared.try_borrow().ok()?;
    let api = inner.api.clone()?;
    let f = Reflect::get(&api, &name.into()).ok()?.dyn_into::<Function>().ok()?;
    Some((api, f))
}

/// Calls `name` with `args` (and the context last); `Err` when there is no such function or it threw.
fn call(shared: &Rc<Shared>, name: &str, args: Array) -> Result<Promise, JsValue> {
    let Some((api, f)) = function(shared, name) else {
        let message = crate::core::concat(&["no ", name, " function: pass it in the api option"]);
        return Err(coded(ErrorCode::RequestFailed.as_str(), &message));
    };
    args.push(&context(shared));
    f.apply(&api, &args).map(|v| Promise::resolve(&v))
}

/// Why a call failed, for the core: the rejection's `code` (or `REQUEST_FAILED`) and message.
fn request_error(e: &JsValue) -> RequestError {
    let code = e.is_object().then(|| Reflect::get(e, &"code".into()).ok()).flatten().and_then(|c| c.as_string());
    let code = code.unwrap_or_else(|| ErrorCode::RequestFailed.as_str().into());
    // A `PlanwireError`'s message starts with its code: the error's `message` is what follows.
    let text = error_text(e, "the request failed");
    let message = text.strip_prefix(code.as_str()).and_then(|t| t.strip_prefix(": ")).map(String::from).unwrap_or(text);
    RequestError { code, message }
}

/// The rejection handed to the caller: the api's own error when it carries a code, else one made.
fn caller_error(e: &JsValue, error: &RequestError) -> JsValue {
    let has_code = e.is_object() && Reflect::get(e, &"code".into()).is_ok_and(|c| c.is_string());
    if has_code && e.is_instance_of::<js_sys::Error>() {
        return e.clone();
    }
    rejection(error)
}

/// A `PlanwireError` for `error`: its code, and `CODE: message`.
pub fn rejection(error: &RequestError) -> JsValue {
    coded(&error.code, &crate::core::concat(&[error.code.as_str(), ": ", &error.message]))
}

/// [`crate::core::Action::LoadPlan`]: `api.loadPlan(planId, context)`, answered with `ticket`.
pub fn load(shared: &Rc<Shared>, feed: &Feed, plan_id: String, ticket: u32) {
    let args = Array::of1(&plan_id.into());
    answer(call(shared, "loadPlan", args), feed.clone(), Then::Load(ticket));
}

/// [`crate::core::Action::Mutate`]: the api's function for the write; its answer is fed to the
/// core, then `settle` resolves (with the server's task, for a create or an update) or rejects.
pub fn write(shared: &Rc<Shared>, feed: &Feed, plan_id: String, mutation: Mutation<Js>, settle: Option<Settle>) {
    let (name, args) = match &mutation {
        Mutation::Create { fields } => ("createTask", Array::of2(&plan_id.into(), &fields.0)),
        Mutation::Update { task_id, patch } => {
            ("updateTask", Array::of3(&plan_id.into(), &to_js(task_id).unwrap_or_default(), &patch.0))
        }
        Mutation::Delete { task_id } => ("deleteTask", Array::of2(&plan_id.into(), &to_js(task_id).unwrap_or_default())),
        Mutation::Reorder { task_ids } => ("reorderTasks", Array::of2(&plan_id.into(), &to_js(task_ids).unwrap_or_default())),
    };
    let returns_task = matches!(mutation, Mutation::Create { .. } | Mutation::Update { .. });
    let call = call(shared, name, args);
    let Some(settle) = settle else { return };
    answer(call, feed.clone(), Then::Write(settle, returns_task));
}

/// What a call's answer is for.
enum Then {
    /// A load, with its ticket.
    Load(u32),
    /// A write, with its promise and whether it resolves to the server's task.
    Write(Settle, bool),
}

/// Awaits a call (one future for loads and writes) and feeds its answer to the core.
fn answer(call: Result<Promise, JsValue>, feed: Feed, then: Then) {
    wasm_bindgen_futures::spawn_local(async move {
        let answer = match call {
            Ok(promise) => JsFuture::from(promise).await,
            Err(e) => Err(e),
        };
        match (then, answer) {
            (Then::Load(ticket), answer) => {
                let result = answer.map(Js).map_err(|e| request_error(&e));
                feed.emit(Input::PlanLoaded { ticket, result });
            }
            (Then::Write(settle, returns_task), Ok(value)) => {
                let ack = Ack::read(&Js(value));
                let task = ack.task.as_ref().map(|t| t.0.clone()).filter(|_| returns_task);
                feed.emit(Input::Mutated { id: settle.id, result: Ok(ack) });
                let _ = settle.resolve.call1(&JsValue::UNDEFINED, &task.unwrap_or(JsValue::UNDEFINED));
            }
            (Then::Write(settle, _), Err(e)) => {
                let error = request_error(&e);
                let rejection = caller_error(&e, &error);
                feed.emit(Input::Mutated { id: settle.id, result: Err(error) });
                settle.reject(&rejection);
            }
        }
    });
}

/// One cached `plan(planId)` object: handed out again while the plan's version is the same.
pub struct View {
    plan_id: String,
    version: u64,
    value: JsValue,
}

/// `plan(planId)`: the cached object for the plan's current version, or a new one (`undefined`
/// when the plan is not synchronized).
pub fn view(shared: &Rc<Shared>, plan_id: &str) -> JsValue {
    let Ok(mut inner) = shared.try_borrow_mut() else { return JsValue::UNDEFINED };
    let inner = &mut *inner;
    let Some(plan) = inner.machine.plan(plan_id) else {
        crate::core::retain(&mut inner.views, |v| v.plan_id != plan_id);
        return JsValue::UNDEFINED;
    };
    let version = plan.version();
    if let Some(v) = inner.views.iter().find(|v| v.plan_id == plan_id && v.version == version) {
        return v.value.clone();
    }
    let value = to_js(&plan.snapshot()).unwrap_or(JsValue::UNDEFINED);
    crate::core::retain(&mut inner.views, |v| v.plan_id != plan_id);
    inner.views.push(View { plan_id: plan_id.into(), version, value: value.clone() });
    value
}
