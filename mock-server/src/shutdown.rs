//! Graceful shutdown: the signal the listener, the timers and every connection task watch, the
//! count of WebSocket tasks still running, and the drain that closes every connection with 1001
//! and waits (bounded) for their closing handshakes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use planwire_protocol::CloseCode;
use tokio::sync::{watch, Notify};

use crate::connections::{CloseCmd, ConnFilter};
use crate::hub::Hub;

/// Close reason of connections closed by shutdown (code [`CloseCode::GoingAway`]).
pub const SHUTDOWN_REASON: &str = "server shutting down";

/// How long the drain waits for connections to finish their closing handshake.
const GRACE: Duration = Duration::from_secs(3);

/// The shutdown signal and the count of open sockets.
#[derive(Debug)]
pub struct Shutdown {
    signal: watch::Sender<bool>,
    open: AtomicUsize,
    drained: Notify,
}

impl Default for Shutdown {
    /// Not shutting down, no socket open.
    fn default() -> Self {
        let (signal, _) = watch::channel(false);
        Shutdown { signal, open: AtomicUsize::new(0), drained: Notify::new() }
    }
}

impl Shutdown {
    /// A receiver for [`until_shutdown`].
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.signal.subscribe()
    }

    /// Signals shutdown: every [`until_shutdown`] resolves.
    pub fn begin(&self) {
        self.signal.send_replace(true);
    }

    /// Sockets still open.
    pub fn open_sockets(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Counts a WebSocket task as open until the guard drops.
    pub fn socket_opened(&self) -> SocketGuard<'_> {
        self.open.fetch_add(1, Ordering::SeqCst);
        SocketGuard(self)
    }

    /// Asks every connection to close with 1001 and waits (at most 3 s) until no socket is open.
    pub async fn drain(&self, hub: &Hub) {
        hub.close_matching(&ConnFilter::default(), &CloseCmd::Frame(CloseCode::GoingAway, SHUTDOWN_REASON.into()));
        if tokio::time::timeout(GRACE, self.drained()).await.is_err() {
            tracing::warn!(left = self.open_sockets(), "sockets still open at shutdown");
        }
    }

    /// Resolves once no socket is open.
    async fn drained(&self) {
        loop {
            let notified = self.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.open_sockets() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Counts one open socket in [`Shutdown`] until dropped (when its task ends).
#[must_use = "the socket counts as open only while the guard lives"]
pub struct SocketGuard<'a>(&'a Shutdown);

impl Drop for SocketGuard<'_> {
    fn drop(&mut self) {
        if self.0.open.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

/// Resolves once the server starts shutting down.
pub async fn until_shutdown(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|down| *down).await;
}
