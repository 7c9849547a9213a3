//! PostgreSQL going away under a running server: requests get `503 storage_unavailable`
//! (never a 500), and the server recovers by itself once the database is back. Needs a
//! PostgreSQL server in `SIGNET_TEST_POSTGRES_URL` (scripts/test runs it with one); it
//! cuts every other connection of that server's database, so it is the only test here.

#![allow(missing_docs)]

mod common;

use common::Harness;
use reqwest::StatusCode;
use signet_server::Database;
use sqlx::Connection as _;

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn connections_cut_by_postgres_give_503_then_the_server_recovers_without_a_restart() {
    let h = Harness::start().await;
    let Database::Postgres(url) = &h.server.database else {
        panic!("this test needs SIGNET_TEST_POSTGRES_URL");
    };
    let users = || async {
        h.http()
            .get(h.url("/users/ada"))
            .header("authorization", h.secret_auth())
            .send()
            .await
            .expect("response")
    };
    // Warm the pool: several requests at once, each on a connection of its own.
    let mut warm = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (http, url, auth) = (h.http().clone(), h.url("/users/ada"), h.secret_auth());
        warm.spawn(async move {
            let response = http.get(url).header("authorization", auth).send().await;
            response.expect("response").status()
        });
    }
    while let Some(status) = warm.join_next().await {
        assert_eq!(status.expect("task"), StatusCode::OK);
    }
    // 1. PostgreSQL ends every connection but the one doing it (as a restart would).
    let mut admin = sqlx::PgConnection::connect(url).await.expect("admin");
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .expect("terminated");
    assert!(!cut.is_empty(), "the server held no connection to cut");
    // 2. Requests on cut connections get 503 storage_unavailable; the server drops those
    //    connections and opens new ones, so it answers 200 again without a restart.
    let mut unavailable = 0;
    let mut recovered = false;
    for _ in 0..40 {
        let response = users().await;
        match response.status() {
            StatusCode::OK => {
                recovered = true;
                break;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                let body: serde_json::Value = response.json().await.expect("json");
                assert_eq!(body["error"], "storage_unavailable", "{body}");
                unavailable += 1;
            }
            other => panic!("a cut connection must give 503, not {other}"),
        }
    }
    assert!(
        recovered,
        "still failing after {unavailable} answers of 503"
    );
    assert!(unavailable > 0, "no request noticed the cut connections");
}
