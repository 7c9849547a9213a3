//! The measurements of docs/benchmarks.md, one function per part. Each starts its own
//! servers, so the parts do not disturb each other's figures.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::Rng as _;
use signet_core::{Client, ClientOptions, WatchOptions};
use signet_server::{Config, ConnectionLimits, RateLimits, RunningServer};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::{JoinHandle, JoinSet};

use crate::Error;
use crate::child::ChildServer;
use crate::device::{EngineDevice, KeyDevice, Seen};
use crate::stats::Summary;
use signet_testkit::Rp;

/// How big each part is: tiny for `--smoke`, the real counts otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Devices in the delivery-latency part (each mode).
    pub latency_devices: usize,
    /// Challenges per device with long-poll.
    pub long_poll_rounds: usize,
    /// Challenges per device with interval polling.
    pub polling_rounds: usize,
    /// Initiators (each with its device) in the round-trip part.
    pub round_trip_devices: usize,
    /// Sign-ins per initiator.
    pub round_trip_rounds: usize,
    /// Idle devices per mode.
    pub idle_devices: usize,
    /// How long idle devices are watched: a whole number of both periods (the long-poll's
    /// wait and the polling interval), so a device's count does not depend on its phase.
    pub idle_window: Duration,
    /// Long-polls parked at once in the capacity part.
    pub long_polls: usize,
    /// Challenges delivered while they are parked.
    pub deliveries_under_load: usize,
    /// Concurrent sign-in loops in the throughput part.
    pub flow_workers: usize,
    /// How long the throughput part runs.
    pub flow_window: Duration,
}

impl Sizes {
    /// A few seconds in all, for CI: proves every part runs, measures nothing.
    pub fn smoke() -> Self {
        Self {
            latency_devices: 3,
            long_poll_rounds: 3,
            polling_rounds: 1,
            round_trip_devices: 2,
            round_trip_rounds: 3,
            idle_devices: 3,
            idle_window: Duration::from_secs(4),
            long_polls: 50,
            deliveries_under_load: 5,
            flow_workers: 4,
            flow_window: Duration::from_secs(2),
        }
    }

    /// The counts behind the published figures.
    pub fn full() -> Self {
        Self {
            latency_devices: 50,
            long_poll_rounds: 10,
            polling_rounds: 4,
            round_trip_devices: 20,
            round_trip_rounds: 15,
            idle_devices: 100,
            idle_window: Duration::from_secs(120),
            long_polls: 10_000,
            deliveries_under_load: 200,
            flow_workers: 64,
            flow_window: Duration::from_secs(20),
        }
    }
}

/// The default device watch timing (25 s long-poll, 3 s polling), the app's.
pub fn app_watch() -> WatchOptions {
    WatchOptions::default()
}

/// An in-process server with no rate limits on a runtime (and threads) of its own, so the
/// simulated devices' work never holds up the server's executor; `long_poll: false` is the
/// seed's plain server.
pub struct InProcessServer {
    server: Option<RunningServer>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl InProcessServer {
    /// Starts it, and a relying party of its tenant.
    pub async fn start(long_poll: bool) -> Result<(Self, Rp), Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("signet-server")
            .enable_all()
            .build()?;
        let server = runtime
            .spawn(signet_server::spawn(Config {
                long_poll,
                rate_limits: RateLimits::unlimited(),
                // Every device of the harness connects from 127.0.0.1.
                connection_limits: ConnectionLimits {
                    max_connections_per_address: usize::MAX,
                    ..ConnectionLimits::default()
                },
                ..Config::default()
            }))
            .await
            .map_err(|_| Error::Unexpected {
                what: "the server's start panicked",
            })??;
        let rp = Rp::new(&server.base_url, &server.tenant_id, &server.secret_key)?;
        Ok((
            Self {
                server: Some(server),
                runtime: Some(runtime),
            },
            rp,
        ))
    }

    /// The API requests the server has received so far.
    pub fn requests_received(&self) -> u64 {
        self.server
            .as_ref()
            .map_or(0, RunningServer::requests_received)
    }

    /// Shuts the server down (releasing long-polls) and stops its runtime.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        if let (Some(server), Some(runtime)) = (self.server.take(), self.runtime.as_ref()) {
            runtime
                .spawn(server.shutdown())
                .await
                .map_err(|_| Error::Unexpected {
                    what: "the server's shutdown panicked",
                })??;
        }
        Ok(())
    }
}

impl Drop for InProcessServer {
    fn drop(&mut self) {
        drop(self.server.take());
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Where simulated devices keep their files: tmpfs when there is one. Each real phone
/// fsyncs on its own flash; dozens of simulated ones fsyncing on one disk from two threads
/// would measure this machine's disk, not delivery (see docs/benchmarks.md).
pub fn device_root() -> std::io::Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    let builder = {
        let mut builder = tempfile::Builder::new();
        builder.prefix("signet-bench-");
        builder
    };
    if shm.is_dir()
        && let Ok(dir) = builder.tempdir_in(shm)
    {
        return Ok(dir);
    }
    builder.tempdir()
}

/// Engine devices, each watching (and approving) in its own task.
struct Fleet {
    devices: Vec<EngineDevice>,
    seen: Vec<Option<mpsc::UnboundedReceiver<Seen>>>,
    watches: Vec<JoinHandle<()>>,
}

impl Fleet {
    /// `count` devices enrolled for users `<prefix>-<i>`; device `i` starts watching after
    /// `start_after(i)`.
    async fn start(
        rp: &Rp,
        count: usize,
        prefix: &str,
        watch: &WatchOptions,
        root: &Path,
        start_after: impl Fn(usize) -> Duration,
    ) -> Result<Self, Error> {
        let mut enrolling = JoinSet::new();
        for i in 0..count {
            let rp = rp.clone();
            let watch = watch.clone();
            let root = root.to_path_buf();
            let user = format!("{prefix}-{i}");
            enrolling
                .spawn(async move { (i, EngineDevice::enroll(&rp, user, watch, &root).await) });
        }
        let mut enrolled: Vec<(usize, EngineDevice)> = Vec::with_capacity(count);
        while let Some(joined) = enrolling.join_next().await {
            let (i, device) = joined.map_err(|_| Error::Unexpected {
                what: "an enrollment task panicked",
            })?;
            enrolled.push((i, device?));
        }
        enrolled.sort_by_key(|(i, _)| *i);
        let mut fleet = Self {
            devices: Vec::with_capacity(count),
            seen: Vec::with_capacity(count),
            watches: Vec::with_capacity(count),
        };
        for (i, device) in enrolled {
            let (sender, receiver) = mpsc::unbounded_channel();
            fleet
                .watches
                .push(device.watch(true, sender, start_after(i)));
            fleet.seen.push(Some(receiver));
            fleet.devices.push(device);
        }
        Ok(fleet)
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for watch in &self.watches {
            watch.abort();
        }
    }
}

/// Waits for the device to report `challenge_id`; `None` after 30 s.
async fn seen_at(seen: &mut mpsc::UnboundedReceiver<Seen>, challenge_id: &str) -> Option<Instant> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let next = tokio::time::timeout_at(deadline, seen.recv())
            .await
            .ok()??;
        if next.challenge_id == challenge_id {
            return Some(next.at);
        }
    }
}

/// A random pause in `[0, max)`.
fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return max;
    }
    max.mul_f64(rand::thread_rng().gen_range(0.0..1.0))
}

/// Part 1 for one server: challenge created (the initiator sends `challenge/push`) → seen
/// by the device (its watch step returns it). Each device gets `rounds` challenges, one at
/// a time, after a random pause of up to `gap`.
async fn delivery(
    rp: &Rp,
    devices: usize,
    rounds: usize,
    gap: Duration,
    prefix: &str,
    root: &Path,
) -> Result<Vec<Duration>, Error> {
    let mut fleet =
        Fleet::start(rp, devices, prefix, &app_watch(), root, |_| Duration::ZERO).await?;
    let mut initiators = JoinSet::new();
    for (device, seen) in fleet.devices.iter().zip(fleet.seen.iter_mut()) {
        let Some(mut seen) = seen.take() else {
            continue;
        };
        let rp = rp.clone();
        let user = device.user_id.clone();
        initiators.spawn(async move {
            let mut samples = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                tokio::time::sleep(Duration::from_millis(20) + jitter(gap)).await;
                let tracked = rp
                    .track(
                        &user,
                        "signIn",
                        &signet_protocol::TrackAttributes::default(),
                    )
                    .await?;
                let created = Instant::now();
                let started = rp.start_challenge(&tracked.token).await?;
                let at =
                    seen_at(&mut seen, &started.challenge_id)
                        .await
                        .ok_or(Error::TimedOut {
                            what: "a device to see its challenge",
                        })?;
                samples.push(at.saturating_duration_since(created));
            }
            Ok::<_, Error>(samples)
        });
    }
    let mut samples = Vec::new();
    while let Some(joined) = initiators.join_next().await {
        samples.extend(joined.map_err(|_| Error::Unexpected {
            what: "an initiator task panicked",
        })??);
    }
    Ok(samples)
}

/// What parts 1 and 2 measured.
#[derive(Debug, Clone)]
pub struct Latency {
    /// Created → seen with long-poll.
    pub long_poll: Option<Summary>,
    /// Created → seen with interval polling (3 s), the seed's design.
    pub polling: Option<Summary>,
    /// The full sign-in round trip.
    pub round_trip: Option<Summary>,
}

/// Parts 1 and 2.
pub async fn latency(sizes: &Sizes, root: &Path) -> Result<Latency, Error> {
    // 1. Long-poll: devices park; a challenge wakes its device's request.
    let (server, rp) = InProcessServer::start(true).await?;
    let long_poll = delivery(
        &rp,
        sizes.latency_devices,
        sizes.long_poll_rounds,
        Duration::from_millis(200),
        "lp",
        root,
    )
    .await?;
    // 2. The round trip, on the same server with fresh devices: track → challenge → the
    //    device approves → verify/push with `wait` sees it → validate.
    let round_trip = round_trips(&rp, sizes, root).await?;
    server.shutdown().await?;
    // 3. Interval polling at the app's 3 s on a plain server (the device falls back to it
    //    after its first long-poll is answered at once). Random start of each challenge
    //    within the interval.
    let (server, rp) = InProcessServer::start(false).await?;
    let polling = delivery(
        &rp,
        sizes.latency_devices,
        sizes.polling_rounds,
        app_watch().poll_interval,
        "poll",
        root,
    )
    .await?;
    server.shutdown().await?;
    Ok(Latency {
        long_poll: Summary::of(&long_poll),
        polling: Summary::of(&polling),
        round_trip: Summary::of(&round_trip),
    })
}

async fn round_trips(rp: &Rp, sizes: &Sizes, root: &Path) -> Result<Vec<Duration>, Error> {
    let fleet = Fleet::start(
        rp,
        sizes.round_trip_devices,
        "rt",
        &app_watch(),
        root,
        |_| Duration::ZERO,
    )
    .await?;
    let mut initiators = JoinSet::new();
    for device in &fleet.devices {
        let rp = rp.clone();
        let user = device.user_id.clone();
        let rounds = sizes.round_trip_rounds;
        initiators.spawn(async move {
            let mut samples = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                tokio::time::sleep(Duration::from_millis(20) + jitter(Duration::from_millis(200)))
                    .await;
                let started = Instant::now();
                let sign_in = rp.sign_in(&user).await?;
                rp.finish(&sign_in, 30).await?;
                samples.push(started.elapsed());
            }
            Ok::<_, Error>(samples)
        });
    }
    let mut samples = Vec::new();
    while let Some(joined) = initiators.join_next().await {
        samples.extend(joined.map_err(|_| Error::Unexpected {
            what: "an initiator task panicked",
        })??);
    }
    drop(fleet);
    Ok(samples)
}

/// Part 3: requests per idle device per hour, for one way of watching.
#[derive(Debug, Clone)]
pub struct IdleCost {
    /// What was watched how.
    pub label: String,
    /// Requests per device per hour.
    pub per_hour: f64,
    /// Devices.
    pub devices: usize,
    /// Requests counted in the window.
    pub requests: u64,
}

/// Part 3: idle devices in both ways at once (long-poll with the app's wait; interval
/// polling on a plain server, as the seed's design does every 3 s), each started at a random
/// phase of its period, over the same window. Counted by each server: the requests it
/// received in the window (the devices are enrolled before it opens).
pub async fn idle(sizes: &Sizes, root: &Path) -> Result<Vec<IdleCost>, Error> {
    let (long_poll_server, long_poll_rp) = InProcessServer::start(true).await?;
    let (plain_server, plain_rp) = InProcessServer::start(false).await?;
    let watch = app_watch();
    let ways = [
        (
            format!(
                "long-poll, wait {} s (app default)",
                watch.long_poll_wait.as_secs()
            ),
            &long_poll_server,
            &long_poll_rp,
            watch.long_poll_wait,
        ),
        (
            format!(
                "interval polling every {} s (the seed's design)",
                watch.poll_interval.as_secs()
            ),
            &plain_server,
            &plain_rp,
            watch.poll_interval,
        ),
    ];
    // 1. Enroll every fleet first; each device starts at a random phase of its period.
    let window_start = Instant::now() + Duration::from_secs(1);
    let mut fleets = Vec::new();
    for (n, (label, server, rp, period)) in ways.iter().enumerate() {
        let fleet = Fleet::start(
            rp,
            sizes.idle_devices,
            &format!("idle{n}"),
            &watch,
            root,
            |_| window_start.saturating_duration_since(Instant::now()) + jitter(*period),
        )
        .await?;
        fleets.push((label.clone(), *server, fleet));
    }
    // 2. The window opens when the first steps may start.
    tokio::time::sleep_until(window_start.into()).await;
    let before: Vec<u64> = fleets
        .iter()
        .map(|(_, server, _)| server.requests_received())
        .collect();
    tokio::time::sleep(sizes.idle_window).await;
    let window = window_start.elapsed();
    let mut costs = Vec::new();
    for ((label, server, fleet), before) in fleets.into_iter().zip(before) {
        let requests = server.requests_received().saturating_sub(before);
        let devices = fleet.devices.len();
        #[allow(clippy::cast_precision_loss)]
        let per_hour = requests as f64 / devices.max(1) as f64 * 3600.0 / window.as_secs_f64();
        drop(fleet);
        costs.push(IdleCost {
            label,
            per_hour,
            devices,
            requests,
        });
    }
    long_poll_server.shutdown().await?;
    plain_server.shutdown().await?;
    Ok(costs)
}

/// Part 4: capacity of a server child process.
#[derive(Debug, Clone)]
pub struct Capacity {
    /// Long-polls asked for.
    pub long_polls_asked: usize,
    /// Long-polls the server had parked at once (its own count).
    pub long_polls_parked: usize,
    /// How long parking them all took (from the first request).
    pub park_time: Duration,
    /// Server resident memory with the devices enrolled, before parking (KiB).
    pub rss_before_kib: Option<u64>,
    /// Server peak resident memory while they were parked (KiB).
    pub peak_rss_kib: Option<u64>,
    /// Server resident memory with them parked, after the deliveries (KiB).
    pub parked_rss_kib: Option<u64>,
    /// Created → seen while they are parked.
    pub delivery_under_load: Option<Summary>,
    /// Complete sign-in flows finished in the throughput window.
    pub flows: u64,
    /// Flows that failed.
    pub flow_errors: u64,
    /// The window's real length.
    pub flow_window: Duration,
    /// Each flow's time.
    pub flow_latency: Option<Summary>,
    /// Peak memory of the throughput server (KiB).
    pub flow_peak_rss_kib: Option<u64>,
    /// CPU the throughput server used, in cores (CPU seconds per second of the window).
    pub flow_server_cores: Option<f64>,
}

impl Capacity {
    /// Complete sign-ins per second.
    pub fn flows_per_second(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let flows = self.flows as f64;
        flows / self.flow_window.as_secs_f64().max(f64::EPSILON)
    }
}

/// A client of the child server (one connection pool for all its bare devices).
fn device_client(hello: &crate::child::Hello) -> Result<Client, Error> {
    let base = hello.base_url.parse().map_err(|_| Error::Child {
        what: "greeted with a base URL that does not parse",
    })?;
    Ok(Client::with_options(
        &base,
        &hello.tenant_id,
        ClientOptions::default(),
    )?)
}

/// Enrolls `count` bare devices, `parallel` at a time.
async fn enroll_bare(
    rp: &Rp,
    client: &Client,
    count: usize,
    prefix: &str,
    parallel: usize,
) -> Result<Vec<KeyDevice>, Error> {
    let permits = Arc::new(Semaphore::new(parallel));
    let mut enrolling = JoinSet::new();
    for i in 0..count {
        let rp = rp.clone();
        let client = client.clone();
        let permits = Arc::clone(&permits);
        let user = format!("{prefix}-{i}");
        enrolling.spawn(async move {
            let _permit = permits.acquire_owned().await;
            KeyDevice::enroll(&rp, client, user).await
        });
    }
    let mut devices = Vec::with_capacity(count);
    while let Some(joined) = enrolling.join_next().await {
        devices.push(joined.map_err(|_| Error::Unexpected {
            what: "an enrollment task panicked",
        })??);
    }
    Ok(devices)
}

/// Part 4: `long_polls` bare devices parked at once on a server child, a few challenges
/// delivered among them; then a fresh child and `flow_workers` loops of complete sign-ins
/// for `flow_window`.
pub async fn capacity(sizes: &Sizes) -> Result<Capacity, Error> {
    let (parked, park_time, rss_before, peak, parked_rss, delivery) =
        parked_long_polls(sizes).await?;
    let (flows, errors, window, latency, flow_peak, cores) = throughput(sizes).await?;
    Ok(Capacity {
        long_polls_asked: sizes.long_polls,
        long_polls_parked: parked,
        park_time,
        rss_before_kib: rss_before,
        peak_rss_kib: peak,
        parked_rss_kib: parked_rss,
        delivery_under_load: Summary::of(&delivery),
        flows,
        flow_errors: errors,
        flow_window: window,
        flow_latency: Summary::of(&latency),
        flow_peak_rss_kib: flow_peak,
        flow_server_cores: cores,
    })
}

type Parked = (
    usize,
    Duration,
    Option<u64>,
    Option<u64>,
    Option<u64>,
    Vec<Duration>,
);

async fn parked_long_polls(sizes: &Sizes) -> Result<Parked, Error> {
    let mut child = ChildServer::start().await?;
    let rp = Rp::new(
        &child.hello.base_url,
        &child.hello.tenant_id,
        &child.hello.secret_key,
    )?;
    let client = device_client(&child.hello)?;
    // 1. Enroll.
    let devices = enroll_bare(&rp, &client, sizes.long_polls, "cap", 64).await?;
    let rss_before = child.rss_kib();
    // 2. Park every device in a long-poll of the server's longest wait; a device that gets
    //    a challenge reports it, approves it and parks again.
    let (seen_sender, mut seen) = mpsc::unbounded_channel::<Seen>();
    let wait = Duration::from_secs(u64::from(signet_protocol::MAX_WAIT_SECONDS));
    let started = Instant::now();
    let mut parks = JoinSet::new();
    for device in devices.clone() {
        let seen_sender = seen_sender.clone();
        parks.spawn(async move {
            while let Ok(pending) = device.fetch(Some(wait)).await {
                if let Some(id) = pending.challenge_id {
                    let at = Instant::now();
                    let _ = device.approve(&id).await;
                    let _ = seen_sender.send(Seen {
                        challenge_id: id,
                        at,
                    });
                }
            }
        });
    }
    // 3. Until the server counts them all parked (or 3 minutes).
    let mut parked = 0;
    let mut park_time = Duration::ZERO;
    while started.elapsed() < Duration::from_secs(180) {
        parked = parked.max(child.waiting().await?);
        if parked >= sizes.long_polls {
            park_time = started.elapsed();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if park_time.is_zero() {
        park_time = started.elapsed();
    }
    // 4. Challenges to random parked devices, one at a time.
    let mut delivery = Vec::with_capacity(sizes.deliveries_under_load);
    let mut late: HashMap<String, Instant> = HashMap::new();
    for _ in 0..sizes.deliveries_under_load {
        let device = &devices[rand::thread_rng().gen_range(0..devices.len())];
        let tracked = rp
            .track(
                &device.user_id,
                "signIn",
                &signet_protocol::TrackAttributes::default(),
            )
            .await?;
        let created = Instant::now();
        let started = rp.start_challenge(&tracked.token).await?;
        let at = match late.remove(&started.challenge_id) {
            Some(at) => Some(at),
            None => loop {
                match tokio::time::timeout(Duration::from_secs(30), seen.recv()).await {
                    Ok(Some(next)) if next.challenge_id == started.challenge_id => {
                        break Some(next.at);
                    }
                    Ok(Some(other)) => {
                        late.insert(other.challenge_id, other.at);
                    }
                    _ => break None,
                }
            },
        };
        let at = at.ok_or(Error::TimedOut {
            what: "a parked device to see its challenge",
        })?;
        delivery.push(at.saturating_duration_since(created));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // 5. The peak while parked; then release everything.
    let peak = child.peak_rss_kib();
    let parked_rss = child.rss_kib();
    parks.abort_all();
    child.stop().await?;
    Ok((parked, park_time, rss_before, peak, parked_rss, delivery))
}

/// What [`throughput`] measured: flows finished, flows failed, the window, each flow's time,
/// the server child's peak RSS (KiB) and the cores it used on average.
pub type Throughput = (u64, u64, Duration, Vec<Duration>, Option<u64>, Option<f64>);

/// The throughput half of part 4: a fresh server child and `flow_workers` loops of complete
/// sign-ins for `flow_window` (`signet-bench flows` runs it alone).
pub async fn throughput(sizes: &Sizes) -> Result<Throughput, Error> {
    let child = ChildServer::start().await?;
    let rp = Rp::new(
        &child.hello.base_url,
        &child.hello.tenant_id,
        &child.hello.secret_key,
    )?;
    let client = device_client(&child.hello)?;
    let devices = enroll_bare(&rp, &client, sizes.flow_workers, "flow", 64).await?;
    let errors = Arc::new(AtomicU64::new(0));
    let cpu_before = child.cpu_seconds();
    let started = Instant::now();
    let deadline = started + sizes.flow_window;
    let mut workers = JoinSet::new();
    for device in devices {
        let rp = rp.clone();
        let errors = Arc::clone(&errors);
        workers.spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let flow_started = Instant::now();
                match one_flow(&rp, &device).await {
                    Ok(()) => times.push(flow_started.elapsed()),
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            times
        });
    }
    let mut latency = Vec::new();
    while let Some(joined) = workers.join_next().await {
        latency.extend(joined.map_err(|_| Error::Unexpected {
            what: "a sign-in worker panicked",
        })?);
    }
    let window = started.elapsed();
    let cores = child
        .cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| (after - before) / window.as_secs_f64());
    let peak = child.peak_rss_kib();
    child.stop().await?;
    Ok((
        latency.len() as u64,
        errors.load(Ordering::Relaxed),
        window,
        latency,
        peak,
        cores,
    ))
}

/// One complete sign-in: track → challenge/push → the device fetches (3.4a, 3.4b) and
/// approves (3.5) → verify/push → validate. Also the loop body of `replicas`.
pub(crate) async fn one_flow(rp: &Rp, device: &KeyDevice) -> Result<(), Error> {
    let sign_in = rp.sign_in(&device.user_id).await?;
    let pending = device.fetch(None).await?;
    if pending.challenge_id.as_deref() != Some(sign_in.challenge_id.as_str()) {
        return Err(Error::Unexpected {
            what: "the device fetched another challenge",
        });
    }
    if !device.approve(&sign_in.challenge_id).await? {
        return Err(Error::Unexpected {
            what: "the approval was not taken",
        });
    }
    Ok(rp.finish(&sign_in, 10).await?)
}
