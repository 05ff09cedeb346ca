//! `PlanClient`'s synchronized-plan methods (**extension**): `syncPlan` / `unsyncPlan`, `plan`,
//! and the optimistic writes, each returning a promise.

use super::api::{plan_id, thrown, PlanClient};
use super::driver;
use super::frames::Js;
use super::plans;
use crate::core::decode::TaskId;
use crate::core::plan::Mutation;
use crate::core::{ConfigError, Input};
use js_sys::Promise;
use planwire_protocol::ErrorCode;
use wasm_bindgen::prelude::*;

const BAD_ID: ConfigError = ConfigError { code: ErrorCode::InvalidMutation, message: "a task id must be a number or a string" };

fn task_id(value: JsValue) -> Result<TaskId, ConfigError> {
    serde_wasm_bindgen::from_value(value).map_err(|_| BAD_ID)
}

/// A write method's arguments, read into a [`Mutation`] only once the plan id is valid (one
/// non-generic write path for the four methods).
enum Args {
    Create(JsValue),
    Update(JsValue, JsValue),
    Delete(JsValue),
    Reorder(JsValue),
}

impl Args {
    fn mutation(self) -> Result<Mutation<Js>, ConfigError> {
        Ok(match self {
            Args::Create(fields) => Mutation::Create { fields: Js(fields) },
            Args::Update(id, patch) => Mutation::Update { task_id: task_id(id)?, patch: Js(patch) },
            Args::Delete(id) => Mutation::Delete { task_id: task_id(id)? },
            Args::Reorder(ids) => {
                Mutation::Reorder { task_ids: serde_wasm_bindgen::from_value(ids).map_err(|_| BAD_ID)? }
            }
        })
    }
}

#[wasm_bindgen]
impl PlanClient {
    /// Keeps a plan's tasks, progress and `seq` synchronized (reference-counted; joins the room):
    /// the snapshot is loaded once joined, every change applied once and in order, and reloaded by
    /// itself after a `resync`. Read it with `plan(planId)`; `planChanged` tells when it changed.
    #[wasm_bindgen(js_name = syncPlan)]
    pub fn sync_plan(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<(), JsValue> {
        driver::input_rc(&self.shared, Input::Sync(self::plan_id(&plan_id)?)).map_err(thrown)
    }

    /// Drops one `syncPlan` reference (the last one leaves the room and forgets the plan).
    #[wasm_bindgen(js_name = unsyncPlan)]
    pub fn unsync_plan(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<(), JsValue> {
        driver::input_rc(&self.shared, Input::Unsync(self::plan_id(&plan_id)?)).map_err(thrown)
    }

    /// A synchronized plan: the same object until something in it changes, and each task the same
    /// object until that task changes (so rows can be memoised). `undefined` when not synchronized.
    #[wasm_bindgen(unchecked_return_type = "PlanSnapshot | undefined")]
    pub fn plan(&self, #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue) -> Result<JsValue, JsValue> {
        Ok(plans::view(&self.shared, &self::plan_id(&plan_id)?))
    }

    /// Adds a task to a synchronized plan: shown at once (id `pending-<n>`), then as the server
    /// stored it. Resolves to the server's task; rejects with a `PlanwireError` (the write rolled
    /// back): `NOT_SYNCED`, `INVALID_MUTATION`, or the REST call's code.
    #[wasm_bindgen(js_name = createTask, unchecked_return_type = "Promise<Task>")]
    pub fn create_task(
        &self,
        #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TaskFields")] fields: JsValue,
    ) -> Promise {
        self.write(plan_id, Args::Create(fields))
    }

    /// Changes fields of a task: shown at once, kept on top of other changes until the server's
    /// state has it. Resolves to the server's task; rejects (rolled back) like `createTask`.
    #[wasm_bindgen(js_name = updateTask, unchecked_return_type = "Promise<Task>")]
    pub fn update_task(
        &self,
        #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue,
        #[wasm_bindgen(js_name = taskId, unchecked_param_type = "number | string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TaskFields")] patch: JsValue,
    ) -> Promise {
        self.write(plan_id, Args::Update(id, patch))
    }

    /// Deletes a task: gone at once, back if the call fails.
    #[wasm_bindgen(js_name = deleteTask, unchecked_return_type = "Promise<void>")]
    pub fn delete_task(
        &self,
        #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue,
        #[wasm_bindgen(js_name = taskId, unchecked_param_type = "number | string")] id: JsValue,
    ) -> Promise {
        self.write(plan_id, Args::Delete(id))
    }

    /// Puts the tasks in a new order (every task id of the plan): shown at once, undone if the call
    /// fails.
    #[wasm_bindgen(js_name = reorderTasks, unchecked_return_type = "Promise<void>")]
    pub fn reorder_tasks(
        &self,
        #[wasm_bindgen(js_name = planId, unchecked_param_type = "string")] plan_id: JsValue,
        #[wasm_bindgen(js_name = taskIds, unchecked_param_type = "(number | string)[]")] ids: JsValue,
    ) -> Promise {
        self.write(plan_id, Args::Reorder(ids))
    }
}

impl PlanClient {
    /// Hands a write to the machine; its promise settles when the REST call answered (or at once,
    /// rejected, when the machine refuses it).
    fn write(&self, plan_id: JsValue, args: Args) -> Promise {
        let Ok(mut inner) = self.shared.try_borrow_mut() else {
            return Promise::reject(&thrown(ConfigError { code: ErrorCode::Busy, message: "the client is busy" }));
        };
        inner.next_write = inner.next_write.wrapping_add(1);
        let id = inner.next_write;
        drop(inner);
        let (promise, settle) = plans::promise(id);
        let Some(settle) = settle else { return promise };
        let plan_id = match self::plan_id(&plan_id) {
            Ok(p) => p,
            Err(e) => {
                settle.reject(&e);
                return promise;
            }
        };
        let mutation = match args.mutation() {
            Ok(m) => m,
            Err(e) => {
                settle.reject(&thrown(e));
                return promise;
            }
        };
        if let Ok(mut inner) = self.shared.try_borrow_mut() {
            inner.writes.push(settle);
        }
        if let Err(e) = driver::input_rc(&self.shared, Input::Mutate { id, plan_id, mutation }) {
            if let Some(settle) = plans::take(&self.shared, id) {
                settle.reject(&thrown(e));
            }
        }
        promise
    }
}
