//! The synchronized-plan half of the machine (**extension**): `syncPlan` / `unsyncPlan`, the
//! loads and writes it asks the glue for, and the room news each plan takes in (its changes in
//! order, join confirmations, resyncs). The plan's own rules are in [`crate::core::plan`].

use super::{Machine, Phase};
use crate::core::action::Action;
use crate::core::decode::Value;
use crate::core::event::{
    Event, PlanChangedPayload, ProgressUpdatedPayload, TaskDeletedPayload, TaskPayload, TaskReorderedPayload,
};
use crate::core::options::ConfigError;
use crate::core::plan::tasks::{key_of, keys_of, task_key};
use crate::core::plan::{Ack, Change, Mutation, Pending, RequestError};
use crate::core::timers::Timer;
use planwire_protocol::ErrorCode;

const NOT_SYNCED: ConfigError =
    ConfigError { code: ErrorCode::NotSynced, message: "synchronize the plan first (syncPlan, or the usePlan hook)" };

impl<P: Value> Machine<P> {
    // ------------------------------------------------------------------ the application's calls

    pub(super) fn sync(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        self.join(plan_id)?;
        if self.plans.add_ref(plan_id) && self.rooms.get(plan_id).is_some_and(|r| r.joined) {
            self.start_load(plan_id);
        }
        Ok(())
    }

    pub(super) fn unsync(&mut self, plan_id: &str) -> Result<(), ConfigError> {
        if self.plans.release(plan_id) {
            self.leave(plan_id)?;
        }
        Ok(())
    }

    pub(super) fn mutate(&mut self, id: u32, plan_id: String, mutation: Mutation<P>) -> Result<(), ConfigError> {
        let plan = self.plans.get_mut(&plan_id).ok_or(NOT_SYNCED)?;
        let mut pending = Pending::new(id, &mutation).ok_or(ConfigError {
            code: ErrorCode::InvalidMutation,
            message: "a task's fields, and a patch, must be objects",
        })?;
        // A write to a task still being created waits for the create's answer (the server's id).
        let held = match &mutation {
            Mutation::Update { task_id, .. } | Mutation::Delete { task_id } => plan.creating(&key_of(task_id)),
            Mutation::Reorder { task_ids } if task_ids.iter().any(|t| plan.creating(&key_of(t))) => {
                return Err(ConfigError {
                    code: ErrorCode::InvalidMutation,
                    message: "a task being created cannot be reordered before createTask resolves",
                });
            }
            _ => false,
        };
        // Held or sent: the write itself is moved, not copied.
        let mut send = Some(mutation);
        if held {
            pending.held = send.take();
        }
        if !plan.mutate(pending) {
            return Err(ConfigError {
                code: ErrorCode::TooManyPending,
                message: "too many writes to this plan are waiting for the server",
            });
        }
        if let Some(mutation) = send {
            self.actions.push_back(Action::Mutate { id, plan_id: plan_id.clone(), mutation });
        }
        self.plan_changed(plan_id);
        Ok(())
    }

    // ------------------------------------------------------------------ the glue's answers

    pub(super) fn plan_loaded(&mut self, ticket: u32, result: Result<P, RequestError>, now: u64) {
        let Some(plan) = self.plans.iter_mut().find(|p| p.awaits(ticket)) else { return };
        plan.loaded(result, now);
        let plan_id = plan.plan_id.clone();
        self.plan_changed(plan_id);
    }

    pub(super) fn mutated(&mut self, id: u32, result: Result<Ack<P>, RequestError>) {
        let Some(plan) = self.plans.iter_mut().find(|p| p.has_pending(id)) else { return };
        let seq = result.as_ref().ok().and_then(|ack| ack.seq);
        let error = result.as_ref().err().cloned();
        let mut released = plan.mutated(id, result.map_err(|_| ()));
        let plan_id = plan.plan_id.clone();
        // Each write taken out in place through `&mut` (as `rooms_disconnected` does), not by value
        // through `into_iter`, whose `IntoIter` drop was linked for this loop alone.
        for (id, mutation) in &mut released {
            let id = *id;
            let action = match mutation.take() {
                Some(mutation) => Action::Mutate { id, plan_id: plan_id.clone(), mutation },
                None => Action::WriteFailed {
                    id,
                    error: error.clone().unwrap_or_else(|| RequestError {
                        code: ErrorCode::RequestFailed.as_str().into(),
                        message: "the task's create was answered without the task".into(),
                    }),
                },
            };
            self.actions.push_back(action);
        }
        self.plan_changed(plan_id.clone());
        // The server skipped this connection for its own change: the answer's `seq` shows the gap
        // now, not at the next broadcast; the replay brings the change (and what came before it).
        if let Some(seq) = seq {
            self.recover_to(&plan_id, seq);
        }
    }

    /// Re-joins `plan_id` with `lastSeq` on the open connection when its room has not reached
    /// `seq` and no re-join is under way.
    fn recover_to(&mut self, plan_id: &str, seq: u64) {
        if self.phase != Phase::Open {
            return; // the re-join after the reconnect replays it
        }
        let Some(room) = self.rooms.get_mut(plan_id) else { return };
        let behind = room.seq.last().is_some_and(|last| last < seq);
        if room.joined && behind && !room.seq.recovering() {
            let message = room.join_sent();
            self.send(message);
        }
    }

    /// [`Timer::PlanRetry`]: loads that failed are tried again, in rooms joined now (the others
    /// load on their join confirmation).
    pub(super) fn retry_loads(&mut self, now: u64) {
        // By index, not collected first: loading adds and removes no plan.
        for i in 0..self.plans.count() {
            let Some(plan_id) = self.plans.due(i, now) else { continue };
            if self.rooms.get(&plan_id).is_some_and(|r| r.joined) {
                self.start_load(&plan_id);
            } else if let Some(plan) = self.plans.get_mut(&plan_id) {
                plan.await_join();
            }
        }
    }

    /// Keeps [`Timer::PlanRetry`] at the earliest retry due (run after every input).
    pub(super) fn schedule_loads(&mut self) {
        self.timers.set_opt(Timer::PlanRetry, self.plans.next_retry());
    }

    // ------------------------------------------------------------------ the room's news

    /// The room's join was confirmed; `reload` when nothing is replayed after it (a first join, a
    /// re-join the server could not replay, a server without `seq`).
    pub(super) fn plan_joined(&mut self, plan_id: &str, reload: bool) {
        if self.plans.get_mut(plan_id).is_some_and(|p| p.joined(reload)) {
            self.start_load(plan_id);
        }
    }

    /// The server answered the room's join with an error (`FORBIDDEN`, `NOT_FOUND`): its plan
    /// reports it instead of waiting for a join that will not come.
    pub(super) fn plan_refused(&mut self, plan_id: &str, code: &str, message: &str) {
        // The codes' texts compared (constants), not `ErrorCode == &str` (its `as_str` table, out of line).
        let refusal = code == ErrorCode::Forbidden.as_str() || code == ErrorCode::NotFound.as_str();
        let waiting = self.rooms.get(plan_id).is_some_and(|r| !r.joined);
        let Some(plan) = self.plans.get_mut(plan_id).filter(|_| refusal && waiting) else { return };
        plan.refused(RequestError { code: code.into(), message: message.into() });
        self.plan_changed(plan_id.into());
    }

    /// The room missed changes nothing can replay: its plan reloads.
    pub(super) fn plan_resync(&mut self, plan_id: &str) {
        if self.plans.get(plan_id).is_some() {
            self.start_load(plan_id);
        }
    }

    /// A room event was applied (in the room's order): a synchronized plan takes in its change.
    /// Returns the plan to report as changed once the event itself is emitted.
    pub(super) fn plan_observe(&mut self, event: &Event<P>) -> Option<String> {
        let (Event::TaskCreated(TaskPayload { plan_id, .. })
        | Event::TaskUpdated(TaskPayload { plan_id, .. })
        | Event::TaskDeleted(TaskDeletedPayload { plan_id, .. })
        | Event::TaskReordered(TaskReorderedPayload { plan_id, .. })
        | Event::ProgressUpdated(ProgressUpdatedPayload { plan_id, .. })) = event
        else {
            return None;
        };
        let plan = self.plans.get_mut(plan_id)?;
        let (seq, change) = match event {
            Event::TaskCreated(e) | Event::TaskUpdated(e) => (e.seq, Change::Upsert(task_key(&e.task)?, e.task.clone())),
            Event::TaskDeleted(e) => (e.seq, Change::Delete(key_of(&e.task_id))),
            Event::TaskReordered(e) => (e.seq, Change::Reorder(keys_of(&e.task_ids))),
            Event::ProgressUpdated(e) => (e.seq, Change::Progress(e.progress)),
            _ => return None,
        };
        plan.change(seq, change).then(|| plan_id.clone())
    }

    // ------------------------------------------------------------------ helpers

    fn start_load(&mut self, plan_id: &str) {
        let floor = self.rooms.get(plan_id).and_then(|r| r.seq.last());
        let Some(plan) = self.plans.get_mut(plan_id) else { return };
        self.load_ticket = self.load_ticket.wrapping_add(1);
        let ticket = self.load_ticket;
        plan.load_sent(ticket, floor);
        self.actions.push_back(Action::LoadPlan { plan_id: plan_id.into(), ticket });
        self.plan_changed(plan_id.into());
    }

    pub(super) fn plan_changed(&mut self, plan_id: String) {
        self.emit(Event::PlanChanged(PlanChangedPayload { plan_id }));
    }
}
