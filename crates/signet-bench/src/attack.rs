//! The attack check: the release `signet-server` binary under an open-files limit of 1,024,
//! attacked from loopback the way a denial of service would (1,100 half-open connections,
//! then a flood of 500 challenge nonces a second for one device's key), while a real device
//! and relying party keep signing in. Fails when a sign-in or the device's signed fetch
//! fails; prints the figures (docs/security.md has a run).
//!
//! A sign-in's time is the flow itself on new connections (track, challenge, nonce, signed
//! fetch, answer, verify, validate). A pause between the nonce and the signed fetch (a
//! phone's round trip) can be added for realism; it is never part of the time.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use signet_core::{Client, ClientOptions};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::{Child, Command};

use crate::Error;
use crate::device::KeyDevice;
use crate::stats::{Summary, ms};
use signet_testkit::Rp;

/// The open-files limit the server runs under.
pub const OPEN_FILES: u32 = 1024;
/// Half-open connections opened.
pub const HALF_OPEN: usize = 1100;
/// Nonces a second in the flood.
pub const NONCES_PER_SECOND: u32 = 500;
/// How long the flood lasts.
pub const FLOOD: Duration = Duration::from_secs(10);
/// Sign-ins measured in each phase.
pub const SIGN_INS: usize = 20;

pub(crate) const TENANT: &str = "attack-tenant";
pub(crate) const SECRET: &str = "sk_attack_check_secret_key";
/// The attackers' addresses (the device and the relying party use 127.0.0.1).
const ATTACKERS: [&str; 3] = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
const NONCE_ATTACKER: &str = "127.0.0.5";

/// What the attack check measured.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// The pause between the device's 3.4a and its signed 3.4b (a phone's round trip; not
    /// part of the sign-in times).
    pub phone_round_trip: Duration,
    /// Sign-in durations before the attack.
    pub baseline: Option<Summary>,
    /// Half-open connections the attacker could open.
    pub opened: usize,
    /// Of those, still held by the server after the sign-ins.
    pub held: usize,
    /// Of those, closed by the server (evicted to make room, or refused).
    pub closed: usize,
    /// Connections the attacker could not open at all.
    pub connect_failed: usize,
    /// Sign-in durations with the half-open connections in place.
    pub under_half_open: Option<Summary>,
    /// Sign-ins that failed, in all phases.
    pub sign_in_failures: usize,
    /// Nonces the flood asked for.
    pub nonces_sent: u64,
    /// Nonces the server issued to the flood.
    pub nonces_issued: u64,
    /// Nonces the server refused (429).
    pub nonces_refused: u64,
    /// The device's signed fetches during the flood.
    pub signed_fetches: usize,
    /// Of those, failed.
    pub signed_fetch_failures: usize,
    /// Sign-in durations during the flood.
    pub under_flood: Option<Summary>,
}

impl Figures {
    /// Whether every sign-in and signed fetch succeeded.
    pub fn passed(&self) -> bool {
        self.sign_in_failures == 0 && self.signed_fetch_failures == 0 && self.signed_fetches > 0
    }

    /// The figures as text, one a line.
    pub fn text(&self) -> String {
        let summary = |s: &Option<Summary>| {
            s.as_ref().map_or_else(
                || "n/a".to_owned(),
                |s| {
                    format!(
                        "p50 {}, p99 {}, max {} (n={})",
                        ms(s.p50),
                        ms(s.p99),
                        ms(s.max),
                        s.count
                    )
                },
            )
        };
        format!(
            "server under ulimit -n {OPEN_FILES}; sign-in = track, challenge, nonce, signed fetch, answer, verify, validate on new connections, {}\n\
             sign-in before the attack: {}\n\
             half-open connections: {} opened ({} could not connect), {} held by the server, {} closed by it\n\
             sign-in with them in place: {}\n\
             nonce flood ({NONCES_PER_SECOND}/s for {} s, one key, from {NONCE_ATTACKER}): {} sent, {} issued, {} refused (429)\n\
             device's signed fetches during the flood: {} of {} succeeded\n\
             sign-in during the flood: {}\n\
             failed sign-ins: {}",
            if self.phone_round_trip.is_zero() {
                "no pause between nonce and fetch".to_owned()
            } else {
                format!(
                    "the device pausing {} ms between nonce and fetch (left out of the times)",
                    self.phone_round_trip.as_millis()
                )
            },
            summary(&self.baseline),
            self.opened,
            self.connect_failed,
            self.held,
            self.closed,
            summary(&self.under_half_open),
            FLOOD.as_secs(),
            self.nonces_sent,
            self.nonces_issued,
            self.nonces_refused,
            self.signed_fetches - self.signed_fetch_failures,
            self.signed_fetches,
            summary(&self.under_flood),
            self.sign_in_failures,
        )
    }
}

/// The server binary under `ulimit -n 1024`, on a free port, with its database in a
/// temporary folder, until dropped.
pub(crate) struct Server {
    _child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts `binary` with the attack tenant and `args`, and waits until it is ready.
    pub(crate) async fn start(binary: &Path, args: &[&str]) -> Result<Self, Error> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {OPEN_FILES} && exec \"$0\" \"$@\""))
            .arg(binary)
            .args(["--db", &dir.path().join("signet.db").display().to_string()])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--tenant-id", TENANT])
            .args(args)
            .env("SIGNET_SECRET_KEY", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child.stdout.take().ok_or(Error::Child {
            what: "no standard output",
        })?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("Press Ctrl-C") {
                    return true;
                }
            }
            false
        })
        .await;
        if ready != Ok(true) {
            return Err(Error::Child {
                what: "the server binary did not start",
            });
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            _child: child,
            port,
            dir,
        })
    }

    /// The API's base URL.
    pub(crate) fn base(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// The database file (its WAL is beside it, with `-wal` appended).
    pub(crate) fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("signet.db")
    }
}

/// One whole sign-in on new connections (as a relying party's backend and a phone that
/// were not connected before): track, challenge, nonce, signed fetch, approve, verify,
/// validate; its time leaves out the `pause` between nonce and signed fetch.
async fn sign_in(base: &str, device: &KeyDevice, pause: Duration) -> Result<Duration, Error> {
    // New clients (not timed: building one loads the TLS roots), so new connections.
    let rp = Rp::new(base, TENANT, SECRET)?;
    let device = device.with_client(new_client(base)?);
    let started = Instant::now();
    let sign_in = rp.sign_in(&device.user_id).await?;
    let (fetched, paused) = device.fetch_with_pause(None, pause).await?;
    if fetched.challenge_id.as_deref() != Some(sign_in.challenge_id.as_str()) {
        return Err(Error::Unexpected {
            what: "the device did not see the challenge",
        });
    }
    device.approve(&sign_in.challenge_id).await?;
    rp.finish(&sign_in, 5).await?;
    Ok(started.elapsed().saturating_sub(paused))
}

/// Longest a sign-in may take before it counts as failed.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5);
/// A phase stops after this many failed sign-ins (the check is bounded in time).
const FAILURES_PER_PHASE: usize = 3;

/// Up to `count` sign-ins one after the other, each bounded by [`SIGN_IN_TIMEOUT`], stopping
/// after [`FAILURES_PER_PHASE`] failures: durations and failures.
async fn sign_ins(
    base: &str,
    device: &KeyDevice,
    count: usize,
    pause: Duration,
) -> (Vec<Duration>, usize) {
    let mut durations = Vec::with_capacity(count);
    let mut failures = 0;
    for _ in 0..count {
        if failures >= FAILURES_PER_PHASE {
            break;
        }
        match tokio::time::timeout(SIGN_IN_TIMEOUT, sign_in(base, device, pause)).await {
            Ok(Ok(took)) => durations.push(took),
            Ok(Err(error)) => {
                eprintln!("signet-bench attack: a sign-in failed: {error}");
                failures += 1;
            }
            Err(_) => {
                eprintln!("signet-bench attack: a sign-in took longer than {SIGN_IN_TIMEOUT:?}");
                failures += 1;
            }
        }
    }
    (durations, failures)
}

/// A device client of the server at `base`, with its own (empty) connection pool.
fn new_client(base: &str) -> Result<Client, Error> {
    let base_url = base.parse().map_err(|_| Error::Child {
        what: "a base URL that does not parse",
    })?;
    Ok(Client::with_options(
        &base_url,
        TENANT,
        ClientOptions::default(),
    )?)
}

/// A half-open request from `source`: `None` when the connection could not be made.
async fn half_open(port: u16, source: &str) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(format!("{source}:0").parse().ok()?).ok()?;
    let connect = socket.connect(([127, 0, 0, 1], port).into());
    let mut stream = tokio::time::timeout(Duration::from_secs(2), connect)
        .await
        .ok()?
        .ok()?;
    stream
        .write_all(b"GET /v1/users/x HTTP/1.1\r\nHost: x\r\n")
        .await
        .ok()?;
    Some(stream)
}

/// Whether the server has closed `stream` (without blocking).
fn is_closed(stream: &TcpStream) -> bool {
    let mut buf = [0_u8; 64];
    match stream.try_read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => error.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// Runs the attack check against the server binary at `binary`, the device pausing
/// `phone_round_trip` between each nonce and its signed fetch.
pub async fn run(binary: &Path, phone_round_trip: Duration) -> Result<Figures, Error> {
    // This process holds 1,100 connections and more: raise its own limit.
    let _ = rlimit::increase_nofile_limit(16_384);
    let server = Server::start(
        binary,
        &[
            "--max-open-challenges",
            "100000",
            "--max-recent-challenges",
            "100000",
            "--not-me-cooldown-seconds",
            "0",
        ],
    )
    .await?;
    let base = server.base();
    let rp = Rp::new(&base, TENANT, SECRET)?;
    let device = KeyDevice::enroll(&rp, new_client(&base)?, "victim".to_owned()).await?;
    let mut figures = Figures {
        phone_round_trip,
        ..Figures::default()
    };

    // 1. Baseline.
    let (durations, failures) = sign_ins(&base, &device, SIGN_INS, phone_round_trip).await;
    figures.baseline = Summary::of(&durations);
    figures.sign_in_failures += failures;

    // 2. 1,100 half-open connections from three addresses, then sign-ins.
    let mut streams = Vec::with_capacity(HALF_OPEN);
    for i in 0..HALF_OPEN {
        match half_open(server.port, ATTACKERS[i % ATTACKERS.len()]).await {
            Some(stream) => streams.push(stream),
            None => figures.connect_failed += 1,
        }
    }
    figures.opened = streams.len();
    let (durations, failures) = sign_ins(&base, &device, SIGN_INS, phone_round_trip).await;
    figures.under_half_open = Summary::of(&durations);
    figures.sign_in_failures += failures;
    figures.closed = streams.iter().filter(|stream| is_closed(stream)).count();
    figures.held = figures.opened - figures.closed;
    drop(streams);

    // 3. 500 nonces a second for the device's key from another address, while the device
    //    fetches signed and signs in.
    let flood_client = reqwest::Client::builder()
        .local_address(Some(NONCE_ATTACKER.parse().map_err(|_| {
            Error::Unexpected {
                what: "attacker address",
            }
        })?))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|source| Error::Http {
            call: "client",
            source,
        })?;
    let issued = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let nonce_url = format!(
        "{base}/client/user-authenticators/push/challenge/sign?publicKey={}",
        device.key.to_query()
    );
    let flood = spawn_flood(
        flood_client,
        nonce_url,
        Arc::clone(&issued),
        Arc::clone(&refused),
    );
    let flood_end = Instant::now() + FLOOD;
    let mut durations = Vec::new();
    while Instant::now() < flood_end {
        figures.signed_fetches += 1;
        let fresh = device.with_client(new_client(&base)?);
        let fetched = tokio::time::timeout(
            SIGN_IN_TIMEOUT,
            fresh.fetch_with_pause(None, phone_round_trip),
        )
        .await;
        if !matches!(fetched, Ok(Ok(_))) {
            eprintln!("signet-bench attack: the device's signed fetch failed: {fetched:?}");
            figures.signed_fetch_failures += 1;
        }
        let (took, failures) = sign_ins(&base, &device, 1, phone_round_trip).await;
        durations.extend(took);
        figures.sign_in_failures += failures;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    figures.under_flood = Summary::of(&durations);
    figures.nonces_sent = flood.await.map_err(|_| Error::Unexpected {
        what: "the flood task panicked",
    })?;
    figures.nonces_issued = issued.load(Ordering::Relaxed);
    figures.nonces_refused = refused.load(Ordering::Relaxed);
    Ok(figures)
}

/// Asks for `NONCES_PER_SECOND` nonces a second at `url` for `FLOOD`, counting issued and
/// refused ones; the task's result is how many were sent.
fn spawn_flood(
    client: reqwest::Client,
    url: String,
    issued: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<u64> {
    let tenant_auth = signet_protocol::tenant_basic_header(TENANT);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1) / NONCES_PER_SECOND);
        let end = Instant::now() + FLOOD;
        let mut sent = 0_u64;
        let mut requests = tokio::task::JoinSet::new();
        while Instant::now() < end {
            tick.tick().await;
            sent += 1;
            let request = client.post(&url).header("Authorization", &tenant_auth);
            let (issued, refused) = (Arc::clone(&issued), Arc::clone(&refused));
            requests.spawn(async move {
                match request
                    .send()
                    .await
                    .map(|response| response.status().as_u16())
                {
                    Ok(200) => issued.fetch_add(1, Ordering::Relaxed),
                    Ok(429) => refused.fetch_add(1, Ordering::Relaxed),
                    _ => 0,
                };
            });
        }
        while requests.join_next().await.is_some() {}
        sent
    })
}
