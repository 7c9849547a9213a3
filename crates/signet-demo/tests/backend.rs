//! The relying-party demo's backend routes on a real push server (loopback, real SQLite): bad
//! input gets a clear section-7 refusal and never a 500; good input reaches the server API.

#![allow(missing_docs)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Demo, answer};
use reqwest::StatusCode;
use serde_json::json;
use signet_demo::DemoConfig;
use signet_protocol::EnrollmentLink;
use signet_server::Config;
use url::Url;

const POST_ROUTES: [&str; 5] = [
    "/demo/api/enroll",
    "/demo/api/devices",
    "/demo/api/sign-in",
    "/demo/api/payment",
    "/demo/api/validate",
];

#[tokio::test]
async fn malformed_bodies_are_refused_in_words_on_every_route() {
    let demo = Demo::start().await;
    for route in POST_ROUTES {
        let bodies: [(&str, &str); 5] = [
            ("", "no body"),
            ("{", "not valid JSON"),
            ("[1, 2]", "wrong fields"),
            (r#"{"userId": 5, "token": 5}"#, "wrong fields"),
            ("null", "wrong fields"),
        ];
        for (body, words) in bodies {
            let answer = demo.post_raw(route, body).await;
            let said = answer.refused(400, "invalid_request");
            assert!(
                said.contains(words),
                "{route} {body:?}: {said:?} does not say {words:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_as_too_large() {
    let demo = Demo::start().await;
    let huge = json!({ "userId": "a".repeat(20_000) });
    for route in POST_ROUTES {
        let answer = demo.post(route, &huge).await;
        let said = answer.refused(413, "invalid_request");
        assert!(said.contains("larger than"), "{said}");
    }
}

#[tokio::test]
async fn blank_long_or_control_character_user_ids_are_refused() {
    let demo = Demo::start().await;
    let cases = [
        (json!(""), "Enter a user id."),
        (json!("   "), "Enter a user id."),
        (json!("a".repeat(129)), "at most 128 characters"),
        (json!("alice\nbob"), "without control characters"),
    ];
    for route in [
        "/demo/api/enroll",
        "/demo/api/devices",
        "/demo/api/sign-in",
        "/demo/api/payment",
    ] {
        for (user_id, words) in &cases {
            let body =
                json!({ "userId": user_id, "amount": "1.00 EUR", "merchant": "Corner Coffee" });
            let answer = demo.post(route, &body).await;
            let said = answer.refused(400, "invalid_request");
            assert!(said.contains(words), "{route}: {said:?}");
        }
    }
}

#[tokio::test]
async fn a_payment_needs_an_amount_and_a_merchant() {
    let demo = Demo::start().await;
    let cases = [
        (json!({ "userId": "alice", "merchant": "Shop" }), "amount"),
        (
            json!({ "userId": "alice", "amount": " ", "merchant": "Shop" }),
            "Enter an amount for the payment.",
        ),
        (
            json!({ "userId": "alice", "amount": "1 EUR", "merchant": "" }),
            "Enter a merchant for the payment.",
        ),
        (
            json!({ "userId": "alice", "amount": "9".repeat(33), "merchant": "Shop" }),
            "at most 32 characters",
        ),
    ];
    for (body, words) in cases {
        let answer = demo.post("/demo/api/payment", &body).await;
        let said = answer.refused(400, "invalid_request");
        assert!(said.contains(words), "{said:?}");
    }
}

#[tokio::test]
async fn validate_refuses_a_missing_token_an_unknown_action_and_a_forged_token() {
    let demo = Demo::start().await;
    let blank = demo
        .post("/demo/api/validate", &json!({ "token": "  " }))
        .await;
    assert!(blank.refused(400, "invalid_request").contains("token"));
    let action = demo
        .post(
            "/demo/api/validate",
            &json!({ "token": "abc", "action": "deleteEverything" }),
        )
        .await;
    assert!(
        action
            .refused(400, "invalid_request")
            .contains("The action must be")
    );
    let forged = demo
        .post(
            "/demo/api/validate",
            &json!({ "token": "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "userId": "alice" }),
        )
        .await;
    assert!(
        forged
            .refused(400, "invalid_request")
            .contains("did not accept the token")
    );
}

#[tokio::test]
async fn unknown_demo_routes_and_wrong_methods_get_the_error_shape() {
    let demo = Demo::start().await;
    demo.get("/demo/api/nothing-here")
        .await
        .refused(404, "invalid_request");
    demo.get("/demo/api/enroll")
        .await
        .refused(405, "invalid_request");
    demo.post("/demo/api/config", &json!({}))
        .await
        .refused(405, "invalid_request");
}

#[tokio::test]
async fn enrolling_gives_a_link_the_device_can_read_for_this_server() {
    let demo = Demo::start().await;
    let answer = demo
        .post(
            "/demo/api/enroll",
            &json!({ "userId": " alice@example.com " }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["userId"], "alice@example.com");
    let link = EnrollmentLink::parse(answer.body["link"].as_str().unwrap()).unwrap();
    assert_eq!(link.base_url.as_str(), demo.server.base_url);
    assert_eq!(link.tenant_id, demo.server.tenant_id);
    assert_eq!(link.user.as_deref(), Some("alice@example.com"));
    assert_eq!(link.issuer.as_deref(), Some("Signet demo"));
    assert!(answer.body["expiresAt"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(answer.body["devices"], 0);
}

#[tokio::test]
async fn signing_in_without_a_device_says_so_and_gives_no_token() {
    let demo = Demo::start().await;
    for (route, body) in [
        ("/demo/api/sign-in", json!({ "userId": "nobody" })),
        (
            "/demo/api/payment",
            json!({ "userId": "nobody", "amount": "5 EUR", "merchant": "Shop", "numberMatching": true }),
        ),
    ] {
        let answer = demo.post(route, &body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        assert_eq!(answer.body["isEnrolled"], false);
        assert!(answer.body.get("token").is_none(), "{}", answer.text);
    }
}

#[tokio::test]
async fn the_config_tells_the_page_the_tenant_and_the_challenge_lifetime() {
    let mut config = Config::default();
    config.tenant_settings.challenge_lifetime = Duration::from_secs(7);
    let demo = Demo::start_with(config, |_| {}).await;
    let answer = demo.get("/demo/api/config").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["tenantId"], demo.server.tenant_id.as_str());
    assert_eq!(answer.body["baseUrl"], "/v1");
    assert_eq!(answer.body["challengeLifetimeSeconds"], 7);
}

#[tokio::test]
async fn a_missing_build_gets_a_page_saying_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let demo = Demo::start_with(Config::default(), |config| {
        config.dist_dir = empty.path().to_path_buf();
    })
    .await;
    for path in ["/demo", "/demo/"] {
        let answer = demo.get(path).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(answer.text.contains("npm run build"), "{}", answer.text);
    }
}

#[tokio::test]
async fn the_built_page_is_served_at_both_demo_addresses() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<title>built</title>").unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("assets/app.js"), "export {};").unwrap();
    let demo = Demo::start_with(Config::default(), |config| {
        config.dist_dir = dist.path().to_path_buf();
    })
    .await;
    for path in ["/demo", "/demo/"] {
        let answer = demo.get(path).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.text, "<title>built</title>");
    }
    let script = demo.get("/demo/assets/app.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(script.text, "export {};");
}

#[tokio::test]
async fn a_push_server_that_cannot_be_reached_is_a_502_in_words() {
    // A real loopback port that nothing listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let api = Url::parse(&format!("http://{closed_addr}/v1")).unwrap();
    let config = DemoConfig::new(api, "tenant", "secret");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, signet_demo::router(config)).await });
    let http = reqwest::Client::new();
    let response = http
        .post(format!("http://{addr}/demo/api/sign-in"))
        .json(&json!({ "userId": "alice" }))
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;
    let said = answer.refused(502, "push_server_unavailable");
    assert!(said.contains("could not reach the push server"), "{said}");
    assert!(!said.contains("secret"), "{said}");
}

#[tokio::test]
async fn the_devices_route_counts_a_device_enrolled_with_the_link() {
    let demo = Demo::start().await;
    let before = demo
        .post("/demo/api/devices", &json!({ "userId": "ada" }))
        .await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert_eq!(before.body["devices"], 0);
    let enrolled = demo
        .post("/demo/api/enroll", &json!({ "userId": "ada" }))
        .await;
    let link = EnrollmentLink::parse(enrolled.body["link"].as_str().unwrap()).unwrap();
    // The device's side of section 3.1, with a real P-256 key.
    let key = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let public = signet_protocol::PublicKey::from(key.verifying_key());
    let added = demo
        .http
        .post(format!(
            "{}/client/user-authenticators/push",
            demo.server.base_url
        ))
        .bearer_auth(&link.token)
        .json(&json!({ "publicKey": public.to_spki_base64(), "devicePlatform": "linux" }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let after = demo
        .post("/demo/api/devices", &json!({ "userId": "ada" }))
        .await;
    assert_eq!(after.body["devices"], 1, "{}", after.text);
    let again = demo
        .post("/demo/api/enroll", &json!({ "userId": "ada" }))
        .await;
    assert_eq!(again.body["devices"], 1, "{}", again.text);
}
