//! One web-sys `WebSocket` and its three handlers, owned together; each handler feeds its event as
//! an [`Input`]. Closing or dropping a [`Socket`] detaches the handlers first, so a replaced socket
//! never reports anything again. The event handlers take a `JsValue` (cast without a check: the
//! socket passes only its own events), so they share one closure type with the window's listeners
//! and wasm-bindgen-futures' callbacks: one set of shims in the module and the glue, not three.

use super::debug::DebugEntry;
use super::feed::Feed;
use super::frames::{self, Js};
use crate::core::{Input, Outgoing};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// An open (or opening) WebSocket with its owned handlers.
pub struct Socket {
    ws: WebSocket,
    /// The close frame sent when this is dropped.
    close_with: (u16, &'static str),
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(JsValue)>,
    _on_close: Closure<dyn FnMut(JsValue)>,
}

impl Socket {
    /// Opens a socket to `url` — of the app's `class` (any class with the browser's WebSocket
    /// interface), or the global one — whose events go to `feed`.
    pub fn open(url: &str, class: Option<&Function>, feed: &Feed) -> Result<Socket, JsValue> {
        let ws: WebSocket = match class {
            Some(class) => Reflect::construct(class, &Array::of1(&JsValue::from_str(url)))?.unchecked_into(),
            None => WebSocket::new(url)?,
        };
        let f = feed.clone();
        let on_open = Closure::new(move || f.emit(Input::SocketOpened));
        let f = feed.clone();
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let data = event.unchecked_into::<MessageEvent>().data();
            f.log(|| data.as_string().map(|frame| DebugEntry::Receive { frame }));
            f.emit(if data.is_string() { Input::Frame(frames::header(&data)) } else { Input::Binary });
        });
        let f = feed.clone();
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let event = event.unchecked_into::<CloseEvent>();
            f.emit(Input::SocketClosed { code: event.code(), reason: event.reason() });
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
