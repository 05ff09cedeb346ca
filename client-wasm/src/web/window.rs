//! The browser's `online`, `offline` and `visibilitychange` events, listened to only while the
//! client is active and fed as [`Input`]s; the listeners are removed when this is dropped.

use super::feed::Feed;
use crate::core::Input;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::EventTarget;

#[wasm_bindgen]
extern "C" {
    /// The global scope (window or worker), read once: one import instead of `js_sys::global()`'s
    /// four fallbacks (`globalThis` exists in every browser this package supports).
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

/// Owned listeners on the global scope (and on `document` when there is one).
pub struct WindowListeners {
    global: EventTarget,
    document: Option<EventTarget>,
    online: Closure<dyn FnMut()>,
    offline: Closure<dyn FnMut()>,
    visibility: Closure<dyn FnMut()>,
}

impl WindowListeners {
    /// Listens on behalf of the client `feed` reaches; `None` outside a window or worker.
    pub fn attach(feed: &Feed) -> Option<WindowListeners> {
        let scope = GLOBAL_THIS.with(JsValue::clone);
        let global = scope.dyn_ref::<EventTarget>()?.clone();
        let document = Reflect::get(&scope, &JsValue::from_str("document"))
            .ok()
            .and_then(|d| d.dyn_into::<EventTarget>().ok());
        let f = feed.clone();
        let online = Closure::new(move || f.emit(Input::Online));
        let f = feed.clone();
        let offline = Closure::new(move || f.emit(Input::Offline));
        let f = feed.clone();
        let doc = document.clone();
        let visibility = Closure::new(move || {
            let visible = doc
                .as_ref()
                .and_then(|d| Reflect::get(d, &JsValue::from_str("visibilityState")).ok())
                .and_then(|s| s.as_string())
                .is_some_and(|s| s == "visible");
            if visible {
                f.emit(Input::Visible);
            }
        });
        let _ = global.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        let _ = global.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
        if let Some(d) = &document {
            let _ = d.add_event_listener_with_callback("visibilitychange", visibility.as_ref().unchecked_ref());
        }
        Some(WindowListeners { global, document, online, offline, visibility })
    }
}

impl Drop for WindowListeners {
    fn drop(&mut self) {
        let g = &self.global;
        let _ = g.remove_event_listener_with_callback("online", self.online.as_ref().unchecked_ref());
        let _ = g.remove_event_listener_with_callback("offline", self.offline.as_ref().unchecked_ref());
        if let Some(d) = &self.document {
            let _ = d.remove_event_listener_with_callback("visibilitychange", self.visibility.as_ref().unchecked_ref());
        }
    }
}
