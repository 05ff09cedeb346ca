//! Starting and stopping: the listener (which the restart fault can close and reopen), the
//! router with CORS, the room sweep and presence timers, and graceful shutdown (the signal and the
//! drain are in [`crate::shutdown`]).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::routing::get;
use axum::Router;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::app::{App, SharedApp};
use crate::auth::Jwt;
use crate::config::Config;
use crate::faults::{Faults, Restart};
use crate::gate::Gate;
use crate::rest_limit::RestLimiter;
use crate::connections::{CloseCmd, ConnFilter};
use crate::hub::Hub;
use crate::shutdown::{until_shutdown, Shutdown};
use crate::{accept, body_limit, fault_routes, rest, ws};

/// A running server.
pub struct RunningServer {
    /// The bound address (the real port when started on port 0).
    pub addr: SocketAddr,
    app: SharedApp,
    supervisor: JoinHandle<()>,
    sweeper: JoinHandle<()>,
    presence: JoinHandle<()>,
}

impl RunningServer {
    /// The shared state, for in-process tests.
    pub fn app(&self) -> &SharedApp {
        &self.app
    }

    /// Stops listening, closes every WebSocket with 1001 and waits (bounded) for them to finish.
    pub async fn shutdown(self) {
        self.app.shutdown.begin();
        let _ = self.supervisor.await;
        self.sweeper.abort();
        self.presence.abort();
        self.app.shutdown.drain(&self.app.hub).await;
    }
}

/// Binds, then serves in background tasks until [`RunningServer::shutdown`].
pub async fn start(cfg: Config) -> io::Result<RunningServer> {
    if cfg.jwt_secret.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "the JWT secret is empty"));
    }
    let wanted = tokio::net::lookup_host((cfg.host.as_str(), cfg.port))
        .await?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, "host resolves to no address"))?;
    let listener = bind(wanted)?;
    let addr = listener.local_addr()?;
    let (restart_tx, restart_rx) = mpsc::unbounded_channel();
    let app = Arc::new(App {
        jwt: Jwt::new(&cfg.jwt_secret).max_lifetime(cfg.limits.max_token_lifetime),
        gate: Gate::new(cfg.limits.max_pending_connections),
        rest_limit: RestLimiter::new(cfg.limits.rest_rate_limit, cfg.limits.rest_rate_window),
        hub: Hub::new(cfg.clone()),
        faults: Faults::new(restart_tx),
        shutdown: Shutdown::default(),
        cfg,
    });
    let router = router(app.clone());
    let supervisor = tokio::spawn(supervise(app.clone(), listener, addr, router, restart_rx));
    let sweeper = tokio::spawn(sweep(app.clone()));
    let presence = tokio::spawn(presence_timers(app.clone()));
    Ok(RunningServer { addr, app, supervisor, sweeper, presence })
}

/// Every route, with CORS; the fault routes only with `--enable-faults`.
fn router(app: SharedApp) -> Router {
    let mut router = Router::new().route("/ws", get(ws::upgrade)).merge(rest::routes());
    if app.cfg.enable_faults {
        router = router.merge(fault_routes::routes());
    }
    router
        .fallback(rest::no_route)
        .layer(axum::middleware::from_fn_with_state(app.clone(), body_limit::buffer_body))
        .layer(cors(&app.cfg))
        .with_state(app)
}

fn cors(cfg: &Config) -> CorsLayer {
    let origins = if cfg.any_origin() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(cfg.allow_origins.iter().filter_map(|o| match HeaderValue::from_str(o.trim()) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = o, "ignoring an --allow-origin that is not a valid header value");
                None
            }
        }))
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static(rest::CONNECTION_ID_HEADER)])
        .expose_headers([HeaderName::from_static(rest::SEQ_HEADER)])
        .max_age(Duration::from_secs(600))
}

/// A listener with SO_REUSEADDR, so the restart fault can rebind the same port at once.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves the listener; on a restart request closes it, drops every connection, and listens again
/// on the same address after the requested downtime.
async fn supervise(app: SharedApp, mut listener: TcpListener, addr: SocketAddr, router: Router, mut restarts: mpsc::UnboundedReceiver<Restart>) {
    let mut shutdown = app.shutdown.subscribe();
    loop {
        let serving = tokio::spawn(accept::serve(app.clone(), listener, router.clone()));
        let down = tokio::select! {
            down = restarts.recv() => down,
            _ = until_shutdown(&mut shutdown) => None,
        };
        serving.abort();
        let _ = serving.await;
        let Some(Restart { down, forget_history }) = down else { return };
        tracing::warn!(down_ms = down.as_millis() as u64, forget_history, "fault: restarting");
        app.hub.close_matching(&ConnFilter::default(), &CloseCmd::Abrupt);
        app.gate.evict_all();
        if forget_history {
            app.hub.forget_history();
        }
        tokio::select! {
            _ = tokio::time::sleep(down) => {}
            _ = until_shutdown(&mut shutdown) => return,
        }
        listener = match rebind(addr).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "could not listen again after a restart");
                return;
            }
        };
        tracing::info!(%addr, "listening again");
    }
}

async fn rebind(addr: SocketAddr) -> io::Result<TcpListener> {
    let mut tries = 0;
    loop {
        match bind(addr) {
            Ok(l) => return Ok(l),
            Err(e) if tries >= 40 => return Err(e),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Runs the room sweep every `sweep_every` until shutdown.
async fn sweep(app: SharedApp) {
    let mut shutdown = app.shutdown.subscribe();
    let mut every = tokio::time::interval(app.cfg.sweep_every);
    every.tick().await;
    loop {
        tokio::select! {
            _ = every.tick() => app.hub.sweep(Instant::now()),
            _ = until_shutdown(&mut shutdown) => return,
        }
    }
}

/// Sends coalesced presence frames and typing expiries when they are due, until shutdown.
async fn presence_timers(app: SharedApp) {
    let mut shutdown = app.shutdown.subscribe();
    loop {
        let next = app.hub.presence_tick(Instant::now());
        let until_next = async {
            match next {
                Some(t) => tokio::time::sleep_until(t.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = until_next => {}
            _ = app.hub.presence_wake.notified() => {}
            _ = until_shutdown(&mut shutdown) => return,
        }
    }
}
