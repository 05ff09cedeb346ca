//! Synchronized plans (**extension**): snapshot + stream by `seq`.
//!
//! Checklist:
//! - [x] subscribe first: no load before the join is confirmed; status `loading`
//! - [x] events before, at and after the snapshot's `seq`: the ones it reflects dropped, the rest
//!   applied in order
//! - [x] created inserts (twice is once), updated replaces, deleted removes, reordered reorders
//!   (unknown ids ignored, unnamed tasks kept after in their order), progress replaces; `1` and
//!   `"1"` are the same task
//! - [x] unchanged tasks keep their value across a reload
//! - [x] a resync (gap) reloads; a resync mid-load drops the older answer
//! - [x] a re-join that replays: no reload; one that cannot (or another epoch): reload
//! - [x] a server without `seq`: every buffered change applied, a re-join reloads
//! - [x] a failed load: status `error`, retried with backoff; `FORBIDDEN` is not retried; a
//!   snapshot older than what was applied is refused (`STALE_SNAPSHOT`) and reloaded
//! - [x] an invalid snapshot is an `INVALID_SNAPSHOT` error, never a panic
//! - [x] a join the server refuses (`FORBIDDEN`, `NOT_FOUND`) is the plan's error until a join
//!   succeeds
//! - [x] reference-counted: the room is left with the last `unsyncPlan`; answers after it ignored
//! - [x] task keys and pending keys written without `core::fmt`, as `to_string()` writes them

use super::harness::{events, sends, Action, Client, Drive, Event};
use crate::core::plan::{PlanStatus, RequestError};
use serde_json::{json, Value};

/// The join confirmation of room 1 at `seq` (none: a server without seq).
pub fn confirm(seq: Option<u64>, recovered: Option<bool>, epoch: &str) -> String {
    let mut data = json!({"success": true, "participantCount": 1, "participants": [{"userId": 1, "userName": "a"}]});
    if let Some(s) = seq {
        data["seq"] = json!(s);
        data["epoch"] = json!(epoch);
    }
    if let Some(r) = recovered {
        data["recovered"] = json!(r);
    }
    json!({"type": "join-plan", "planId": "1", "data": data}).to_string()
}

/// A task object.
pub fn task(id: Value, title: &str, status: &str) -> Value {
    json!({"id": id, "planId": "1", "title": title, "status": status})
}

/// A room frame of type `kind` with `data`, at `seq` (none: a server without seq).
pub fn frame(kind: &str, seq: Option<u64>, data: Value) -> String {
    let mut f = json!({"type": kind, "planId": "1", "data": data, "timestamp": "2025-01-01T00:00:00.000Z"});
    if let Some(s) = seq {
        f["seq"] = json!(s);
    }
    f.to_string()
}

/// `task-updated` (or another task frame) for task `id` at `seq`.
pub fn task_frame(kind: &str, seq: Option<u64>, id: u64, title: &str) -> String {
    frame(kind, seq, json!({"task": task(json!(id), title, "not_started")}))
}

/// A snapshot at `seq` of the tasks `(id, title)`.
pub fn snapshot(seq: Option<u64>, tasks: &[(u64, &str)]) -> Value {
    let tasks: Vec<Value> = tasks.iter().map(|(id, t)| task(json!(id), t, "not_started")).collect();
    let mut s = json!({"id": "1", "title": "P", "tasks": tasks, "progress": {"totalTasks": tasks.len(), "completedTasks": 0, "completionPercentage": 0}});
    if let Some(seq) = seq {
        s["seq"] = json!(seq);
        s["epoch"] = json!("e1");
    }
    s
}

/// The tickets of the plan loads among `actions`.
pub fn loads(actions: &[Action]) -> Vec<u32> {
    actions.iter().filter_map(|a| if let Action::LoadPlan { ticket, .. } = a { Some(*ticket) } else { None }).collect()
}

/// Plan 1's tasks as `id:title`, in order.
pub fn view(c: &Client) -> Vec<String> {
    let plan = c.m.plan("1").expect("plan 1 is synchronized");
    plan.tasks().iter().map(|e| format!("{}:{}", e.key, e.task["title"].as_str().unwrap_or("?"))).collect()
}

pub fn status(c: &Client) -> PlanStatus {
    c.m.plan("1").expect("plan 1 is synchronized").status()
}

/// A client on an open connection, plan 1 synchronized and its join confirmed at `seq`; returns the
/// load's ticket.
pub fn board(seq: Option<u64>) -> (Client, u32) {
    // No keep-alive in the way of long waits: this server never answers pings.
    let mut c = Client::with(|r| r.ping_interval_ms = Some(2_000_000_000.0));
    c.open();
    c.m.sync_plan("1").unwrap();
    assert!(loads(&c.take()).is_empty(), "no load before the join is confirmed");
    assert_eq!(status(&c), PlanStatus::Loading);
    c.frame(&confirm(seq, None, "e1"));
    let tickets = loads(&c.take());
    assert_eq!(tickets.len(), 1, "one load once joined");
    (c, tickets[0])
}

/// A board loaded with tasks 1 `a` and 2 `b` at seq 3.
pub fn live() -> Client {
    let (mut c, ticket) = board(Some(3));
    c.m.plan_loaded(ticket, Ok(snapshot(Some(3), &[(1, "a"), (2, "b")])), c.now);
    assert_eq!(status(&c), PlanStatus::Live);
    c.take();
    c
}

fn plan_changes(actions: &[Action]) -> usize {
    events(actions).iter().filter(|e| matches!(e, Event::PlanChanged(_))).count()
}

#[test]
fn events_before_at_and_after_the_snapshot_seq() {
    let (mut c, ticket) = board(Some(3));
    // While the snapshot loads: seq 4 and 5 are in it, 6 is not.
    c.frame(&task_frame("task-updated", Some(4), 1, "a4"));
    c.frame(&task_frame("task-created", Some(5), 3, "c"));
    c.frame(&task_frame("task-updated", Some(6), 1, "a6"));
    assert!(view(&c).is_empty(), "nothing shown before the snapshot");
    c.m.plan_loaded(ticket, Ok(snapshot(Some(5), &[(1, "a4"), (2, "b"), (3, "c")])), c.now);
    assert_eq!(view(&c), ["1:a6", "2:b", "3:c"]);
    assert_eq!(c.m.plan("1").unwrap().seq(), Some(6));
    assert_eq!(status(&c), PlanStatus::Live);
    // After: applied as they come; a seq already reflected is not applied again.
    c.frame(&task_frame("task-updated", Some(7), 2, "b7"));
    assert_eq!(view(&c), ["1:a6", "2:b7", "3:c"]);
}

#[test]
fn a_snapshot_newer_than_every_buffered_event_drops_them_all() {
    let (mut c, ticket) = board(Some(3));
    c.frame(&task_frame("task-created", Some(4), 3, "c"));
    c.frame(&frame("task-deleted", Some(5), json!({"taskId": "3"})));
    c.m.plan_loaded(ticket, Ok(snapshot(Some(9), &[(1, "a")])), c.now);
    assert_eq!(view(&c), ["1:a"], "the deleted task does not come back");
}

#[test]
fn every_change_rule() {
    let mut c = live();
    // created inserts at the end; twice is once (also under the other id type).
    c.frame(&task_frame("task-created", Some(4), 3, "c"));
    c.frame(&frame("task-created", Some(5), json!({"task": task(json!("3"), "c", "not_started")})));
    assert_eq!(view(&c), ["1:a", "2:b", "3:c"]);
    // updated replaces in place, whatever the id's JSON type.
    c.frame(&frame("task-updated", Some(6), json!({"task": task(json!("1"), "A", "completed")})));
    assert_eq!(view(&c), ["1:A", "2:b", "3:c"]);
    // reordered: unknown ids ignored, unnamed tasks kept after, in their order.
    c.frame(&frame("task-reordered", Some(7), json!({"taskIds": ["3", "99", 1]})));
    assert_eq!(view(&c), ["3:c", "1:A", "2:b"]);
    // deleted removes, a number or a string.
    c.frame(&frame("task-deleted", Some(8), json!({"taskId": 1})));
    assert_eq!(view(&c), ["3:c", "2:b"]);
    // progress replaces.
    c.frame(&frame("progress-updated", Some(9), json!({"progress": {"totalTasks": 2, "completedTasks": 1, "completionPercentage": 50}})));
    assert_eq!(c.m.plan("1").unwrap().progress().completion_percentage, 50);
    assert_eq!(c.m.plan("1").unwrap().seq(), Some(9));
}

#[test]
fn each_visible_change_is_reported_once_and_duplicates_not_at_all() {
    let mut c = live();
    c.frame(&task_frame("task-updated", Some(4), 1, "x"));
    let a = c.take();
    assert_eq!(plan_changes(&a), 1);
    let kinds: Vec<&str> = events(&a).iter().map(|e| if matches!(e, Event::PlanChanged(_)) { "plan" } else { "task" }).collect();
    assert_eq!(kinds, ["task", "plan"], "the event first, then the plan");
    c.frame(&task_frame("task-updated", Some(4), 1, "y")); // a duplicate seq
    assert_eq!(plan_changes(&c.take()), 0);
    assert_eq!(view(&c), ["1:x", "2:b"]);
}

#[test]
fn a_reload_keeps_unchanged_tasks_and_takes_the_new() {
    let mut c = live();
    c.frame(&frame("task-updated", Some(5), json!({"task": task(json!(1), "a", "not_started")}))); // seq 4 lost
    let tickets = loads(&c.take());
    assert_eq!(tickets.len(), 0, "a gap is first recovered by a replay");
    // The replay cannot fill it: resync → reload.
    c.frame(&confirm(Some(9), Some(false), "e1"));
    let tickets = loads(&c.take());
    assert_eq!(tickets.len(), 1);
    assert_eq!(status(&c), PlanStatus::Resyncing);
    assert_eq!(view(&c), ["1:a", "2:b"], "the last known tasks are shown meanwhile");
    c.m.plan_loaded(tickets[0], Ok(snapshot(Some(9), &[(2, "b"), (1, "a"), (4, "d")])), c.now);
    assert_eq!(view(&c), ["2:b", "1:a", "4:d"]);
    assert_eq!(status(&c), PlanStatus::Live);
}

#[test]
fn a_resync_mid_load_drops_the_older_answer() {
    let (mut c, first) = board(Some(3));
    c.frame(&task_frame("task-updated", Some(4), 1, "a4"));
    c.frame(&task_frame("task-updated", Some(9), 1, "a9")); // gap → recovery
    c.frame(&confirm(Some(9), Some(false), "e1")); // not recovered → resync → reload
    let second = loads(&c.take());
    assert_eq!(second.len(), 1);
    assert_ne!(second[0], first);
    c.m.plan_loaded(first, Ok(snapshot(Some(4), &[(1, "old")])), c.now);
    assert_eq!(status(&c), PlanStatus::Loading, "the superseded answer is ignored");
    c.m.plan_loaded(second[0], Ok(snapshot(Some(9), &[(1, "a9"), (2, "b")])), c.now);
    assert_eq!(view(&c), ["1:a9", "2:b"]);
}

#[test]
fn a_reconnect_that_replays_does_not_reload() {
    let mut c = live();
    c.server_closes(1006);
    c.advance(1000);
    let out = c.socket_up();
    assert!(sends(&out).iter().any(|s| s.contains(r#""lastSeq":3"#)));
    c.frame(&confirm(Some(4), Some(true), "e1"));
    c.frame(&task_frame("task-updated", Some(4), 2, "b4"));
    assert!(loads(&c.take()).is_empty());
    assert_eq!(view(&c), ["1:a", "2:b4"]);
}

#[test]
fn a_reconnect_that_cannot_replay_or_lands_in_another_epoch_reloads() {
    for (seq, epoch) in [(20, "e1"), (2, "e2")] {
        // e1: the server could not replay; e2: it says it did, but in another history.
        let confirmation = confirm(Some(seq), Some(epoch == "e2"), epoch);
        let mut c = live();
        c.server_closes(1006);
        c.advance(1000);
        c.socket_up();
        c.frame(&confirmation);
        let out = c.take();
        let tickets = loads(&out);
        assert_eq!(tickets.len(), 1, "reload after {confirmation}: {out:?}");
        let mut s = snapshot(Some(seq), &[(5, "e")]);
        s["epoch"] = json!(epoch);
        c.m.plan_loaded(tickets[0], Ok(s), c.now);
        assert_eq!(view(&c), ["5:e"], "{:?}", c.m.plan("1").unwrap().error());
    }
}

#[test]
fn a_server_without_seq_applies_every_buffered_change_and_reloads_on_rejoin() {
    let (mut c, ticket) = board(None);
    c.frame(&task_frame("task-created", None, 3, "c"));
    let mut s = snapshot(None, &[(1, "a")]);
    s.as_object_mut().unwrap().remove("progress");
    c.m.plan_loaded(ticket, Ok(s), c.now);
    assert_eq!(view(&c), ["1:a", "3:c"]);
    assert_eq!(c.m.plan("1").unwrap().progress().total_tasks, 2, "counted when the loader gives none");
    c.server_closes(1006);
    c.advance(1000);
    c.socket_up();
    c.frame(&confirm(None, None, ""));
    assert_eq!(loads(&c.take()).len(), 1, "nothing can be replayed: reload");
}

#[test]
fn a_failed_load_is_retried_with_backoff_and_forbidden_is_not() {
    let (mut c, ticket) = board(Some(3));
    let down = RequestError { code: "REQUEST_FAILED".into(), message: "network".into() };
    c.m.plan_loaded(ticket, Err(down.clone()), c.now);
    assert_eq!(status(&c), PlanStatus::Error);
    assert_eq!(c.m.plan("1").unwrap().error().map(|e| e.code.as_str()), Some("REQUEST_FAILED"));
    c.take();
    c.advance(999);
    assert!(loads(&c.take()).is_empty());
    c.advance(1);
    let again = loads(&c.take());
    assert_eq!(again.len(), 1, "retried after 1 s");
    c.m.plan_loaded(again[0], Err(down), c.now);
    c.advance(1999);
    assert!(loads(&c.take()).is_empty());
    c.advance(1);
    let third = loads(&c.take());
    assert_eq!(third.len(), 1, "then after 2 s");
    c.m.plan_loaded(third[0], Ok(snapshot(Some(3), &[(1, "a")])), c.now);
    assert_eq!(status(&c), PlanStatus::Live);
    assert!(c.m.plan("1").unwrap().error().is_none());

    let (mut c, ticket) = board(Some(3));
    c.m.plan_loaded(ticket, Err(RequestError { code: "FORBIDDEN".into(), message: "not a member".into() }), c.now);
    c.take();
    c.advance(600_000);
    let out = c.take();
    assert!(loads(&out).is_empty(), "a refusal is not retried by timer: {out:?}");
    assert_eq!(status(&c), PlanStatus::Error);
}

#[test]
fn a_stale_or_invalid_snapshot_is_an_error_and_is_loaded_again() {
    let (mut c, ticket) = board(Some(7));
    c.m.plan_loaded(ticket, Ok(snapshot(Some(5), &[(1, "cached")])), c.now);
    assert_eq!(c.m.plan("1").unwrap().error().map(|e| e.code.as_str()), Some("STALE_SNAPSHOT"));
    assert!(view(&c).is_empty());
    c.take();
    c.advance(2000);
    let mut ticket = loads(&c.take())[0];
    for bad in [json!([1]), json!({"tasks": [{"id": 1}]}), json!({"tasks": [{"id": [1], "title": "a", "status": "x"}]}), json!(null)] {
        c.m.plan_loaded(ticket, Ok(bad.clone()), c.now);
        let plan = c.m.plan("1").unwrap();
        assert_eq!(plan.error().map(|e| e.code.as_str()), Some("INVALID_SNAPSHOT"), "{bad}");
        c.take();
        c.advance(60_000);
        ticket = loads(&c.take())[0];
    }
    c.m.plan_loaded(0, Ok(json!(null)), c.now); // an unknown ticket is ignored
    c.m.plan_loaded(ticket, Ok(snapshot(Some(7), &[(1, "a")])), c.now);
    assert_eq!(view(&c), ["1:a"]);
}

#[test]
fn sync_is_reference_counted_and_late_answers_are_ignored() {
    let (mut c, ticket) = board(Some(3));
    c.m.sync_plan("1").unwrap();
    assert!(loads(&c.take()).is_empty(), "already synchronized");
    c.m.unsync_plan("1").unwrap();
    assert!(sends(&c.take()).is_empty(), "one reference left");
    c.m.unsync_plan("1").unwrap();
    assert_eq!(sends(&c.take()), [r#"{"type":"leave-plan","planId":"1"}"#]);
    c.m.plan_loaded(ticket, Ok(snapshot(Some(3), &[(1, "a")])), c.now);
    assert!(c.m.plan("1").is_none());
    assert!(c.take().is_empty());
    c.m.unsync_plan("1").unwrap(); // not synchronized: nothing, and no leave of someone else's join
    assert!(c.take().is_empty());
}

#[test]
fn a_plan_synced_in_a_joined_room_loads_at_once() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(&confirm(Some(3), None, "e1"));
    c.take();
    c.m.sync_plan("1").unwrap();
    assert_eq!(loads(&c.take()).len(), 1);
    c.m.unsync_plan("1").unwrap();
    assert!(sends(&c.take()).is_empty(), "the plain join still holds the room");
}

#[test]
fn a_refused_join_is_the_plans_error_until_a_join_succeeds() {
    let mut c = Client::new();
    c.open();
    c.m.sync_plan("1").unwrap();
    c.take();
    c.frame(r#"{"type":"error","data":{"code":"FORBIDDEN","message":"not a member","planId":"1"}}"#);
    assert_eq!(status(&c), PlanStatus::Error);
    let error = c.m.plan("1").unwrap().error().cloned().unwrap();
    assert_eq!((error.code.as_str(), error.message.as_str()), ("FORBIDDEN", "not a member"));
    assert!(loads(&c.take()).is_empty(), "nothing to load");
    // Another error (not a refusal of this join) changes nothing.
    c.frame(r#"{"type":"error","data":{"code":"RATE_LIMITED","message":"slow down","planId":"1"}}"#);
    assert_eq!(c.m.plan("1").unwrap().error().unwrap().code, "FORBIDDEN");
    // Later the join succeeds (the user was added, then a reconnect): the plan loads.
    c.server_closes(1006);
    c.advance(1000);
    c.socket_up();
    c.frame(&confirm(Some(3), None, "e1"));
    let tickets = loads(&c.take());
    assert_eq!(tickets.len(), 1);
    c.m.plan_loaded(tickets[0], Ok(snapshot(Some(3), &[(1, "a")])), c.now);
    assert_eq!(status(&c), PlanStatus::Live);
}

/// Task keys and pending keys are written without `core::fmt`: the same text as `to_string()`.
#[test]
fn decimal_keys_match_to_string() {
    use crate::core::plan::tasks::decimal;
    for n in [0, 1, -1, 9, 10, -10, 42, 1_000_000, i64::from(u32::MAX), i64::MAX, i64::MIN, i64::MIN + 1] {
        assert_eq!(decimal(n), n.to_string());
    }
    assert_eq!(crate::core::plan::pending::pending_key(7), "pending-7");
}

/// `keys_of` (a loop) gives what mapping `key_of` over the ids and collecting gives.
#[test]
fn keys_of_is_key_of_collected() {
    use crate::core::plan::tasks::{key_of, keys_of};
    use planwire_protocol::UserId;
    for ids in [vec![], vec![UserId::Num(3)], vec![UserId::Str("1".into()), UserId::Num(-2), UserId::Str(String::new())]] {
        assert_eq!(keys_of(&ids), ids.iter().map(key_of).collect::<Vec<_>>());
    }
}
