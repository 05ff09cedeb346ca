//! One web-sys `WebSocket` and its three handlers, owned together. Closing or dropping a
//! [`Socket`] detaches the handlers first, so a replaced socket never reports anything again.

use super::debug::DebugEntry;
use super::driver::{self, Shared};
use js_sys::{Array, Function, Reflect};
use super::frames;
use super::frames::Js;
use crate::core::Outgoing;
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// An open (or opening) WebSocket with its owned handlers.
pub struct Socket {
    ws: WebSocket,
    /// The close frame sent when this is dropped.
    close_with: (u16, &'static str),
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Opens a socket to `url` — of the app's `class` (any class with the browser's WebSocket
    /// interface), or the global one — whose events feed the client behind `weak`.
    pub fn open(url: &str, class: Option<&Function>, weak: &Weak<Shared>) -> Result<Socket, JsValue> {
        let ws: WebSocket = match class {
            Some(class) => Reflect::construct(class, &Array::of1(&JsValue::from_str(url)))?.unchecked_into(),
            None => WebSocket::new(url)?,
        };
        let w = weak.clone();
        let on_open = Closure::new(move || driver::input(&w, |m, _| m.socket_opened()));
        let w = weak.clone();
        let on_message = Closure::new(move |event: MessageEvent| {
            let data = event.data();
            if let Some(shared) = w.upgrade() {
                driver::log(&shared, || data.as_string().map(|frame| DebugEntry::Receive { frame }));
            }
            if data.is_string() {
                let header = frames::header(&data);
                driver::input(&w, |m, now| m.frame_received(header, now));
            } else {
                driver::input(&w, |m, _| m.binary_received());
            }
        });
        let w = weak.clone();
        let on_close = Closure::new(move |event: CloseEvent| {
            let reason = event.reason();
            driver::input(&w, |m, now| m.socket_closed(event.code(), &reason, now));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket { ws, close_with: (1000, ""), _on_open: on_open, _on_message: on_message, _on_close: on_close })
    }

    /// Sends a message (a socket that is no longer open drops it; its close event follows).
    pub fn send(&self, message: &Outgoing<Js>) {
        if let Some(text) = frames::encode(message) {
            let _ = self.ws.send_with_str(&text);
        }
    }

    /// Detaches the handlers and closes with `code` and `reason`.
    pub fn close(mut self, code: u16, reason: &'static str) {
        self.close_with = (code, reason);
    }
}

impl Drop for Socket {
    /// Detaches the handlers and closes (with 1000 unless [`Socket::close`] said otherwise; a
    /// no-op if the socket is already closing).
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let (code, reason) = self.close_with;
        let _ = self.ws.close_with_code_and_reason(code, reason);
    }
}
