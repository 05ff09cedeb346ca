//! Property tests of the server's client-frame decoder (hostile input):
//! - [x] any string, any bytes-as-UTF-8, any JSON value: `decode_client` never panics
//! - [x] a decoded join/leave always has a non-empty string `planId`
//! - [x] every seed 000 field with a wrong type is refused (`planId`, `type`; extension `lastSeq`, `token`)
//! - [x] well-formed seed messages with extra fields are accepted unchanged

use mock_server::decode::decode_client;
use planwire_protocol::ClientMessage;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Arbitrary JSON values, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![Just("join-plan"), Just("leave-plan"), Just("ping"), Just("auth")].prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop_oneof![Just("type".to_owned()), Just("planId".to_owned()), Just("lastSeq".to_owned()), Just("token".to_owned()), "[a-z]{1,6}"], inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Values that are not strings.
fn non_string() -> impl Strategy<Value = Value> {
    any_json().prop_filter("not a string", |v| !v.is_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_on_any_text(s in ".{0,200}") {
        let _ = decode_client(&s);
    }

    #[test]
    fn never_panics_on_any_json_and_join_has_a_plan(v in any_json()) {
        if let Ok(ClientMessage::JoinPlan { plan_id, .. } | ClientMessage::LeavePlan { plan_id }) = decode_client(&v.to_string()) {
            prop_assert!(!plan_id.is_empty());
        }
    }

    #[test]
    fn wrong_typed_plan_id_is_refused(kind in prop_oneof![Just("join-plan"), Just("leave-plan")], plan in non_string()) {
        let frame = json!({"type": kind, "planId": plan}).to_string();
        prop_assert!(decode_client(&frame).is_err(), "{}", frame);
    }

    #[test]
    fn wrong_typed_type_is_refused(kind in non_string()) {
        let frame = json!({"type": kind, "planId": "123"}).to_string();
        prop_assert!(decode_client(&frame).is_err(), "{}", frame);
    }

    #[test]
    fn wrong_typed_last_seq_is_refused(seq in any_json().prop_filter("not a u64 or null", |v| !v.is_u64() && !v.is_null())) {
        let frame = json!({"type": "join-plan", "planId": "123", "lastSeq": seq}).to_string();
        prop_assert!(decode_client(&frame).is_err(), "{}", frame);
    }

    #[test]
    fn wrong_typed_token_is_refused(token in non_string()) {
        let frame = json!({"type": "auth", "token": token}).to_string();
        prop_assert!(decode_client(&frame).is_err(), "{}", frame);
    }

    #[test]
    fn extra_fields_are_ignored(plan in "[a-zA-Z0-9-]{1,20}", seq in any::<u64>(), extra in any_json()) {
        let frame = json!({"type": "join-plan", "planId": plan, "lastSeq": seq, "x-extra": extra}).to_string();
        prop_assert_eq!(decode_client(&frame), Ok(ClientMessage::JoinPlan { plan_id: plan, last_seq: Some(seq), epoch: None }));
    }
}
