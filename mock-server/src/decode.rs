//! Decoding client frames into [`ClientMessage`] (or, **extension**, a presence update), with an
//! `INVALID_MESSAGE` explanation otherwise.

use planwire_protocol::{kind, ClientMessage, PresenceUpdate};
use serde_json::Value;

use crate::presence::Obj;

/// Why a frame is not a valid client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Human-readable explanation for the `error` message.
    pub message: String,
    /// The frame's `planId`, when it has a string one.
    pub plan_id: Option<String>,
}

/// A decoded client frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A seed 000 message, or `auth`.
    Client(ClientMessage),
    /// **Extension.** `presence-update` with a non-empty string `planId`; its `data` is checked by
    /// [`presence_data`] (after the presence rate limit).
    Presence {
        /// The room.
        plan_id: String,
        /// The raw `data`, if any.
        data: Option<Value>,
    },
}

/// Decodes a text frame: [`decode_client`]'s messages plus `presence-update`; never panics.
pub fn decode_inbound(text: &str) -> Result<Inbound, DecodeError> {
    let mut value = parse(text)?;
    if value.get("type").and_then(Value::as_str) != Some(kind::PRESENCE_UPDATE) {
        return decode_value(value).map(Inbound::Client);
    }
    match value.get("planId") {
        Some(Value::String(plan_id)) if !plan_id.is_empty() => {
            let plan_id = plan_id.clone();
            Ok(Inbound::Presence { plan_id, data: value.get_mut("data").map(Value::take) })
        }
        _ => Err(err("invalid presence-update: planId must be a non-empty string".into(), None)),
    }
}

/// Checks `presence-update` data: an object with `state` and/or `typing`, each an object or
/// `null`, and an optional boolean `replace` (other fields are ignored). The error is the
/// `INVALID_PRESENCE` message.
pub fn presence_data(data: Option<Value>) -> Result<PresenceUpdate<Obj>, String> {
    let data = data.filter(Value::is_object).ok_or("data must be an object")?;
    let update: PresenceUpdate<Obj> = serde_json::from_value(data).map_err(|e| format!("invalid presence data: {e}"))?;
    if update.state.is_none() && update.typing.is_none() {
        return Err("data must have \"state\" or \"typing\"".into());
    }
    Ok(update)
}

fn parse(text: &str) -> Result<Value, DecodeError> {
    serde_json::from_str(text).map_err(|e| err(format!("malformed JSON: {e}"), None))
}

/// Decodes a text frame into a seed 000 message (or `auth`); never panics, whatever the input.
pub fn decode_client(text: &str) -> Result<ClientMessage, DecodeError> {
    decode_value(parse(text)?)
}

fn decode_value(value: Value) -> Result<ClientMessage, DecodeError> {
    let plan_id = value.get("planId").and_then(Value::as_str).map(str::to_owned);
    let Some(kind) = value.get("type").and_then(Value::as_str) else {
        return Err(err("missing or non-string \"type\"".into(), plan_id));
    };
    if ![kind::JOIN_PLAN, kind::LEAVE_PLAN, kind::PING, kind::AUTH].contains(&kind) {
        return Err(err(format!("unknown message type {kind:?}"), plan_id));
    }
    let kind = kind.to_owned();
    let msg: ClientMessage = serde_json::from_value(value).map_err(|e| err(format!("invalid {kind}: {e}"), plan_id.clone()))?;
    match &msg {
        ClientMessage::JoinPlan { plan_id, .. } | ClientMessage::LeavePlan { plan_id } if plan_id.is_empty() => {
            Err(err(format!("invalid {kind}: planId must be a non-empty string"), None))
        }
        _ => Ok(msg),
    }
}

fn err(message: String, plan_id: Option<String>) -> DecodeError {
    DecodeError { message, plan_id }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_seed_messages_and_explains_bad_ones() {
        assert_eq!(decode_client(r#"{"type":"ping"}"#), Ok(ClientMessage::Ping));
        assert_eq!(
            decode_client(r#"{"type":"join-plan","planId":"123","lastSeq":4}"#),
            Ok(ClientMessage::JoinPlan { plan_id: "123".into(), last_seq: Some(4), epoch: None })
        );
        for (bad, needle) in [
            ("{", "malformed JSON"),
            ("[]", "type"),
            (r#"{"type":7}"#, "type"),
            (r#"{"type":"dance"}"#, "unknown message type"),
            (r#"{"type":"join-plan"}"#, "planId"),
            (r#"{"type":"join-plan","planId":123}"#, "invalid join-plan"),
            (r#"{"type":"leave-plan","planId":""}"#, "non-empty"),
            (r#"{"type":"join-plan","planId":"1","lastSeq":-1}"#, "invalid join-plan"),
        ] {
            let e = decode_client(bad).unwrap_err();
            assert!(e.message.contains(needle), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn presence_updates_are_told_apart_and_checked() {
        let m = decode_inbound(r#"{"type":"presence-update","planId":"1","data":{"state":{"a":1}}}"#).unwrap();
        let Inbound::Presence { plan_id, data } = m else { panic!("{m:?}") };
        assert_eq!(plan_id, "1");
        assert_eq!(presence_data(data).unwrap().state.unwrap().unwrap()["a"], 1);
        assert_eq!(decode_inbound(r#"{"type":"ping"}"#), Ok(Inbound::Client(ClientMessage::Ping)));
        assert!(decode_inbound(r#"{"type":"presence-update","planId":""}"#).unwrap_err().message.contains("planId"));
        assert!(decode_client(r#"{"type":"presence-update","planId":"1"}"#).is_err(), "not a seed 000 message");
        for bad in [
            json!(null),
            json!([1]),
            json!({}),
            json!({"replace":true}),
            json!({"state":"x"}),
            json!({"state":[]}),
            json!({"typing":true}),
            json!({"state":{},"replace":1}),
        ] {
            assert!(presence_data(Some(bad.clone())).is_err(), "{bad}");
        }
        assert!(presence_data(None).is_err());
        assert!(presence_data(Some(json!({"typing":null,"other":1}))).is_ok());
    }
}
