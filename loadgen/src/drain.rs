//! Server ceiling for the dispatch benchmark: one native client in a room, the server floods it,
//! and the client only counts frames. If a browser client gets close to this rate, the browser
//! measurement is bounded by the server, not by the client.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;

use crate::fanout::{join_member, mint_token};

/// Options of the drain measurement.
#[derive(clap::Args, Debug, Clone)]
pub struct DrainArgs {
    /// Mock server address, HOST:PORT (started with `--enable-faults --bench-plans 1`).
    #[arg(long)]
    pub addr: String,
    /// Messages to flood.
    #[arg(long, default_value_t = 100_000)]
    pub count: u64,
    /// Room to flood.
    #[arg(long, default_value = "bench-0")]
    pub plan: String,
    /// The client's user id (a bench user).
    #[arg(long, default_value_t = 100_000)]
    pub user_id: u64,
}

/// The outcome, printed as JSON.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct DrainReport {
    /// Frames received.
    pub received: u64,
    /// First to last `task-updated` frame, ms.
    pub ms: f64,
    /// Frames per second over that stretch.
    pub per_sec: f64,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Joins, floods, and times the frames.
pub async fn run(args: DrainArgs) -> Result<DrainReport, Error> {
    let http = reqwest::Client::new();
    let base = format!("http://{}", args.addr);
    let token = mint_token(&http, &base, args.user_id, "drain").await?;
    let mut ws = join_member(&format!("ws://{}/ws?token={token}", args.addr), &args.plan).await?;
    let flood = http
        .post(format!("{base}/api/v1/faults/flood"))
        .json(&serde_json::json!({ "planId": args.plan, "count": args.count }))
        .send();
    let flood = tokio::spawn(flood);
    let (mut received, mut first, mut last) = (0u64, None, Instant::now());
    while received < args.count {
        let frame = tokio::time::timeout(Duration::from_secs(30), ws.next()).await;
        match frame {
            Ok(Some(Ok(Message::Text(text)))) if text.contains("\"task-updated\"") => {
                last = Instant::now();
                first.get_or_insert(last);
                received += 1;
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(None) => return Err("connection ended".into()),
            Err(_) => return Err(format!("no frame for 30 s after {received}").into()),
        }
    }
    flood.await??.error_for_status()?;
    let ms = first.map_or(0.0, |f| (last - f).as_secs_f64() * 1000.0);
    Ok(DrainReport { received, ms, per_sec: if ms > 0.0 { received as f64 * 1000.0 / ms } else { 0.0 } })
}
