//! The one way into a client from the browser: the socket's, window's and timer's callbacks turn
//! what happened into a core [`Input`] and [`Feed::emit`] it; the driver owns what the feed
//! reaches. (So those modules need nothing of the driver: no import cycle.)

use super::debug::{self, DebugEntry};
use super::frames::Js;
use crate::core::Input;
use js_sys::Function;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// A cheap, cloneable handle to the client's input; it holds no strong reference to the client.
#[derive(Clone)]
pub struct Feed {
    input: Rc<dyn Fn(Input<Js>)>,
    debug: Option<Function>,
}

impl Feed {
    /// A feed calling `input` for each input; debug entries go to `debug` when it is on.
    pub fn new(input: impl Fn(Input<Js>) + 'static, debug: Option<Function>) -> Feed {
        Feed { input: Rc::new(input), debug }
    }

    /// Hands one input to the client (nothing happens once it is gone).
    pub fn emit(&self, input: Input<Js>) {
        (self.input)(input);
    }

    /// Sends the debug entry `make` builds, only when debugging is on.
    pub fn log(&self, make: impl FnOnce() -> Option<DebugEntry>) {
        let Some(sink) = &self.debug else { return };
        if let Some(entry) = make() {
            let _ = sink.call1(&JsValue::UNDEFINED, &debug::to_js(&entry));
        }
    }

    /// Whether debugging is on.
    pub fn debugging(&self) -> bool {
        self.debug.is_some()
    }
}
