//! Connection limits against the real server on loopback: the header, idle and body
//! timeouts, the connection cap and the per-address cap (docs/security.md, "connection
//! exhaustion").

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Device, Harness};
use serde_json::json;
use signet_server::ConnectionLimits;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

/// Small timeouts and caps for a test.
fn limits(change: impl FnOnce(&mut ConnectionLimits)) -> ConnectionLimits {
    let mut limits = ConnectionLimits {
        header_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        max_connections: Some(1000),
        max_connections_per_address: 1000,
    };
    change(&mut limits);
    limits
}

/// A connection from `source` (an address of the loopback network) to the server.
async fn connect_from(server: SocketAddr, source: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(format!("{source}:0").parse().expect("address"))
        .expect("bind");
    socket.connect(server).await.expect("connects")
}

/// Reads until the peer closes the connection; `Some(bytes read)` when it does within
/// `within`, `None` when it is still open then.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<usize> {
    let mut total = 0;
    let mut buf = [0_u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    })
    .await
    .ok()
}

/// Reads one whole HTTP response (head and `Content-Length` body) and returns its head.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0_u8; 4096];
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let n = stream.read(&mut buf).await.expect("reads");
            assert!(n > 0, "the server closed the connection before answering");
            data.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&data).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let head = &text[..end];
                let length = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if data.len() >= end + 4 + length {
                    return head.to_owned();
                }
            }
        }
    })
    .await
    .expect("the response arrives")
}

/// Parks a raw long-poll (3.4b, unsigned, `wait=30`) of `device` on a new connection from
/// `source`.
async fn park_long_poll(h: &Harness, device: &Device, source: &str) -> TcpStream {
    let mut stream = connect_from(h.server.addr, source).await;
    let request = format!(
        "GET /v1/client/user-authenticators/push/challenge?publicKey={}&wait=30 HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
        device.public_key.to_query(),
        device.basic()
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    stream
}

/// Waits until `n` requests are parked in a long-poll.
async fn until_parked(h: &Harness, n: usize) {
    for _ in 0..2000 {
        if h.server.long_polls_waiting() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the long-polls never parked");
}

/// A request whose head is never finished.
const HALF_OPEN: &[u8] = b"GET /v1/users/x HTTP/1.1\r\nHost: x\r\n";

#[tokio::test]
async fn a_half_open_connection_is_closed_after_the_header_timeout() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| l.header_timeout = Duration::from_secs(1));
    })
    .await;
    let mut stream = connect_from(h.server.addr, "127.0.0.1").await;
    stream.write_all(HALF_OPEN).await.expect("writes");
    // The server closes it without an answer (it would hold it forever without the timeout).
    let read = closed_within(&mut stream, Duration::from_secs(15)).await;
    assert_eq!(read, Some(0), "the half-open connection is still open");
    assert_eq!(h.server.connection_counts().timed_out, 1);
}

#[tokio::test]
async fn a_slowloris_head_is_closed_after_the_header_timeout_although_bytes_keep_coming() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| l.header_timeout = Duration::from_secs(2));
    })
    .await;
    let mut stream = connect_from(h.server.addr, "127.0.0.1").await;
    stream.write_all(HALF_OPEN).await.expect("writes");
    // One header byte every 200 ms: never a whole head; closed 2 s after the start anyway.
    let closed = tokio::time::timeout(Duration::from_secs(15), async {
        for _ in 0..200 {
            if stream.write_all(b"X").await.is_err() {
                return true;
            }
            let mut buf = [0_u8; 64];
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await
            {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(closed, Ok(true), "the slow head is still being read");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| l.idle_timeout = Duration::from_secs(1));
    })
    .await;
    let mut stream = connect_from(h.server.addr, "127.0.0.1").await;
    // One whole request (no credentials: a 401), then nothing: an idle keep-alive connection.
    stream
        .write_all(b"GET /v1/users/x HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("writes");
    let head = read_response(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let read = closed_within(&mut stream, Duration::from_secs(15)).await;
    assert_eq!(read, Some(0), "the idle connection is still open");
}

#[tokio::test]
async fn a_request_body_that_does_not_arrive_in_time_is_refused() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| l.body_timeout = Duration::from_secs(1));
    })
    .await;
    let mut stream = connect_from(h.server.addr, "127.0.0.1").await;
    let head = format!(
        "POST /v1/users/x/actions/signIn HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"redirect",
        h.secret_auth()
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    // The other 90 bytes never come: the server answers (400) and closes.
    let answered = tokio::time::timeout(Duration::from_secs(15), async {
        let mut data = Vec::new();
        let mut buf = [0_u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return String::from_utf8_lossy(&data).to_string(),
                Ok(n) => data.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server gives up on the body");
    assert!(answered.starts_with("HTTP/1.1 400"), "{answered}");
    assert!(answered.contains("invalid_request"), "{answered}");
}

#[tokio::test]
async fn a_long_poll_is_not_cut_before_its_wait_by_the_idle_header_or_body_timeout() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| {
            l.header_timeout = Duration::from_secs(1);
            l.idle_timeout = Duration::from_secs(1);
            l.body_timeout = Duration::from_secs(1);
        });
    })
    .await;
    let device = h.enrolled_device("alice").await;
    let started = std::time::Instant::now();
    let fetched = device.fetch(&h.api, Some(3)).await.ok();
    // Nothing pending: the answer comes at the end of the wait, not when a timeout fires.
    assert!(fetched["challengeId"].is_null(), "{fetched}");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "the long-poll ended after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn with_the_cap_reached_by_busy_connections_a_new_one_is_closed_at_once() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| l.max_connections = Some(3));
    })
    .await;
    let device = h.enrolled_device("alice").await;
    // The harness's own client connection (idle now) is the oldest: the first parked
    // long-poll takes its place.
    let mut parked = Vec::new();
    for _ in 0..3 {
        parked.push(park_long_poll(&h, &device, "127.0.0.1").await);
    }
    until_parked(&h, 3).await;
    let mut extra = connect_from(h.server.addr, "127.0.0.1").await;
    extra
        .write_all(b"GET /v1/users/x HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("writes");
    // Closed without an answer, long before the long-polls' 30 s.
    let read = closed_within(&mut extra, Duration::from_secs(10)).await;
    assert_eq!(read, Some(0), "the connection beyond the cap was served");
    let counts = h.server.connection_counts();
    assert_eq!(counts.open, 3, "{counts:?}");
    assert!(counts.refused >= 1, "{counts:?}");
    assert_eq!(h.server.long_polls_waiting(), 3);
}

#[tokio::test]
async fn with_the_cap_reached_by_half_open_connections_a_sign_in_still_completes() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| l.max_connections = Some(20));
    })
    .await;
    let device = h.enrolled_device("alice").await;
    // 40 half-open connections: twice the cap, held for the 60-second header timeout.
    let mut half_open = Vec::new();
    for _ in 0..40 {
        let mut stream = connect_from(h.server.addr, "127.0.0.1").await;
        stream.write_all(HALF_OPEN).await.expect("writes");
        half_open.push(stream);
    }
    // A whole sign-in: track, challenge, signed fetch, answer, verify.
    let (token, _) = h.sign_in("alice", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    let fetched = device.fetch(&h.api, None).await.ok();
    assert_eq!(fetched["challengeId"], challenge_id.as_str());
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let verified = h.verify(&token, &challenge_id).await.ok();
    assert_eq!(verified["isVerified"], true);
    let counts = h.server.connection_counts();
    assert!(counts.open <= 20, "{counts:?}");
    assert!(counts.evicted >= 20, "{counts:?}");
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_cap_while_another_address_is_served() {
    let h = Harness::start_with(|config| {
        config.connection_limits = limits(|l| l.max_connections_per_address = 3);
    })
    .await;
    let device = h.enrolled_device("alice").await;
    let mut parked = Vec::new();
    for _ in 0..3 {
        parked.push(park_long_poll(&h, &device, "127.0.0.2").await);
    }
    until_parked(&h, 3).await;
    // A fourth connection from 127.0.0.2 is closed at once ...
    let mut fourth = connect_from(h.server.addr, "127.0.0.2").await;
    fourth
        .write_all(b"GET /v1/users/x HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("writes");
    assert_eq!(
        closed_within(&mut fourth, Duration::from_secs(10)).await,
        Some(0),
        "the fourth connection of one address was served"
    );
    // ... while another address is served as usual.
    let mut other = connect_from(h.server.addr, "127.0.0.3").await;
    other
        .write_all(b"GET /v1/users/x HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("writes");
    let head = read_response(&mut other).await;
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
}

#[tokio::test]
async fn shutting_down_closes_half_open_connections_and_returns() {
    let h = Harness::start().await;
    let mut stream = connect_from(h.server.addr, "127.0.0.1").await;
    stream.write_all(HALF_OPEN).await.expect("writes");
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(10), h.server.shutdown())
        .await
        .expect("shutdown does not wait for the half-open connection")
        .expect("shuts down");
    assert_eq!(
        closed_within(&mut stream, Duration::from_secs(5)).await,
        Some(0)
    );
}
