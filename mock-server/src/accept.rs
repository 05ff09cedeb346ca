//! The accept loop and one task per TCP connection: hyper's HTTP/1 server with a timer (so its
//! header-read timeout is on: `--header-timeout-ms`, which also ends idle keep-alive connections),
//! TCP keepalive, the gate of unauthenticated connections ([`crate::gate`]) and the idle timeout
//! (no byte either way while no request is handled: `--idle-timeout-ms`). Upgraded WebSockets
//! leave this task: [`crate::ws`] runs them.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tower_service::Service;

use crate::app::SharedApp;
use crate::gate::ConnInfo;
use crate::metrics::Limit;
use crate::tracked::Tracked;

/// Largest request head (request line and headers) hyper buffers.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Accepts connections until the task is aborted; aborting it drops every HTTP connection it
/// serves (upgraded WebSockets run in their own tasks).
pub async fn serve(app: SharedApp, listener: TcpListener, router: Router) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let (info, evicted) = app.gate.admit();
                    if evicted > 0 {
                        app.hub.counters.limit(Limit::Evicted, evicted as u64);
                    }
                    conns.spawn(serve_conn(app.clone(), stream, router.clone(), info));
                }
                Err(e) => {
                    // Typically out of file descriptors: wait instead of spinning.
                    tracing::debug!(error = %e, "accept failed");
                    app.hub.counters.limit(Limit::AcceptFailed, 1);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

fn configure(stream: &TcpStream, keepalive: Duration) {
    let _ = stream.set_nodelay(true);
    if keepalive.is_zero() {
        return;
    }
    let ka = socket2::TcpKeepalive::new().with_time(keepalive);
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
    let ka = ka.with_interval(keepalive.div_f32(4.0).max(Duration::from_secs(1)));
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&ka) {
        tracing::debug!(error = %e, "could not set TCP keepalive");
    }
}

async fn serve_conn(app: SharedApp, stream: TcpStream, router: Router, info: Arc<ConnInfo>) {
    let limits = &app.cfg.limits;
    configure(&stream, limits.tcp_keepalive);
    let io = TokioIo::new(Tracked::new(stream, info.clone()));
    let svc_info = info.clone();
    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let busy = svc_info.request_started();
        req.extensions_mut().insert(svc_info.clone());
        let mut router = router.clone();
        async move {
            let resp = router.call(req).await;
            drop(busy);
            Ok::<_, Infallible>(match resp {
                Ok(resp) => resp,
                Err(never) => match never {},
            })
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES);
    let conn = builder.serve_connection(io, svc).with_upgrades();
    tokio::pin!(conn);
    let evict = info.evict.clone();
    tokio::select! {
        done = &mut conn => {
            if let Err(e) = done {
                if e.is_timeout() {
                    app.hub.counters.limit(Limit::HeaderTimeout, 1);
                } else {
                    tracing::debug!(error = %e, "HTTP connection error");
                }
            }
        }
        _ = idle(&info, limits.idle_timeout) => app.hub.counters.limit(Limit::IdleTimeout, 1),
        _ = evict.wait() => {}
    }
}

/// Resolves once no byte has moved for `limit` while no request was being handled.
async fn idle(info: &ConnInfo, limit: Duration) {
    loop {
        let since = info.since_io();
        if since >= limit && !info.busy() {
            return;
        }
        tokio::time::sleep(limit.saturating_sub(since).max(Duration::from_millis(50))).await;
    }
}
