//! The demo's `/api` routes are limited per client address, on a real push server serving the
//! demo (loopback, real SQLite): a script cannot walk through user ids or flood a user's
//! device with prompts.

mod common;

use std::time::Duration;

use common::Demo;
use serde_json::json;
use signet_demo::RateLimit;
use signet_server::Config;

#[tokio::test]
async fn requests_past_the_limit_of_one_address_get_429_with_retry_after_in_the_demos_words() {
    let demo = Demo::start_with(Config::default(), |config| {
        config.rate_limit = RateLimit {
            requests: 5,
            window: Duration::from_secs(60),
        };
    })
    .await;
    // Five requests of any kind are answered...
    for n in 0..5 {
        let answer = if n % 2 == 0 {
            demo.post(
                "/demo/api/enroll",
                &json!({ "userId": format!("user-{n}") }),
            )
            .await
        } else {
            demo.get("/demo/api/config").await
        };
        assert_eq!(answer.status.as_u16(), 200, "request {n}: {}", answer.text);
    }
    // ...the sixth and later are refused, on every route, without reaching the push server.
    for (path, body) in [
        ("/demo/api/enroll", Some(json!({ "userId": "victim" }))),
        ("/demo/api/sign-in", Some(json!({ "userId": "victim" }))),
        ("/demo/api/config", None),
    ] {
        let answer = match &body {
            Some(body) => demo.post(path, body).await,
            None => demo.get(path).await,
        };
        let said = answer.refused(429, "rate_limited");
        assert!(said.contains("Too many requests to the demo"), "{said}");
        let retry_after: u64 = answer.headers["retry-after"]
            .to_str()
            .expect("ASCII")
            .parse()
            .expect("seconds");
        assert!(
            (1..=60).contains(&retry_after),
            "Retry-After: {retry_after}"
        );
        assert!(said.contains(&format!("{retry_after} seconds")), "{said}");
    }
    // The victim's sign-ins were never tracked: the push server saw 3 enrollments only.
    assert_eq!(demo.server.requests_received(), 3 * 2);
    // The page itself and the API of the push server are not counted.
    assert_ne!(demo.get("/demo/").await.status.as_u16(), 429);
    let api = demo
        .http
        .get(demo.url("/v1/users/victim"))
        .send()
        .await
        .expect("answered");
    assert_eq!(api.status().as_u16(), 401);
}

#[tokio::test]
async fn the_default_limit_lets_a_person_use_the_demo() {
    let demo = Demo::start().await;
    for _ in 0..RateLimit::default().requests {
        assert_eq!(demo.get("/demo/api/config").await.status.as_u16(), 200);
    }
    demo.get("/demo/api/config")
        .await
        .refused(429, "rate_limited");
}
