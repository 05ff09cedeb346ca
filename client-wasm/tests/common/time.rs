//! Time: the harness's own timers (on the page's unwrapped `setTimeout`), the per-test timeout
//! [`within`] and what a test awaits for its timeout message, and [`Cleanup`].

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use wasm_bindgen_futures::JsFuture;

use super::client::Log;
use super::page::{harness_cancel, harness_delay, page_error_count, page_errors_since, HarnessDelay};

/// Resolves after `ms`, on the page's unwrapped `setTimeout` (cleared when dropped early).
pub struct Sleep {
    delay: HarnessDelay,
    done: JsFuture,
    fired: bool,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match Pin::new(&mut self.done).poll(cx) {
            Poll::Ready(_) => {
                self.fired = true;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if !self.fired {
            harness_cancel(&self.delay);
        }
    }
}

/// A pause: only for polling the server, for observation windows proving that nothing happens, and
/// for pacing. Everything else awaits an event.
pub fn sleep(ms: u32) -> Sleep {
    let delay = harness_delay(ms);
    let done = JsFuture::from(delay.promise());
    Sleep { delay, done, fired: false }
}

/// Milliseconds since the epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

thread_local! {
    /// What the running test is awaiting right now (innermost last), for the timeout message.
    static WAITING: RefCell<Vec<(String, Weak<RefCell<Log>>)>> = const { RefCell::new(Vec::new()) };
}

/// Marks what the test awaits until dropped.
pub(super) struct Awaiting;

impl Awaiting {
    pub(super) fn new(what: String, log: Option<&Rc<RefCell<Log>>>) -> Awaiting {
        WAITING.with(|w| w.borrow_mut().push((what, log.map(Rc::downgrade).unwrap_or_default())));
        Awaiting
    }
}

impl Drop for Awaiting {
    fn drop(&mut self) {
        WAITING.with(|w| w.borrow_mut().pop());
    }
}

fn waiting_description() -> String {
    WAITING.with(|w| match w.borrow().last() {
        None => String::new(),
        Some((what, log)) => match log.upgrade() {
            Some(log) => format!(" while awaiting {what}; that client's last events: {}", log.borrow().summary(12)),
            None => format!(" while awaiting {what}"),
        },
    })
}

/// Runs a test body under a timeout of `ms`. On a timeout the body (and with it every client it
/// owns) is dropped, then the test fails naming what it awaited. An uncaught error or unhandled
/// rejection in the page while the body ran fails the test too.
pub async fn within(ms: u32, body: impl Future<Output = ()>) {
    let errors_before = page_error_count();
    let timed_out = {
        let mut body = pin!(body);
        let mut timeout = sleep(ms);
        poll_fn(|cx| {
            if body.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            if Pin::new(&mut timeout).poll(cx).is_ready() {
                // Described before the body (and what it awaits) is dropped.
                return Poll::Ready(Some(waiting_description()));
            }
            Poll::Pending
        })
        .await
    };
    if let Some(waiting) = timed_out {
        WAITING.with(|w| w.borrow_mut().clear());
        panic!("timed out after {ms} ms{waiting}");
    }
    let errors = page_errors_since(errors_before);
    assert!(errors.is_empty(), "uncaught in the page during the test: {errors}");
}

/// Runs a cleanup (a server fault to undo) when dropped: covers a body dropped by its timeout.
/// `run()` performs it now instead.
pub struct Cleanup(Option<Pin<Box<dyn Future<Output = ()>>>>);

impl Cleanup {
    pub fn new(f: impl Future<Output = ()> + 'static) -> Cleanup {
        Cleanup(Some(Box::pin(f)))
    }

    pub async fn run(mut self) {
        if let Some(f) = self.0.take() {
            f.await;
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            wasm_bindgen_futures::spawn_local(f);
        }
    }
}

