//! Servers on one PostgreSQL database (`signet-bench replicas`): complete sign-ins per second
//! with one server and with two (the load spread over both, every sign-in crossing them),
//! in one run, and the cross-server wake-up latency. The servers are children of this
//! binary ([`ChildServer::start_on`]) on a fresh schema of the PostgreSQL server in
//! `SIGNET_TEST_POSTGRES_URL` (run it under scripts/with-postgres).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use signet_core::{Client, ClientOptions};
use signet_server::Database;
use signet_testkit::Rp;
use tokio::task::JoinSet;

use crate::Error;
use crate::child::{ChildServer, Hello};
use crate::device::KeyDevice;
use crate::stats::Summary;

/// What one run measures.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Sign-ins with one server.
    pub one: Rate,
    /// Sign-ins with two servers, each sign-in's relying party on one and device on the
    /// other.
    pub two: Rate,
    /// Challenge made through B → the long-poll parked on A answered with it.
    pub cross_server_wake: Option<Summary>,
    /// The same with both on one server, for comparison.
    pub same_server_wake: Option<Summary>,
}

/// Complete sign-ins in a window.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Sign-ins completed.
    pub flows: u64,
    /// Sign-ins that failed.
    pub failed: u64,
    /// How long they ran.
    pub window: Duration,
    /// The servers' CPU (all of them, not PostgreSQL's), in cores on average.
    pub server_cores: Option<f64>,
}

impl Rate {
    /// Sign-ins per second.
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    pub fn per_second(&self) -> f64 {
        self.flows as f64 / self.window.as_secs_f64().max(f64::EPSILON)
    }
}

/// The fresh schema the servers of one measurement share.
async fn shared_database() -> Result<String, Error> {
    match signet_server::temporary_database().await? {
        (Database::Postgres(url), _) => Ok(url),
        (Database::Sqlite(_), _) => Err(Error::Unexpected {
            what: "SIGNET_TEST_POSTGRES_URL is not set (run under scripts/with-postgres)",
        }),
    }
}

fn client(hello: &Hello) -> Result<Client, Error> {
    let base = hello.base_url.parse().map_err(|_| Error::Child {
        what: "greeted with a base URL that does not parse",
    })?;
    Ok(Client::with_options(
        &base,
        &hello.tenant_id,
        ClientOptions::default(),
    )?)
}

fn rp(hello: &Hello) -> Result<Rp, Error> {
    Ok(Rp::new(
        &hello.base_url,
        &hello.tenant_id,
        &hello.secret_key,
    )?)
}

/// Runs the whole measurement: `workers` sign-in loops for `window` on one server, then on
/// two, then `wakes` wake-ups each way.
pub async fn measure(window: Duration, workers: usize, wakes: usize) -> Result<Figures, Error> {
    let one = flows(1, window, workers).await?;
    let two = flows(2, window, workers).await?;
    let (cross_server_wake, same_server_wake) = wake_latency(wakes).await?;
    Ok(Figures {
        one,
        two,
        cross_server_wake,
        same_server_wake,
    })
}

/// `workers` loops of complete sign-ins for `window` on `servers` servers of one fresh
/// database; with two, loop `i` has its relying party on server `i % 2` and its device on
/// the other.
async fn flows(servers: usize, window: Duration, workers: usize) -> Result<Rate, Error> {
    let db = shared_database().await?;
    let mut children = Vec::new();
    for _ in 0..servers {
        children.push(ChildServer::start_on(Some(&db)).await?);
    }
    let mut loops = Vec::new();
    for i in 0..workers {
        let front = &children[i % servers].hello;
        let back = &children[(i + 1) % servers].hello;
        let rp = rp(front)?;
        let device = KeyDevice::enroll(&rp, client(back)?, format!("replicas-{i}")).await?;
        loops.push((rp, device));
    }
    let failed = Arc::new(AtomicU64::new(0));
    let cpu_before: Option<f64> = children.iter().map(ChildServer::cpu_seconds).sum();
    let started = Instant::now();
    let deadline = started + window;
    let mut running = JoinSet::new();
    for (rp, device) in loops {
        let failed = Arc::clone(&failed);
        running.spawn(async move {
            let mut done = 0_u64;
            while Instant::now() < deadline {
                if crate::scenarios::one_flow(&rp, &device).await.is_ok() {
                    done += 1;
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            done
        });
    }
    let mut flows = 0;
    while let Some(done) = running.join_next().await {
        flows += done.map_err(|_| Error::Unexpected {
            what: "a sign-in loop panicked",
        })?;
    }
    let window = started.elapsed();
    let cpu_after: Option<f64> = children.iter().map(ChildServer::cpu_seconds).sum();
    for child in children {
        child.stop().await?;
    }
    Ok(Rate {
        flows,
        failed: failed.load(Ordering::Relaxed),
        window,
        server_cores: cpu_after
            .zip(cpu_before)
            .map(|(after, before)| (after - before) / window.as_secs_f64()),
    })
}

/// `wakes` times each: a device's long-poll parked on server A, then a challenge made through
/// server B (and, for comparison, through A): from the challenge-push request sent to the
/// long-poll's answer with the challenge.
async fn wake_latency(wakes: usize) -> Result<(Option<Summary>, Option<Summary>), Error> {
    let db = shared_database().await?;
    let mut a = ChildServer::start_on(Some(&db)).await?;
    let b = ChildServer::start_on(Some(&db)).await?;
    let (rp_a, rp_b) = (rp(&a.hello)?, rp(&b.hello)?);
    let device = KeyDevice::enroll(&rp_a, client(&a.hello)?, "waker".to_owned()).await?;
    let mut cross = Vec::with_capacity(wakes);
    let mut same = Vec::with_capacity(wakes);
    for round in 0..wakes * 2 {
        let through = if round % 2 == 0 { &rp_b } else { &rp_a };
        let tracked = through
            .track(&device.user_id, "signIn", &serde_json::json!({}))
            .await?;
        let poll = {
            let device = device.clone();
            tokio::spawn(async move { device.fetch(Some(Duration::from_secs(30))).await })
        };
        let parked = Instant::now();
        while a.waiting().await? == 0 {
            if parked.elapsed() > Duration::from_secs(10) {
                return Err(Error::TimedOut {
                    what: "the long-poll to park",
                });
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let sent = Instant::now();
        let started = through.start_challenge(&tracked.token).await?;
        let fetched = poll.await.map_err(|_| Error::Unexpected {
            what: "the long-poll task panicked",
        })??;
        let took = sent.elapsed();
        if fetched.challenge_id.as_deref() != Some(started.challenge_id.as_str()) {
            return Err(Error::Unexpected {
                what: "the long-poll answered without the challenge",
            });
        }
        // Answer it, so the next round's long-poll parks instead of finding it.
        device.approve(&started.challenge_id).await?;
        if round % 2 == 0 {
            cross.push(took);
        } else {
            same.push(took);
        }
    }
    a.stop().await?;
    b.stop().await?;
    Ok((Summary::of(&cross), Summary::of(&same)))
}
