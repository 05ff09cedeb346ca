//! Fan-out latency: many WebSocket members in many rooms, REST changes at a steady rate.
//!
//! Each change is a `PATCH /api/tasks/:id` whose title carries the change number (`lg-<n>`). Its
//! latency is measured from the moment the request leaves the load generator to the moment the
//! `task-updated` frame reaches the *last* member of the room (so it includes REST handling).

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use planwire_protocol::{kind, ClientMessage, Envelope, JoinPlanData, Plan, TaskPayload, UpdateTask};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::stats::{ms, quantile};

/// Options of one fan-out run.
#[derive(clap::Args, Debug, Clone)]
pub struct FanoutArgs {
    /// Mock server address, HOST:PORT (started with `--enable-faults --bench-plans ROOMS`).
    #[arg(long)]
    pub addr: String,
    /// WebSocket connections to open, one user each.
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// Rooms (plans `<plan-prefix>0` … `<plan-prefix>ROOMS-1`); connection i joins room i % ROOMS.
    #[arg(long, default_value_t = 50)]
    pub rooms: usize,
    /// REST changes per second, spread round-robin over the rooms.
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    /// How long changes are sent.
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,
    /// The server's process id, to read its resident memory from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Prefix of the bench plan ids.
    #[arg(long, default_value = "bench-")]
    pub plan_prefix: String,
    /// Connections being opened at the same time.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// First user id; connection i is user FIRST_USER_ID + i.
    #[arg(long, default_value_t = 100_000)]
    pub first_user_id: u64,
}

/// Latency figures in milliseconds.
#[derive(Serialize, Debug)]
pub struct LatencyMs {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

/// The outcome of one fan-out run, printed as JSON.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct FanoutReport {
    /// Connections opened and joined.
    pub connections: usize,
    /// Rooms.
    pub rooms: usize,
    /// Target REST changes per second.
    pub rate: u32,
    /// Changes sent.
    pub changes: usize,
    /// Changes whose frame reached every member of the room.
    pub complete_changes: usize,
    /// REST requests that failed or got a non-2xx answer.
    pub rest_errors: u64,
    /// Change sent → frame received by every member of the room.
    pub latency_ms: Option<LatencyMs>,
    /// Change sent → frame received, per delivered frame.
    pub frame_latency_ms: Option<LatencyMs>,
    /// `task-updated` frames delivered to members.
    pub frames_delivered: u64,
    /// Frames delivered per second over the sending window plus delivery of the last change.
    pub messages_per_sec: f64,
    /// Seconds to open and join every connection.
    pub connect_secs: f64,
    /// Server resident memory before the connections opened (KiB).
    pub server_rss_before_kib: Option<u64>,
    /// Server resident memory with every connection joined, before the load (KiB).
    pub server_rss_connected_kib: Option<u64>,
    /// Server resident memory after the load (KiB).
    pub server_rss_after_kib: Option<u64>,
    /// (connected − before) / connections.
    pub server_bytes_per_connection: Option<u64>,
}

/// Just the task title of a `task-updated` payload; other fields are skipped.
#[derive(Deserialize)]
struct TitleOnly<'a> {
    #[serde(borrow)]
    title: Cow<'a, str>,
}

#[derive(Deserialize)]
struct TokenResponse {
    token: String,
}

/// Shared record of the changes: send time and, per change, members reached and the latest arrival.
struct Ledger {
    start: Instant,
    sent_at_us: Vec<AtomicU64>,
    reached: Vec<AtomicU32>,
    last_arrival_us: Vec<AtomicU64>,
}

impl Ledger {
    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }
}

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Reads a process's resident set size in KiB from /proc/<pid>/status.
pub fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs one fan-out measurement.
pub async fn run(args: FanoutArgs) -> Result<FanoutReport, Error> {
    if args.rooms == 0 || args.connections < args.rooms || args.rate == 0 {
        return Err("need rooms ≥ 1, connections ≥ rooms and rate ≥ 1".into());
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let base = format!("http://{}", args.addr);

    let tokens = mint_tokens(&http, &base, &args).await?;
    let task_ids = room_task_ids(&http, &base, &args, &tokens[0]).await?;

    let rss_before = args.server_pid.and_then(vm_rss_kib);
    let changes_cap = args.rate as usize * args.duration_secs as usize + 1;
    let ledger = Arc::new(Ledger {
        start: Instant::now(),
        sent_at_us: (0..changes_cap).map(|_| AtomicU64::new(0)).collect(),
        reached: (0..changes_cap).map(|_| AtomicU32::new(0)).collect(),
        last_arrival_us: (0..changes_cap).map(|_| AtomicU64::new(0)).collect(),
    });

    // Open and join every connection, a bounded number at a time.
    let connect_started = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    let permits = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut members = tokio::task::JoinSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let url = format!("ws://{}/ws?token={}", args.addr, token);
        let plan = format!("{}{}", args.plan_prefix, i % args.rooms);
        let (permits, ready, ledger, stop) = (permits.clone(), ready_tx.clone(), ledger.clone(), stop_rx.clone());
        members.spawn(async move {
            let permit = permits.acquire_owned().await;
            let ws = match join_member(&url, &plan).await {
                Ok(ws) => ws,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return Vec::new();
                }
            };
            drop(permit);
            let _ = ready.send(Ok(()));
            read_member(ws, &ledger, stop).await
        });
    }
    drop(ready_tx);
    for _ in 0..args.connections {
        match ready_rx.recv().await {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(format!("a member could not connect and join: {e}").into()),
            None => return Err("member tasks ended early".into()),
        }
    }
    let connect_secs = connect_started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await; // let join notifications settle
    let rss_connected = args.server_pid.and_then(vm_rss_kib);

    // Send changes at a steady rate.
    let rest_errors = Arc::new(AtomicU64::new(0));
    let period = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = tokio::task::JoinSet::new();
    let send_started_us = ledger.now_us();
    for change in 0..changes_cap - 1 {
        ticker.tick().await;
        let room = change % args.rooms;
        let url = format!("{base}/api/tasks/{}", task_ids[room]);
        let body = UpdateTask { title: Some(format!("lg-{change}")), status: None };
        let (http, token, ledger, errors) = (http.clone(), tokens[0].clone(), ledger.clone(), rest_errors.clone());
        requests.spawn(async move {
            ledger.sent_at_us[change].store(ledger.now_us(), Ordering::Release);
            let ok = match http.patch(&url).bearer_auth(token).json(&body).send().await {
                Ok(resp) => resp.status().is_success(),
                Err(_) => false,
            };
            if !ok {
                errors.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while requests.join_next().await.is_some() {}
    let changes = changes_cap - 1;

    // Wait until every change reached every member, or 5 s of silence.
    let expected: Vec<u32> = (0..args.rooms)
        .map(|room| ((args.connections - room).div_ceil(args.rooms)) as u32)
        .collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline
        && (0..changes).any(|c| ledger.reached[c].load(Ordering::Acquire) < expected[c % args.rooms])
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(true);
    let mut frame_latencies = Vec::new();
    while let Some(joined) = members.join_next().await {
        frame_latencies.extend(joined?);
    }
    let rss_after = args.server_pid.and_then(vm_rss_kib);

    // Every-member latency of the changes that reached everyone.
    let mut change_latencies = Vec::new();
    let mut last_arrival = send_started_us;
    for c in 0..changes {
        let arrival = ledger.last_arrival_us[c].load(Ordering::Acquire);
        last_arrival = last_arrival.max(arrival);
        if ledger.reached[c].load(Ordering::Acquire) >= expected[c % args.rooms] {
            change_latencies.push(arrival.saturating_sub(ledger.sent_at_us[c].load(Ordering::Acquire)));
        }
    }
    change_latencies.sort_unstable();
    frame_latencies.sort_unstable();
    let frames_delivered = frame_latencies.len() as u64;
    let window_s = (last_arrival - send_started_us) as f64 / 1e6;
    Ok(FanoutReport {
        connections: args.connections,
        rooms: args.rooms,
        rate: args.rate,
        changes,
        complete_changes: change_latencies.len(),
        rest_errors: rest_errors.load(Ordering::Relaxed),
        latency_ms: latency(&change_latencies),
        frame_latency_ms: latency(&frame_latencies),
        frames_delivered,
        messages_per_sec: if window_s > 0.0 { frames_delivered as f64 / window_s } else { 0.0 },
        connect_secs,
        server_rss_before_kib: rss_before,
        server_rss_connected_kib: rss_connected,
        server_rss_after_kib: rss_after,
        server_bytes_per_connection: match (rss_before, rss_connected) {
            (Some(b), Some(c)) => Some(c.saturating_sub(b) * 1024 / args.connections as u64),
            _ => None,
        },
    })
}

fn latency(sorted_us: &[u64]) -> Option<LatencyMs> {
    Some(LatencyMs {
        p50: ms(quantile(sorted_us, 0.5)?),
        p99: ms(quantile(sorted_us, 0.99)?),
        max: ms(*sorted_us.last()?),
    })
}

/// A token for one user from the server's fault endpoint (`--enable-faults`).
pub async fn mint_token(http: &reqwest::Client, base: &str, user_id: u64, user_name: &str) -> Result<String, Error> {
    let body = serde_json::json!({ "userId": user_id, "userName": user_name, "ttlSecs": 3600 });
    let resp = http.post(format!("{base}/api/v1/faults/token")).json(&body).send().await?;
    let resp = resp.error_for_status().map_err(|e| format!("POST /api/v1/faults/token: {e} (is --enable-faults on?)"))?;
    Ok(resp.json::<TokenResponse>().await?.token)
}

/// One token per connection from the server's fault endpoint (`--enable-faults`).
async fn mint_tokens(http: &reqwest::Client, base: &str, args: &FanoutArgs) -> Result<Vec<String>, Error> {
    let mut tokens = Vec::with_capacity(args.connections);
    // 64 requests in flight at a time keeps this to about a second for 5,000 users.
    for chunk in (0..args.connections).collect::<Vec<_>>().chunks(64) {
        let batch = chunk.iter().map(|&i| {
            let name = format!("load{i}");
            async move { mint_token(http, base, args.first_user_id + i as u64, &name).await }
        });
        for token in futures_util::future::join_all(batch).await {
            tokens.push(token?);
        }
    }
    Ok(tokens)
}

/// The id of the first task of each bench room, creating one where a room has no task.
async fn room_task_ids(
    http: &reqwest::Client,
    base: &str,
    args: &FanoutArgs,
    token: &str,
) -> Result<Vec<u64>, Error> {
    let mut ids = Vec::with_capacity(args.rooms);
    for room in 0..args.rooms {
        let plan_id = format!("{}{room}", args.plan_prefix);
        let resp = http.get(format!("{base}/api/plans/{plan_id}")).bearer_auth(token).send().await?;
        if !resp.status().is_success() {
            return Err(format!("GET /api/plans/{plan_id}: {} (start the server with --bench-plans)", resp.status()).into());
        }
        let plan: Plan = resp.json().await?;
        if let Some(task) = plan.tasks.first() {
            ids.push(task.id);
            continue;
        }
        let created = http
            .post(format!("{base}/api/plans/{plan_id}/tasks"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "title": "loadgen" }))
            .send()
            .await?
            .error_for_status()?;
        let task: planwire_protocol::Task = created.json().await?;
        ids.push(task.id);
    }
    Ok(ids)
}

/// A client WebSocket.
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, waits for the confirmation, joins `plan` and waits for the join confirmation.
pub async fn join_member(url: &str, plan: &str) -> Result<Ws, String> {
    // Frames here are small: a 4 KiB read buffer instead of tungstenite's zero-filled 128 KiB keeps
    // 5,000 connections from costing the load generator 640 MB.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .map_err(|e| e.to_string())?;
    let join = ClientMessage::JoinPlan { plan_id: plan.to_owned(), last_seq: None, epoch: None };
    let mut joined_sent = false;
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    loop {
        let frame = tokio::select! {
            f = ws.next() => f,
            _ = &mut deadline => return Err("no join confirmation within 30 s".into()),
        };
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(close))) => return Err(format!("closed: {close:?}")),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("connection ended".into()),
        };
        let env: Envelope<'_, &serde_json::value::RawValue> =
            serde_json::from_str(&text).map_err(|e| e.to_string())?;
        match env.kind.as_ref() {
            kind::PONG if !joined_sent => {
                let frame = serde_json::to_string(&join).map_err(|e| e.to_string())?;
                ws.send(Message::text(frame)).await.map_err(|e| e.to_string())?;
                joined_sent = true;
            }
            kind::JOIN_PLAN => {
                let data = env.data.ok_or("join-plan without data")?;
                if let Ok(JoinPlanData::Confirm(_)) = serde_json::from_str::<JoinPlanData>(data.get()) {
                    return Ok(ws);
                }
            }
            kind::ERROR => return Err(text.to_string()),
            _ => {}
        }
    }
}

/// Reads until `stop`, recording each `lg-<n>` task-updated arrival; returns per-frame latencies (µs).
async fn read_member(mut ws: Ws, ledger: &Ledger, mut stop: watch::Receiver<bool>) -> Vec<u64> {
    let mut latencies = Vec::new();
    loop {
        let frame = tokio::select! {
            f = ws.next() => f,
            _ = stop.changed() => break,
        };
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break,
        };
        let now = ledger.now_us();
        let Ok(env) = serde_json::from_str::<Envelope<'_, TaskPayload<TitleOnly<'_>>>>(&text) else {
            continue; // join/leave notifications and other types have another payload shape
        };
        if env.kind != kind::TASK_UPDATED {
            continue;
        }
        let Some(change) = env
            .data
            .and_then(|d| d.task.title.strip_prefix("lg-").and_then(|n| n.parse::<usize>().ok()))
        else {
            continue;
        };
        let Some(sent_at) = ledger.sent_at_us.get(change) else { continue };
        let latency = now.saturating_sub(sent_at.load(Ordering::Acquire));
        ledger.reached[change].fetch_add(1, Ordering::AcqRel);
        ledger.last_arrival_us[change].fetch_max(now, Ordering::AcqRel);
        latencies.push(latency);
    }
    let _ = ws.close(None).await;
    latencies
}
