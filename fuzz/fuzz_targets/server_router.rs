//! The server's whole request handling, in process: arbitrary method, route, path text, query,
//! Authorization, headers and body, sent with `tower::ServiceExt::oneshot` to the router of a
//! real `signet-server` (`RunningServer::router`, feature `test-util`: the API, and the
//! relying-party demo of `signet-demo` served beside it as `signet-server --demo` does, on a
//! temporary SQLite database, one tenant, one enrolled device, a pending challenge, a built
//! demo page in a temporary folder). Never a 5xx (a handler panic is caught and answered 500,
//! so it shows here), and every refusal under `/v1` and `/demo` carries the section-7 body.
//!
//! Crash found (when this went over a socket): `GET /demo/<a 300-character name>` answered a
//! bare 500 (the demo's static-file service passed ENAMETOOLONG on); fixed, kept in
//! `fuzz/regressions/server_router/` and as `signet-demo/tests/fuzz_regressions.rs`.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::body::Body as HttpBody;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::SigningKey;
use serde_json::{Value, json};
use signet_protocol::{PublicKey, sign, tenant_basic_header, time_window_message};
use tokio::runtime::Runtime;
use tower::ServiceExt as _;

/// The server and what a client of it knows.
struct World {
    runtime: Runtime,
    router: axum::Router,
    tenant_id: String,
    secret_key: String,
    key: SigningKey,
    public: PublicKey,
    enroll_token: String,
    sign_in_token: String,
    challenge_id: String,
    authenticator_id: String,
    _server: signet_server::RunningServer,
    _demo_dir: tempfile::TempDir,
}

/// One request through the router in process: `(status, body)`, or `None` when the `http`
/// crate refuses to build the request (hyper would refuse such bytes before routing).
async fn exchange(
    router: &axum::Router,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let mut request = Request::builder().method(method).uri(target);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .header("content-length", body.len())
        .body(HttpBody::from(body.to_vec()))
        .ok()?;
    let Ok(response) = router.clone().oneshot(request).await;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the answer's body is readable");
    Some((status, bytes.to_vec()))
}

/// A JSON call used to set the world up.
fn setup_call(world_rt: &Runtime, router: &axum::Router, method: &str, path: &str, auth: &str, body: Value) -> Value {
    let headers = vec![
        ("Authorization".to_owned(), auth.to_owned()),
        ("Content-Type".to_owned(), "application/json".to_owned()),
    ];
    let bytes = serde_json::to_vec(&body).expect("JSON");
    let (status, answer) = world_rt
        .block_on(exchange(router, method, &format!("/v1{path}"), &headers, &bytes))
        .expect("a valid setup request");
    assert_eq!(status, 200, "setup {path}: {}", String::from_utf8_lossy(&answer));
    serde_json::from_slice(&answer).expect("JSON answer")
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        // A built demo page, so its static files are looked up on a real folder.
        let demo_dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(demo_dir.path().join("assets")).expect("assets dir");
        std::fs::write(demo_dir.path().join("index.html"), "<!doctype html>").expect("page");
        std::fs::write(demo_dir.path().join("assets/app.js"), "void 0;").expect("script");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
            .expect("a loopback port");
        let dist_dir = demo_dir.path().to_owned();
        let config = signet_server::Config {
            rate_limits: signet_server::RateLimits::unlimited(),
            long_poll: false,
            ..signet_server::Config::default()
        };
        let server = runtime
            .block_on(signet_server::spawn_with_routes(listener, config, |info| {
                let api = url::Url::parse(&info.base_url).expect("the server's base URL");
                signet_demo::router(signet_demo::DemoConfig {
                    dist_dir,
                    // In process every request shares one count: no limit here.
                    rate_limit: signet_demo::RateLimit {
                        requests: u32::MAX,
                        window: std::time::Duration::from_secs(60),
                    },
                    ..signet_demo::DemoConfig::new(api, &info.tenant_id, &info.secret_key)
                })
            }))
            .expect("server starts");
        let router = server.router();
        let secret = format!(
            "Basic {}",
            base64_standard(format!("{}:", server.secret_key).as_bytes())
        );
        let key = SigningKey::from_slice(&[7u8; 32]).expect("scalar");
        let public = PublicKey::from(key.verifying_key());
        let enroll = setup_call(&runtime, &router, "POST", "/users/fuzz/actions/enroll", &secret, json!({"scope": "add:authenticators"}));
        let enroll_token = enroll["token"].as_str().expect("token").to_owned();
        let added = setup_call(
            &runtime,
            &router,
            "POST",
            "/client/user-authenticators/push",
            &format!("Bearer {enroll_token}"),
            json!({"publicKey": public.to_spki_base64(), "devicePlatform": "linux"}),
        );
        let authenticator_id = added["userAuthenticatorId"].as_str().expect("id").to_owned();
        let signed_in = setup_call(&runtime, &router, "POST", "/users/fuzz/actions/signIn", &secret, json!({}));
        let sign_in_token = signed_in["token"].as_str().expect("token").to_owned();
        let started = setup_call(
            &runtime,
            &router,
            "POST",
            "/client/challenge/push",
            &format!("Bearer {sign_in_token}"),
            json!({"action": "signIn"}),
        );
        let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
        World {
            router,
            tenant_id: server.tenant_id.clone(),
            secret_key: server.secret_key.clone(),
            key,
            public,
            enroll_token,
            sign_in_token,
            challenge_id,
            authenticator_id,
            _server: server,
            _demo_dir: demo_dir,
            runtime,
        }
    })
}

fn base64_standard(bytes: &[u8]) -> String {
    const LETTERS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(LETTERS[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes everything but unreserved letters (and `keep`).
fn escape(text: &str, keep: &[u8]) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Header text with only the bytes a header may carry.
fn header_text(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).collect()
}

#[derive(Arbitrary, Debug)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
    Put,
    Options,
}

#[derive(Arbitrary, Debug)]
enum Route {
    Push,
    Remove,
    ChallengeSign,
    Challenge,
    Sign,
    UpdateSign,
    ChallengePush,
    VerifyPush,
    User,
    Authenticators,
    Authenticator,
    Track,
    Action,
    Validate,
    Demo,
    Raw,
}

#[derive(Arbitrary, Debug)]
enum Query {
    None,
    Key,
    KeyWait(u32),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Text {
    Challenge,
    EnrollToken,
    SignInToken,
    AuthenticatorId,
    Tenant,
    Secret,
    Key,
    /// The sign-in token with one byte changed.
    Mutated(u16, u8),
    Fuzzed(String),
}

#[derive(Arbitrary, Debug)]
enum Auth {
    None,
    Tenant,
    Secret,
    Basic(Text),
    Bearer(Text),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Body {
    None,
    Raw(Vec<u8>),
    Answer { challenge: Text, approved: bool, signed: bool, code: Option<String>, decline: Option<String> },
    Add { key: Text, platform: Option<String>, name: Option<String>, push_token: Option<String> },
    Start { action: String, authenticator: Option<Text> },
    Verify { challenge: Text, wait: Option<u32> },
    Validate { token: Text, action: Option<String>, user: Option<String> },
    Remove { signed_window: bool, window_offset: i8 },
    Update { challenge: Text, signed: Text, push_token: Option<String>, reset: Option<bool> },
    Track { fields: Vec<(String, String)>, scope: Option<String> },
    State(String),
}

#[derive(Arbitrary, Debug)]
struct Input {
    method: Method,
    route: Route,
    segment: Text,
    query: Query,
    auth: Auth,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Text {
    fn resolve(&self, w: &World) -> String {
        match self {
            Self::Challenge => w.challenge_id.clone(),
            Self::EnrollToken => w.enroll_token.clone(),
            Self::SignInToken => w.sign_in_token.clone(),
            Self::AuthenticatorId => w.authenticator_id.clone(),
            Self::Tenant => w.tenant_id.clone(),
            Self::Secret => w.secret_key.clone(),
            Self::Key => w.public.to_spki_base64(),
            Self::Mutated(at, byte) => {
                let mut bytes = w.sign_in_token.clone().into_bytes();
                let at = usize::from(*at) % bytes.len();
                bytes[at] = *byte;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Self::Fuzzed(text) => text.clone(),
        }
    }
}

fn body_of(body: &Body, w: &World) -> Vec<u8> {
    let value = match body {
        Body::None => return Vec::new(),
        Body::Raw(bytes) => return bytes.clone(),
        Body::Answer { challenge, approved, signed, code, decline } => {
            let id = challenge.resolve(w);
            let signature = if *signed { sign(&w.key, &id).to_base64() } else { id.clone() };
            json!({"challengeId": id, "publicKey": w.public.to_spki_base64(), "approved": approved,
                   "signature": signature, "verificationCode": code, "declineReason": decline})
        }
        Body::Add { key, platform, name, push_token } => json!({"publicKey": key.resolve(w),
            "devicePlatform": platform, "deviceName": name, "pushToken": push_token}),
        Body::Start { action, authenticator } => json!({"action": action,
            "userAuthenticatorId": authenticator.as_ref().map(|a| a.resolve(w))}),
        Body::Verify { challenge, wait } => json!({"challengeId": challenge.resolve(w), "wait": wait}),
        Body::Validate { token, action, user } => json!({"token": token.resolve(w), "action": action, "userId": user}),
        Body::Remove { signed_window, window_offset } => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let at = now.saturating_add_signed(i64::from(*window_offset) * 600);
            let message = time_window_message(at);
            let signature = if *signed_window { sign(&w.key, &message).to_base64() } else { message };
            json!({"publicKey": w.public.to_spki_base64(), "signature": signature})
        }
        Body::Update { challenge, signed, push_token, reset } => json!({
            "challengeId": challenge.resolve(w), "publicKey": w.public.to_spki_base64(),
            "signature": sign(&w.key, &signed.resolve(w)).to_base64(),
            "pushToken": push_token, "resetExpiry": reset}),
        Body::Track { fields, scope } => {
            let mut map: serde_json::Map<String, Value> =
                fields.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            if let Some(scope) = scope {
                map.insert("scope".to_owned(), Value::String(scope.clone()));
            }
            Value::Object(map)
        }
        Body::State(state) => json!({"state": state}),
    };
    serde_json::to_vec(&value).expect("JSON")
}

fuzz_target!(|input: Input| {
    let w = world();
    let segment = escape(&input.segment.resolve(w), b"");
    let push = "/v1/client/user-authenticators/push";
    let path = match input.route {
        Route::Push => push.to_owned(),
        Route::Remove => format!("{push}/remove"),
        Route::ChallengeSign => format!("{push}/challenge/sign"),
        Route::Challenge => format!("{push}/challenge"),
        Route::Sign => format!("{push}/sign"),
        Route::UpdateSign => format!("{push}/update/sign"),
        Route::ChallengePush => "/v1/client/challenge/push".to_owned(),
        Route::VerifyPush => "/v1/client/verify/push".to_owned(),
        Route::User => format!("/v1/users/{segment}"),
        Route::Authenticators => format!("/v1/users/{segment}/authenticators"),
        Route::Authenticator => format!("/v1/users/fuzz/authenticators/{segment}"),
        Route::Track => format!("/v1/users/{segment}/actions/signIn"),
        Route::Action => format!("/v1/users/fuzz/actions/signIn/{segment}"),
        Route::Validate => "/v1/validate".to_owned(),
        Route::Demo => format!("/demo/{segment}"),
        Route::Raw => format!("/{}", escape(&input.segment.resolve(w), b"/")),
    };
    let query = match &input.query {
        Query::None => String::new(),
        Query::Key => format!("?publicKey={}", w.public.to_query()),
        Query::KeyWait(wait) => format!("?publicKey={}&wait={wait}", w.public.to_query()),
        Query::Raw(text) => format!("?{}", escape(text, b"=&%")),
    };
    let method = match input.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Put => "PUT",
        Method::Options => "OPTIONS",
    };
    let mut headers: Vec<(String, String)> = input
        .headers
        .iter()
        .take(8)
        .filter_map(|(name, value)| {
            let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            let lower = name.to_ascii_lowercase();
            // The framing headers are ours.
            (!name.is_empty() && !matches!(lower.as_str(), "content-length" | "transfer-encoding" | "connection" | "host" | "expect" | "upgrade"))
                .then(|| (name, header_text(value)))
        })
        .collect();
    let secret = format!("Basic {}", base64_standard(format!("{}:", w.secret_key).as_bytes()));
    let auth = match &input.auth {
        Auth::None => None,
        Auth::Tenant => Some(tenant_basic_header(&w.tenant_id)),
        Auth::Secret => Some(secret),
        Auth::Basic(text) => Some(format!("Basic {}", base64_standard(format!("{}:", text.resolve(w)).as_bytes()))),
        Auth::Bearer(text) => Some(format!("Bearer {}", text.resolve(w))),
        Auth::Raw(text) => Some(text.clone()),
    };
    if let Some(auth) = auth {
        headers.push(("Authorization".to_owned(), header_text(&auth)));
    }
    headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    let body = body_of(&input.body, w);
    let target = format!("{path}{query}");
    let Some((status, answer)) =
        w.runtime.block_on(exchange(&w.router, method, &target, &headers, &body))
    else {
        return;
    };
    // 1. Never a server fault.
    assert!(status < 500, "{status} for {method} {target}: {}", String::from_utf8_lossy(&answer));
    // 2. Every refusal of the API and the demo carries the section-7 body (but the demo's
    //    static files' answers about a file that is there: a refused precondition or range).
    let static_file_answer = path.starts_with("/demo/") && matches!(status, 412 | 416);
    if (path.starts_with("/v1") || path.starts_with("/demo")) && status >= 400 && !static_file_answer {
        let parsed: Value = serde_json::from_slice(&answer)
            .unwrap_or_else(|_| panic!("{status} without JSON for {method} {target}: {:?}", String::from_utf8_lossy(&answer)));
        assert!(parsed["error"].is_string(), "{status} without `error` for {method} {target}: {parsed}");
    }
});
