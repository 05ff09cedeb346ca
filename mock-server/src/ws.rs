//! The `/ws` endpoint: authentication (URL, header or first frame), then one task per connection
//! that reads client messages and writes the connection's bounded outbound queue.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::Extension;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use planwire_protocol::{ClientMessage, CloseCode, ErrorCode};
use tokio::time::{sleep_until, timeout};

use crate::app::SharedApp;
use crate::auth::{bearer, AuthError, Claims};
use crate::conn_id::ConnId;
use crate::decode::{decode_client, decode_inbound, presence_data, Inbound};
use crate::connections::{CloseCmd, ConnCtl};
use crate::frames::{error_frame, Frame};
use crate::gate::ConnInfo;
use crate::rest::ApiError;
use crate::metrics::Limit;
use crate::ratelimit::{RateLimiter, SoftVerdict, Verdict};
use crate::shutdown::{until_shutdown, SHUTDOWN_REASON};
use crate::ws_close::{close_socket, on_read_error};

/// Frames and messages larger than this close the connection with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// How long a ping may take to write.
const PING_WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Tokens valid for longer than this are treated as never expiring during a connection.
const MAX_EXPIRY_WAIT: Duration = Duration::from_secs(365 * 24 * 3600);

/// `GET /ws`: upgrades, taking the token from `?token=` or `Authorization: Bearer`.
pub async fn upgrade(
    State(app): State<SharedApp>,
    info: Option<Extension<Arc<ConnInfo>>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !host_allowed(&app.cfg, &headers) {
        app.hub.counters.limit(Limit::HostRefused, 1);
        return ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "host not allowed").into_response();
    }
    if !origin_allowed(&app.cfg, &headers) {
        app.hub.counters.limit(Limit::OriginRefused, 1);
        return ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "origin not allowed").into_response();
    }
    let header_token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
    let token = query.get("token").map(String::as_str).filter(|t| !t.is_empty()).or(header_token).map(str::to_owned);
    // A 4 KiB read buffer instead of tungstenite's 128 KiB default: the buffer stays resident per
    // connection (142 → 14 KiB per connection at 5,000 connections, `npm run bench`); larger frames
    // still arrive, in more reads.
    let info = info.map(|Extension(info)| info);
    ws.max_frame_size(MAX_FRAME_BYTES)
        .max_message_size(MAX_FRAME_BYTES)
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| serve_socket(app, socket, token, info))
}

async fn serve_socket(app: SharedApp, socket: WebSocket, token: Option<String>, info: Option<Arc<ConnInfo>>) {
    let _open = app.shutdown.socket_opened();
    if let Some(info) = &info {
        info.limit_inbound(app.cfg.limits.max_inbound_bytes_per_sec);
    }
    authenticate_and_run(&app, socket, token, info).await;
}

async fn authenticate_and_run(app: &SharedApp, mut socket: WebSocket, token: Option<String>, info: Option<Arc<ConnInfo>>) {
    let mut shutdown = app.shutdown.subscribe();
    // Until it authenticates, the connection is in the gate: it may be evicted, and it must
    // authenticate within --upgrade-timeout-ms of its accept.
    let accepted = info.as_ref().map_or_else(Instant::now, |i| i.accepted);
    let deadline = accepted + app.cfg.limits.upgrade_timeout;
    let evicted = async {
        match &info {
            Some(info) => info.evict.wait().await,
            None => std::future::pending().await,
        }
    };
    let claims = match token {
        Some(token) => app.jwt.verify(&token),
        None => tokio::select! {
            claims = first_frame_auth(app, &mut socket, deadline) => claims,
            _ = evicted => return,
            _ = until_shutdown(&mut shutdown) => {
                close_socket(socket, CloseCode::GoingAway.code(), SHUTDOWN_REASON).await;
                return;
            }
        },
    };
    let claims = match claims {
        Ok(claims) => claims,
        Err(e) => {
            app.hub.counters.error();
            if e == AuthError::Timeout {
                app.hub.counters.limit(Limit::AuthTimeout, 1);
            }
            tracing::info!(reason = e.reason(), "refused a connection");
            close_socket(socket, CloseCode::Unauthorized.code(), e.reason()).await;
            return;
        }
    };
    let reg = match app.hub.register(&claims) {
        Ok(reg) => reg,
        Err(why) => {
            app.hub.counters.error();
            let _ = socket.send(Message::Text(error_frame(ErrorCode::TooManyConnections, why, None, None))).await;
            close_socket(socket, CloseCode::TooManyConnections.code(), why).await;
            return;
        }
    };
    if let Some(info) = &info {
        info.authenticated();
    }
    tracing::info!(conn = reg.id, user = ?claims.user_id, "connected");
    let id = reg.id;
    let conn = Connection {
        limiter: RateLimiter::new(app.cfg.rate_limit, app.cfg.rate_window, Instant::now()),
        presence_limiter: RateLimiter::new(app.cfg.presence_rate_limit, app.cfg.presence_rate_window, Instant::now()),
        frames: RateLimiter::new(app.cfg.limits.frame_rate_limit, app.cfg.limits.frame_rate_window, Instant::now()),
        last_heard: Instant::now(),
        expires: Instant::now() + claims.remaining().min(MAX_EXPIRY_WAIT),
        app: app.clone(),
        socket,
        id,
        rx: reg.rx,
        ctl: reg.ctl,
    };
    let (socket, end) = conn.run().await;
    // Leave the rooms at once; the closing handshake below may take a while.
    app.hub.unregister(id);
    match end {
        End::Gone => {}
        End::Close(cmd) => match cmd.frame() {
            None => drop(socket),
            Some((code, reason)) => {
                tracing::info!(conn = id, code, reason, "closing");
                close_socket(socket, code, reason).await;
            }
        },
    }
    tracing::info!(conn = id, "disconnected");
}

/// Whether the request's `Origin` (if any: non-browser clients send none) is in the
/// Whether the request's `Host` is in the `--allow-host` list (any host when the list is empty): a
/// listed `name` accepts it on any port, a listed `name:port` only on that port. No `Host` is refused
/// when there is a list (HTTP/1.1 requires one).
fn host_allowed(cfg: &crate::config::Config, headers: &HeaderMap) -> bool {
    if cfg.allow_hosts.is_empty() {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let name = host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(n, _)| n);
    cfg.allow_hosts.iter().map(|a| a.trim()).any(|a| a.eq_ignore_ascii_case(host) || a.eq_ignore_ascii_case(name))
}

/// `--allow-origin` list (any origin when the list is empty or contains `*`).
fn origin_allowed(cfg: &crate::config::Config, headers: &HeaderMap) -> bool {
    if cfg.any_origin() {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let origin = origin.to_str().unwrap_or_default();
    cfg.allow_origins.iter().any(|a| a.trim().eq_ignore_ascii_case(origin))
}

/// Waits for `{"type":"auth","token":…}` as the first data frame, at most `--auth-timeout-ms` and
/// never past `deadline`.
async fn first_frame_auth(app: &SharedApp, socket: &mut WebSocket, deadline: Instant) -> Result<Claims, AuthError> {
    let wait = app.cfg.auth_timeout.min(deadline.saturating_duration_since(Instant::now()));
    let first = timeout(wait, async {
        loop {
            match socket.recv().await {
                Some(Ok(Message::Text(text))) => return Some(text),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return None,
            }
        }
    })
    .await
    .map_err(|_| AuthError::Timeout)?;
    match first.as_deref().map(decode_client) {
        Some(Ok(ClientMessage::Auth { token })) => app.jwt.verify(&token),
        _ => Err(AuthError::Missing),
    }
}

/// Why a connection's loop ended.
enum End {
    /// The peer went away or the socket failed.
    Gone,
    /// The server closes it.
    Close(CloseCmd),
}

/// One authenticated connection.
struct Connection {
    app: SharedApp,
    socket: WebSocket,
    id: ConnId,
    rx: tokio::sync::mpsc::Receiver<Frame>,
    ctl: std::sync::Arc<ConnCtl>,
    limiter: RateLimiter,
    /// `presence-update` messages are counted here instead of by `limiter`.
    presence_limiter: RateLimiter,
    /// Every frame the library shows (data, presence, ping, pong, close): `--frame-rate-limit`.
    frames: RateLimiter,
    /// When the peer last sent a frame (pongs included): drives the server's pings.
    last_heard: Instant,
    expires: Instant,
}

impl Connection {
    /// Runs until the peer goes or the server decides to close; returns the socket and why.
    async fn run(mut self) -> (WebSocket, End) {
        let expiry = sleep_until(self.expires.into());
        tokio::pin!(expiry);
        let ping_every = self.app.cfg.limits.ping_every;
        let mut pinger = tokio::time::interval((ping_every / 2).max(Duration::from_millis(10)));
        pinger.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let end = loop {
            let frozen = self.ctl.is_frozen();
            tokio::select! {
                biased;
                _ = self.ctl.wake.notified() => {
                    if let Some(cmd) = self.ctl.pending_close() {
                        break End::Close(cmd);
                    }
                }
                _ = &mut expiry, if !frozen => {
                    break End::Close(CloseCmd::Frame(CloseCode::Unauthorized, AuthError::Expired.reason().into()));
                }
                _ = pinger.tick(), if !frozen && !ping_every.is_zero() => {
                    if let Some(end) = self.ping(ping_every).await {
                        break end;
                    }
                }
                out = self.rx.recv() => match out {
                    // A frozen connection writes nothing; its queue is drained so it never overflows.
                    Some(_) if frozen => {}
                    Some(frame) => {
                        if let Err(end) = self.write(frame).await {
                            break end;
                        }
                    }
                    None => break End::Gone,
                },
                msg = self.socket.recv() => match msg {
                    None => break End::Gone,
                    Some(Err(e)) => break on_read_error(&e, &self.app.hub.counters).map_or(End::Gone, End::Close),
                    Some(Ok(_)) if frozen => {}
                    Some(Ok(msg)) => {
                        self.last_heard = Instant::now();
                        if self.frames.over(self.last_heard) {
                            self.app.hub.counters.error();
                            self.app.hub.counters.limit(Limit::FrameRate, 1);
                            break End::Close(CloseCmd::Frame(CloseCode::PolicyViolation, "frame rate exceeded".into()));
                        }
                        if let Some(end) = self.on_message(msg) {
                            break end;
                        }
                    }
                },
            }
        };
        (self.socket, end)
    }

    /// Pings a connection silent for `every`; drops one silent for three times that.
    async fn ping(&mut self, every: Duration) -> Option<End> {
        let silent = self.last_heard.elapsed();
        if silent >= every * 3 {
            self.app.hub.counters.limit(Limit::PingTimeout, 1);
            return Some(End::Close(CloseCmd::Abrupt));
        }
        if silent >= every {
            let sent = timeout(PING_WRITE_TIMEOUT, self.socket.send(Message::Ping(Default::default()))).await;
            if !matches!(sent, Ok(Ok(()))) {
                return Some(End::Gone);
            }
        }
        None
    }

    /// Writes one queued frame (after the fault delay, if any), giving up if a close is requested.
    async fn write(&mut self, frame: Frame) -> Result<(), End> {
        let delay = self.app.faults.outgoing_delay();
        let socket = &mut self.socket;
        let send = async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            socket.send(Message::Text(frame)).await
        };
        tokio::pin!(send);
        loop {
            tokio::select! {
                sent = &mut send => {
                    return match sent {
                        Ok(()) => {
                            self.app.hub.counters.message_out();
                            Ok(())
                        }
                        Err(_) => Err(End::Gone),
                    };
                }
                _ = self.ctl.wake.notified() => {
                    if let Some(cmd) = self.ctl.pending_close() {
                        return Err(End::Close(cmd));
                    }
                }
            }
        }
    }

    /// Handles one client message; `Some` ends the connection.
    fn on_message(&mut self, msg: Message) -> Option<End> {
        let hub = &self.app.hub;
        let text = match msg {
            Message::Text(text) => Some(text),
            Message::Binary(_) => None,
            // Control frames: tungstenite answers pings; a close ends the stream on the next read.
            // (They count in `frames`, above.)
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => return None,
        };
        hub.counters.message_in();
        let inbound = text.as_deref().map(decode_inbound);
        if let Some(Ok(Inbound::Presence { plan_id, data })) = inbound {
            self.on_presence(plan_id, data);
            return None;
        }
        match self.limiter.check(Instant::now()) {
            Verdict::Allow => {}
            Verdict::Limited(retry_after_ms) => {
                hub.send_error(self.id, ErrorCode::RateLimited, "too many messages", None, Some(retry_after_ms));
                return None;
            }
            Verdict::Exceeded => {
                hub.counters.error();
                return Some(End::Close(CloseCmd::Frame(CloseCode::PolicyViolation, "rate limit exceeded".into())));
            }
        }
        hub.touch(self.id);
        let Some(inbound) = inbound else {
            hub.send_error(self.id, ErrorCode::InvalidMessage, "binary frames are not supported", None, None);
            return None;
        };
        match inbound {
            Ok(Inbound::Client(ClientMessage::JoinPlan { plan_id, last_seq, epoch })) => hub.join(self.id, &plan_id, last_seq, epoch.as_deref()),
            Ok(Inbound::Client(ClientMessage::LeavePlan { plan_id })) => hub.leave(self.id, &plan_id),
            Ok(Inbound::Client(ClientMessage::Ping)) => hub.pong(self.id),
            Ok(Inbound::Client(ClientMessage::Auth { .. })) => {
                hub.send_error(self.id, ErrorCode::InvalidMessage, "already authenticated", None, None)
            }
            Ok(Inbound::Presence { .. }) => unreachable!("handled above"),
            Err(e) => hub.send_error(self.id, ErrorCode::InvalidMessage, &e.message, e.plan_id.as_deref(), None),
        }
        None
    }

    /// `presence-update` (**extension**): its own soft rate limit (never a close), activity, then
    /// the data check (`INVALID_PRESENCE`) and the hub (`NOT_IN_ROOM`, `PRESENCE_TOO_LARGE`).
    fn on_presence(&mut self, plan_id: String, data: Option<serde_json::Value>) {
        let hub = &self.app.hub;
        match self.presence_limiter.check_soft(Instant::now()) {
            SoftVerdict::Allow => {}
            SoftVerdict::Refuse(retry_after_ms) => {
                let msg = "too many presence updates";
                hub.send_error(self.id, ErrorCode::RateLimited, msg, Some(&plan_id), Some(retry_after_ms));
                return;
            }
            SoftVerdict::Drop => return,
        }
        hub.touch(self.id);
        match presence_data(data) {
            Ok(update) => hub.presence_update(self.id, &plan_id, update),
            Err(msg) => hub.send_error(self.id, ErrorCode::InvalidPresence, &msg, Some(&plan_id), None),
        }
    }
}

