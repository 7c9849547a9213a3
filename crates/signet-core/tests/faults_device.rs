//! Faults on the device side: a deliberately broken peer (a tiny TCP listener that misbehaves
//! on purpose — not a fake of our server) sends garbage, huge, slow, truncated or redirecting
//! answers; every call ends in bounded time and memory with a clear error. And a damaged
//! accounts file never costs a key.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use signet_core::{
    Client, ClientOptions, DeviceKeyStore, EngineConfig, EnrollOptions, EnrollmentLink, Error,
    KeyAlias, MemoryKeyStore,
};
use signet_protocol::PublicKey;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// How the broken peer answers every request.
#[derive(Debug, Clone)]
enum Misbehaviour {
    /// Bytes that are not HTTP, then close.
    Garbage,
    /// A 200 whose body never ends (no length), as fast as the socket takes it.
    EndlessBody,
    /// A 200 that announces a 10 GB body.
    HugeLength,
    /// A header line of 1 MiB.
    HugeHeader,
    /// Nothing at all: the connection stays open and silent.
    Silent,
    /// The status line, then one byte of body every 100 ms, forever.
    Drip,
    /// Announces 100 bytes, sends 10, closes.
    TruncatedBody,
    /// A 200 with a body that is not JSON.
    NotJson,
    /// A 200 with JSON nested 100 000 levels deep (within the size limit).
    DeepJson,
    /// A 500 with an HTML page.
    HtmlError,
    /// A redirect to another origin (another port on loopback).
    RedirectTo(SocketAddr),
    /// A redirect to itself, forever.
    RedirectLoop,
}

/// What the broken peer saw.
#[derive(Debug, Default)]
struct Seen {
    connections: AtomicUsize,
    bytes_sent: AtomicUsize,
}

/// Starts a broken peer on loopback.
async fn broken_peer(misbehaviour: Misbehaviour) -> (SocketAddr, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Seen::default());
    let stats = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            stats.connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(misbehave(
                stream,
                misbehaviour.clone(),
                addr,
                Arc::clone(&stats),
            ));
        }
    });
    (addr, seen)
}

/// Reads the request head (bounded), then answers as told.
async fn misbehave(mut stream: TcpStream, how: Misbehaviour, me: SocketAddr, seen: Arc<Seen>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let send = |bytes: Vec<u8>| {
        seen.bytes_sent.fetch_add(bytes.len(), Ordering::SeqCst);
        bytes
    };
    match how {
        Misbehaviour::EndlessBody => {
            let _ = stream
                .write_all(&send(
                    format!("{OK_HEAD}Connection: close\r\n\r\n").into_bytes(),
                ))
                .await;
            let chunk = b"[1,".repeat(16 * 1024);
            while stream.write_all(&send(chunk.clone())).await.is_ok() {}
        }
        Misbehaviour::Drip => {
            let _ = stream
                .write_all(&send(
                    format!("{OK_HEAD}Content-Length: 100000\r\n\r\n").into_bytes(),
                ))
                .await;
            while stream.write_all(&send(b" ".to_vec())).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Misbehaviour::Silent => {
            // Hold the connection until the client gives up.
            let _ = stream.read(&mut buf).await;
        }
        other => {
            let _ = stream.write_all(&send(canned(&other, me))).await;
        }
    }
    let _ = stream.shutdown().await;
}

/// The head of a JSON 200.
const OK_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";

/// The whole answer of a peer that answers once and closes.
fn canned(how: &Misbehaviour, me: SocketAddr) -> Vec<u8> {
    let text = match how {
        Misbehaviour::Garbage => {
            return b"\x00\xffSSH-2.0-not-http\r\n\x1b[31m".repeat(50);
        }
        Misbehaviour::HugeLength => format!("{OK_HEAD}Content-Length: 10000000000\r\n\r\n{{"),
        Misbehaviour::HugeHeader => {
            let value = "a".repeat(1024 * 1024);
            format!("{OK_HEAD}X-Big: {value}\r\n\r\n{{}}")
        }
        Misbehaviour::TruncatedBody => {
            format!("{OK_HEAD}Content-Length: 100\r\n\r\n{{\"message\"")
        }
        Misbehaviour::NotJson => format!("{OK_HEAD}Content-Length: 15\r\n\r\n<html>hi</html>"),
        Misbehaviour::DeepJson => {
            let body = "[".repeat(100_000);
            format!("{OK_HEAD}Content-Length: {}\r\n\r\n{body}", body.len())
        }
        Misbehaviour::HtmlError => {
            let body = "<html><body>Internal Server Error</body></html>";
            format!(
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        }
        Misbehaviour::RedirectTo(other) => format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{other}/v1/steal\r\nContent-Length: 0\r\n\r\n"
        ),
        Misbehaviour::RedirectLoop => format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{me}/v1/again\r\nContent-Length: 0\r\n\r\n"
        ),
        Misbehaviour::EndlessBody | Misbehaviour::Drip | Misbehaviour::Silent => String::new(),
    };
    text.into_bytes()
}

/// A client of `addr` with short timeouts, and a key to name in calls.
fn client_of(addr: SocketAddr) -> (Client, PublicKey) {
    let client = Client::with_options(
        &format!("http://{addr}/v1").parse().expect("url"),
        "tenant",
        ClientOptions {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(2),
            ..ClientOptions::default()
        },
    )
    .expect("client");
    let key = MemoryKeyStore::new()
        .create(&KeyAlias::generate())
        .expect("key");
    (client, key)
}

/// 3.4a against a peer that misbehaves so; the whole call is bounded by a safety net far
/// above the client's own timeouts (it is not what is measured).
async fn nonce_from(
    misbehaviour: Misbehaviour,
) -> (Result<signet_protocol::NonceResponse, Error>, Arc<Seen>) {
    let (addr, seen) = broken_peer(misbehaviour).await;
    let (client, key) = client_of(addr);
    let result = tokio::time::timeout(Duration::from_secs(60), client.challenge_nonce(&key))
        .await
        .expect("the call ended (the client's own limits did not hold)");
    (result, seen)
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_network_error() {
    let (result, _) = nonce_from(Misbehaviour::Garbage).await;
    let error = result.expect_err("garbage");
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn an_endless_body_is_cut_off_at_the_size_limit() {
    let (result, seen) = nonce_from(Misbehaviour::EndlessBody).await;
    let limit = ClientOptions::default().max_response_bytes;
    assert!(
        matches!(result, Err(Error::ResponseTooLarge { limit: l }) if l == limit),
        "{result:?}"
    );
    // The client hung up: the peer pushed at most the limit plus what socket buffers hold.
    assert!(seen.bytes_sent.load(Ordering::SeqCst) < 64 * 1024 * 1024);
}

#[tokio::test]
async fn an_announced_10_gb_body_is_refused_before_reading_it() {
    let (result, _) = nonce_from(Misbehaviour::HugeLength).await;
    assert!(
        matches!(result, Err(Error::ResponseTooLarge { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_one_mib_header_is_a_network_error() {
    let (result, _) = nonce_from(Misbehaviour::HugeHeader).await;
    assert!(matches!(result, Err(Error::Network { .. })), "{result:?}");
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (result, _) = nonce_from(Misbehaviour::Silent).await;
    let error = result.expect_err("silent");
    assert!(matches!(error, Error::Timeout), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(error.to_string(), "the server did not answer in time");
}

#[tokio::test]
async fn a_body_dripped_byte_by_byte_times_out() {
    let (result, _) = nonce_from(Misbehaviour::Drip).await;
    assert!(matches!(result, Err(Error::Timeout)), "{result:?}");
}

#[tokio::test]
async fn a_truncated_body_is_an_error() {
    let (result, _) = nonce_from(Misbehaviour::TruncatedBody).await;
    assert!(
        matches!(
            result,
            Err(Error::Network { .. } | Error::InvalidResponse { .. })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_invalid_response_naming_the_call() {
    let (result, _) = nonce_from(Misbehaviour::NotJson).await;
    let error = result.expect_err("not JSON");
    assert!(
        matches!(
            error,
            Error::InvalidResponse {
                call: "challenge nonce",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("challenge nonce"), "{error}");
}

#[tokio::test]
async fn json_nested_100_000_deep_is_refused_without_overflowing_the_stack() {
    let (result, _) = nonce_from(Misbehaviour::DeepJson).await;
    assert!(
        matches!(result, Err(Error::InvalidResponse { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_html_error_page_is_a_server_error_with_its_status() {
    let (result, _) = nonce_from(Misbehaviour::HtmlError).await;
    let error = result.expect_err("500");
    assert!(
        matches!(
            error,
            Error::Server {
                status: 500,
                code: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert!(!error.to_string().contains("<html>"), "{error}");
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_refused_and_the_other_origin_hears_nothing() {
    let (thief, thief_seen) = broken_peer(Misbehaviour::NotJson).await;
    let (result, _) = nonce_from(Misbehaviour::RedirectTo(thief)).await;
    assert!(matches!(result, Err(Error::Network { .. })), "{result:?}");
    assert_eq!(thief_seen.connections.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_loop_ends_after_the_redirect_limit() {
    let (result, seen) = nonce_from(Misbehaviour::RedirectLoop).await;
    assert!(matches!(result, Err(Error::Network { .. })), "{result:?}");
    let requests = seen.connections.load(Ordering::SeqCst);
    assert!(
        requests <= ClientOptions::default().max_redirects + 1,
        "{requests} connections"
    );
}

#[tokio::test]
async fn enrolling_against_a_broken_server_leaves_no_key_and_no_account() {
    let (addr, _) = broken_peer(Misbehaviour::Garbage).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = Arc::new(MemoryKeyStore::new());
    let mut config = EngineConfig::new(dir.path(), keys.clone());
    config.client.request_timeout = Duration::from_secs(2);
    let engine = signet_core::Engine::open(config).expect("opens");
    let link = EnrollmentLink {
        base_url: format!("http://{addr}/v1").parse().expect("url"),
        tenant_id: "tenant".to_owned(),
        token: "token".to_owned(),
        user: None,
        issuer: None,
    };
    let error = engine
        .enroll(&link, EnrollOptions::default())
        .await
        .expect_err("broken server");
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
    assert!(engine.accounts().is_empty());
    assert!(keys.is_empty(), "a key was left behind");
}

#[tokio::test]
async fn a_damaged_accounts_file_stops_the_engine_with_a_clear_message_and_keeps_every_key() {
    let world = common::World::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = Arc::new(MemoryKeyStore::new());
    let account = {
        let engine = world.engine(dir.path(), keys.clone());
        engine
            .enroll(
                &world.rp.enrollment_link("ada").await.unwrap(),
                EnrollOptions::default(),
            )
            .await
            .expect("enrolls")
    };
    // 1. Half the file is lost (a disk that lied about fsync, a hand edit).
    let path = dir.path().join(signet_core::accounts::FILE_NAME);
    let bytes = std::fs::read(&path).expect("file");
    let damaged = bytes[..bytes.len() / 2].to_vec();
    std::fs::write(&path, &damaged).expect("damage");
    // 2. Opening says what happened and where the file is; the key is still in the store.
    let opened = signet_core::Engine::open(EngineConfig::new(dir.path(), keys.clone()));
    let Err(error) = opened else {
        panic!("a damaged file was read");
    };
    let Error::AccountsCorrupt { kept_at, .. } = &error else {
        panic!("expected AccountsCorrupt, got {error:?}");
    };
    let message = error.to_string();
    assert!(message.contains("no key was deleted"), "{message}");
    assert!(
        message.contains(&kept_at.display().to_string()),
        "{message}"
    );
    assert_eq!(std::fs::read(kept_at).expect("kept"), damaged);
    assert_eq!(keys.len(), 1);
    keys.sign(&account.key_alias, b"still signs")
        .expect("the key survives");
    // 3. The next start begins empty, and the key is still there (for recovery by hand).
    let engine = world.engine(dir.path(), keys.clone());
    assert!(engine.accounts().is_empty());
    assert_eq!(keys.len(), 1);
}

#[tokio::test]
async fn an_accounts_path_that_cannot_be_read_is_an_io_error_that_moves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The accounts "file" is a folder: reading it fails in the OS, not in the parser.
    std::fs::create_dir(dir.path().join(signet_core::accounts::FILE_NAME)).expect("mkdir");
    let keys = Arc::new(MemoryKeyStore::new());
    keys.create(&KeyAlias::generate()).expect("key");
    let opened = signet_core::Engine::open(EngineConfig::new(dir.path(), keys.clone()));
    assert!(
        matches!(opened, Err(Error::AccountsIo { .. })),
        "{opened:?}"
    );
    assert!(dir.path().join(signet_core::accounts::FILE_NAME).is_dir());
    assert_eq!(keys.len(), 1);
}
