//! Covers protocol errors and floods on WebSockets (issue 18):
//! - [x] invalid UTF-8 in a text frame → close 1007; an unmasked client frame, or reserved bits
//!   set → close 1002; each counted in the metrics
//! - [x] empty continuation frames at line rate, and 64 KiB presence frames at line rate, are
//!   closed with 1008 (`--max-inbound-bytes-per-sec`); so are ping floods (`--frame-rate-limit`)
//! - [x] a connection in no room is swept with 4002 `inactive`
//! - [x] the server pings a silent connection; one that answers stays, one that never reads is dropped

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// An authenticated raw socket: the handshake done by hand, the confirmation read.
async fn raw(s: &TestServer) -> TcpStream {
    let mut tcp = TcpStream::connect(s.addr).await.unwrap();
    let req = format!(
        "GET /ws?token={} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        s.token(ALICE)
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        tcp.read_exact(&mut b).await.unwrap();
        head.push(b[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    let (op, _) = read_frame(&mut tcp).await;
    assert_eq!(op, 0x1, "the connection confirmation");
    tcp
}

/// Reads one unmasked server frame: (opcode, payload).
async fn read_frame(tcp: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 2];
    tokio::time::timeout(STEP, tcp.read_exact(&mut h)).await.expect("frame in time").unwrap();
    let mut len = u64::from(h[1] & 0x7f);
    if len == 126 {
        let mut l = [0u8; 2];
        tcp.read_exact(&mut l).await.unwrap();
        len = u64::from(u16::from_be_bytes(l));
    } else if len == 127 {
        let mut l = [0u8; 8];
        tcp.read_exact(&mut l).await.unwrap();
        len = u64::from_be_bytes(l);
    }
    let mut payload = vec![0u8; len as usize];
    tcp.read_exact(&mut payload).await.unwrap();
    (h[0] & 0x0f, payload)
}

async fn expect_raw_close(tcp: &mut TcpStream) -> u16 {
    loop {
        let (op, payload) = read_frame(tcp).await;
        if op == 0x8 {
            return u16::from_be_bytes([payload[0], payload[1]]);
        }
    }
}

#[tokio::test]
async fn invalid_utf8_closes_1007_and_protocol_violations_1002() {
    within(30, async {
        let s = server().await;
        let mut c = s.connect(ALICE).await;
        c.ws.send(Message::Frame(Frame::message(vec![0xff, 0xfe, b'{'], OpCode::Data(Data::Text), true))).await.unwrap();
        assert_eq!(c.expect_close().await.0, 1007);

        let mut unmasked = raw(&s).await;
        unmasked.write_all(&[0x81, 0x02, b'h', b'i']).await.unwrap();
        assert_eq!(expect_raw_close(&mut unmasked).await, 1002);

        let mut reserved = raw(&s).await;
        let mask = [1u8, 2, 3, 4];
        let payload: Vec<u8> = b"{}".iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m).collect();
        let mut frame = vec![0xC1, 0x80 | 2];
        frame.extend_from_slice(&mask);
        frame.extend_from_slice(&payload);
        reserved.write_all(&frame).await.unwrap();
        assert_eq!(expect_raw_close(&mut reserved).await, 1002);

        let limits = &s.metrics().await["limits"];
        assert_eq!((limits["invalidUtf8"].as_u64(), limits["protocolError"].as_u64()), (Some(1), Some(2)), "{limits}");
    })
    .await;
}

#[tokio::test]
async fn empty_continuation_frames_at_line_rate_are_closed_1008() {
    within(30, async {
        let s = server_with(|c| c.limits.max_inbound_bytes_per_sec = 4096).await;
        let mut c = s.connect(ALICE).await;
        c.ws.send(Message::Frame(Frame::message(b"{".to_vec(), OpCode::Data(Data::Text), false))).await.unwrap();
        for _ in 0..5000 {
            let empty = Frame::message(Vec::new(), OpCode::Data(Data::Continue), false);
            if c.ws.send(Message::Frame(empty)).await.is_err() {
                break;
            }
        }
        assert_eq!(c.expect_close().await, (1008, "inbound byte rate exceeded".into()));
        assert_eq!(s.metrics().await["limits"]["inboundBytes"], 1);
    })
    .await;
}

#[tokio::test]
async fn big_presence_frames_and_ping_floods_are_closed_1008() {
    within(30, async {
        let s = server_with(|c| c.limits.frame_rate_limit = 50).await;
        let (mut c, _) = s.join(ALICE, "123").await;
        let big = json!({"type":"presence-update","planId":"123","data":{"state":{"x":"y".repeat(60_000)}}}).to_string();
        for _ in 0..50 {
            if c.ws.send(Message::text(big.clone())).await.is_err() {
                break;
            }
        }
        assert_eq!(c.expect_close().await, (1008, "inbound byte rate exceeded".into()));

        let mut p = s.connect(BOB).await;
        for _ in 0..100 {
            if p.ws.send(Message::Ping(Default::default())).await.is_err() {
                break;
            }
        }
        assert_eq!(p.expect_close().await, (1008, "frame rate exceeded".into()));
        assert_eq!(s.metrics().await["limits"]["frameRate"], 1);
    })
    .await;
}

#[tokio::test]
async fn a_connection_in_no_room_is_swept() {
    within(20, async {
        let s = server_with(|c| {
            c.inactive_after = Duration::from_millis(300);
            c.sweep_every = Duration::from_millis(100);
        })
        .await;
        let mut c = s.connect(ALICE).await;
        assert_eq!(c.expect_close().await, (4002, "inactive".into()));
    })
    .await;
}

#[tokio::test]
async fn the_server_pings_silent_connections_and_drops_dead_ones() {
    within(20, async {
        let s = server_with(|c| c.limits.ping_every = Duration::from_millis(200)).await;
        let mut live = s.connect(ALICE).await;
        let mut pings = 0;
        let until = tokio::time::Instant::now() + Duration::from_millis(1500);
        while let Ok(Some(msg)) = tokio::time::timeout_at(until, live.ws.next()).await {
            match msg.unwrap() {
                Message::Ping(_) => pings += 1,
                other => panic!("{other:?}"),
            }
        }
        assert!(pings >= 3, "{pings} pings");
        live.assert_nothing_pending().await;

        // Never reads, so never answers: dropped after three intervals of silence.
        let mut dead = s.connect(BOB).await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        dead.expect_abrupt_end().await;
        assert!(s.metrics().await["limits"]["pingTimeout"].as_u64().unwrap() >= 1);
    })
    .await;
}
