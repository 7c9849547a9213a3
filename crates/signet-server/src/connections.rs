//! The accept loop: how many connections the server holds, from whom, and for how long.
//!
//! Every connection is in one of four phases, each with its own clock:
//!
//! - *fresh* (accepted, no full request yet) and *header* (the first bytes of a request
//!   arrived): closed when the request head is not complete within the header timeout;
//! - *idle* (a keep-alive connection between requests): closed after the idle timeout;
//! - *busy* (a request is being answered): never cut here. Its body must arrive within the
//!   body timeout ([`TimedBody`]); a long-poll has no body and is bounded by its `wait`.
//!
//! The server holds at most [`ConnectionLimits::max_connections`] connections (by default a
//! part of the open-files limit, which is raised to the hard limit at start) and at most
//! [`ConnectionLimits::max_connections_per_address`] from one IP address. When a limit is
//! reached, a new connection takes the place of the oldest connection of that scope that is
//! not answering a request (a half-open or idle one), so that a flood of half-open connections
//! cannot keep a real request out; when every connection of the scope is busy, the new one is
//! closed at once.

use std::collections::HashMap;
use std::future::Future as _;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, Sleep};

use crate::extract::PeerAddress;

/// Limits on the connections a server holds, and how long a quiet connection is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client has to send a whole request head (request line and headers), from
    /// the connection's start or from the first byte of a later request on it.
    pub header_timeout: Duration,
    /// How long a keep-alive connection may wait, between requests, for the next one.
    pub idle_timeout: Duration,
    /// How long a client has to send a request's body, from the end of its head.
    pub body_timeout: Duration,
    /// Most connections held at once. `None`: the open-files limit (raised to the hard limit
    /// at start) less an eighth of it (at least 64) for the database and new requests.
    pub max_connections: Option<usize>,
    /// Most connections held at once from one IP address.
    pub max_connections_per_address: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            body_timeout: Duration::from_secs(30),
            max_connections: None,
            max_connections_per_address: 512,
        }
    }
}

/// How many connections a server holds and has turned away since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionCounts {
    /// Connections open now.
    pub open: usize,
    /// The most connections the server holds at once (its cap).
    pub max: usize,
    /// Connections accepted since the start.
    pub accepted: u64,
    /// New connections closed at once because every connection of their scope was busy.
    pub refused: u64,
    /// Half-open or idle connections closed to make room for a new one.
    pub evicted: u64,
    /// Connections closed by the header or idle timeout.
    pub timed_out: u64,
}

/// Raises the soft open-files limit as far as the hard limit allows and returns the limit in
/// force (`None` when it cannot be read).
fn open_files_limit() -> Option<u64> {
    const WANTED: u64 = 1 << 20;
    match rlimit::increase_nofile_limit(WANTED) {
        Ok(limit) => Some(limit),
        Err(error) => {
            tracing::warn!(%error, "cannot raise the open-files limit");
            rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft)
        }
    }
}

/// The connection cap derived from the open-files limit: room is kept for the database's
/// files, the listener and requests that come while the cap is reached.
fn cap_from_open_files(limit: Option<u64>) -> usize {
    let limit = usize::try_from(limit.unwrap_or(1024)).unwrap_or(usize::MAX);
    let reserve = (limit / 8).max(64);
    limit.saturating_sub(reserve).max(1)
}

/// The phase of a connection, with the time its clock started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Accepted; no request has been answered on it yet, none is being answered.
    Fresh,
    /// The first bytes of a later request arrived.
    Header,
    /// Between requests.
    Idle,
    /// Answering `busy` requests.
    Busy,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    since: Instant,
    busy: u32,
    evicted: bool,
}

/// One connection as the gate sees it.
#[derive(Debug)]
struct Connection {
    id: u64,
    ip: IpAddr,
    state: Mutex<State>,
    /// Woken when the phase changes or the connection is evicted.
    wake: Notify,
}

impl Connection {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Bytes arrived: an idle connection starts reading a request head.
    fn on_bytes(&self) {
        let mut state = self.state();
        match state.phase {
            Phase::Idle => {
                state.phase = Phase::Header;
                state.since = Instant::now();
                drop(state);
                self.wake.notify_one();
            }
            // A fresh connection's header clock runs from its start; a busy one reads a body.
            Phase::Fresh | Phase::Header | Phase::Busy => {}
        }
    }

    /// A request head is complete: the connection is busy until its answer.
    fn begin_request(&self) {
        let mut state = self.state();
        state.busy = state.busy.saturating_add(1);
        state.phase = Phase::Busy;
        drop(state);
        self.wake.notify_one();
    }

    /// An answer is ready: idle again when no other request is in flight.
    fn end_request(&self) {
        let mut state = self.state();
        state.busy = state.busy.saturating_sub(1);
        if state.busy == 0 {
            state.phase = Phase::Idle;
            state.since = Instant::now();
        }
        drop(state);
        self.wake.notify_one();
    }

    /// When the connection is to be closed unless its phase changes (`None`: busy).
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        let state = self.state();
        match state.phase {
            Phase::Fresh | Phase::Header => Some(state.since + limits.header_timeout),
            Phase::Idle => Some(state.since + limits.idle_timeout),
            Phase::Busy => None,
        }
    }

    fn evict(&self) {
        self.state().evicted = true;
        self.wake.notify_one();
    }

    fn is_evicted(&self) -> bool {
        self.state().evicted
    }

    fn is_busy(&self) -> bool {
        self.state().phase == Phase::Busy
    }

    /// `Some(since)` when this connection may be closed to make room.
    fn evictable_since(&self) -> Option<Instant> {
        let state = self.state();
        (state.phase != Phase::Busy && !state.evicted).then_some(state.since)
    }
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    open: HashMap<u64, Arc<Connection>>,
    per_address: HashMap<IpAddr, usize>,
}

impl Registry {
    fn remove(&mut self, id: u64) {
        if let Some(connection) = self.open.remove(&id)
            && let Some(count) = self.per_address.get_mut(&connection.ip)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_address.remove(&connection.ip);
            }
        }
    }

    /// The oldest connection (of `ip`, or of any address) that is not answering a request.
    fn oldest_evictable(&self, ip: Option<IpAddr>) -> Option<Arc<Connection>> {
        self.open
            .values()
            .filter(|connection| ip.is_none_or(|ip| connection.ip == ip))
            .filter_map(|connection| {
                connection
                    .evictable_since()
                    .map(|since| (since, connection))
            })
            .min_by_key(|(since, _)| *since)
            .map(|(_, connection)| Arc::clone(connection))
    }
}

/// Admission of connections: the caps, the registry of open connections, the counters.
#[derive(Debug)]
pub(crate) struct Gate {
    limits: ConnectionLimits,
    max: usize,
    registry: Mutex<Registry>,
    accepted: AtomicU64,
    refused: AtomicU64,
    evicted: AtomicU64,
    timed_out: AtomicU64,
}

impl Gate {
    /// A gate with these limits; raises the open-files limit when the cap derives from it.
    pub(crate) fn new(limits: ConnectionLimits) -> Self {
        let max = limits
            .max_connections
            .unwrap_or_else(|| cap_from_open_files(open_files_limit()))
            .max(1);
        Self {
            limits,
            max,
            registry: Mutex::new(Registry::default()),
            accepted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The counters now.
    pub(crate) fn counts(&self) -> ConnectionCounts {
        ConnectionCounts {
            open: self.registry().open.len(),
            max: self.max,
            accepted: self.accepted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
            timed_out: self.timed_out.load(Ordering::Relaxed),
        }
    }

    /// Admits a connection from `ip`, making room if a cap is reached; `None`: refused.
    fn admit(&self, ip: IpAddr) -> Option<Arc<Connection>> {
        let mut registry = self.registry();
        let from_ip = registry.per_address.get(&ip).copied().unwrap_or(0);
        let scope = if from_ip >= self.limits.max_connections_per_address {
            Some(Some(ip))
        } else if registry.open.len() >= self.max {
            Some(None)
        } else {
            None
        };
        if let Some(scope) = scope {
            let Some(victim) = registry.oldest_evictable(scope) else {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return None;
            };
            victim.evict();
            registry.remove(victim.id);
            self.evicted.fetch_add(1, Ordering::Relaxed);
        }
        registry.next_id = registry.next_id.wrapping_add(1);
        let connection = Arc::new(Connection {
            id: registry.next_id,
            ip,
            state: Mutex::new(State {
                phase: Phase::Fresh,
                since: Instant::now(),
                busy: 0,
                evicted: false,
            }),
            wake: Notify::new(),
        });
        registry.open.insert(connection.id, Arc::clone(&connection));
        *registry.per_address.entry(ip).or_insert(0) += 1;
        self.accepted.fetch_add(1, Ordering::Relaxed);
        Some(connection)
    }
}

/// Serves `router` on `listener` until `stop` turns `true`, then closes connections that are
/// not answering a request, lets the others finish, and returns once all are closed.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    gate: Arc<Gate>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    // Each connection task holds a receiver; `closed()` resolves when the last one is gone.
    let (all_closed, connection_alive) = watch::channel(());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors (or a connection reset before accept): wait a little
                    // rather than spin; connections closing will free descriptors.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let Some(connection) = gate.admit(peer.ip()) else {
            // Dropping the stream closes it at once.
            tracing::debug!(%peer, "connection refused: every connection of its scope is busy");
            continue;
        };
        let alive = connection_alive.clone();
        tokio::spawn(serve_connection(
            stream,
            peer,
            connection,
            Arc::clone(&gate),
            router.clone(),
            stop.clone(),
            alive,
        ));
    }
    drop(listener);
    drop(connection_alive);
    all_closed.closed().await;
    Ok(())
}

/// Resolves once `stop` is `true` (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Serves one connection with its timeouts, until it closes, is evicted, or times out.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    connection: Arc<Connection>,
    gate: Arc<Gate>,
    router: Router,
    mut stop: watch::Receiver<bool>,
    _alive: watch::Receiver<()>,
) {
    let limits = gate.limits;
    let io = TokioIo::new(Watched {
        inner: stream,
        connection: Arc::clone(&connection),
    });
    let in_service = Arc::clone(&connection);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        in_service.begin_request();
        let guard = RequestGuard(Arc::clone(&in_service));
        let mut request = request.map(|body| Body::new(TimedBody::new(body, limits.body_timeout)));
        request.extensions_mut().insert(PeerAddress(peer.ip()));
        // Routes served beside the API (the demo's rate limit) read the peer as axum does.
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let answer = tower_service::Service::call(&mut router.clone(), request);
        async move {
            let response = answer.await;
            drop(guard);
            response
        }
    });
    let served = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::pin!(served);
    let mut stopping = false;
    loop {
        let deadline = connection
            .deadline(&limits)
            .unwrap_or_else(|| Instant::now() + limits.idle_timeout);
        tokio::select! {
            result = served.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                break;
            }
            () = connection.wake.notified() => {
                if connection.is_evicted() {
                    tracing::debug!(%peer, "connection closed to make room for a new one");
                    break;
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                if connection.deadline(&limits).is_some_and(|at| at <= Instant::now()) {
                    gate.timed_out.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%peer, "connection closed by the header or idle timeout");
                    break;
                }
            }
            () = stopped(&mut stop), if !stopping => {
                if !connection.is_busy() {
                    break;
                }
                stopping = true;
                served.as_mut().graceful_shutdown();
            }
        }
    }
    gate.registry().remove(connection.id);
}

/// Marks the connection idle again when a request's answer is ready (or abandoned).
struct RequestGuard(Arc<Connection>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.end_request();
    }
}

/// A TCP stream that tells its connection when bytes arrive.
struct Watched {
    inner: TcpStream,
    connection: Arc<Connection>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.connection.on_bytes();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that must arrive whole before a deadline.
struct TimedBody {
    inner: Incoming,
    deadline: Instant,
    /// Started at the first read that has to wait (a body-less GET never starts it).
    sleep: Option<Pin<Box<Sleep>>>,
}

impl TimedBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        Self {
            inner,
            deadline: Instant::now() + timeout,
            sleep: None,
        }
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|result| result.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err("the request body did not arrive in time".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::cap_from_open_files;

    #[test]
    fn the_cap_keeps_an_eighth_of_the_open_files_limit_free() {
        assert_eq!(cap_from_open_files(Some(1024)), 896);
        assert_eq!(cap_from_open_files(Some(256)), 192);
        assert_eq!(cap_from_open_files(Some(8_000)), 7_000);
    }
}
