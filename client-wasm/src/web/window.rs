//! The browser's events that matter to a connection, fed as [`Input`]s: `online` / `offline`,
//! `focus`, `pagehide` / `pageshow` when the page enters or leaves the back/forward cache
//! (`persisted`), and on `document` `visibilitychange` to visible and the Page Lifecycle API's
//! `freeze` / `resume`. Listened to only while the client wants them; removed when this is dropped.
//! (None of them blocks the back/forward cache, unlike `unload` / `beforeunload`, never used.)

use super::feed::Feed;
use crate::core::Input;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::EventTarget;

/// One listener: where, which event, and its owned closure.
type Listener = (EventTarget, &'static str, Closure<dyn FnMut(JsValue)>);

/// Owned listeners on the global scope (and on `document` when there is one).
pub struct WindowListeners {
    listeners: Vec<Listener>,
}

/// Whether a `pagehide` / `pageshow` event is about the back/forward cache.
fn persisted(event: &JsValue) -> bool {
    Reflect::get(event, &JsValue::from_str("persisted")).is_ok_and(|p| p.is_truthy())
}

impl WindowListeners {
    /// Listens on behalf of the client `feed` reaches; `None` outside a window or worker.
    pub fn attach(feed: &Feed) -> Option<WindowListeners> {
        // The global scope (window or worker): js-sys's, already read once for wasm-bindgen-futures'
        // queue (`globalThis` in every browser this package supports), so no import of its own.
        let scope: JsValue = js_sys::global().into();
        let global = scope.dyn_ref::<EventTarget>()?.clone();
        let document = Reflect::get(&scope, &JsValue::from_str("document"))
            .ok()
            .and_then(|d| d.dyn_into::<EventTarget>().ok());
        let mut listeners: Vec<Listener> = Vec::new();
        let mut listen = |target: &EventTarget, name: &'static str, to: fn(&JsValue, &EventTarget) -> Option<Input<super::frames::Js>>| {
            let f = feed.clone();
            let t = target.clone();
            let closure = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                if let Some(input) = to(&event, &t) {
                    f.emit(input);
                }
            });
            if target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref()).is_ok() {
                listeners.push((target.clone(), name, closure));
            }
        };
        listen(&global, "online", |_, _| Some(Input::Online));
        listen(&global, "offline", |_, _| Some(Input::Offline));
        listen(&global, "focus", |_, _| Some(Input::Focus));
        listen(&global, "pagehide", |e, _| persisted(e).then_some(Input::Suspend));
        listen(&global, "pageshow", |e, _| persisted(e).then_some(Input::Resume));
        if let Some(d) = &document {
            listen(d, "visibilitychange", |_, doc| {
                let state = Reflect::get(doc, &JsValue::from_str("visibilityState")).ok()?.as_string()?;
                (state == "visible").then_some(Input::Visible)
            });
            listen(d, "freeze", |_, _| Some(Input::Suspend));
            listen(d, "resume", |_, _| Some(Input::Resume));
        }
        Some(WindowListeners { listeners })
    }
}

impl Drop for WindowListeners {
    fn drop(&mut self) {
        for (target, name, closure) in &self.listeners {
            let _ = target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        }
    }
}
