//! Synchronized plans in the browser (extension): `syncPlan`, `plan`, the writes and the `api`
//! option's functions, against a live `mock-server --enable-faults` (`PLANWIRE_TEST_SERVER`). The
//! rules themselves (snapshot + stream by `seq`, reloads, optimistic writes) are the core's, tested
//! natively; here: what the glue adds. Every test has its own timeout.
//!
//! Checklist:
//! - [x] the plan is loaded through `api.loadPlan` once joined, with the connection's token and id;
//!   it equals the server's; `plan()` is the same object until it changes, then an unchanged task is
//!   the same object and a changed one a new object
//! - [x] a write is shown at once (`pending`), its promise resolves to the server's task, the
//!   connection named in the call's context does not get the broadcast and the plan still matches
//!   the server's (recovered by replay, no `resync`)
//! - [x] a rejected write rolls back and rejects with the function's own coded error; a function
//!   missing from `api` rejects with `REQUEST_FAILED`; bad arguments with `INVALID_MUTATION` /
//!   `NOT_SYNCED` / `INVALID_PLAN_ID`, and nothing is sent
//! - [x] a failed load: `status: 'error'` with the loader's code, and its message without the code
//! - [x] `free()` with a load in flight: its answer changes nothing, no error in the page
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::{Array, Object, Promise, Reflect};
use planwire_client::PlanClient;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
// The REST calls an app's api would make (as the package's default does), each call's name and
// context recorded in `calls`; `overrides` replaces functions (e.g. one that rejects).
export function rest_api(base, calls, overrides) {
  const call = async (name, ctx, method, path, body) => {
    calls.push({ name, ctx });
    const headers = { Authorization: `Bearer ${ctx.token}` };
    if (ctx.connectionId) headers['X-Connection-Id'] = ctx.connectionId;
    if (body) headers['Content-Type'] = 'application/json';
    const r = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
    const json = await r.json();
    if (!r.ok) throw Object.assign(new Error(json.message), { code: json.code });
    return { json, seq: Number(r.headers.get('X-Seq')) };
  };
  return Object.assign({
    loadPlan: async (planId, ctx) => (await call('loadPlan', ctx, 'GET', `/api/plans/${planId}`)).json,
    createTask: async (planId, fields, ctx) => {
      const { json, seq } = await call('createTask', ctx, 'POST', `/api/plans/${planId}/tasks`, fields);
      return { task: json, seq };
    },
    updateTask: async (planId, taskId, patch, ctx) => {
      const { json, seq } = await call('updateTask', ctx, 'PATCH', `/api/tasks/${taskId}`, patch);
      return { task: json, seq };
    },
    reorderTasks: async (planId, taskIds, ctx) => ({ seq: (await call('reorderTasks', ctx, 'POST', `/api/plans/${planId}/tasks/reorder`, { taskIds })).seq }),
  }, overrides);
}
export function rejecting(code) {
  return async () => { throw Object.assign(new Error(`refused with ${code}`), { code }); };
}
export function coded_rejection(code, message) {
  return async () => { throw Object.assign(new Error(`${code}: ${message}`), { code }); };
}
export function never() {
  return () => new Promise(() => {});
}
"#)]
extern "C" {
    fn rest_api(base: &str, calls: &Array, overrides: &Object) -> Object;
    fn rejecting(code: &str) -> JsValue;
    fn never() -> JsValue;
    fn coded_rejection(code: &str, message: &str) -> JsValue;
}

/// Alice's client on [`MAIN`] with `api`, connected and synchronizing plan 123 until live.
async fn alice_synced(api: &Object) -> (PlanClient, Recorder, String) {
    let token = MAIN.token(1, "alice").await;
    let client = Opts::new(Some(&token)).set("api", api.clone()).client();
    let rec = Recorder::attach(&client);
    client.connect();
    rec.next("open").await;
    client.sync_plan(plan("123")).unwrap_or_else(|e| panic!("syncPlan refused: {}", describe(&e)));
    until_live(&client, &rec).await;
    (client, rec, token)
}

/// Waits for `planChanged` events until plan 123 is live with nothing pending.
async fn until_live(client: &PlanClient, rec: &Recorder) {
    while !(snapshot(client)["status"] == "live" && snapshot(client)["pending"] == json!([])) {
        rec.next("planChanged").await;
    }
}

/// `client.plan("123")` as JSON.
fn snapshot(client: &PlanClient) -> Value {
    to_json(&view(client))
}

fn view(client: &PlanClient) -> JsValue {
    client.plan(plan("123")).unwrap_or_else(|e| panic!("plan refused: {}", describe(&e)))
}

/// The tasks of a plan as `(id, title, status)`, in order.
fn tasks(plan: &Value) -> Vec<(String, String, String)> {
    let Some(list) = plan["tasks"].as_array() else { panic!("no tasks in {plan}") };
    list.iter().map(|t| (t["id"].to_string(), t["title"].to_string(), t["status"].to_string())).collect()
}

async fn server_plan(token: &str) -> Value {
    let (status, body) = MAIN.http("GET", "/api/plans/123", Some(token), None).await;
    assert_eq!(status, 200, "GET /api/plans/123: {body}");
    body
}

fn task_at(view: &JsValue, i: u32) -> JsValue {
    let list: Array = Reflect::get(view, &"tasks".into()).expect("tasks").unchecked_into();
    list.get(i)
}

/// `value` as the plain JS object an app would pass.
fn js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).expect("JSON")
}

async fn settled(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

fn code_of(error: &JsValue) -> String {
    Reflect::get(error, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_else(|| format!("no code: {}", describe(error)))
}

#[wasm_bindgen_test]
async fn a_synced_plan_loads_keeps_identity_and_follows_changes() {
    within(10_000, async {
        let calls = Array::new();
        let api = rest_api(&format!("http://{}", MAIN.addr()), &calls, &Object::new());
        let (client, rec, token) = alice_synced(&api).await;
        let first = to_json(&calls.get(0));
        assert_eq!(first["name"], "loadPlan");
        assert_eq!(first["ctx"]["token"], token.as_str(), "the connection's token: {first}");
        let opened = rec.all("open");
        assert_eq!(first["ctx"]["connectionId"], opened[0]["connectionId"], "the connection's id: {first}");
        assert_eq!(tasks(&snapshot(&client)), tasks(&server_plan(&token).await));

        let before = view(&client);
        assert!(Object::is(&before, &view(&client)), "the same object while nothing changes");
        let (first_task, second_task) = (task_at(&before, 0), task_at(&before, 1));
        let first_id = Reflect::get(&first_task, &"id".into()).unwrap().as_f64().unwrap() as u32;
        let bob = MAIN.token(2, "bob").await;
        MAIN.retitle(first_id, &bob, None, "changed by bob").await;
        while task_at(&view(&client), 0).is_undefined() || to_json(&task_at(&view(&client), 0))["title"] != "changed by bob" {
            rec.next("planChanged").await;
        }
        let after = view(&client);
        assert!(!Object::is(&before, &after), "a new object once changed");
        assert!(!Object::is(&first_task, &task_at(&after, 0)), "the changed task is a new object");
        assert!(Object::is(&second_task, &task_at(&after, 1)), "an unchanged task is the same object");
        assert_eq!(tasks(&snapshot(&client)), tasks(&server_plan(&token).await));
    })
    .await;
}

#[wasm_bindgen_test]
async fn writes_show_at_once_and_settle_as_the_server_stored_them() {
    within(10_000, async {
        let calls = Array::new();
        let api = rest_api(&format!("http://{}", MAIN.addr()), &calls, &Object::new());
        let (client, rec, token) = alice_synced(&api).await;
        let fields = js(&json!({"title": "written by alice", "status": "in_progress"}));
        let promise = client.create_task(plan("123"), fields);
        let now = snapshot(&client);
        let last = now["tasks"].as_array().and_then(|t| t.last().cloned()).unwrap_or_default();
        assert_eq!((last["title"].clone(), last["status"].clone()), (json!("written by alice"), json!("in_progress")), "shown at once: {now}");
        let pending_id = last["id"].as_str().unwrap_or_default().to_owned();
        assert!(pending_id.starts_with("pending-"), "{last}");
        assert_eq!(now["pending"], json!([pending_id]));

        let task = to_json(&settled(promise).await.unwrap_or_else(|e| panic!("createTask rejected: {}", describe(&e))));
        assert!(task["id"].is_u64(), "the server's task: {task}");
        let renamed = client.update_task(plan("123"), JsValue::from_f64(task["id"].as_f64().unwrap()), js(&json!({"title": "renamed"})));
        assert!(tasks(&snapshot(&client)).iter().any(|t| t.1 == "\"renamed\""), "the rename shown at once");
        settled(renamed).await.unwrap_or_else(|e| panic!("updateTask rejected: {}", describe(&e)));
        until_live(&client, &rec).await;
        let id = task["id"].to_string();
        let mine: Vec<_> = tasks(&snapshot(&client)).into_iter().filter(|t| t.0 == id).collect();
        assert_eq!(mine.len(), 1, "the new task once: {}", snapshot(&client));
        assert_eq!(tasks(&snapshot(&client)), tasks(&server_plan(&token).await));
        assert!(rec.all("resync").is_empty(), "the skipped broadcasts are replayed: {}", shown(&rec.all("resync")));
        let contexts: Vec<Value> = calls.iter().map(|c| to_json(&c)).filter(|c| c["name"] != "loadPlan").collect();
        assert!(contexts.iter().all(|c| c["ctx"]["connectionId"].is_string()), "{}", shown(&contexts));
        assert_eq!(calls.length(), 3, "one load, two writes");
    })
    .await;
}

#[wasm_bindgen_test]
async fn failed_and_refused_writes_roll_back_with_a_code() {
    within(10_000, async {
        let calls = Array::new();
        let overrides = Object::new();
        Reflect::set(&overrides, &"updateTask".into(), &rejecting("FORBIDDEN")).unwrap();
        let api = rest_api(&format!("http://{}", MAIN.addr()), &calls, &overrides);
        let (client, _rec, _token) = alice_synced(&api).await;
        let before = snapshot(&client);
        let id = before["tasks"][0]["id"].as_f64().unwrap();
        let update = client.update_task(plan("123"), JsValue::from_f64(id), js(&json!({"title": "never"})));
        assert_eq!(snapshot(&client)["tasks"][0]["title"], "never", "shown at once");
        let e = settled(update).await.expect_err("the api rejected");
        assert_eq!(code_of(&e), "FORBIDDEN", "the function's own error: {}", describe(&e));
        assert_eq!(tasks(&snapshot(&client)), tasks(&before), "rolled back");

        let delete = settled(client.delete_task(plan("123"), JsValue::from_f64(id))).await.expect_err("no deleteTask");
        assert_eq!(code_of(&delete), "REQUEST_FAILED", "{}", describe(&delete));
        assert_eq!(tasks(&snapshot(&client)), tasks(&before), "rolled back");

        for (promise, code) in [
            (client.create_task(plan("123"), JsValue::from_str("a title")), "INVALID_MUTATION"),
            (client.update_task(plan("123"), JsValue::TRUE, Object::new().into()), "INVALID_MUTATION"),
            (client.create_task(plan("999"), Object::new().into()), "NOT_SYNCED"),
            (client.reorder_tasks(plan(""), Array::new().into()), "INVALID_PLAN_ID"),
        ] {
            let e = settled(promise).await.expect_err("refused");
            assert_eq!(code_of(&e), code, "{}", describe(&e));
        }
        assert_eq!(calls.length(), 1, "only the load reached the api");
        assert_eq!(snapshot(&client)["pending"], json!([]));
        let thrown = client.plan(plan("")).expect_err("an empty plan id");
        assert_eq!(code_of(&thrown), "INVALID_PLAN_ID");
        assert!(client.plan(plan("999")).unwrap().is_undefined(), "not synchronized");
    })
    .await;
}

#[wasm_bindgen_test]
async fn free_with_a_load_in_flight() {
    within(5000, async {
        let api = Object::new();
        Reflect::set(&api, &"loadPlan".into(), &never()).unwrap();
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).set("api", api).client();
        let rec = Recorder::attach(&client);
        client.connect();
        client.sync_plan(plan("123")).unwrap();
        rec.next_where("joined", "for plan 123", |j| j["planId"] == "123").await;
        assert_eq!(snapshot(&client)["status"], "loading");
        drop(rec);
        drop(client);
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_failed_load_shows_its_code_and_its_message_once() {
    within(5000, async {
        let api = Object::new();
        Reflect::set(&api, &"loadPlan".into(), &coded_rejection("UNAVAILABLE", "try again later")).unwrap();
        let client = Opts::new(Some(&MAIN.token(1, "alice").await)).set("api", api).client();
        let rec = Recorder::attach(&client);
        client.connect();
        client.sync_plan(plan("123")).unwrap();
        while snapshot(&client)["status"] != "error" {
            rec.next("planChanged").await;
        }
        assert_eq!(snapshot(&client)["error"], json!({"code": "UNAVAILABLE", "message": "try again later"}));
        assert_eq!(snapshot(&client)["tasks"], json!([]));
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_shared_connection_names_no_connection_to_the_api() {
    within(10_000, async {
        // `shareConnection` itself (the tabs' leader and relay) is the package's; the glue's part is
        // the api context: a change the server skipped on the shared connection would miss the other tabs.
        let calls = Array::new();
        let api = rest_api(&format!("http://{}", MAIN.addr()), &calls, &Object::new());
        let token = MAIN.token(1, "alice").await;
        let client = Opts::new(Some(&token)).set("api", api).set("shareConnection", "alice").client();
        let rec = Recorder::attach(&client);
        client.connect();
        rec.next("open").await;
        assert!(client.connection_id().as_string().is_some(), "the connection has an id");
        client.sync_plan(plan("123")).unwrap_or_else(|e| panic!("syncPlan refused: {}", describe(&e)));
        until_live(&client, &rec).await;
        let call = to_json(&calls.get(0));
        assert_eq!(call["name"], "loadPlan");
        assert_eq!(call["ctx"], json!({ "token": token }), "a token, no connectionId");
        drop(client);
    })
    .await;
}
