//! In-memory plans and tasks, the demo data, and the mutations the REST routes make.
//!
//! Every mutation checks membership and returns the room events it caused, in broadcast order;
//! a change to the number of tasks or of completed tasks adds a `progress-updated`. Request
//! bodies come already checked as far as they can be without the store ([`NewTask`],
//! [`TaskChange`], [`TaskOrder`]), so the routes build them before taking the hub's lock.

use std::collections::{HashMap, HashSet};

use planwire_protocol::{CreateTask, ErrorCode, Progress, ReorderTasks, Task, TaskRef, TaskStatus, UpdateTask, UserId};

use crate::time::now_iso;

/// Longest task title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 500;

/// A plan as stored.
#[derive(Debug, Clone)]
pub struct PlanRecord {
    /// Plan id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Members allowed to join its room and change it.
    pub members: Vec<UserId>,
    /// Tasks in order; `position` equals the index.
    pub tasks: Vec<Task>,
}

impl PlanRecord {
    /// The plan's progress now.
    pub fn progress(&self) -> Progress {
        let done = self.tasks.iter().filter(|t| t.status == TaskStatus::Completed).count();
        Progress::from_counts(self.tasks.len() as u32, done as u32)
    }

    fn renumber(&mut self) {
        for (i, t) in self.tasks.iter_mut().enumerate() {
            t.position = i as u32;
        }
    }
}

/// A room broadcast caused by a change.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanEvent {
    /// `task-created`
    TaskCreated(Task),
    /// `task-updated`
    TaskUpdated(Task),
    /// `task-deleted` (id as a string, seed 000)
    TaskDeleted(String),
    /// `task-reordered`
    TaskReordered(Vec<String>),
    /// `progress-updated`
    ProgressUpdated(Progress),
}

/// Why a plan operation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// No such plan or task (the message says which).
    NotFound(String),
    /// The user is not a member of the plan.
    Forbidden(String),
    /// The request is malformed.
    Invalid(String),
}

impl PlanError {
    /// The error code (`error` frames, REST errors) and the message.
    pub fn code_and_message(&self) -> (ErrorCode, &str) {
        match self {
            PlanError::NotFound(m) => (ErrorCode::NotFound, m),
            PlanError::Forbidden(m) => (ErrorCode::Forbidden, m),
            PlanError::Invalid(m) => (ErrorCode::InvalidMessage, m),
        }
    }
}

/// A `POST /api/plans/:planId/tasks` body, checked: its title is valid; its status defaults to
/// `not_started`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    title: String,
    status: TaskStatus,
}

impl TryFrom<CreateTask> for NewTask {
    type Error = PlanError;

    fn try_from(body: CreateTask) -> Result<Self, PlanError> {
        Ok(NewTask { title: valid_title(body.title)?, status: body.status.unwrap_or(TaskStatus::NotStarted) })
    }
}

/// A `PATCH /api/tasks/:taskId` body, checked: it changes something, and its title, if any, is valid.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskChange {
    title: Option<String>,
    status: Option<TaskStatus>,
}

impl TryFrom<UpdateTask> for TaskChange {
    type Error = PlanError;

    fn try_from(body: UpdateTask) -> Result<Self, PlanError> {
        if body.title.is_none() && body.status.is_none() {
            return Err(PlanError::Invalid("nothing to update: send title and/or status".into()));
        }
        Ok(TaskChange { title: body.title.map(valid_title).transpose()?, status: body.status })
    }
}

/// A `POST /api/plans/:planId/tasks/reorder` body, prepared: its ids in wire form, each as a task id
/// when it is written as one, and where the first repeated id is. [`PlanStore::reorder`] checks it
/// against the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOrder {
    /// The ids as `task-reordered` writes them.
    wire: Vec<String>,
    /// Each id as a task id, if its wire form is one (`"7"`, not `"07"` or `"+7"`).
    ids: Vec<Option<u64>>,
    /// The index of the first id that repeats an earlier one.
    first_repeat: Option<usize>,
}

impl From<ReorderTasks> for TaskOrder {
    fn from(body: ReorderTasks) -> Self {
        let wire: Vec<String> = body.task_ids.iter().map(TaskRef::to_wire).collect();
        let ids = wire.iter().map(|s| s.parse::<u64>().ok().filter(|n| n.to_string() == *s)).collect();
        let mut seen = HashSet::with_capacity(wire.len());
        let first_repeat = wire.iter().position(|s| !seen.insert(s.as_str()));
        TaskOrder { wire, ids, first_repeat }
    }
}

/// Every plan, by id.
#[derive(Debug, Default)]
pub struct PlanStore {
    plans: HashMap<String, PlanRecord>,
    next_task_id: u64,
}

impl PlanStore {
    /// The demo data: plan "123" (alice and bob, five tasks), plan "456" (bob only); mallory (3) has none.
    pub fn demo() -> Self {
        let mut store = PlanStore { plans: HashMap::new(), next_task_id: 1 };
        store.add_plan(
            "123",
            "Launch plan",
            vec![UserId::Num(1), UserId::Num(2)],
            &[
                ("Write the launch announcement", TaskStatus::Completed),
                ("Record the demo video", TaskStatus::Completed),
                ("Update the pricing page", TaskStatus::InProgress),
                ("Brief the support team", TaskStatus::NotStarted),
                ("Schedule the social posts", TaskStatus::NotStarted),
            ],
        );
        store.add_plan(
            "456",
            "Bob's private plan",
            vec![UserId::Num(2)],
            &[("Book the venue", TaskStatus::InProgress), ("Order the swag", TaskStatus::NotStarted)],
        );
        store
    }

    /// A store with no plans.
    pub fn empty() -> Self {
        PlanStore { plans: HashMap::new(), next_task_id: 1 }
    }

    /// Adds a plan with tasks in the given order.
    pub fn add_plan(&mut self, id: &str, title: &str, members: Vec<UserId>, tasks: &[(&str, TaskStatus)]) {
        let now = now_iso();
        let mut plan = PlanRecord { id: id.to_owned(), title: title.to_owned(), members, tasks: Vec::new() };
        for (i, (title, status)) in tasks.iter().enumerate() {
            plan.tasks.push(Task {
                id: self.take_task_id(),
                plan_id: id.to_owned(),
                title: (*title).to_owned(),
                status: *status,
                position: i as u32,
                created_at: now.clone(),
                updated_at: now.clone(),
            });
        }
        self.plans.insert(id.to_owned(), plan);
    }

    /// The plan, if `user` may see it.
    pub fn get(&self, plan_id: &str, user: &UserId) -> Result<&PlanRecord, PlanError> {
        let plan = self.plan(plan_id)?;
        check_member(plan, user)?;
        Ok(plan)
    }

    /// Whether the plan exists and `user` may join its room.
    pub fn check_access(&self, plan_id: &str, user: &UserId) -> Result<(), PlanError> {
        self.get(plan_id, user).map(|_| ())
    }

    /// Adds a task at the end of the plan, unless it already holds `max_tasks`.
    pub fn create_task(&mut self, plan_id: &str, user: &UserId, new: NewTask, max_tasks: usize) -> Result<(Task, Vec<PlanEvent>), PlanError> {
        check_member(self.plan(plan_id)?, user)?;
        if self.plan(plan_id)?.tasks.len() >= max_tasks {
            return Err(PlanError::Invalid(format!("the plan already holds the most tasks allowed ({max_tasks})")));
        }
        let id = self.take_task_id();
        let plan = self.plan_mut(plan_id)?;
        let before = plan.progress();
        let now = now_iso();
        let task = Task {
            id,
            plan_id: plan_id.to_owned(),
            title: new.title,
            status: new.status,
            position: plan.tasks.len() as u32,
            created_at: now.clone(),
            updated_at: now,
        };
        plan.tasks.push(task.clone());
        let mut events = vec![PlanEvent::TaskCreated(task.clone())];
        push_progress(plan, before, &mut events);
        Ok((task, events))
    }

    /// Changes a task's title and/or status.
    pub fn update_task(&mut self, task_id: &str, user: &UserId, change: TaskChange) -> Result<(String, Task, Vec<PlanEvent>), PlanError> {
        let (plan_id, index) = self.task_plan(task_id, user)?;
        let plan = self.plan_mut(&plan_id)?;
        let before = plan.progress();
        let task = &mut plan.tasks[index];
        if let Some(title) = change.title {
            task.title = title;
        }
        if let Some(status) = change.status {
            task.status = status;
        }
        task.updated_at = now_iso();
        let task = task.clone();
        let mut events = vec![PlanEvent::TaskUpdated(task.clone())];
        push_progress(plan, before, &mut events);
        Ok((plan_id, task, events))
    }

    /// Removes a task; returns its plan, its id as a string, and the events.
    pub fn delete_task(&mut self, task_id: &str, user: &UserId) -> Result<(String, String, Vec<PlanEvent>), PlanError> {
        let (plan_id, index) = self.task_plan(task_id, user)?;
        let plan = self.plan_mut(&plan_id)?;
        let before = plan.progress();
        let task = plan.tasks.remove(index);
        plan.renumber();
        let mut events = vec![PlanEvent::TaskDeleted(task.id.to_string())];
        push_progress(plan, before, &mut events);
        Ok((plan_id, task.id.to_string(), events))
    }

    /// Puts the plan's tasks in the given order; every task id must appear exactly once. Refused
    /// (the plan untouched) at the first id that is not a task of the plan or is repeated.
    pub fn reorder(&mut self, plan_id: &str, user: &UserId, order: TaskOrder) -> Result<(Vec<String>, Vec<PlanEvent>), PlanError> {
        check_member(self.plan(plan_id)?, user)?;
        let plan = self.plan_mut(plan_id)?;
        if order.wire.len() != plan.tasks.len() {
            return Err(PlanError::Invalid(format!(
                "taskIds must list all {} tasks of the plan exactly once",
                plan.tasks.len()
            )));
        }
        let index: HashMap<u64, usize> = plan.tasks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let mut from = Vec::with_capacity(plan.tasks.len());
        for (i, (wire, id)) in order.wire.iter().zip(&order.ids).enumerate() {
            match id.and_then(|id| index.get(&id)) {
                Some(&at) if order.first_repeat != Some(i) => from.push(at),
                _ => return Err(PlanError::Invalid(format!("taskIds: {wire:?} is not a task of this plan or is repeated"))),
            }
        }
        let mut old: Vec<Option<Task>> = std::mem::take(&mut plan.tasks).into_iter().map(Some).collect();
        plan.tasks = from.iter().map(|&at| old[at].take().expect("every task listed once")).collect();
        plan.renumber();
        let now = now_iso();
        for t in &mut plan.tasks {
            t.updated_at.clone_from(&now);
        }
        Ok((order.wire.clone(), vec![PlanEvent::TaskReordered(order.wire)]))
    }

    /// Test hook for the flood fault: retitles a task `flood i of n` without a membership check.
    pub fn flood_update(&mut self, plan_id: &str, task_id: Option<u64>, i: u64, n: u64) -> Result<Task, PlanError> {
        let plan = self.plan_mut(plan_id)?;
        let task = match task_id {
            Some(id) => plan.tasks.iter_mut().find(|t| t.id == id),
            None => plan.tasks.first_mut(),
        }
        .ok_or_else(|| PlanError::NotFound("no such task in this plan".into()))?;
        task.title = format!("flood {i} of {n}");
        task.updated_at = now_iso();
        Ok(task.clone())
    }

    fn plan(&self, plan_id: &str) -> Result<&PlanRecord, PlanError> {
        self.plans.get(plan_id).ok_or_else(|| PlanError::NotFound(format!("no plan with id {plan_id:?}")))
    }

    fn plan_mut(&mut self, plan_id: &str) -> Result<&mut PlanRecord, PlanError> {
        self.plans.get_mut(plan_id).ok_or_else(|| PlanError::NotFound(format!("no plan with id {plan_id:?}")))
    }

    /// The plan and index of a task the user may change.
    pub fn task_plan(&self, task_id: &str, user: &UserId) -> Result<(String, usize), PlanError> {
        let not_found = || PlanError::NotFound(format!("no task with id {task_id:?}"));
        let id: u64 = task_id.parse().map_err(|_| not_found())?;
        for plan in self.plans.values() {
            if let Some(index) = plan.tasks.iter().position(|t| t.id == id) {
                check_member(plan, user)?;
                return Ok((plan.id.clone(), index));
            }
        }
        Err(not_found())
    }

    fn take_task_id(&mut self) -> u64 {
        let id = self.next_task_id.max(1);
        self.next_task_id = id + 1;
        id
    }
}

fn check_member(plan: &PlanRecord, user: &UserId) -> Result<(), PlanError> {
    if plan.members.contains(user) {
        Ok(())
    } else {
        Err(PlanError::Forbidden(format!("not a member of plan {:?}", plan.id)))
    }
}

fn valid_title(title: String) -> Result<String, PlanError> {
    let chars = title.chars().count();
    if title.trim().is_empty() || chars > MAX_TITLE_CHARS {
        return Err(PlanError::Invalid(format!("title must be 1 to {MAX_TITLE_CHARS} characters and not blank")));
    }
    Ok(title)
}

fn push_progress(plan: &PlanRecord, before: Progress, events: &mut Vec<PlanEvent>) {
    let after = plan.progress();
    if after != before {
        events.push(PlanEvent::ProgressUpdated(after));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: UserId = UserId::Num(1);
    const MALLORY: UserId = UserId::Num(3);

    #[test]
    fn demo_data_matches_the_issue() {
        let store = PlanStore::demo();
        let launch = store.get("123", &ALICE).unwrap();
        assert_eq!(launch.title, "Launch plan");
        assert_eq!(launch.tasks.len(), 5);
        assert_eq!(launch.progress(), Progress::from_counts(5, 2));
        assert!(matches!(store.get("456", &ALICE), Err(PlanError::Forbidden(_))));
        assert!(store.get("456", &UserId::Num(2)).is_ok());
        assert!(matches!(store.get("123", &MALLORY), Err(PlanError::Forbidden(_))));
        assert!(matches!(store.get("999", &ALICE), Err(PlanError::NotFound(_))));
    }

    #[test]
    fn progress_event_only_when_counts_change() {
        let mut store = PlanStore::demo();
        let retitle = UpdateTask { title: Some("New".into()), status: None };
        let (_, _, events) = store.update_task("4", &ALICE, retitle.try_into().unwrap()).unwrap();
        assert_eq!(events.len(), 1);
        let complete = UpdateTask { title: None, status: Some(TaskStatus::Completed) };
        let (_, _, events) = store.update_task("4", &ALICE, complete.try_into().unwrap()).unwrap();
        assert_eq!(events.last(), Some(&PlanEvent::ProgressUpdated(Progress::from_counts(5, 3))));
    }

    #[test]
    fn reorder_requires_every_id_once_and_keeps_order_on_error() {
        let mut store = PlanStore::demo();
        let bad = ReorderTasks { task_ids: ["1", "1", "2", "3", "4"].map(|s| TaskRef::Str(s.into())).to_vec() };
        assert!(matches!(store.reorder("123", &ALICE, bad.into()), Err(PlanError::Invalid(_))));
        let ids: Vec<u64> = store.get("123", &ALICE).unwrap().tasks.iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 5]);
        let mixed = ReorderTasks { task_ids: vec![TaskRef::Num(5), TaskRef::Str("4".into()), TaskRef::Num(3), TaskRef::Num(2), TaskRef::Str("1".into())] };
        let (ids, _) = store.reorder("123", &ALICE, mixed.into()).unwrap();
        assert_eq!(ids, ["5", "4", "3", "2", "1"]);
        let plan = store.get("123", &ALICE).unwrap();
        assert_eq!(plan.tasks.iter().map(|t| (t.id, t.position)).collect::<Vec<_>>(), vec![(5, 0), (4, 1), (3, 2), (2, 3), (1, 4)]);
    }
}
