//! Hostile load: thousands of connections held open the way an attacker would — slowloris on the
//! `/ws` upgrade, upgraded sockets that never authenticate, REST bodies that never complete —
//! while `/health` and a valid client's connect + join are timed against a latency limit.
//! Each hostile connection reconnects whenever the server closes it, so the pressure stays on.

use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::fanout::{mint_token, Error};
use crate::stats::{ms, quantile};

/// `loadgen hostile` options.
#[derive(Args, Debug, Clone)]
pub struct HostileArgs {
    /// Mock server address HOST:PORT (started with `--enable-faults`); without it, the
    /// `mock-server` binary next to this one is started on a free port.
    #[arg(long)]
    pub addr: Option<String>,
    /// Hostile connections to hold open (a third of each kind).
    #[arg(long, default_value_t = 5000)]
    pub connections: usize,
    /// Timed samples of `/health` and of a valid connect + join.
    #[arg(long, default_value_t = 50)]
    pub samples: usize,
    /// The latency limit the p99 must stay under, in ms.
    #[arg(long, default_value_t = 100)]
    pub limit_ms: u64,
}

/// What `loadgen hostile` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostileReport {
    hostile_connections: usize,
    /// Hostile connections open when sampling started.
    held_open: u64,
    /// Hostile connections the server closed (and that reconnected) during the run.
    closed_by_server: u64,
    health_p50_ms: f64,
    health_p99_ms: f64,
    join_p50_ms: f64,
    join_p99_ms: f64,
    limit_ms: u64,
    ok: bool,
}

#[derive(Default)]
struct Gauges {
    open: AtomicU64,
    closed: AtomicU64,
}

/// Runs the hostile load and the timed samples.
pub async fn run(args: HostileArgs) -> Result<HostileReport, Error> {
    raise_fd_limit();
    let (_server, addr) = match &args.addr {
        Some(a) => (None, a.clone()),
        None => {
            let (child, addr) = start_server(args.connections + 1000).await?;
            (Some(child), addr)
        }
    };
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let token = mint_token(&http, &base, 1, "alice").await?;
    let gauges = Arc::new(Gauges::default());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.connections {
        let (addr, g) = (addr.clone(), gauges.clone());
        tasks.spawn(async move {
            loop {
                g.open.fetch_add(1, Ordering::Relaxed);
                match i % 3 {
                    0 => drop(slowloris(&addr).await),
                    1 => drop(unauthenticated(&addr).await),
                    _ => drop(endless_body(&addr).await),
                }
                g.open.fetch_sub(1, Ordering::Relaxed);
                g.closed.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        if i % 200 == 199 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held_open = gauges.open.load(Ordering::Relaxed);
    let closed_before = gauges.closed.load(Ordering::Relaxed);
    let (mut health, mut join) = (Vec::new(), Vec::new());
    for _ in 0..args.samples {
        let t = Instant::now();
        http.get(format!("{base}/api/v1/ws/health")).send().await?.error_for_status()?;
        health.push(t.elapsed().as_micros() as u64);
        let t = Instant::now();
        valid_join(&addr, &token).await?;
        join.push(t.elapsed().as_micros() as u64);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tasks.abort_all();
    health.sort_unstable();
    join.sort_unstable();
    let q = |v: &[u64], p| ms(quantile(v, p).unwrap_or(0));
    let (h99, j99) = (q(&health, 0.99), q(&join, 0.99));
    Ok(HostileReport {
        hostile_connections: args.connections,
        held_open,
        closed_by_server: gauges.closed.load(Ordering::Relaxed) - closed_before,
        health_p50_ms: q(&health, 0.5),
        health_p99_ms: h99,
        join_p50_ms: q(&join, 0.5),
        join_p99_ms: j99,
        limit_ms: args.limit_ms,
        ok: h99 < args.limit_ms as f64 && j99 < args.limit_ms as f64,
    })
}

/// Headers of a `/ws` upgrade, one byte a second, never finished.
async fn slowloris(addr: &str) -> std::io::Result<()> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nX-Slow: ").await?;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        s.write_all(b"a").await?;
    }
}

/// An upgraded WebSocket that never authenticates.
async fn unauthenticated(addr: &str) -> Result<(), Error> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await?;
    while let Some(Ok(_)) = ws.next().await {}
    Ok(())
}

/// A REST request whose body never completes.
async fn endless_body(addr: &str) -> std::io::Result<()> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(b"PATCH /api/tasks/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{").await?;
    let mut buf = [0u8; 1024];
    while s.read(&mut buf).await? > 0 {}
    Ok(())
}

/// A valid client: connect with a token, read the confirmation, join plan 123, read its confirmation.
async fn valid_join(addr: &str, token: &str) -> Result<(), Error> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws?token={token}")).await?;
    ws.next().await.ok_or("no confirmation")??;
    ws.send(Message::text(r#"{"type":"join-plan","planId":"123"}"#)).await?;
    loop {
        match ws.next().await.ok_or("no join confirmation")?? {
            Message::Text(t) if t.contains("\"success\":true") => break,
            Message::Text(t) => return Err(format!("unexpected {t}").into()),
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    Ok(())
}

/// Starts `mock-server` (next to this binary) on a free port with faults on.
async fn start_server(max_pending: usize) -> Result<(tokio::process::Child, String), Error> {
    let bin = std::env::current_exe()?.with_file_name("mock-server");
    let mut child = tokio::process::Command::new(&bin)
        .args(["--port", "0", "--log-level", "error", "--enable-faults"])
        .args(["--max-pending-connections", &max_pending.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e} (build it: cargo build -p mock-server --release)", bin.display()))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line).await?;
    let addr = line.trim().strip_prefix("listening on ws://").and_then(|a| a.strip_suffix("/ws")).ok_or("no listening line")?;
    Ok((child, addr.to_owned()))
}

/// Raises the soft open-file limit to the hard one (5,000 sockets need more than the usual 1,024).
fn raise_fd_limit() {
    #[cfg(unix)]
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
