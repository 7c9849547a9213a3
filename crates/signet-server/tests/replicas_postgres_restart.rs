//! PostgreSQL restarted under two loaded servers: while it is down, requests get `503
//! storage_unavailable` (never a 500, never a dropped connection), and once it is back both
//! servers complete sign-ins again, across each other, without being restarted. Needs the
//! PostgreSQL server of scripts/with-postgres (`SIGNET_TEST_POSTGRES_URL` and
//! `SIGNET_TEST_POSTGRES_CTL`); it stops the whole cluster, so it is the only test here.

#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::Device;
use common::replica::{Outcome, Replica, shared_database, sign_in};
use reqwest::StatusCode;

/// Runs `scripts/with-postgres`'s control script: `stop` or `start`.
fn postgres(command: &str) {
    let ctl = std::env::var("SIGNET_TEST_POSTGRES_CTL")
        .expect("SIGNET_TEST_POSTGRES_CTL is not set: run this test with scripts/with-postgres");
    let status = std::process::Command::new(ctl)
        .arg(command)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the control script runs");
    assert!(status.success(), "PostgreSQL {command}: {status}");
}

/// Waits until `counter` reaches `count`.
async fn until(counter: &AtomicUsize, count: usize, what: &str) {
    tokio::time::timeout(Duration::from_secs(60), async {
        while counter.load(Ordering::Relaxed) < count {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}"));
}

#[tokio::test]
#[ignore = "needs the PostgreSQL server of scripts/with-postgres; scripts/test runs it with one"]
async fn postgres_restarted_under_load_gives_503_then_both_servers_recover_without_a_restart() {
    const WORKERS: usize = 4;
    let db = shared_database().await;
    let a = Replica::for_load(&db).await;
    let b = Replica::for_load(&db).await;
    let stop = Arc::new(AtomicBool::new(false));
    let approved = Arc::new(AtomicUsize::new(0));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let user = format!("user-{worker}");
        let device = Device::enrolled(&a.rp, &user).await;
        let (a_rp, a_api, b_rp, b_api) = (a.rp.clone(), a.api.clone(), b.rp.clone(), b.api.clone());
        let (stop, approved, unavailable) = (
            Arc::clone(&stop),
            Arc::clone(&approved),
            Arc::clone(&unavailable),
        );
        workers.spawn(async move {
            let mut round = worker;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let (front, back) = if round % 2 == 0 {
                    (&a_rp, &b_api)
                } else {
                    (&b_rp, &a_api)
                };
                match sign_in(front, back, &device, &user).await {
                    Outcome::Approved(_) => {
                        approved.fetch_add(1, Ordering::Relaxed);
                    }
                    Outcome::Refused(answer) => {
                        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
                            assert_eq!(
                                answer.body["error"], "storage_unavailable",
                                "{}",
                                answer.body
                            );
                            unavailable.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        } else {
                            // A sign-in cut by the outage may find its challenge gone
                            // or answered: a 4xx, never a server error.
                            assert!(
                                answer.status.is_client_error(),
                                "{} {}",
                                answer.status,
                                answer.body
                            );
                        }
                    }
                    Outcome::Unanswered(error) => panic!("a server did not answer: {error}"),
                }
            }
        });
    }
    until(&approved, 10, "sign-ins succeed before the restart").await;
    // 1. PostgreSQL stops (fast: every connection is cut): requests get 503.
    postgres("stop");
    until(&unavailable, 5, "no 503 while PostgreSQL is down").await;
    // 2. It starts again: both servers, as they are, complete sign-ins again.
    postgres("start");
    let after = approved.load(Ordering::Relaxed);
    until(&approved, after + 20, "the servers do not recover").await;
    stop.store(true, Ordering::Relaxed);
    while let Some(done) = workers.join_next().await {
        done.expect("worker");
    }
    // Each server on its own, too.
    for (rp, api) in [(&a.rp, &a.api), (&b.rp, &b.api)] {
        let device = Device::enrolled(rp, "after").await;
        assert!(matches!(
            sign_in(rp, api, &device, "after").await,
            Outcome::Approved(_)
        ));
    }
}
