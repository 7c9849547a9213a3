//! Stand-ins for Apple's APNs and Google's FCM, on loopback, that check what the real
//! services check: the APNs provider token's ES256 signature (with the team's public key),
//! its `kid`, `iss` and `iat`, HTTP/2 over TLS and the required headers; the FCM service
//! account's RS256 assertion at the token endpoint (with the account's public key), then each
//! message's bearer token, token, priority and ttl. Keys are made here, per test.

#![allow(dead_code, missing_docs)]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::{EncodePrivateKey as _, LineEnding};
use serde_json::{Value, json};
use signet_server::push::provider::ExtraRoots;
use signet_server::push::wake::{BODY, TITLE};
use tokio::net::TcpListener;
use tokio_rustls::rustls;

/// Unix seconds by the real clock (what Apple's and Google's servers go by).
pub fn real_now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

/// A test CA and a certificate it issued for `localhost` and `127.0.0.1`.
pub struct TestTls {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

impl TestTls {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Signet test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("leaf params")
            .signed_by(&leaf_key, &issuer)
            .expect("leaf certificate");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .expect("server TLS config");
        server.alpn_protocols = vec![b"h2".to_vec()];
        Self {
            ca_pem: ca_cert.pem(),
            server: Arc::new(server),
        }
    }

    /// The CA, as the channels' extra roots.
    pub fn roots(&self) -> ExtraRoots {
        ExtraRoots(vec![
            reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).expect("CA PEM"),
        ])
    }
}

/// One request APNs accepted or refused, as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct ApnsRequest {
    pub token: String,
    pub headers: HeaderMap,
    pub payload: Value,
    /// The provider token's `iat`.
    pub iat: i64,
    pub status: u16,
}

/// What the APNs stand-in holds.
pub struct ApnsState {
    pub team_id: String,
    pub key_id: String,
    pub topic: String,
    verifying_key: p256::ecdsa::VerifyingKey,
    pub received: Mutex<Vec<ApnsRequest>>,
    /// Why requests were refused (a wrong signature, a missing header...).
    pub refusals: Mutex<Vec<String>>,
    pub connections: AtomicUsize,
}

/// APNs on loopback: HTTP/2 over TLS with a test CA. Device tokens choose the answer: one
/// starting `0410` is 410 `Unregistered`, `0400` 400 `BadDeviceToken`, `0429` 429 with
/// `Retry-After: 7`, `0503` 503 without; any other 200.
pub struct ApnsStandIn {
    pub url: String,
    pub tls: TestTls,
    /// The team's `.p8` key (PKCS#8 PEM), for the channel.
    pub key_pem: String,
    pub state: Arc<ApnsState>,
}

impl ApnsStandIn {
    pub async fn start() -> Self {
        let tls = TestTls::new();
        let signing = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let key_pem = signing
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8 PEM")
            .to_string();
        let state = Arc::new(ApnsState {
            team_id: "TEAM123456".to_owned(),
            key_id: "KEY7654321".to_owned(),
            topic: "org.signet.app".to_owned(),
            verifying_key: p256::ecdsa::VerifyingKey::from(signing.public_key()),
            received: Mutex::new(Vec::new()),
            refusals: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!(
            "https://localhost:{}",
            listener.local_addr().expect("addr").port()
        );
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(&tls.server));
        let serving = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let state = Arc::clone(&serving);
                state.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, std::convert::Infallible>(apns(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            tls,
            key_pem,
            state,
        }
    }

    pub fn received(&self) -> Vec<ApnsRequest> {
        self.state.received.lock().expect("lock").clone()
    }

    pub fn refusals(&self) -> Vec<String> {
        self.state.refusals.lock().expect("lock").clone()
    }
}

fn apns_answer(
    status: u16,
    reason: Option<&str>,
    retry_after: Option<&str>,
) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(status);
    if let Some(after) = retry_after {
        builder = builder.header("retry-after", after);
    }
    let body = reason.map_or_else(Bytes::new, |reason| {
        Bytes::from(json!({"reason": reason}).to_string())
    });
    builder.body(Full::new(body)).expect("response")
}

async fn apns(
    state: &ApnsState,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, 4096).collect().await else {
        return apns_answer(413, Some("PayloadTooLarge"), None);
    };
    let body = body.to_bytes();
    match apns_check(state, &parts, &body) {
        Err((status, reason, why)) => {
            state.refusals.lock().expect("lock").push(why);
            apns_answer(status, Some(reason), None)
        }
        Ok((token, payload, iat)) => {
            let (status, reason, after) = if token.starts_with("0410") {
                (410, Some("Unregistered"), None)
            } else if token.starts_with("0400") {
                (400, Some("BadDeviceToken"), None)
            } else if token.starts_with("0429") {
                (429, Some("TooManyRequests"), Some("7"))
            } else if token.starts_with("0503") {
                (503, Some("ServiceUnavailable"), None)
            } else {
                (200, None, None)
            };
            state.received.lock().expect("lock").push(ApnsRequest {
                token,
                headers: parts.headers.clone(),
                payload,
                iat,
                status,
            });
            apns_answer(status, reason, after)
        }
    }
}

type Refusal = (u16, &'static str, String);

/// Apple's checks, in its order: the connection, the path, the provider token, the headers,
/// the payload.
fn apns_check(
    state: &ApnsState,
    parts: &hyper::http::request::Parts,
    body: &[u8],
) -> Result<(String, Value, i64), Refusal> {
    if parts.version != hyper::Version::HTTP_2 {
        return Err((
            400,
            "BadRequest",
            format!("not HTTP/2: {:?}", parts.version),
        ));
    }
    if parts.method != hyper::Method::POST {
        return Err((405, "MethodNotAllowed", parts.method.to_string()));
    }
    let token = parts
        .uri
        .path()
        .strip_prefix("/3/device/")
        .filter(|token| !token.is_empty() && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or((400, "BadPath", format!("path {}", parts.uri.path())))?
        .to_owned();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    // The provider token: `bearer <JWT>`, ES256 under the team's key, kid, iss, iat.
    let jwt = header("authorization")
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.to_owned())
        })
        .ok_or((403, "MissingProviderToken", "no bearer".to_owned()))?;
    let iat = provider_token_check(state, &jwt)?;
    // The headers an alert needs.
    if header("apns-topic").as_deref() != Some(state.topic.as_str()) {
        return Err((
            400,
            "TopicDisallowed",
            format!("{:?}", header("apns-topic")),
        ));
    }
    if header("apns-push-type").as_deref() != Some("alert") {
        return Err((
            400,
            "InvalidPushType",
            format!("{:?}", header("apns-push-type")),
        ));
    }
    if header("apns-priority").as_deref() != Some("10") {
        return Err((400, "BadPriority", format!("{:?}", header("apns-priority"))));
    }
    if header("apns-expiration")
        .and_then(|text| text.parse::<i64>().ok())
        .is_none()
    {
        return Err((
            400,
            "BadExpirationDate",
            format!("{:?}", header("apns-expiration")),
        ));
    }
    if header("apns-collapse-id").is_some_and(|id| id.len() > 64) {
        return Err((400, "BadCollapseId", "longer than 64 bytes".to_owned()));
    }
    let payload: Value =
        serde_json::from_slice(body).map_err(|_| (400, "PayloadEmpty", "not JSON".to_owned()))?;
    if !payload["aps"].is_object() {
        return Err((400, "PayloadEmpty", "no aps".to_owned()));
    }
    // Not Apple's check but this suite's, on every request: the payload is private.
    if let Err(why) = private_apns_payload(&payload) {
        return Err((400, "NotPrivate", why));
    }
    Ok((token, payload, iat))
}

/// The provider token: ES256 under the team's key, `kid`, `iss`, and an `iat` within the
/// hour. Gives back its `iat`.
fn provider_token_check(state: &ApnsState, jwt: &str) -> Result<i64, Refusal> {
    let invalid = |why: &str| (403, "InvalidProviderToken", why.to_owned());
    let pieces: Vec<&str> = jwt.split('.').collect();
    let [head, claims, signature] = pieces[..] else {
        return Err(invalid("not three parts"));
    };
    let decode = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let head = decode(head).ok_or_else(|| invalid("header"))?;
    let claims_value = decode(claims).ok_or_else(|| invalid("claims"))?;
    if head["alg"] != "ES256" || head["kid"] != state.key_id.as_str() {
        return Err(invalid(&format!("header {head}")));
    }
    if claims_value["iss"] != state.team_id.as_str() {
        return Err(invalid(&format!("claims {claims_value}")));
    }
    let iat = claims_value["iat"]
        .as_i64()
        .ok_or_else(|| invalid("no iat"))?;
    if real_now() - iat > 3600 {
        return Err((403, "ExpiredProviderToken", format!("iat {iat}")));
    }
    if iat > real_now() + 60 {
        return Err(invalid("iat in the future"));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|bytes| p256::ecdsa::Signature::from_slice(&bytes).ok())
        .ok_or_else(|| invalid("signature is not r||s"))?;
    let signed = jwt
        .rsplit_once('.')
        .map(|(signed, _)| signed)
        .unwrap_or_default();
    state
        .verifying_key
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| invalid("signature does not verify with the team's key"))?;
    Ok(iat)
}

/// Whether an APNs payload holds only the generic alert and the two ids (checked by the
/// stand-in on every request, so every test that expects an answer other than a refusal
/// also checks that no login detail was sent).
fn private_apns_payload(payload: &Value) -> Result<(), String> {
    let keys: BTreeSet<&str> = payload
        .as_object()
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let expected: BTreeSet<&str> = ["aps", "challengeId", "userAuthenticatorId"].into();
    if keys != expected || payload["aps"]["alert"] != json!({"title": TITLE, "body": BODY}) {
        return Err(format!("not private: {payload}"));
    }
    Ok(())
}

/// Whether an FCM message's data is the two ids and its notification the generic text.
fn private_fcm_message(message: &Value) -> Result<(), String> {
    let keys: BTreeSet<&str> = message["data"]
        .as_object()
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let expected: BTreeSet<&str> = ["challengeId", "userAuthenticatorId"].into();
    let notification_ok = message.get("notification").is_none()
        || message["notification"] == json!({"title": TITLE, "body": BODY});
    if keys != expected || !notification_ok {
        return Err(format!("not private: {message}"));
    }
    Ok(())
}

/// Asserts a wake-up's data is the two ids and nothing else, and that no login detail
/// (`forbidden`: user id, action, IP address, user agent...) appears anywhere in `payload`.
pub fn assert_private(payload: &Value, data_keys: &Value, forbidden: &[&str]) {
    let keys: BTreeSet<&str> = data_keys
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        keys.contains("challengeId") && keys.contains("userAuthenticatorId"),
        "{payload}"
    );
    let text = payload.to_string();
    for word in forbidden {
        assert!(!text.contains(word), "{word:?} leaked in {text}");
    }
    assert!(text.contains(TITLE) && text.contains(BODY), "{text}");
}

/// The APNs payload's own keys: `aps` and the two ids only.
pub fn assert_apns_payload(payload: &Value, challenge_id: &str, authenticator_id: &str) {
    assert_eq!(
        payload,
        &json!({
            "aps": {"alert": {"title": TITLE, "body": BODY}, "sound": "default"},
            "challengeId": challenge_id,
            "userAuthenticatorId": authenticator_id,
        })
    );
}

/// Access tokens issued by every FCM stand-in of the process (each one different).
static TOKENS_ISSUED: AtomicUsize = AtomicUsize::new(0);

/// What the FCM stand-in holds.
pub struct FcmState {
    pub project_id: String,
    pub client_email: String,
    pub key_id: String,
    pub token_uri: Mutex<String>,
    public_key_der: Vec<u8>,
    pub issued: Mutex<Vec<String>>,
    pub token_requests: AtomicUsize,
    pub received: Mutex<Vec<Value>>,
    pub refusals: Mutex<Vec<String>>,
}

/// FCM HTTP v1 and Google's OAuth 2.0 token endpoint on loopback. Registration tokens choose
/// the answer: `unregistered…` is 404 `UNREGISTERED`, `quota…` 429 `QUOTA_EXCEEDED` with
/// `Retry-After: 5`, `invalid…` 400 `INVALID_ARGUMENT`; any other 200.
pub struct FcmStandIn {
    pub url: String,
    /// The service account key file's JSON, for the channel.
    pub service_account: String,
    pub state: Arc<FcmState>,
}

impl FcmStandIn {
    pub async fn start() -> Self {
        use aws_lc_rs::encoding::AsDer as _;
        use aws_lc_rs::signature::KeyPair as _;
        let key =
            aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key");
        let der = key.as_der().expect("PKCS#8");
        let pem = pem_block("PRIVATE KEY", der.as_ref());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let state = Arc::new(FcmState {
            project_id: "signet-test".to_owned(),
            client_email: "signet@signet-test.iam.gserviceaccount.com".to_owned(),
            key_id: "0123456789abcdef".to_owned(),
            token_uri: Mutex::new(format!("{url}/token")),
            public_key_der: key.public_key().as_ref().to_vec(),
            issued: Mutex::new(Vec::new()),
            token_requests: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
            refusals: Mutex::new(Vec::new()),
        });
        let service_account = json!({
            "type": "service_account",
            "project_id": state.project_id,
            "private_key_id": state.key_id,
            "private_key": pem,
            "client_email": state.client_email,
            "client_id": "1234567890",
            "token_uri": format!("{url}/token"),
        })
        .to_string();
        let router = axum::Router::new()
            .route("/token", post(fcm_token))
            .route("/v1/projects/{project}/messages:send", post(fcm_send))
            .with_state(Arc::clone(&state));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            url,
            service_account,
            state,
        }
    }

    pub fn received(&self) -> Vec<Value> {
        self.state.received.lock().expect("lock").clone()
    }

    pub fn refusals(&self) -> Vec<String> {
        self.state.refusals.lock().expect("lock").clone()
    }

    /// Revokes every access token issued so far (as Google does when one expires early).
    pub fn revoke_access_tokens(&self) {
        self.state.issued.lock().expect("lock").clear();
    }

    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }
}

/// A PEM block of `der`.
pub fn pem_block(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let lines: Vec<&str> = base64
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).expect("ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn refuse(state: &FcmState, status: StatusCode, body: Value, why: String) -> Response {
    state.refusals.lock().expect("lock").push(why);
    (status, axum::Json(body)).into_response()
}

/// Google's token endpoint: a `jwt-bearer` grant whose assertion is signed RS256 by the
/// service account's key, issued by its email, for the messaging scope, to this endpoint.
async fn fcm_token(State(state): State<Arc<FcmState>>, body: Bytes) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let grant = |why: &str| {
        refuse(
            &state,
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_grant", "error_description": why}),
            why.to_owned(),
        )
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    if field("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return grant("grant_type");
    }
    let Some(assertion) = field("assertion") else {
        return grant("no assertion");
    };
    let Some((signed, signature)) = assertion.rsplit_once('.') else {
        return grant("not a JWT");
    };
    let Some((head, claims)) = signed.split_once('.') else {
        return grant("not a JWT");
    };
    let decode = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let (Some(head), Some(claims), Ok(signature)) = (
        decode(head),
        decode(claims),
        URL_SAFE_NO_PAD.decode(signature),
    ) else {
        return grant("undecodable JWT");
    };
    let key = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &state.public_key_der,
    );
    if key.verify(signed.as_bytes(), &signature).is_err() {
        return grant("invalid JWT Signature.");
    }
    let now = real_now();
    let token_uri = state.token_uri.lock().expect("lock").clone();
    let iat = claims["iat"].as_i64().unwrap_or(i64::MIN);
    let exp = claims["exp"].as_i64().unwrap_or(i64::MIN);
    let checks = [
        (head["alg"] == "RS256", "alg"),
        (head["kid"] == state.key_id.as_str(), "kid"),
        (claims["iss"] == state.client_email.as_str(), "iss"),
        (
            claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging",
            "scope",
        ),
        (claims["aud"] == token_uri.as_str(), "aud"),
        (iat <= now + 300, "iat (in the future)"),
        (exp > now, "exp (expired)"),
        (exp > iat && exp - iat <= 3600, "exp (more than an hour)"),
    ];
    if let Some((_, what)) = checks.iter().find(|(ok, _)| !ok) {
        return grant(&format!("bad {what}: {head} {claims}"));
    }
    let token = {
        let mut issued = state.issued.lock().expect("lock");
        let token = format!(
            "ya29.stand-in-{}",
            self::TOKENS_ISSUED.fetch_add(1, Ordering::SeqCst)
        );
        issued.push(token.clone());
        token
    };
    axum::Json(json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}))
        .into_response()
}

fn fcm_error(status: StatusCode, code: &str, error_code: Option<&str>) -> Value {
    let mut error = json!({"code": status.as_u16(), "message": "stand-in", "status": code});
    if let Some(error_code) = error_code {
        error["details"] = json!([{
            "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
            "errorCode": error_code,
        }]);
    }
    json!({"error": error})
}

/// `messages:send`: a bearer token the endpoint issued, the project, then the message.
async fn fcm_send(
    State(state): State<Arc<FcmState>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    if !state.issued.lock().expect("lock").contains(&bearer) {
        return refuse(
            &state,
            StatusCode::UNAUTHORIZED,
            fcm_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None),
            format!("bearer {bearer:?}"),
        );
    }
    let bad = |why: String| {
        refuse(
            &state,
            StatusCode::BAD_REQUEST,
            fcm_error(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                Some("INVALID_ARGUMENT"),
            ),
            why,
        )
    };
    if project != state.project_id {
        return bad(format!("project {project}"));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad("not JSON".to_owned());
    };
    let message = &body["message"];
    let token = message["token"].as_str().unwrap_or_default().to_owned();
    let ttl_ok = message["android"]["ttl"]
        .as_str()
        .and_then(|ttl| ttl.strip_suffix('s'))
        .and_then(|seconds| seconds.parse::<u64>().ok())
        .is_some_and(|seconds| seconds <= 2_419_200);
    let data_ok = message["data"]
        .as_object()
        .is_some_and(|data| data.values().all(Value::is_string));
    if token.is_empty()
        || message["android"]["priority"] != "HIGH"
        || !ttl_ok
        || !data_ok
        || message["android"]["collapse_key"] != message["data"]["challengeId"]
    {
        return bad(format!("message {message}"));
    }
    // Not Google's check but this suite's, on every message: the message is private.
    if let Err(why) = private_fcm_message(message) {
        return bad(why);
    }
    state.received.lock().expect("lock").push(body.clone());
    if token.starts_with("unregistered") {
        (
            StatusCode::NOT_FOUND,
            axum::Json(fcm_error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                Some("UNREGISTERED"),
            )),
        )
            .into_response()
    } else if token.starts_with("quota") {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "5")],
            axum::Json(fcm_error(
                StatusCode::TOO_MANY_REQUESTS,
                "RESOURCE_EXHAUSTED",
                Some("QUOTA_EXCEEDED"),
            )),
        )
            .into_response()
    } else if token.starts_with("invalid") {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(fcm_error(
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                Some("INVALID_ARGUMENT"),
            )),
        )
            .into_response()
    } else {
        axum::Json(json!({"name": format!("projects/{project}/messages/0:1")})).into_response()
    }
}
