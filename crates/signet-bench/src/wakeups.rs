//! Wake-up delivery (docs/protocol.md 8.6), measured against a Web Push receiver on loopback
//! (`signet-bench wake-ups`):
//!
//! 1. challenge created → wake-up received: from just before `POST /client/challenge/push`
//!    to the moment the receiver has the encrypted wake-up, one challenge at a time;
//! 2. wake-ups per second to one provider: the server's Web Push channel (encryption, VAPID,
//!    the pooled HTTP client) sending to the receiver from many tasks at once;
//! 3. the challenge-push time with delivery (a Web Push token and channel) and without it (no
//!    token: `NO_PUSH_TOKEN`), on two servers, one challenge at a time.
//!
//! The receiver answers 201 and checks nothing (the tests check what a push service checks);
//! it runs in this process, like the server.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use reqwest::Method;
use serde_json::json;
use signet_protocol::WebPushSubscription;
use signet_protocol::clock::SystemClock;
use signet_server::push::wake::{Channel as _, Sent, WakeUp};
use signet_server::push::{DeliveryConfig, WebPush};
use signet_server::{Config, RateLimits, RunningServer};
use signet_testkit::{Api, Device, Rp};
use tokio::sync::mpsc;

use crate::Error;
use crate::stats::{Summary, ms};

/// How much to measure.
#[derive(Debug, Clone, Copy)]
pub struct WakeUpSizes {
    /// Challenges timed from creation to the receiver (1).
    pub latency_samples: usize,
    /// How long the channel sends at full speed (2).
    pub throughput: Duration,
    /// Tasks sending at once (2).
    pub concurrency: usize,
    /// Challenge-push calls timed on each server (3).
    pub push_samples: usize,
}

impl WakeUpSizes {
    /// The figures of docs/benchmarks.md.
    #[must_use]
    pub fn full() -> Self {
        Self {
            latency_samples: 1000,
            throughput: Duration::from_secs(10),
            concurrency: 64,
            push_samples: 500,
        }
    }

    /// A few seconds, for CI (the figures mean nothing).
    #[must_use]
    pub fn smoke() -> Self {
        Self {
            latency_samples: 10,
            throughput: Duration::from_millis(500),
            concurrency: 4,
            push_samples: 10,
        }
    }
}

/// The figures.
#[derive(Debug, Clone)]
pub struct WakeUpFigures {
    /// Challenge created → wake-up received (1).
    pub latency: Summary,
    /// Wake-ups accepted by the receiver per second (2).
    pub per_second: f64,
    /// How many were accepted in (2).
    pub accepted: u64,
    /// Challenge-push with delivery (3).
    pub with_delivery: Summary,
    /// Challenge-push without delivery (3).
    pub without_delivery: Summary,
}

impl WakeUpFigures {
    /// The figures as Markdown rows.
    #[must_use]
    pub fn text(&self) -> String {
        let mut text =
            String::from("| what | samples | p50 | p99 | max |\n|---|---|---|---|---|\n");
        let mut row = |name: &str, summary: &Summary| {
            let _ = writeln!(
                text,
                "| {name} | {} | {} | {} | {} |",
                summary.count,
                ms(summary.p50),
                ms(summary.p99),
                ms(summary.max)
            );
        };
        row(
            "challenge created → Web Push receiver has the wake-up",
            &self.latency,
        );
        row(
            "challenge-push answer, Web Push delivery configured",
            &self.with_delivery,
        );
        row(
            "challenge-push answer, no delivery (`NO_PUSH_TOKEN`)",
            &self.without_delivery,
        );
        let _ = writeln!(
            text,
            "\nWake-ups per second to one Web Push receiver: {:.0} ({} accepted)\n\
             Added to challenge-push by delivery: p50 {}, p99 {}",
            self.per_second,
            self.accepted,
            ms(self
                .with_delivery
                .p50
                .saturating_sub(self.without_delivery.p50)),
            ms(self
                .with_delivery
                .p99
                .saturating_sub(self.without_delivery.p99)),
        );
        text
    }
}

/// A Web Push receiver on loopback that answers 201: its address, and the instant of each
/// request received.
async fn receiver() -> Result<(std::net::SocketAddr, mpsc::UnboundedReceiver<Instant>), Error> {
    let (sender, arrivals) = mpsc::unbounded_channel();
    let router = axum::Router::new().route(
        "/push/{id}",
        axum::routing::post(move || {
            let _ = sender.send(Instant::now());
            async { axum::http::StatusCode::CREATED }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((addr, arrivals))
}

/// A subscription token for the receiver at `addr`.
fn token(addr: std::net::SocketAddr) -> Result<String, Error> {
    let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let p256dh = key
        .public_key()
        .to_encoded_point(false)
        .as_bytes()
        .try_into()
        .map_err(|_| Error::Unexpected {
            what: "a P-256 point is not 65 bytes",
        })?;
    let endpoint = format!("http://{addr}/push/bench")
        .parse()
        .map_err(|_| Error::Unexpected {
            what: "the receiver's URL does not parse",
        })?;
    Ok(WebPushSubscription {
        endpoint,
        p256dh,
        auth: rand::random(),
    }
    .to_token())
}

/// A server with this delivery, no limits, and a relying party for it.
async fn server(delivery: DeliveryConfig) -> Result<(RunningServer, Rp), Error> {
    let server = signet_server::spawn(Config {
        rate_limits: RateLimits::unlimited(),
        delivery,
        ..Config::default()
    })
    .await?;
    let api = Api::new(&server.base_url, Duration::from_secs(30))?;
    let rp = Rp::on(api, &server.tenant_id, &server.secret_key);
    Ok((server, rp))
}

/// Enrolls a device for `user` with `push_token` (or none).
async fn enroll(rp: &Rp, user: &str, push_token: Option<&str>) -> Result<(), Error> {
    let device = Device::new(rp.tenant_id());
    let token = rp.enrollment_token(user).await?;
    let mut body = json!({"publicKey": device.pk(), "devicePlatform": "linux"});
    if let Some(push_token) = push_token {
        body["pushToken"] = push_token.into();
    }
    rp.api()
        .call(
            Method::POST,
            "/client/user-authenticators/push",
            Some(&format!("Bearer {token}")),
            Some(&body),
        )
        .await?
        .success::<serde_json::Value>("add credential")?;
    Ok(())
}

/// Times `samples` challenge-push calls for `user`, one at a time; with `arrivals`, also
/// the time until the receiver has each wake-up.
async fn challenges(
    rp: &Rp,
    user: &str,
    samples: usize,
    mut arrivals: Option<&mut mpsc::UnboundedReceiver<Instant>>,
) -> Result<(Vec<Duration>, Vec<Duration>), Error> {
    let (mut answered, mut received) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let tracked = rp.track(user, "signIn", &json!({})).await?;
        if let Some(arrivals) = arrivals.as_deref_mut() {
            while arrivals.try_recv().is_ok() {}
        }
        let started = Instant::now();
        rp.start_challenge(&tracked.token).await?;
        answered.push(started.elapsed());
        if let Some(arrivals) = arrivals.as_deref_mut() {
            let at = tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
                .await
                .map_err(|_| Error::TimedOut {
                    what: "the receiver to get a wake-up",
                })?
                .ok_or(Error::Unexpected {
                    what: "the receiver stopped",
                })?;
            received.push(at.saturating_duration_since(started));
        }
    }
    Ok((answered, received))
}

/// Runs the three measurements.
///
/// # Errors
///
/// When a server, the receiver or a call fails, or a wake-up does not arrive.
pub async fn run(sizes: WakeUpSizes) -> Result<WakeUpFigures, Error> {
    let (addr, mut arrivals) = receiver().await?;
    let vapid = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let channel = Arc::new(WebPush::new(
        &vapid,
        "mailto:bench@example.net",
        Arc::new(SystemClock),
    )?);
    // 1 and 3: a server that sends Web Push, and one that sends nothing.
    let mut delivery = DeliveryConfig::default();
    delivery.channels.web_push = Some(Arc::clone(&channel) as _);
    let (with_server, with_rp) = server(delivery).await?;
    let push_token = token(addr)?;
    enroll(&with_rp, "ada", Some(&push_token)).await?;
    let (_, received) =
        challenges(&with_rp, "ada", sizes.latency_samples, Some(&mut arrivals)).await?;
    let (with_delivery, _) =
        challenges(&with_rp, "ada", sizes.push_samples, Some(&mut arrivals)).await?;
    with_server.shutdown().await?;
    let (without_server, without_rp) = server(DeliveryConfig::default()).await?;
    enroll(&without_rp, "bo", None).await?;
    let (without_delivery, _) = challenges(&without_rp, "bo", sizes.push_samples, None).await?;
    without_server.shutdown().await?;
    // 2: the channel at full speed.
    let accepted = Arc::new(AtomicU64::new(0));
    let expires_at = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
    )
    .unwrap_or(0)
        + 120;
    let started = Instant::now();
    let until = started + sizes.throughput;
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..sizes.concurrency {
        let (channel, accepted, push_token) = (
            Arc::clone(&channel),
            Arc::clone(&accepted),
            push_token.clone(),
        );
        tasks.spawn(async move {
            let mut n = 0_u64;
            while Instant::now() < until {
                let wake = WakeUp {
                    challenge_id: format!("bench-{task}-{n}"),
                    user_authenticator_id: "bench".to_owned(),
                    expires_at,
                };
                if channel.send(&push_token, &wake).await == Sent::Accepted {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let accepted = accepted.load(Ordering::Relaxed);
    let summary =
        |samples: &[Duration]| Summary::of(samples).ok_or(Error::Unexpected { what: "no samples" });
    #[allow(clippy::cast_precision_loss)] // a count of wake-ups, far below 2^52
    let per_second = accepted as f64 / elapsed.as_secs_f64();
    Ok(WakeUpFigures {
        latency: summary(&received)?,
        per_second,
        accepted,
        with_delivery: summary(&with_delivery)?,
        without_delivery: summary(&without_delivery)?,
    })
}
