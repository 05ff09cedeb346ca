//! The application's own writes to a synchronized plan (**extension**), optimistic.
//!
//! Checklist:
//! - [x] shown at once (a new task under `pending-<id>`, an update merged, a delete, a reorder),
//!   the REST call asked for, the progress counted from what is shown
//! - [x] the answer with `X-Seq`: the server's task shown until the state reaches that `seq`; the
//!   write's own broadcast (or its replay) then replaces it, nothing shown twice
//! - [x] a remote change to the same task before the write's `seq` does not hide the write; one
//!   after it is not hidden by it
//! - [x] a failed call rolls back; other pending writes stay
//! - [x] a server without `seq`: the answer is applied at once
//! - [x] a reload (another epoch) drops answered writes the snapshot decides about
//! - [x] a write to a task still being created waits for the create's answer and is sent with the
//!   server's id; it fails with the create; a reorder naming it is refused
//! - [x] a new task without a status shows `not_started`, as the server stores it; `pending` lists
//!   each task once
//! - [x] caller errors: `NOT_SYNCED`, `INVALID_MUTATION`, `TOO_MANY_PENDING`

use super::harness::{Action, Client, Drive};
use super::sync::{board, frame, live, snapshot, task, task_frame, view};
use crate::core::plan::{Ack, Mutation, RequestError, MAX_PENDING};
use planwire_protocol::{ErrorCode, UserId};
use serde_json::json;

fn calls(actions: &[Action]) -> Vec<u32> {
    actions.iter().filter_map(|a| if let Action::Mutate { id, .. } = a { Some(*id) } else { None }).collect()
}

fn update(id: i64, patch: serde_json::Value) -> Mutation<serde_json::Value> {
    Mutation::Update { task_id: UserId::Num(id), patch }
}

fn ack(id: u64, title: &str, seq: Option<u64>) -> Ack<serde_json::Value> {
    Ack { task: Some(task(json!(id), title, "not_started")), seq }
}

fn failed() -> RequestError {
    RequestError { code: "NOT_FOUND".into(), message: "no such task".into() }
}

fn pending(c: &Client) -> Vec<String> {
    c.m.plan("1").unwrap().pending_keys().map(String::from).collect()
}

#[test]
fn a_new_task_is_shown_at_once_then_as_the_server_stored_it() {
    let mut c = live();
    c.m.mutate(7, "1", Mutation::Create { fields: json!({"title": "c", "status": "completed"}) }).unwrap();
    assert_eq!(calls(&c.take()), [7], "the REST call is asked for");
    assert_eq!(view(&c), ["1:a", "2:b", "pending-7:c"]);
    assert_eq!(pending(&c), ["pending-7"]);
    assert_eq!(c.m.plan("1").unwrap().progress().completed_tasks, 1, "progress counted from what is shown");
    // The answer: task 3 at seq 5 (seq 4 is someone else's change, not here yet).
    c.m.mutated(7, Ok(ack(3, "c", Some(5))));
    assert_eq!(view(&c), ["1:a", "2:b", "3:c"]);
    assert_eq!(pending(&c), ["3"], "kept on top until the state reaches seq 5");
    // The server skipped our connection: the gap is recovered by a replay bringing 4 and 5.
    c.frame(&task_frame("task-updated", Some(6), 1, "a6"));
    c.frame(&super::sync::confirm(Some(6), Some(true), "e1"));
    c.frame(&task_frame("task-updated", Some(4), 2, "b4"));
    assert_eq!(view(&c), ["1:a", "2:b4", "3:c"], "seq 4 applied under the write");
    c.frame(&task_frame("task-created", Some(5), 3, "c"));
    c.frame(&task_frame("task-updated", Some(6), 1, "a6"));
    assert_eq!(view(&c), ["1:a6", "2:b4", "3:c"], "the task once, not twice");
    assert!(pending(&c).is_empty());
}

#[test]
fn an_answer_ahead_of_the_room_asks_for_the_replay_at_once() {
    let mut c = live();
    c.m.mutate(1, "1", update(1, json!({"title": "mine"}))).unwrap();
    c.take();
    // The server skipped this connection for its change (seq 4): no broadcast will show the gap.
    c.m.mutated(1, Ok(ack(1, "mine", Some(4))));
    let out = c.take();
    assert_eq!(super::harness::sends(&out), [r#"{"type":"join-plan","planId":"1","lastSeq":3,"epoch":"e1"}"#]);
    assert_eq!(pending(&c), ["1"]);
    c.frame(&super::sync::confirm(Some(4), Some(true), "e1"));
    c.frame(&task_frame("task-updated", Some(4), 1, "mine"));
    assert!(pending(&c).is_empty(), "settled by the replay");
    assert_eq!(view(&c), ["1:mine", "2:b"]);
    // An answer the room already reached asks for nothing.
    c.m.mutate(2, "1", update(2, json!({"title": "x"}))).unwrap();
    c.frame(&task_frame("task-updated", Some(5), 2, "x"));
    c.take();
    c.m.mutated(2, Ok(ack(2, "x", Some(5))));
    assert!(super::harness::sends(&c.take()).is_empty());
}

#[test]
fn a_remote_change_before_the_writes_seq_does_not_hide_it_and_one_after_is_not_hidden() {
    let mut c = live();
    c.m.mutate(1, "1", update(1, json!({"title": "mine"}))).unwrap();
    assert_eq!(view(&c), ["1:mine", "2:b"]);
    // Another user's change to the same task arrives first (seq 4): the write stays on top of it.
    c.frame(&frame("task-updated", Some(4), json!({"task": task(json!(1), "theirs", "completed")})));
    assert_eq!(view(&c), ["1:mine", "2:b"]);
    assert_eq!(c.m.plan("1").unwrap().tasks().get("1").unwrap()["status"], "completed", "merged onto their change");
    // The server applied ours after theirs: seq 5.
    c.m.mutated(1, Ok(Ack { task: Some(task(json!(1), "mine", "completed")), seq: Some(5) }));
    c.frame(&frame("task-updated", Some(5), json!({"task": task(json!(1), "mine", "completed")})));
    assert_eq!(view(&c), ["1:mine", "2:b"]);
    assert!(pending(&c).is_empty());
    // A later remote change is shown.
    c.frame(&task_frame("task-updated", Some(6), 1, "theirs again"));
    assert_eq!(view(&c), ["1:theirs again", "2:b"]);
}

#[test]
fn a_remote_change_ordered_after_the_write_wins() {
    let mut c = live();
    c.m.mutate(1, "1", update(2, json!({"title": "mine"}))).unwrap();
    c.m.mutated(1, Ok(ack(2, "mine", Some(4))));
    // seq 4 (ours) and 5 (theirs, same task) arrive in order.
    c.frame(&task_frame("task-updated", Some(4), 2, "mine"));
    c.frame(&task_frame("task-updated", Some(5), 2, "theirs"));
    assert_eq!(view(&c), ["1:a", "2:theirs"]);
}

#[test]
fn a_failed_write_rolls_back_and_leaves_the_others() {
    let mut c = live();
    c.m.mutate(1, "1", Mutation::Delete { task_id: UserId::Str("1".into()) }).unwrap();
    c.m.mutate(2, "1", Mutation::Reorder { task_ids: vec![UserId::Num(2), UserId::Num(1)] }).unwrap();
    c.m.mutate(3, "1", update(2, json!({"title": "B"}))).unwrap();
    assert_eq!(view(&c), ["2:B"]);
    c.m.mutated(1, Err(failed()));
    assert_eq!(view(&c), ["2:B", "1:a"], "the delete rolled back; the reorder and the update stay");
    c.m.mutated(3, Err(failed()));
    c.m.mutated(2, Err(failed()));
    assert_eq!(view(&c), ["1:a", "2:b"]);
    assert!(pending(&c).is_empty());
    c.m.mutated(2, Err(failed())); // answered twice: ignored
    assert_eq!(view(&c), ["1:a", "2:b"]);
}

#[test]
fn a_server_without_seq_has_the_answer_applied_at_once() {
    let (mut c, ticket) = board(None);
    c.m.plan_loaded(ticket, Ok(snapshot(None, &[(1, "a")])), c.now);
    c.m.mutate(1, "1", Mutation::Create { fields: json!({"title": "n", "status": "not_started"}) }).unwrap();
    c.m.mutated(1, Ok(ack(9, "n", None)));
    assert_eq!(view(&c), ["1:a", "9:n"]);
    assert!(pending(&c).is_empty());
    c.m.mutate(2, "1", update(9, json!({"title": "N"}))).unwrap();
    c.m.mutated(2, Ok(Ack { task: None, seq: None })); // an app's API that returns nothing
    assert_eq!(view(&c), ["1:a", "9:N"], "the optimistic value is kept");
    c.frame(&task_frame("task-created", None, 9, "N")); // its broadcast, if the server sends it: once
    assert_eq!(view(&c), ["1:a", "9:N"]);
}

#[test]
fn a_reload_in_another_epoch_drops_answered_writes() {
    let mut c = live();
    c.m.mutate(1, "1", update(1, json!({"title": "mine"}))).unwrap();
    c.m.mutated(1, Ok(ack(1, "mine", Some(40))));
    c.m.mutate(2, "1", update(2, json!({"title": "in flight"}))).unwrap();
    // The server restarted without its history: a new epoch, seq back to 2.
    c.server_closes(1012);
    c.advance(1000);
    c.socket_up();
    c.frame(&super::sync::confirm(Some(2), Some(true), "e2"));
    let ticket = super::sync::loads(&c.take())[0];
    let mut s = snapshot(Some(2), &[(1, "restored"), (2, "b")]);
    s["epoch"] = json!("e2");
    c.m.plan_loaded(ticket, Ok(s), c.now);
    assert_eq!(view(&c), ["1:restored", "2:in flight"], "the snapshot decides; the write in flight stays on top");
    assert_eq!(pending(&c), ["2"]);
}

#[test]
fn writes_the_caller_gets_wrong_are_coded_errors() {
    let mut c = live();
    let e = c.m.mutate(1, "2", update(1, json!({}))).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotSynced);
    for bad in [Mutation::Create { fields: json!("x") }, update(1, json!([1])), update(1, json!(null))] {
        assert_eq!(c.m.mutate(1, "1", bad).unwrap_err().code, ErrorCode::InvalidMutation);
    }
    assert!(calls(&c.take()).is_empty(), "nothing sent for refused writes");
    for id in 0..MAX_PENDING as u32 {
        c.m.mutate(id, "1", update(1, json!({"title": "x"}))).unwrap();
    }
    let e = c.m.mutate(5000, "1", update(1, json!({"title": "x"}))).unwrap_err();
    assert_eq!(e.code, ErrorCode::TooManyPending);
}

#[test]
fn a_write_to_a_task_being_created_waits_for_its_id() {
    let mut c = live();
    c.m.mutate(1, "1", Mutation::Create { fields: json!({"title": "new"}) }).unwrap();
    assert_eq!(calls(&c.take()), [1]);
    assert_eq!(c.m.plan("1").unwrap().tasks().get("pending-1").unwrap()["status"], "not_started");
    c.m.mutate(2, "1", Mutation::Update { task_id: UserId::Str("pending-1".into()), patch: json!({"title": "renamed"}) }).unwrap();
    assert!(calls(&c.take()).is_empty(), "held until the create is answered");
    assert_eq!(view(&c), ["1:a", "2:b", "pending-1:renamed"], "shown at once");
    assert_eq!(pending(&c), ["pending-1", "pending-1"]);
    assert_eq!(c.m.plan("1").unwrap().snapshot().pending, ["pending-1"], "each task once");
    let e = c.m.mutate(3, "1", Mutation::Reorder { task_ids: vec![UserId::Str("pending-1".into()), UserId::Num(1)] }).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidMutation);
    c.m.mutated(1, Ok(ack(9, "new", Some(4))));
    let out = c.take();
    let sent: Vec<_> = out.iter().filter_map(|a| if let Action::Mutate { id, mutation, .. } = a { Some((*id, mutation.clone())) } else { None }).collect();
    assert_eq!(sent, [(2, Mutation::Update { task_id: UserId::Num(9), patch: json!({"title": "renamed"}) })], "sent with the server's id");
    assert_eq!(view(&c), ["1:a", "2:b", "9:renamed"]);
    c.m.mutated(2, Ok(ack(9, "renamed", Some(5))));
    c.frame(&super::sync::confirm(Some(5), Some(true), "e1"));
    c.frame(&task_frame("task-created", Some(4), 9, "new"));
    c.frame(&task_frame("task-updated", Some(5), 9, "renamed"));
    assert_eq!(view(&c), ["1:a", "2:b", "9:renamed"]);
    assert!(pending(&c).is_empty());

    // The create fails: the held write fails with it, without a call.
    c.m.mutate(4, "1", Mutation::Create { fields: json!({"title": "doomed"}) }).unwrap();
    c.m.mutate(5, "1", Mutation::Delete { task_id: UserId::Str("pending-4".into()) }).unwrap();
    c.take();
    c.m.mutated(4, Err(failed()));
    let out = c.take();
    assert!(calls(&out).is_empty());
    assert!(out.iter().any(|a| matches!(a, Action::WriteFailed { id: 5, error } if error.code == "NOT_FOUND")), "{out:?}");
    assert_eq!(view(&c), ["1:a", "2:b", "9:renamed"]);
    assert!(pending(&c).is_empty());
}
