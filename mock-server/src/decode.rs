//! Decoding client frames into [`ClientMessage`], with an `INVALID_MESSAGE` explanation otherwise.

use planwire_protocol::{kind, ClientMessage};
use serde_json::Value;

/// Why a frame is not a valid client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Human-readable explanation for the `error` message.
    pub message: String,
    /// The frame's `planId`, when it has a string one.
    pub plan_id: Option<String>,
}

/// Decodes a text frame; never panics, whatever the input.
pub fn decode_client(text: &str) -> Result<ClientMessage, DecodeError> {
    let value: Value = serde_json::from_str(text).map_err(|e| err(format!("malformed JSON: {e}"), None))?;
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

    #[test]
    fn accepts_seed_messages_and_explains_bad_ones() {
        assert_eq!(decode_client(r#"{"type":"ping"}"#), Ok(ClientMessage::Ping));
        assert_eq!(
            decode_client(r#"{"type":"join-plan","planId":"123","lastSeq":4}"#),
            Ok(ClientMessage::JoinPlan { plan_id: "123".into(), last_seq: Some(4) })
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
}
