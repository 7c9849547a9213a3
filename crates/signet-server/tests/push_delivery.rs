//! Wake-ups on challenge creation (docs/protocol.md 8.5, 8.6), against receivers on loopback
//! that check what the real ones check: a Web Push service that verifies the VAPID JWT
//! (RFC 8292) with the server's public key and decrypts the payload (RFC 8291) with the
//! subscription's private key, and a webhook that verifies `x-signature-v2`. Every wake-up
//! is checked to carry no login details, and in every fault the challenge stays answerable.

mod common;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead as _, KeyInit as _};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use common::{Device, Harness};
use hmac::Mac as _;
use p256::ecdsa::signature::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use reqwest::Method;
use serde_json::{Value, json};
use signet_protocol::clock::SystemClock;
use signet_protocol::{WEBHOOK_SIGNATURE_HEADER, WebPushSubscription};
use signet_server::push::{DeliveryConfig, WebPush, Webhook};
use tokio::sync::mpsc;

/// What a receiver answers to one request.
#[derive(Clone)]
enum Reply {
    /// This status, with this `Retry-After` (seconds).
    Status(u16, Option<u64>),
    /// No answer for a minute.
    Hang,
}

/// A receiver's script and what it received (each request checked, `Err` saying why not).
#[derive(Clone)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    received: mpsc::UnboundedSender<Result<Value, String>>,
}

impl Script {
    fn next_reply(&self) -> Reply {
        self.replies
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or(Reply::Status(201, None))
    }
}

async fn reply(reply: Reply) -> Response {
    match reply {
        Reply::Status(status, retry_after) => {
            let mut response = StatusCode::from_u16(status)
                .expect("status")
                .into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", seconds.to_string().parse().expect("value"));
            }
            response
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::CREATED.into_response()
        }
    }
}

/// Serves `router` on a loopback port.
async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

// ---------------------------------------------------------------------------------------------
// The Web Push service stand-in.

/// A subscriber (the device's side): its ECDH key and auth secret.
struct Subscriber {
    key: p256::SecretKey,
    auth: [u8; 16],
}

/// What the push service knows to check a request.
#[derive(Clone)]
struct PushService {
    script: Script,
    /// The VAPID public key the application server registered with (base64url).
    vapid_key: String,
    /// Its own origin: the JWT's `aud`.
    origin: Arc<Mutex<String>>,
    subscriber: Arc<Subscriber>,
}

/// A push service on loopback; returns it, the subscription token and what it receives.
async fn push_service(
    vapid_key: &str,
    replies: Vec<Reply>,
) -> (String, mpsc::UnboundedReceiver<Result<Value, String>>) {
    let (sender, received) = mpsc::unbounded_channel();
    let subscriber = Arc::new(Subscriber {
        key: p256::SecretKey::random(&mut rand::rngs::OsRng),
        auth: rand::random(),
    });
    let service = PushService {
        script: Script {
            replies: Arc::new(Mutex::new(replies.into())),
            received: sender,
        },
        vapid_key: vapid_key.to_owned(),
        origin: Arc::new(Mutex::new(String::new())),
        subscriber: Arc::clone(&subscriber),
    };
    let origin = Arc::clone(&service.origin);
    let addr = serve(
        axum::Router::new()
            .route("/push/{id}", axum::routing::post(receive_push))
            .with_state(service),
    )
    .await;
    *origin.lock().expect("lock") = format!("http://{addr}");
    let token = WebPushSubscription {
        endpoint: format!("http://{addr}/push/sub1").parse().expect("url"),
        p256dh: subscriber
            .key
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .try_into()
            .expect("65 bytes"),
        auth: subscriber.auth,
    }
    .to_token();
    (token, received)
}

async fn receive_push(
    State(service): State<PushService>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let checked = check_push(&service, &headers, &body);
    let _ = service.script.received.send(checked);
    reply(service.script.next_reply()).await
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| format!("no {name} header"))
}

/// Checks a push request as a push service and the user agent would, and returns the
/// decrypted payload.
fn check_push(service: &PushService, headers: &HeaderMap, body: &[u8]) -> Result<Value, String> {
    // RFC 8030: TTL, Urgency, Topic.
    let ttl: u64 = header(headers, "ttl")?
        .parse()
        .map_err(|_| "TTL is not a number")?;
    if ttl == 0 || ttl > 120 {
        return Err(format!(
            "TTL {ttl} is not the challenge's remaining lifetime"
        ));
    }
    if header(headers, "urgency")? != "high" {
        return Err("Urgency is not high".into());
    }
    let topic = header(headers, "topic")?;
    if topic.len() > 32
        || !topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("Topic is not at most 32 base64url letters".into());
    }
    if header(headers, "content-encoding")? != "aes128gcm" {
        return Err("Content-Encoding is not aes128gcm".into());
    }
    // RFC 8292: `vapid t=<jwt>, k=<key>`, the key the one registered, the JWT signed by it.
    let authorization = header(headers, "authorization")?;
    let rest = authorization
        .strip_prefix("vapid ")
        .ok_or("not a vapid authorization")?;
    let mut jwt = None;
    let mut key = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(value) = part.strip_prefix("t=") {
            jwt = Some(value);
        } else if let Some(value) = part.strip_prefix("k=") {
            key = Some(value);
        }
    }
    let (jwt, key) = (jwt.ok_or("no t=")?, key.ok_or("no k=")?);
    if key != service.vapid_key {
        return Err("k= is not the application server's key".into());
    }
    let verifying = p256::ecdsa::VerifyingKey::from_sec1_bytes(
        &URL_SAFE_NO_PAD.decode(key).map_err(|_| "k= base64")?,
    )
    .map_err(|_| "k= is not a P-256 key")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    let [head, claims, signature] = parts[..] else {
        return Err("the JWT has not three parts".into());
    };
    let head: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).map_err(|_| "b64")?)
        .map_err(|_| "JWT header JSON")?;
    if head["alg"] != "ES256" {
        return Err("the JWT is not ES256".into());
    }
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).map_err(|_| "b64")?)
            .map_err(|_| "not a raw ES256 signature")?;
    verifying
        .verify(format!("{}.{claims}", parts[0]).as_bytes(), &signature)
        .map_err(|_| "the JWT's signature does not verify with k=")?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).map_err(|_| "b64")?)
        .map_err(|_| "JWT claims JSON")?;
    if claims["aud"] != *service.origin.lock().expect("lock") {
        return Err(format!(
            "aud {} is not the push service's origin",
            claims["aud"]
        ));
    }
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs(),
    )
    .expect("seconds");
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    if exp <= now || exp > now + 24 * 3600 {
        return Err("exp is not within the next 24 hours".into());
    }
    if !claims["sub"]
        .as_str()
        .is_some_and(|sub| sub.starts_with("mailto:"))
    {
        return Err("sub is not a mailto: URI".into());
    }
    decrypt(&service.subscriber, body)
}

/// RFC 8291 section 3 and RFC 8188, the user agent's side.
fn decrypt(subscriber: &Subscriber, body: &[u8]) -> Result<Value, String> {
    if body.len() < 21 + 65 + 17 || body[20] != 65 {
        return Err("the aes128gcm header is not salt, rs, 65, key".into());
    }
    let (salt, sender) = (&body[..16], &body[21..86]);
    let sender = p256::PublicKey::from_sec1_bytes(sender).map_err(|_| "keyid is not a point")?;
    let shared = p256::ecdh::diffie_hellman(subscriber.key.to_nonzero_scalar(), sender.as_affine());
    let receiver_public = subscriber.key.public_key().to_encoded_point(false);
    let sender_public = sender.to_encoded_point(false);
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(receiver_public.as_bytes());
    info.extend_from_slice(sender_public.as_bytes());
    let mut ikm = [0_u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&subscriber.auth), shared.raw_secret_bytes())
        .expand(&info, &mut ikm)
        .map_err(|_| "hkdf")?;
    let content = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), &ikm);
    let (mut cek, mut nonce) = ([0_u8; 16], [0_u8; 12]);
    content
        .expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| "hkdf")?;
    content
        .expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| "hkdf")?;
    let plain = aes_gcm::Aes128Gcm::new_from_slice(&cek)
        .map_err(|_| "key")?
        .decrypt(aes_gcm::Nonce::from_slice(&nonce), &body[86..])
        .map_err(|_| "the payload does not decrypt with the subscription's keys")?;
    // The last record ends in 0x02, then optional zero padding.
    let end = plain
        .iter()
        .rposition(|b| *b != 0)
        .filter(|at| plain[*at] == 2)
        .ok_or("no last-record delimiter")?;
    serde_json::from_slice(&plain[..end]).map_err(|_| "the payload is not JSON".into())
}

// ---------------------------------------------------------------------------------------------
// The webhook stand-in.

#[derive(Clone)]
struct WebhookReceiver {
    script: Script,
    secret: Arc<Vec<u8>>,
}

async fn webhook_receiver(
    secret: &[u8],
    replies: Vec<Reply>,
) -> (String, mpsc::UnboundedReceiver<Result<Value, String>>) {
    let (sender, received) = mpsc::unbounded_channel();
    let hook = WebhookReceiver {
        script: Script {
            replies: Arc::new(Mutex::new(replies.into())),
            received: sender,
        },
        secret: Arc::new(secret.to_vec()),
    };
    let addr = serve(
        axum::Router::new()
            .route("/hook", axum::routing::post(receive_webhook))
            .with_state(hook),
    )
    .await;
    (format!("http://{addr}/hook"), received)
}

async fn receive_webhook(
    State(receiver): State<WebhookReceiver>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let checked = check_webhook(&receiver, &headers, &body);
    let _ = receiver.script.received.send(checked);
    reply(receiver.script.next_reply()).await
}

/// Checks `x-signature-v2` as a receiver of docs/protocol.md 8.5 would.
fn check_webhook(
    receiver: &WebhookReceiver,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, String> {
    let signature = header(headers, WEBHOOK_SIGNATURE_HEADER)?;
    let (t, v2) = signature
        .split_once(',')
        .and_then(|(t, v2)| Some((t.strip_prefix("t=")?, v2.strip_prefix("v2=")?)))
        .ok_or("not t=..,v2=..")?;
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&receiver.secret)
        .map_err(|_| "key")?;
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected = STANDARD_NO_PAD.encode(mac.finalize().into_bytes());
    if v2 != expected {
        return Err("x-signature-v2 does not verify with the secret".into());
    }
    serde_json::from_slice(body).map_err(|_| "the body is not JSON".into())
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A server that sends Web Push with a fresh VAPID key, and that key's public half.
async fn web_push_server(deadline: Duration) -> (Harness, String) {
    let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let channel =
        WebPush::new(&key, "mailto:ops@example.net", Arc::new(SystemClock)).expect("a channel");
    let public = channel.public_key().to_owned();
    let h = Harness::start_with(|config| {
        config.delivery = DeliveryConfig {
            deadline,
            ..DeliveryConfig::default()
        };
        config.delivery.channels.web_push = Some(Arc::new(channel));
    })
    .await;
    (h, public)
}

/// The wake-up holds the two ids and the generic text, nothing of the sign-in.
fn assert_no_login_details(payload: &Value, user: &str, challenge_id: &str, device: &Device) {
    assert_eq!(payload["challengeId"], challenge_id);
    assert_eq!(payload["userAuthenticatorId"], device.authenticator_id);
    let keys: Vec<&str> = payload
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "unexpected fields: {keys:?}");
    let text = payload.to_string();
    for secret in [user, "signIn", "203.0.113.77", "LeakyBrowser", "97.31"] {
        assert!(
            !text.contains(secret),
            "the wake-up carries {secret}: {text}"
        );
    }
}

fn error_code(started: &Value) -> Value {
    started["deliveryResults"][0]["errorCode"].clone()
}

/// The device can still fetch the challenge and approve it, and the initiator sees it.
async fn assert_still_answerable(h: &Harness, device: &Device, token: &str, challenge_id: &str) {
    let fetched = device.fetch(&h.api, None).await.ok();
    assert_eq!(fetched["challengeId"], challenge_id);
    device
        .answer(&h.api, challenge_id, true, json!({}))
        .await
        .ok();
    assert_eq!(h.verify(token, challenge_id).await.ok()["isVerified"], true);
}

async fn next(received: &mut mpsc::UnboundedReceiver<Result<Value, String>>) -> Value {
    tokio::time::timeout(Duration::from_secs(30), received.recv())
        .await
        .expect("the receiver got a request")
        .expect("the receiver is running")
        .unwrap_or_else(|why| panic!("the receiver refused the request: {why}"))
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn a_web_push_wake_up_is_encrypted_for_the_subscription_and_signed_with_vapid() {
    let (h, vapid) = web_push_server(Duration::from_secs(2)).await;
    let (token, mut received) = push_service(&vapid, vec![]).await;
    let device = h.enrolled_with("ava", "linux", Some(&token)).await;
    let (track, started) = h.sign_in_with_login_details("ava").await;
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    assert_eq!(
        started["deliveryResults"],
        json!([{"userAuthenticatorId": device.authenticator_id}])
    );
    let payload = next(&mut received).await;
    assert_no_login_details(&payload, "ava", &challenge_id, &device);
    assert_eq!(payload["title"], "Sign-in request");
    assert_still_answerable(&h, &device, &track, &challenge_id).await;
}

#[tokio::test]
async fn a_device_without_a_token_or_without_a_configured_channel_is_reported_and_still_answerable()
{
    // No channel at all: a Web Push token is CHANNEL_NOT_CONFIGURED, no token NO_PUSH_TOKEN.
    let h = Harness::start().await;
    let (token, _received) = push_service("unused", vec![]).await;
    let with_token = h.enrolled_with("bo", "linux", Some(&token)).await;
    let without = h.enrolled_with("bo", "linux", None).await;
    let (track, started) = h.sign_in_with_login_details("bo").await;
    let results = started["deliveryResults"]
        .as_array()
        .expect("results")
        .clone();
    let code_of = |device: &Device| {
        results
            .iter()
            .find(|entry| entry["userAuthenticatorId"] == device.authenticator_id)
            .map(|entry| entry["errorCode"].clone())
            .expect("an entry per device")
    };
    assert_eq!(code_of(&with_token), "CHANNEL_NOT_CONFIGURED");
    assert_eq!(code_of(&without), "NO_PUSH_TOKEN");
    let challenge_id = started["challengeId"].as_str().expect("id");
    assert_still_answerable(&h, &without, &track, challenge_id).await;
}

#[tokio::test]
async fn a_device_holding_a_long_poll_gets_the_challenge_without_a_wake_up() {
    let (h, vapid) = web_push_server(Duration::from_secs(2)).await;
    let (token, mut received) = push_service(&vapid, vec![]).await;
    let device = h.enrolled_with("cy", "linux", Some(&token)).await;
    let waiting = {
        let (api, device) = (h.api.clone(), device.clone());
        tokio::spawn(async move { device.fetch(&api, Some(20)).await.ok() })
    };
    while h.server.long_polls_waiting() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (_, started) = h.sign_in_with_login_details("cy").await;
    assert_eq!(error_code(&started), Value::Null);
    let fetched = waiting.await.expect("the long-poll ends");
    assert_eq!(fetched["challengeId"], started["challengeId"]);
    assert!(received.try_recv().is_err(), "a wake-up was sent anyway");
}

#[tokio::test]
async fn a_push_service_that_refuses_connections_fails_delivery_but_not_the_challenge() {
    let (h, _vapid) = web_push_server(Duration::from_millis(300)).await;
    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind")
        .local_addr()
        .expect("addr");
    let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let token = WebPushSubscription {
        endpoint: format!("http://{closed}/push/x").parse().expect("url"),
        p256dh: key
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .try_into()
            .expect("65"),
        auth: [1; 16],
    }
    .to_token();
    let device = h.enrolled_with("di", "linux", Some(&token)).await;
    let (track, started) = h.sign_in_with_login_details("di").await;
    assert_eq!(error_code(&started), "DELIVERY_FAILED");
    let challenge_id = started["challengeId"].as_str().expect("id");
    assert_still_answerable(&h, &device, &track, challenge_id).await;
}

#[tokio::test]
async fn a_push_service_that_hangs_does_not_hold_the_answer_past_the_deadline() {
    let (h, vapid) = web_push_server(Duration::from_millis(300)).await;
    let (token, mut received) = push_service(&vapid, vec![Reply::Hang]).await;
    let device = h.enrolled_with("ed", "linux", Some(&token)).await;
    let started_at = Instant::now();
    let (track, started) = h.sign_in_with_login_details("ed").await;
    let took = started_at.elapsed();
    assert_eq!(error_code(&started), "DELIVERY_FAILED");
    // The deadline is 0.3 s; the bound leaves room for a loaded machine, and is far below the
    // minute the service hangs.
    assert!(took < Duration::from_secs(10), "the answer took {took:?}");
    next(&mut received).await;
    let challenge_id = started["challengeId"].as_str().expect("id");
    assert_still_answerable(&h, &device, &track, challenge_id).await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_and_delivered() {
    let (h, vapid) = web_push_server(Duration::from_secs(5)).await;
    let (token, mut received) = push_service(
        &vapid,
        vec![Reply::Status(429, Some(1)), Reply::Status(201, None)],
    )
    .await;
    let device = h.enrolled_with("fay", "linux", Some(&token)).await;
    let (track, started) = h.sign_in_with_login_details("fay").await;
    assert_eq!(error_code(&started), Value::Null);
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    let first = next(&mut received).await;
    let second = next(&mut received).await;
    assert_no_login_details(&first, "fay", &challenge_id, &device);
    assert_no_login_details(&second, "fay", &challenge_id, &device);
    assert_still_answerable(&h, &device, &track, &challenge_id).await;
}

#[tokio::test]
async fn a_410_forgets_the_token_and_the_next_challenge_says_no_push_token() {
    let (h, vapid) = web_push_server(Duration::from_secs(2)).await;
    let (token, mut received) = push_service(&vapid, vec![Reply::Status(410, None)]).await;
    let device = h.enrolled_with("gus", "linux", Some(&token)).await;
    let (track, started) = h.sign_in_with_login_details("gus").await;
    assert_eq!(error_code(&started), "TOKEN_INVALID");
    next(&mut received).await;
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    assert_still_answerable(&h, &device, &track, &challenge_id).await;
    let (_, again) = h.sign_in_with_login_details("gus").await;
    assert_eq!(error_code(&again), "NO_PUSH_TOKEN");
    assert!(received.try_recv().is_err(), "a forgotten token was used");
}

#[tokio::test]
async fn the_webhook_gets_a_signed_push_created_event_per_device() {
    let secret = b"webhook-secret-for-tests";
    let (url, mut received) = webhook_receiver(secret, vec![]).await;
    let webhook = Webhook::new(
        url.parse().expect("url"),
        zeroize::Zeroizing::new(secret.to_vec()),
    )
    .expect("a webhook");
    let h = Harness::start_with(|config| {
        config.delivery.webhook = Some(Arc::new(webhook));
    })
    .await;
    let (token, _push) = push_service("unused", vec![]).await;
    let device = h.enrolled_with("hal", "linux", Some(&token)).await;
    let (track, started) = h.sign_in_with_login_details("hal").await;
    assert_eq!(error_code(&started), Value::Null);
    let event = next(&mut received).await;
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    assert_eq!(event["type"], "push.created");
    assert_eq!(event["tenantId"], h.server.tenant_id);
    let data = &event["data"];
    assert_eq!(data["challengeId"], challenge_id);
    assert_eq!(data["userId"], "hal");
    assert_eq!(data["actionCode"], "signIn");
    assert_eq!(data["userAuthenticatorId"], device.authenticator_id);
    assert_eq!(data["devicePlatform"], "linux");
    assert_eq!(data["pushToken"], token);
    // 8.5's required ids only: the initiator's IP and user agent (optional in 8.5) and the
    // RP's custom data stay on the server.
    let text = event.to_string();
    for detail in ["203.0.113.77", "LeakyBrowser", "97.31"] {
        assert!(!text.contains(detail), "the event carries {detail}: {text}");
    }
    assert_still_answerable(&h, &device, &track, &challenge_id).await;
}

#[tokio::test]
async fn a_webhook_that_refuses_is_webhook_failed_and_the_challenge_stays_answerable() {
    let secret = b"another-secret";
    let (url, mut received) = webhook_receiver(secret, vec![Reply::Status(403, None)]).await;
    let webhook = Webhook::new(
        url.parse().expect("url"),
        zeroize::Zeroizing::new(secret.to_vec()),
    )
    .expect("a webhook");
    let h = Harness::start_with(|config| {
        config.delivery.webhook = Some(Arc::new(webhook));
    })
    .await;
    let device = h.enrolled_with("ivy", "linux", None).await;
    let (track, started) = h.sign_in_with_login_details("ivy").await;
    assert_eq!(error_code(&started), "WEBHOOK_FAILED");
    next(&mut received).await;
    let challenge_id = started["challengeId"].as_str().expect("id");
    assert_still_answerable(&h, &device, &track, challenge_id).await;
}

#[tokio::test]
async fn an_unsigned_long_poll_does_not_stop_the_wake_up() {
    // Anyone who knows a device's public key can long-poll unsigned: that must not silence
    // the device's wake-ups.
    let (h, vapid) = web_push_server(Duration::from_secs(2)).await;
    let (token, mut received) = push_service(&vapid, vec![]).await;
    let device = h.enrolled_with("jo", "linux", Some(&token)).await;
    let waiting = {
        let (api, device) = (h.api.clone(), device.clone());
        tokio::spawn(async move {
            api.call(
                Method::GET,
                &format!(
                    "/client/user-authenticators/push/challenge?publicKey={}&wait=20",
                    device.public_key.to_query()
                ),
                Some(&device.basic()),
                None,
            )
            .await
            .expect("answered")
            .ok()
        })
    };
    while h.server.long_polls_waiting() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (_, started) = h.sign_in_with_login_details("jo").await;
    assert_eq!(error_code(&started), Value::Null);
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    assert_no_login_details(&next(&mut received).await, "jo", &challenge_id, &device);
    assert_eq!(
        waiting.await.expect("the long-poll ends")["challengeId"],
        challenge_id
    );
}
