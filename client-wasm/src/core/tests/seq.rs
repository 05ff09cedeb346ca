//! Sequence numbers and recovery (**extension**).
//!
//! Checklist:
//! - [x] each seq applied once, in order; duplicates dropped
//! - [x] a gap → not applied; `join-plan` with `lastSeq`; later gaps held until the confirmation;
//!   the replay applied in order; no `joined` event; only changed participants reported
//! - [x] a gap recovery answered `recovered:false`, or a replay that leaves the gap → `resync`
//!   (reason `gap`) once, no recovery loop
//! - [x] a gap right after a clean re-join is recovered, not resynced
//! - [x] a reconnect replaces a pending recovery; gaps wait for a pending re-join
//! - [x] closed by the server's inactivity sweep (4002) → reconnect, re-join with `lastSeq`, replay
//! - [x] a re-join carries `lastSeq`; `recovered: true` → replays applied, no resync
//! - [x] `recovered: false` (or missing) after a re-join → `joined { recovered: false }` + `resync`
//! - [x] a restarted server whose seq went back → resync, then its new seqs apply
//! - [x] epochs (**extension**): a re-join names the epoch of its `lastSeq`; a confirmation of
//!   another epoch is not trusted (`resync` `not-recovered`, then the new `seq`s apply)
//! - [x] a seed 000 server (no seq anywhere): everything applied, no `lastSeq` sent
//! - [x] the tracker's own rules

use crate::core::event::*;
use super::harness::{Drive, events, json, sends, Action, Client, Event};
use crate::core::seq::{SeqTracker, Verdict};
use planwire_protocol::UserId;

fn confirm(seq: Option<u64>, recovered: Option<bool>) -> String {
    let mut extra = String::new();
    if let Some(s) = seq {
        extra.push_str(&format!(r#","seq":{s}"#));
    }
    if let Some(r) = recovered {
        extra.push_str(&format!(r#","recovered":{r}"#));
    }
    format!(
        r#"{{"type":"join-plan","planId":"1","data":{{"success":true,"participantCount":1,"participants":[{{"userId":1,"userName":"a"}}]{extra}}}}}"#
    )
}

fn deleted(seq: u64) -> String {
    format!(r#"{{"type":"task-deleted","planId":"1","seq":{seq},"data":{{"taskId":"{seq}"}}}}"#)
}

/// The taskIds of the `taskDeleted` events and the resync reasons, in order.
fn applied(evs: &[Event]) -> Vec<String> {
    evs.iter()
        .filter_map(|e| match e {
            Event::TaskDeleted(TaskDeletedPayload { task_id: UserId::Str(id), .. }) => Some(id.clone()),
            Event::Resync(ResyncPayload { reason, .. }) => Some(format!("resync:{reason}")),
            _ => None,
        })
        .collect()
}

fn joined_at(seq: u64) -> Client {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(&confirm(Some(seq), None));
    c.take();
    c
}

#[test]
fn in_order_once_duplicates_dropped() {
    let mut c = joined_at(10);
    for s in [11, 12, 12, 11, 13, 5] {
        c.frame(&deleted(s));
    }
    assert_eq!(applied(&events(&c.take())), ["11", "12", "13"]);
    assert_eq!(c.m.room("1").unwrap().seq.last(), Some(13));
}

/// The `join-plan` frames among `actions`, as JSON.
fn joins(actions: &[Action]) -> Vec<serde_json::Value> {
    sends(actions).iter().map(|s| json(s)).filter(|v| v["type"] == "join-plan").collect()
}

#[test]
fn a_gap_is_filled_by_a_rejoin_with_last_seq() {
    let mut c = joined_at(10);
    c.frame(&deleted(11));
    c.frame(&deleted(14));
    let acts = c.take();
    assert_eq!(applied(&events(&acts)), ["11"], "the out-of-order message is not applied");
    assert_eq!(joins(&acts), [json(r#"{"type":"join-plan","planId":"1","lastSeq":11}"#)]);
    c.frame(&deleted(15));
    let acts = c.take();
    assert!(events(&acts).is_empty() && sends(&acts).is_empty(), "held until the confirmation: {acts:?}");
    c.frame(&confirm(Some(15), Some(true)));
    for s in [12, 13, 14, 15, 16] {
        c.frame(&deleted(s));
    }
    let evs = events(&c.take());
    assert!(!evs.iter().any(|e| matches!(e, Event::Joined(JoinedPayload { .. }))), "a recovery is not a new join: {evs:?}");
    assert_eq!(applied(&evs), ["12", "13", "14", "15", "16"]);
    assert_eq!(c.m.room("1").unwrap().seq.last(), Some(16));
}

#[test]
fn a_gap_recovery_the_server_cannot_replay_raises_resync() {
    let mut c = joined_at(10);
    c.frame(&deleted(14));
    assert_eq!(joins(&c.take()).len(), 1);
    c.frame(&confirm(Some(500), Some(false)));
    c.frame(&deleted(501));
    assert_eq!(applied(&events(&c.take())), ["resync:gap", "501"]);
}

#[test]
fn a_replay_that_leaves_the_gap_resyncs_once_instead_of_looping() {
    let mut c = joined_at(10);
    c.frame(&deleted(13));
    assert_eq!(joins(&c.take()).len(), 1);
    // The server says recovered up to 13 but the replay never comes.
    c.frame(&confirm(Some(13), Some(true)));
    c.frame(&deleted(14));
    c.frame(&deleted(15));
    let acts = c.take();
    assert!(joins(&acts).is_empty(), "no second recovery: {acts:?}");
    assert_eq!(applied(&events(&acts)), ["resync:gap", "14", "15"]);
    // Later gaps recover again.
    c.frame(&deleted(17));
    assert_eq!(joins(&c.take()), [json(r#"{"type":"join-plan","planId":"1","lastSeq":15}"#)]);
}

#[test]
fn a_gap_after_a_reconnect_that_missed_nothing_is_recovered() {
    let mut c = joined_at(10);
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    c.socket_up();
    c.frame(&confirm(Some(10), Some(true)));
    c.take();
    // The caller's own REST change (seq 11) skipped this connection.
    c.frame(&deleted(12));
    let acts = c.take();
    assert!(!events(&acts).iter().any(|e| matches!(e, Event::Resync(ResyncPayload { .. }))), "{acts:?}");
    assert_eq!(joins(&acts), [json(r#"{"type":"join-plan","planId":"1","lastSeq":10}"#)]);
    c.frame(&confirm(Some(12), Some(true)));
    c.frame(&deleted(11));
    c.frame(&deleted(12));
    assert_eq!(applied(&events(&c.take())), ["11", "12"]);
}

#[test]
fn gaps_wait_for_a_pending_rejoin_and_a_reconnect_replaces_a_pending_recovery() {
    let mut c = joined_at(10);
    c.frame(&deleted(12));
    assert_eq!(joins(&c.take()).len(), 1);
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    let sent = c.socket_up();
    assert_eq!(joins(&sent), [json(r#"{"type":"join-plan","planId":"1","lastSeq":10}"#)]);
    c.frame(&deleted(13));
    let acts = c.take();
    assert!(sends(&acts).is_empty() && events(&acts).is_empty(), "held while the re-join is pending: {acts:?}");
    c.frame(&confirm(Some(13), Some(true)));
    for s in [11, 12, 13] {
        c.frame(&deleted(s));
    }
    let evs = events(&c.take());
    assert!(matches!(&evs[0], Event::Joined(JoinedPayload { recovered: Some(true), .. })), "a re-join is reported: {evs:?}");
    assert_eq!(applied(&evs), ["11", "12", "13"]);
}

#[test]
fn a_recovery_confirmation_reports_changed_participants_only() {
    let mut c = joined_at(10);
    c.frame(&deleted(12));
    c.take();
    let two = r#"{"type":"join-plan","planId":"1","data":{"success":true,"participantCount":2,"participants":[{"userId":1,"userName":"a"},{"userId":2,"userName":"b"}],"seq":12,"recovered":true}}"#;
    c.frame(two);
    let evs = events(&c.take());
    assert!(
        matches!(evs.as_slice(), [Event::ParticipantsChanged(ParticipantsChangedPayload { participant_count: 2, .. })]),
        "{evs:?}"
    );
}

#[test]
fn rejoin_with_recovery_replays_without_resync() {
    let mut c = joined_at(10);
    c.frame(&deleted(11));
    c.take();
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    let sent = sends(&c.socket_up());
    assert_eq!(json(&sent[0]), json(r#"{"type":"join-plan","planId":"1","lastSeq":11}"#));
    c.frame(&confirm(Some(14), Some(true)));
    for s in [12, 13, 14, 15] {
        c.frame(&deleted(s));
    }
    let evs = events(&c.take());
    assert!(matches!(&evs[0], Event::Joined(JoinedPayload { recovered: Some(true), .. })));
    assert_eq!(applied(&evs), ["12", "13", "14", "15"]);
}

#[test]
fn swept_by_the_server_reconnects_and_recovers_what_it_missed() {
    // The server's inactivity sweep closes the socket with 4002 `inactive` (extension): the client
    // learns it, reconnects, re-joins with `lastSeq` and applies the replay.
    let mut c = joined_at(10);
    let actions = c.server_closes(planwire_protocol::CloseCode::Inactive.code());
    let evs = events(&actions);
    assert!(evs.iter().any(|e| matches!(e, Event::Close(ClosePayload { code: 4002, will_reconnect: true, .. }))), "{evs:?}");
    c.advance(1000);
    c.take();
    let sent = sends(&c.socket_up());
    assert_eq!(json(&sent[0]), json(r#"{"type":"join-plan","planId":"1","lastSeq":10}"#));
    c.frame(&confirm(Some(12), Some(true)));
    c.frame(&deleted(11));
    c.frame(&deleted(12));
    assert_eq!(applied(&events(&c.take())), ["11", "12"]);
}

#[test]
fn replays_before_the_confirmation_also_count() {
    let mut c = joined_at(10);
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    c.socket_up();
    c.frame(&deleted(11));
    c.frame(&deleted(12));
    c.frame(&confirm(Some(12), Some(true)));
    c.frame(&deleted(12));
    c.frame(&deleted(13));
    assert_eq!(applied(&events(&c.take())), ["11", "12", "13"]);
}

#[test]
fn not_recovered_raises_resync() {
    for recovered in [Some(false), None] {
        let mut c = joined_at(10);
        c.server_closes(1006);
        c.advance(1000);
        c.take();
        c.socket_up();
        c.frame(&confirm(Some(500), recovered));
        c.frame(&deleted(501));
        let evs = events(&c.take());
        assert!(matches!(&evs[0], Event::Joined(JoinedPayload { .. })));
        assert_eq!(applied(&evs), ["resync:not-recovered", "501"], "{recovered:?}");
    }
}

#[test]
fn a_restarted_server_with_lower_seq_resyncs_then_continues() {
    let mut c = joined_at(40);
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    c.socket_up();
    c.frame(&confirm(Some(0), Some(false)));
    c.frame(&deleted(1));
    c.frame(&deleted(2));
    assert_eq!(applied(&events(&c.take())), ["resync:not-recovered", "1", "2"]);
}

#[test]
fn a_seed_server_without_seq_works_as_before() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(&confirm(None, None));
    let same = r#"{"type":"task-deleted","planId":"1","data":{"taskId":"9"}}"#;
    c.frame(same);
    c.frame(same);
    assert_eq!(applied(&events(&c.take())), ["9", "9"], "no seq: nothing is a duplicate");
    c.server_closes(1006);
    c.advance(1000);
    c.take();
    let sent = sends(&c.socket_up());
    assert_eq!(json(&sent[0]), json(r#"{"type":"join-plan","planId":"1"}"#), "no lastSeq");
    c.frame(&confirm(None, None));
    let evs = events(&c.take());
    assert!(!evs.iter().any(|e| matches!(e, Event::Resync(ResyncPayload { .. }))));
}

#[test]
fn tracker_rules() {
    let mut t = SeqTracker::default();
    assert_eq!(t.accept(None), Verdict::Apply);
    assert_eq!(t.last(), None);
    assert_eq!(t.accept(Some(7)), Verdict::Apply, "the first seq seen is taken as is");
    assert_eq!(t.accept(Some(7)), Verdict::Duplicate);
    assert_eq!(t.accept(Some(9)), Verdict::Recover);
    assert_eq!(t.last(), Some(7), "a gap is not applied");
    assert_eq!(t.join_sent(), Some(7));
    assert_eq!(t.accept(Some(u64::MAX)), Verdict::Hold);
    assert_eq!(t.accept(Some(8)), Verdict::Apply, "in order is applied even while recovering");
    t.disconnected();
    assert_eq!(t.accept(Some(10)), Verdict::Recover, "a lost connection ends the pending join");
    assert!(!t.confirmed(None, None, Some(3)));
    assert_eq!(t.last(), Some(3));
    assert!(!t.confirmed(Some(3), Some(true), Some(8)));
    assert_eq!(t.last(), Some(3), "replays will bring it to 8");
    assert_eq!(t.accept(Some(5)), Verdict::Resync, "the replay skipped 4");
    assert_eq!(t.last(), Some(5));
    assert_eq!(t.accept(Some(7)), Verdict::Recover, "one resync, then gaps recover again");
    assert!(t.confirmed(Some(5), Some(false), Some(8)));
    assert_eq!(t.last(), Some(8));
    assert_eq!(t.accept(Some(u64::MAX)), Verdict::Recover);
}

/// A join confirmation at `seq` naming the room history's `epoch`.
fn confirm_in(epoch: &str, seq: u64, recovered: Option<bool>) -> String {
    let recovered = recovered.map_or(String::new(), |r| format!(r#","recovered":{r}"#));
    format!(
        r#"{{"type":"join-plan","planId":"1","data":{{"success":true,"participantCount":1,"participants":[{{"userId":1,"userName":"a"}}],"seq":{seq},"epoch":"{epoch}"{recovered}}}}}"#
    )
}

#[test]
fn a_rejoin_names_the_epoch_its_last_seq_belongs_to() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    assert_eq!(sends(&c.take()), [r#"{"type":"join-plan","planId":"1"}"#], "a first join has neither");
    c.frame(&confirm_in("e1", 4, None));
    c.frame(&deleted(5));
    c.take();
    c.server_closes(1006);
    c.advance(1_000);
    let acts = c.socket_up();
    let joins: Vec<_> = sends(&acts).into_iter().filter(|s| s.contains("join-plan")).map(|s| json(&s)).collect();
    assert_eq!(joins, [json(r#"{"type":"join-plan","planId":"1","lastSeq":5,"epoch":"e1"}"#)]);
}

#[test]
fn a_replay_from_another_epoch_is_not_trusted() {
    let mut c = Client::new();
    c.open();
    c.m.join("1").unwrap();
    c.frame(&confirm_in("e1", 7, None));
    c.take();
    c.server_closes(1006);
    c.advance(1_000);
    c.socket_up();
    // The server restarted and lost its history (a new epoch), yet claims a replay: its seq 8 is not
    // ours. The client reloads instead of applying another history.
    c.frame(&confirm_in("e2", 20, Some(true)));
    let evs = events(&c.take());
    assert!(evs.iter().any(|e| matches!(e, Event::Joined(JoinedPayload { recovered: Some(true), .. }))), "{evs:?}");
    assert_eq!(applied(&evs), ["resync:not-recovered"]);
    // It continues from the new epoch's seq.
    c.frame(&deleted(21));
    assert_eq!(applied(&events(&c.take())), ["21"]);
    // Within one epoch a replay is trusted as before.
    c.server_closes(1006);
    c.advance(2_000);
    c.socket_up();
    c.frame(&confirm_in("e2", 22, Some(true)));
    c.frame(&deleted(22));
    assert_eq!(applied(&events(&c.take())), ["22"]);
}
