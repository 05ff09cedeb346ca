//! Synchronized plans (**extension** of the client): a plan's tasks, progress and `seq` kept
//! correct by the client, not by each application.
//!
//! Rules, per synchronized plan:
//! - subscribe first: the snapshot is loaded once the room's join is confirmed, and the room's
//!   changes arriving meanwhile are buffered;
//! - the snapshot (`GET /api/plans/:planId`, or the application's own loader) says which `seq` it
//!   reflects: buffered changes at or below it are dropped, the rest applied in order;
//! - `task-created` inserts (idempotent), `task-updated` replaces, `task-deleted` removes,
//!   `task-reordered` reorders (unknown ids ignored, unnamed tasks kept after, in their order),
//!   `progress-updated` replaces; ids compare by value whatever their JSON type;
//! - a `resync`, a re-join the server could not replay (another epoch included), and a re-join on a
//!   server without `seq` reload the snapshot by themselves; a failed load is retried with backoff;
//! - the application's writes are shown at once and kept on top until the state includes them
//!   ([`pending`]).

pub mod pending;
mod registry;
mod snapshot;
pub mod tasks;

use crate::core::decode::Value;
pub use pending::{Ack, Mutation, Pending, WriteResult};
use planwire_protocol::{ErrorCode, Progress};
pub use registry::Plans;
use snapshot::read_snapshot;
pub use snapshot::{PlanData, PlanSnapshot, PlanStatus, RequestError};
use tasks::TaskList;

/// A change the room broadcast, as the plan applies it.
#[derive(Clone, Debug)]
pub enum Change<P> {
    /// `task-created` / `task-updated`.
    Upsert(String, P),
    /// `task-deleted`.
    Delete(String),
    /// `task-reordered`.
    Reorder(Vec<String>),
    /// `progress-updated`.
    Progress(Progress),
}

/// The load of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Load {
    /// Waiting for the room's join confirmation.
    Waiting,
    /// `LoadPlan` with this ticket is out; changes are buffered.
    InFlight { ticket: u32 },
    /// Failed; the next load at `at` (never for `FORBIDDEN` / `NOT_FOUND`).
    Retry { at: Option<u64> },
    /// Loaded; changes are applied as they come.
    Done,
}

/// What a write's answer lets go, in order: `(id, Some(write))` a held write to send now, with
/// the server's task id; `(id, None)` a held write whose task's create failed (or was answered
/// without a task), which fails with it.
pub type Released<P> = Vec<(u32, Option<Mutation<P>>)>;

/// The most changes buffered during one load: beyond, the buffer is dropped and the load redone.
const MAX_BUFFERED: usize = 10_000;
/// The most writes in flight or awaiting their `seq`, per plan.
pub const MAX_PENDING: usize = 1_000;

/// One synchronized plan.
#[derive(Clone, Debug)]
pub struct SyncedPlan<P> {
    /// The plan id.
    pub plan_id: String,
    /// How many `syncPlan` calls hold the plan.
    pub(super) refs: u32,
    /// The server's state: the snapshot and every change applied since.
    confirmed: TaskList<P>,
    progress: Option<Progress>,
    /// The `seq` `confirmed` reflects.
    seq: Option<u64>,
    epoch: Option<String>,
    load: Load,
    /// Loads failed in a row: the next is tried 1 s, 2 s, 4 s … up to 30 s after the last failure.
    failures: u32,
    /// A snapshot was applied at least once.
    loaded: bool,
    /// The room's last applied `seq` when the load went out: an older snapshot is stale (as is
    /// one older than `seq` in the same epoch).
    floor: Option<u64>,
    buffer: Vec<(Option<u64>, Change<P>)>,
    pending: Vec<Pending<P>>,
    error: Option<RequestError>,
    /// What the application sees: `confirmed` with `pending` on top (`None`: nothing pending).
    view: Option<TaskList<P>>,
    /// Bumped on every change the application can see.
    version: u64,
}

impl<P: Value> SyncedPlan<P> {
    pub(super) fn new(plan_id: &str) -> SyncedPlan<P> {
        SyncedPlan {
            plan_id: plan_id.into(),
            refs: 1,
            confirmed: TaskList::default(),
            progress: None,
            seq: None,
            epoch: None,
            load: Load::Waiting,
            failures: 0,
            loaded: false,
            floor: None,
            buffer: Vec::new(),
            pending: Vec::new(),
            error: None,
            view: None,
            version: 0,
        }
    }

    // ------------------------------------------------------------------ reading

    /// The status.
    pub fn status(&self) -> PlanStatus {
        match self.load {
            _ if self.error.is_some() => PlanStatus::Error,
            Load::Done => PlanStatus::Live,
            _ if self.loaded => PlanStatus::Resyncing,
            _ => PlanStatus::Loading,
        }
    }

    /// The tasks as the application sees them, in order (its own writes included).
    pub fn tasks(&self) -> &TaskList<P> {
        self.view.as_ref().unwrap_or(&self.confirmed)
    }

    /// The progress: the server's, or counted from the tasks while the application's writes are
    /// pending (or when the loader gave none).
    pub fn progress(&self) -> Progress {
        match self.progress {
            Some(p) if self.pending.is_empty() => p,
            _ => {
                let tasks = self.tasks();
                Progress::from_counts(tasks.len() as u32, tasks.completed() as u32)
            }
        }
    }

    /// The `seq` the server's part of the state reflects.
    pub fn seq(&self) -> Option<u64> {
        self.seq
    }

    /// Why the last load failed, while it is retried.
    pub fn error(&self) -> Option<&RequestError> {
        self.error.as_ref()
    }

    /// The keys of tasks with a write of the application's not yet in the server's state.
    pub fn pending_keys(&self) -> impl Iterator<Item = &str> {
        self.pending.iter().filter_map(Pending::key)
    }

    /// Bumped whenever anything above changes.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Everything the application reads, as one value.
    pub fn snapshot(&self) -> PlanSnapshot<P> {
        PlanSnapshot {
            plan_id: self.plan_id.clone(),
            status: self.status(),
            tasks: {
                // A loop of `push`, not `map(..).collect()` (its `SpecFromIterNested`, `extend_trusted`
                // and `fold`, 256 B).
                let mut tasks = Vec::with_capacity(self.tasks().len());
                for e in self.tasks().iter() {
                    tasks.push(e.task.clone());
                }
                tasks
            },
            progress: self.progress(),
            seq: self.seq,
            error: self.error.clone(),
            pending: {
                let mut keys: Vec<String> = Vec::new();
                for k in self.pending_keys() {
                    if !keys.iter().any(|have| have == k) {
                        keys.push(k.into());
                    }
                }
                keys
            },
        }
    }

    // ------------------------------------------------------------------ loading

    /// Whether a snapshot must be loaded now that the room's join was confirmed: the first join,
    /// or `reload` (a re-join that replays nothing). A load in flight is redone.
    pub fn joined(&mut self, reload: bool) -> bool {
        match self.load {
            Load::Waiting => true,
            Load::Retry { .. } => true,
            _ => reload,
        }
    }

    /// A `LoadPlan` with `ticket` goes out; `floor` is the room's last applied `seq`.
    pub fn load_sent(&mut self, ticket: u32, floor: Option<u64>) {
        // Patterns, not `==`: the derived `eq` (Load's every variant, 140 B) was linked for these two.
        if matches!(self.load, Load::Done) {
            self.buffer.clear();
        }
        self.load = Load::InFlight { ticket };
        self.floor = floor;
        self.changed();
    }

    /// Whether `ticket` is this plan's load in flight.
    pub fn awaits(&self, ticket: u32) -> bool {
        matches!(self.load, Load::InFlight { ticket: t } if t == ticket)
    }

    /// The loader answered. `Err` keeps the last known tasks and retries from `now`.
    pub fn loaded(&mut self, answer: Result<P, RequestError>, now: u64) {
        let snapshot = answer.and_then(|a| read_snapshot(&a));
        // Older than what the room already applied, or than this plan's state in the same epoch.
        let same_epoch = |s: &PlanData<P>| s.epoch.is_none() || s.epoch == self.epoch;
        let snapshot = snapshot.and_then(|s| match (s.seq, self.floor.max(self.seq.filter(|_| same_epoch(&s)))) {
            (Some(seq), Some(floor)) if seq < floor => Err(RequestError {
                code: ErrorCode::StaleSnapshot.as_str().into(),
                message: "the loader returned a plan older than the changes already applied".into(),
            }),
            _ => Ok(s),
        });
        match snapshot {
            Ok(snapshot) => self.apply_snapshot(snapshot),
            Err(e) => self.load_failed(e, now),
        }
        self.changed();
    }

    fn apply_snapshot(&mut self, snapshot: PlanData<P>) {
        let other_epoch = snapshot.epoch.is_some() && self.epoch.is_some() && snapshot.epoch != self.epoch;
        self.confirmed.replace_all(snapshot.tasks);
        self.progress = snapshot.progress;
        self.seq = snapshot.seq;
        // Not `Option::or` (see `Machine::on_frame`, the error frame).
        if snapshot.epoch.is_some() {
            self.epoch = snapshot.epoch;
        }
        self.loaded = true;
        self.load = Load::Done;
        self.failures = 0;
        self.error = None;
        for (seq, change) in core::mem::take(&mut self.buffer) {
            self.apply_change(seq, change);
        }
        // Writes answered in another history (or by a loader that names no `seq`) can never be
        // matched by `seq`: the snapshot, loaded after their answer, has them, or they were lost
        // with that history.
        if other_epoch || self.seq.is_none() {
            self.keep_pending(&|p| p.acked_at.is_none());
        }
    }

    fn load_failed(&mut self, error: RequestError, now: u64) {
        self.failures = self.failures.saturating_add(1);
        // As in `Machine::plan_refused`: the codes' texts compared.
        let terminal = error.code == ErrorCode::Forbidden.as_str() || error.code == ErrorCode::NotFound.as_str();
        let delay = (1000u64 << (self.failures - 1).min(5)).min(30_000);
        self.load = Load::Retry { at: (!terminal).then_some(now + delay) };
        self.error = Some(error);
        self.buffer.clear();
    }

    /// The server refused the room's join (`FORBIDDEN`, `NOT_FOUND`): the plan cannot load until a
    /// join succeeds (a later re-join, after a reconnect, tries again).
    pub fn refused(&mut self, error: RequestError) {
        self.load = Load::Retry { at: None };
        self.error = Some(error);
        self.buffer.clear();
        self.changed();
    }

    /// A retry came while the room is not joined: the load waits for the join confirmation.
    pub fn await_join(&mut self) {
        self.load = Load::Waiting;
    }

    /// When the next load is due, after a failure.
    pub fn retry_at(&self) -> Option<u64> {
        match self.load {
            Load::Retry { at, .. } => at,
            _ => None,
        }
    }

    // ------------------------------------------------------------------ the room's changes

    /// A change of the room, in the room's order; returns whether the plan changed.
    pub fn change(&mut self, seq: Option<u64>, change: Change<P>) -> bool {
        match self.load {
            Load::Done => {
                let applied = self.apply_change(seq, change);
                if applied {
                    self.changed();
                }
                applied
            }
            Load::InFlight { .. } if self.buffer.len() < MAX_BUFFERED => {
                self.buffer.push((seq, change));
                false
            }
            // Too much arrived during one load: its answer is of no use; the next load replaces it.
            Load::InFlight { .. } => {
                self.buffer.clear();
                self.load = Load::Retry { at: Some(0) };
                false
            }
            Load::Waiting | Load::Retry { .. } => false,
        }
    }

    /// Applies a change unless the state already reflects its `seq`; returns whether it did.
    fn apply_change(&mut self, seq: Option<u64>, change: Change<P>) -> bool {
        if let (Some(seq), Some(have)) = (seq, self.seq) {
            if seq <= have {
                return false;
            }
        }
        match change {
            Change::Upsert(key, task) => self.confirmed.upsert(key, task),
            Change::Delete(key) => self.confirmed.remove(&key),
            Change::Reorder(keys) => self.confirmed.reorder(&keys),
            Change::Progress(p) => self.progress = Some(p),
        }
        if seq.is_some() {
            self.seq = seq;
        }
        true
    }

    // ------------------------------------------------------------------ the application's writes

    /// Shows a write at once; `false` when there are too many pending.
    pub fn mutate(&mut self, pending: Pending<P>) -> bool {
        if self.pending.len() >= MAX_PENDING {
            return false;
        }
        self.pending.push(pending);
        self.changed();
        true
    }

    /// Whether the write `id` is this plan's.
    pub fn has_pending(&self, id: u32) -> bool {
        self.pending.iter().any(|p| p.id == id)
    }

    /// Whether `key` is the pending key of a create not answered yet.
    pub fn creating(&self, key: &str) -> bool {
        self.pending.iter().any(|p| p.creates(key))
    }

    /// The write `id` was answered: kept on top until the state reaches its `seq`, or (no `seq`)
    /// applied to the server's state at once. A create's answer releases the writes held for its
    /// task (returned, to send, with the server's id); a failed create fails them (returned
    /// without a write).
    pub fn mutated(&mut self, id: u32, answer: Result<Ack<P>, ()>) -> Released<P> {
        let mut released = Released::new();
        let Some(i) = self.pending.iter().position(|p| p.id == id) else { return released };
        let created = match answer {
            Ok(ack) => match ack.seq {
                Some(seq) if self.seq.is_some() || !self.loaded => {
                    self.pending[i].acked(&ack, seq);
                    self.pending[i].created_id()
                }
                _ => {
                    let mut done = self.pending.remove(i);
                    done.settle_into(&ack, &mut self.confirmed);
                    done.created_id()
                }
            },
            Err(()) => {
                self.pending.remove(i);
                None
            }
        };
        let key = pending::pending_key(id);
        // An `if` in the loop, not a `filter` (its predicate linked out of line, 106 B); `push`, not
        // `extend` with an `Option` (its `extend_trusted`, 159 B).
        for p in self.pending.iter_mut() {
            if p.waits_for().as_deref() != Some(key.as_str()) {
                continue;
            }
            match &created {
                Some(real) => {
                    if let Some(m) = p.release(real) {
                        released.push((p.id, Some(m)));
                    }
                }
                None => released.push((p.id, None)),
            }
        }
        self.keep_pending(&|p| !released.iter().any(|(id, m)| m.is_none() && *id == p.id));
        self.changed();
        released
    }

    /// Drops the writes `keep` refuses (one `retain` for every rule: less code in the wasm). std's
    /// `retain`, not `core::retain`: one answer or snapshot may confirm hundreds of the 1,000 writes a
    /// plan may hold at once, which `Vec::remove` one by one would make quadratic.
    fn keep_pending(&mut self, keep: &dyn Fn(&Pending<P>) -> bool) {
        self.pending.retain(|p| keep(p));
    }

    /// Rebuilds the view and bumps the version if it differs.
    fn changed(&mut self) {
        let seq = self.seq;
        // Answered writes the server's state has reached are in it now.
        self.keep_pending(&|p| p.acked_at.is_none_or(|at| seq.is_none_or(|s| s < at)));
        let view = if self.pending.is_empty() {
            None
        } else {
            let mut view = self.confirmed.clone();
            for p in &mut self.pending {
                p.apply(&mut view);
            }
            Some(view)
        };
        self.view = view;
        self.version += 1;
    }
}
