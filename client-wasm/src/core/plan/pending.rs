//! The application's own writes, shown at once (optimistic) and kept on top of the server's state
//! until the server's state includes them.
//!
//! A write is *in flight* until its REST call answers. Its answer names the room `seq` after the
//! change (`X-Seq`): the write then stays on top, as the server's answer, until the synchronized
//! state reaches that `seq` (the broadcast, a replay or a snapshot brings it), so a remote change
//! ordered before it cannot hide it and one ordered after it is not hidden by it. A failed call is
//! dropped: the view rolls back.

use super::tasks::{key_of, keys_of, task_key, TaskList};
use crate::core::decode::{is_task, TaskId, Value};

/// A write the application asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Mutation<P> {
    /// `createTask(planId, fields)`: `fields` is an object (`title`, `status`, …).
    Create {
        /// The new task's fields.
        fields: P,
    },
    /// `updateTask(planId, taskId, patch)`: `patch` is an object of the fields to change.
    Update {
        /// The task.
        task_id: TaskId,
        /// The fields to change.
        patch: P,
    },
    /// `deleteTask(planId, taskId)`.
    Delete {
        /// The task.
        task_id: TaskId,
    },
    /// `reorderTasks(planId, taskIds)`.
    Reorder {
        /// Every task id of the plan, in the new order.
        task_ids: Vec<TaskId>,
    },
}

/// What the server answered to a write.
#[derive(Clone, Debug, PartialEq)]
pub struct Ack<P> {
    /// The task as the server stored it (create, update), when the answer carried a valid one.
    pub task: Option<P>,
    /// The room's `seq` after the change (`X-Seq`), when the server sends it.
    pub seq: Option<u64>,
}

/// What a write's function resolves to (the default REST calls: the task in the body, `X-Seq`);
/// a task itself is also understood.
#[derive(Clone, Debug, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(bound(deserialize = "P: Value"))]
pub struct WriteResult<P> {
    /// The task as the server stored it (create, update).
    #[serde(default = "none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "Task", type_params = ""))]
    pub task: Option<P>,
    /// **Extension.** The room's `seq` after the change (the `X-Seq` response header).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "number"))]
    pub seq: Option<u64>,
}

fn none<P>() -> Option<P> {
    None
}

impl<P: Value> Ack<P> {
    /// Reads a write's answer: a [`WriteResult`], a task, or nothing useful (`undefined`).
    pub fn read(answer: &P) -> Ack<P> {
        if is_task(answer) {
            return Ack { task: Some(answer.clone()), seq: None };
        }
        match answer.read::<WriteResult<P>>() {
            Some(result) => Ack { task: result.task, seq: result.seq },
            None => Ack { task: None, seq: None },
        }
    }
}

/// The id an optimistic new task has until the server answers: `pending-<id>`.
pub fn pending_key(id: u32) -> String {
    crate::core::concat(&["pending-", &super::tasks::decimal(i64::from(id))])
}

/// One write on top of the server's state.
#[derive(Clone, Debug)]
pub struct Pending<P> {
    /// The glue's id for the call (its promise).
    pub id: u32,
    /// The write, with what the view shows for it.
    op: Op<P>,
    /// `None` while in flight; the server's `seq` once answered.
    pub acked_at: Option<u64>,
    /// A write to a task whose create is not answered yet (its id is the create's pending key):
    /// sent, with the server's id, once the create is answered.
    pub held: Option<Mutation<P>>,
}

/// A write as the view applies it.
#[derive(Clone, Debug)]
enum Op<P> {
    /// Shown at the end of the list under `key` (the pending key, then the server's id).
    Create { key: String, task: P },
    /// `task` is `base` with the patch merged in (kept while `base` is unchanged), then the
    /// server's answer.
    Update { key: String, patch: P, base: Option<P>, task: Option<P> },
    Delete { key: String },
    Reorder { keys: Vec<String> },
}

impl<P: Value> Pending<P> {
    /// A write in flight; `None` when its arguments are not what the write needs (the caller's
    /// error).
    pub fn new(id: u32, mutation: &Mutation<P>) -> Option<Pending<P>> {
        let op = match mutation {
            Mutation::Create { fields } => {
                let key = pending_key(id);
                let mut entries = vec![("id".into(), P::string(&key))];
                for (k, v) in fields.entries()? {
                    if k != "id" {
                        entries.push((k, v));
                    }
                }
                // As the server stores it: a new task's status is `not_started` unless given.
                if !entries.iter().any(|(k, _)| k == "status") {
                    entries.push(("status".into(), P::string("not_started")));
                }
                Op::Create { key, task: P::object(entries) }
            }
            Mutation::Update { task_id, patch } => {
                patch.entries()?;
                Op::Update { key: key_of(task_id), patch: patch.clone(), base: None, task: None }
            }
            Mutation::Delete { task_id } => Op::Delete { key: key_of(task_id) },
            Mutation::Reorder { task_ids } => Op::Reorder { keys: keys_of(task_ids) },
        };
        Some(Pending { id, op, acked_at: None, held: None })
    }

    /// Whether this is the create of the task `key` (its pending key), not answered yet.
    pub fn creates(&self, key: &str) -> bool {
        matches!(&self.op, Op::Create { key: k, .. } if k == key) && self.acked_at.is_none()
    }

    /// The server's id of the task this create made (once answered with a task).
    pub fn created_id(&self) -> Option<TaskId> {
        match &self.op {
            Op::Create { task, key } if !key.starts_with("pending-") => task.member("id")?.read(),
            _ => None,
        }
    }

    /// The held write, now for the task `id` (its create was answered): what to send.
    pub fn release(&mut self, id: &TaskId) -> Option<Mutation<P>> {
        let mut mutation = self.held.take()?;
        if let Mutation::Update { task_id, .. } | Mutation::Delete { task_id } = &mut mutation {
            *task_id = id.clone();
        }
        if let Op::Update { key, .. } | Op::Delete { key } = &mut self.op {
            *key = key_of(id);
        }
        Some(mutation)
    }

    /// The pending key of the create this held write waits for.
    pub fn waits_for(&self) -> Option<String> {
        match self.held.as_ref()? {
            Mutation::Update { task_id, .. } | Mutation::Delete { task_id } => Some(key_of(task_id)),
            _ => None,
        }
    }

    /// The key of the task this write shows as changed (none for a reorder).
    pub fn key(&self) -> Option<&str> {
        match &self.op {
            Op::Create { key, .. } | Op::Update { key, .. } | Op::Delete { key } => Some(key),
            Op::Reorder { .. } => None,
        }
    }

    /// The server answered at `seq`: from now on the view shows the server's task.
    pub fn acked(&mut self, ack: &Ack<P>, seq: u64) {
        self.acked_at = Some(seq);
        self.take_answer(ack);
    }

    fn take_answer(&mut self, ack: &Ack<P>) {
        let answer = ack.task.as_ref().filter(|t| is_task(*t)).and_then(|t| Some((task_key(t)?, t.clone())));
        match (&mut self.op, answer) {
            (Op::Create { key, task }, Some((k, t))) => {
                *key = k;
                *task = t;
            }
            (Op::Update { task, .. }, Some((_, t))) => *task = Some(t),
            _ => {}
        }
    }

    /// Applies the write to `list` (the view being built).
    pub fn apply(&mut self, list: &mut TaskList<P>) {
        match &mut self.op {
            Op::Create { key, task } => list.upsert(key.clone(), task.clone()),
            Op::Update { key, patch, base, task } => {
                let Some(current) = list.get(key).cloned() else { return };
                let fresh = self.acked_at.is_none() && base.as_ref().is_none_or(|b| !b.same(&current));
                if fresh {
                    *task = merge(&current, patch);
                    *base = Some(current);
                }
                if let Some(task) = task {
                    list.upsert(key.clone(), task.clone());
                }
            }
            Op::Delete { key } => list.remove(key),
            Op::Reorder { keys } => list.reorder(keys),
        }
    }

    /// Applies the server's answer to `list` itself: for a server that names no `seq`, where
    /// nothing later would bring the change.
    pub fn settle_into(&mut self, ack: &Ack<P>, list: &mut TaskList<P>) {
        self.take_answer(ack);
        if let Op::Create { key, .. } = &self.op {
            if key.starts_with("pending-") {
                return; // no task in the answer: the broadcast or the next snapshot brings it
            }
        }
        self.acked_at = Some(0);
        self.apply(list);
    }
}

/// `base` with the members of `patch` set (`id` is never changed).
fn merge<P: Value>(base: &P, patch: &P) -> Option<P> {
    let mut entries = base.entries()?;
    for (k, v) in patch.entries()? {
        if k == "id" {
            continue;
        }
        match entries.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => entries.push((k, v)),
        }
    }
    Some(P::object(entries))
}
