//! Covers the `mock-server` binary:
//! - [x] prints exactly one stdout line `listening on ws://HOST:PORT/ws` (port 0 → real port)
//! - [x] `mock-server token …` prints a token the server accepts (numeric user id, custom secret via env)
//! - [x] SIGTERM and SIGINT close every socket with 1001, then the process exits 0
//! - [x] in-process shutdown closes sockets (authenticated and still authenticating) with 1001

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_mock-server");

async fn token(secret: &str, id: &str, name: &str) -> String {
    let out = Command::new(BIN)
        .args(["token", "--user-id", id, "--user-name", name, "--ttl", "60"])
        .env("JWT_SECRET", secret)
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Spawns the server; returns it, its `ws://…/ws` URL and the rest of its stdout.
async fn spawn(secret: &str) -> (Child, String, BufReader<tokio::process::ChildStdout>) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--log-level", "warn"])
        .env("JWT_SECRET", secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(STEP, stdout.read_line(&mut line)).await.expect("listening line in time").unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    assert!(url.starts_with("ws://127.0.0.1:") && url.ends_with("/ws") && !url.contains(":0/"), "{url}");
    (child, url, stdout)
}

async fn signal_closes_with_1001(signal: &str) {
    let (mut child, url, mut stdout) = spawn("bin-secret-bin-secret-bin-secret-0123").await;
    let t = token("bin-secret-bin-secret-bin-secret-0123", "1", "alice").await;
    let mut alice = Client::open(&format!("{url}?token={t}")).await;
    assert_eq!(alice.recv_type("pong").await["data"]["userId"], 1);
    assert_eq!(alice.join("123").await["data"]["participantCount"], 1);
    let t = token("bin-secret-bin-secret-bin-secret-0123", "2", "bob").await;
    let mut bob = Client::open(&format!("{url}?token={t}")).await;
    bob.recv_type("pong").await;

    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args([signal, &pid]).status().await.unwrap().success());
    assert_eq!(alice.expect_close().await.0, 1001);
    assert_eq!(bob.expect_close().await.0, 1001);
    let status = tokio::time::timeout(STEP, child.wait()).await.expect("exits in time").unwrap();
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "", "only one stdout line");
}

#[tokio::test]
async fn sigterm_closes_every_socket_with_1001() {
    within(30, signal_closes_with_1001("-TERM")).await;
}

#[tokio::test]
async fn sigint_closes_every_socket_with_1001() {
    within(30, signal_closes_with_1001("-INT")).await;
}

#[tokio::test]
async fn token_from_another_secret_is_refused() {
    within(30, async {
        let (_child, url, _) = spawn("one-one-one-one-one-one-one-one-one-one").await;
        let t = token("two-two-two-two-two-two-two-two-two-two", "1", "alice").await;
        let mut c = Client::open(&format!("{url}?token={t}")).await;
        assert_eq!(c.expect_close().await, (4001, "invalid token".into()));
    })
    .await;
}

#[tokio::test]
async fn in_process_shutdown_closes_with_1001() {
    within(20, async {
        let s = server_with(|c| c.auth_timeout = Duration::from_secs(30)).await;
        let mut alice = s.connect(ALICE).await;
        let mut pending = Client::open(&s.ws_url()).await; // waiting for an auth frame
        let addr = s.addr;
        let shutdown = tokio::spawn(s.server.shutdown());
        assert_eq!(alice.expect_close().await.0, 1001);
        assert_eq!(pending.expect_close().await.0, 1001);
        shutdown.await.unwrap();
        assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
    })
    .await;
}
