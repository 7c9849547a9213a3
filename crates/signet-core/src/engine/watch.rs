//! Watching one account for challenges, one step at a time: long-poll (protocol 8.2) with
//! fallback to interval polling, backoff with jitter while the server is unreachable.
//!
//! [`Watcher::step`] does one request and says what happened and how long to wait before the
//! next step; it never sleeps, so tests drive it step by step. [`Engine::run`](super::Engine::run)
//! is the loop that sleeps.

use std::time::{Duration, Instant};

use rand::Rng as _;
use serde::Serialize;
use signet_protocol::ErrorCode;

use super::{Challenge, Engine};
use crate::accounts::AccountId;
use crate::history::Outcome;

/// How and when a challenge left the pending set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// The challenge.
    pub challenge_id: String,
    /// Its account.
    pub account_id: AccountId,
    /// How it ended.
    pub outcome: Outcome,
    /// When (Unix seconds, the engine's clock).
    pub at: u64,
}

/// Timing of the watch loop.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The `wait` asked of a long-poll (the protocol caps it at 60 s).
    pub long_poll_wait: Duration,
    /// The pause between polls when the server does not hold requests, and while a known
    /// challenge is still pending.
    pub poll_interval: Duration,
    /// The first pause after a network error; doubled each time, with jitter.
    pub backoff_initial: Duration,
    /// The longest pause after errors.
    pub backoff_max: Duration,
    /// The longest pause between two renewals of the credentials' leases (3.6b
    /// `resetExpiry`); shorter when a lease ends sooner (see
    /// [`next_renewal`](super::next_renewal)).
    pub lease_renewal: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            long_poll_wait: Duration::from_secs(60),
            poll_interval: Duration::from_secs(3),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            lease_renewal: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// How challenges reach the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Delivery {
    /// The server holds each request until a challenge is pending (8.2).
    LongPoll,
    /// The server answers at once; the device asks every `poll_interval`.
    Polling,
}

/// Something the shell shows or reacts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// A new challenge is pending: show the approval sheet. Sent once per challenge.
    #[serde(rename_all = "camelCase")]
    ChallengeReceived {
        /// The challenge.
        challenge: Challenge,
    },
    /// A challenge left the pending set (answered here or on another device, expired,
    /// refused by the server): close its sheet. Sent once per challenge, by
    /// [`Engine::run`](super::Engine::run) from [`Engine::resolutions`](super::Engine::resolutions).
    #[serde(rename_all = "camelCase")]
    ChallengeResolved {
        /// How and when.
        resolution: Resolution,
    },
    /// The server stopped answering for this account (sent once until it answers again).
    #[serde(rename_all = "camelCase")]
    ConnectionLost {
        /// The account.
        account_id: AccountId,
        /// What went wrong, for people.
        error: String,
    },
    /// The server answers: the first time after start, or again after an outage.
    #[serde(rename_all = "camelCase")]
    ConnectionRestored {
        /// The account.
        account_id: AccountId,
    },
    /// The delivery mode changed (the server does not hold requests: polling from now on).
    #[serde(rename_all = "camelCase")]
    DeliveryChanged {
        /// The account.
        account_id: AccountId,
        /// The new mode.
        delivery: Delivery,
    },
    /// The server no longer knows this account's credential (`invalid_credential`: removed
    /// on the server, or its lease ended): it needs to be enrolled again.
    #[serde(rename_all = "camelCase")]
    NeedsEnrollment {
        /// The account.
        account_id: AccountId,
    },
    /// The server refuses this account for another reason.
    #[serde(rename_all = "camelCase")]
    AccountProblem {
        /// The account.
        account_id: AccountId,
        /// The protocol's error code, when there is one.
        error_code: Option<ErrorCode>,
        /// What went wrong, for people.
        error: String,
    },
}

/// The outcome of one [`Watcher::step`].
#[derive(Debug)]
pub struct Step {
    /// What happened, in order.
    pub events: Vec<Event>,
    /// How long to wait before the next step.
    pub next_delay: Duration,
    /// True when the account is gone: stop watching it.
    pub stop: bool,
}

/// The watch state of one account.
#[derive(Debug)]
pub struct Watcher {
    account: AccountId,
    delivery: Delivery,
    failures: u32,
    lost: bool,
    reached: bool,
}

impl Watcher {
    /// Starts watching `account`, trying long-poll first.
    pub fn new(account: AccountId) -> Self {
        Self {
            account,
            delivery: Delivery::LongPoll,
            failures: 0,
            lost: false,
            reached: false,
        }
    }

    /// The current delivery mode.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// Whether the last step failed to reach the server.
    pub fn is_disconnected(&self) -> bool {
        self.lost
    }

    /// One request to the server (a long-poll, or one poll), and what follows from it.
    pub async fn step(&mut self, engine: &Engine) -> Step {
        let options = engine.watch_options();
        let mut events = Vec::new();
        // 1. Stop when the account is gone.
        let Some(account) = engine.account(&self.account) else {
            return Step {
                events,
                next_delay: Duration::ZERO,
                stop: true,
            };
        };
        // 2. Expire what the clock says is over (reported through `Engine::resolutions`).
        engine.prune_expired();
        // 3. Ask: long-poll with `wait`, or a plain poll. The first request after start or
        //    after an outage does not wait, so the connection is known at once rather than
        //    when a long-poll ends; nor does one while a challenge waits for the user, since
        //    the server holds a long-poll until something is pending and would keep a
        //    challenge answered on another device on screen until the wait ends.
        let wait = (self.delivery == Delivery::LongPoll
            && self.reached
            && !self.lost
            && !engine.is_waiting(&self.account))
        .then_some(options.long_poll_wait);
        let started = Instant::now();
        let result = engine.fetch(&account, wait).await;
        let elapsed = started.elapsed();
        // A challenge that expired while the request was held is reported now.
        engine.prune_expired();
        let next_delay = match result {
            Ok(fetched) => {
                // The first answer after start, or after an outage.
                if self.lost || !self.reached {
                    events.push(Event::ConnectionRestored {
                        account_id: self.account.clone(),
                    });
                }
                self.lost = false;
                self.reached = true;
                self.failures = 0;
                match fetched {
                    // 4a. A new challenge: tell the shell; ask again at once (long-poll).
                    Fetched::New(challenge) => {
                        events.push(Event::ChallengeReceived { challenge });
                        self.pause_after_answer(&options)
                    }
                    // 4b. The same challenge again (the server returns the oldest pending
                    // one at once): no second prompt, and no tight loop.
                    Fetched::Known => options.poll_interval,
                    // 4c. Nothing pending. An immediate "nothing" despite `wait` means the
                    // server does not hold requests: fall back to interval polling.
                    Fetched::Nothing => {
                        if let Some(wait) = wait
                            && elapsed < wait / 2
                        {
                            self.delivery = Delivery::Polling;
                            events.push(Event::DeliveryChanged {
                                account_id: self.account.clone(),
                                delivery: Delivery::Polling,
                            });
                        }
                        self.pause_after_answer(&options)
                    }
                }
            }
            // 5. The server is unreachable or overloaded: back off, say so once.
            Err(error) if error.is_transient() => {
                self.failures = self.failures.saturating_add(1);
                if !self.lost {
                    events.push(Event::ConnectionLost {
                        account_id: self.account.clone(),
                        error: error.to_string(),
                    });
                }
                self.lost = true;
                backoff(&options, self.failures)
            }
            // 6. The server no longer knows the credential: it needs enrolling again. Asked
            //    again only rarely (an enrollment of the same key brings it back).
            Err(error) if error.is_credential_lost() => {
                events.push(Event::NeedsEnrollment {
                    account_id: self.account.clone(),
                });
                options.backoff_max
            }
            // 7. The server refuses the account otherwise: report, and ask again only rarely.
            Err(error) => {
                events.push(Event::AccountProblem {
                    account_id: self.account.clone(),
                    error_code: error.error_code(),
                    error: error.to_string(),
                });
                options.backoff_max
            }
        };
        Step {
            events,
            next_delay,
            stop: false,
        }
    }

    /// The pause after a successful answer: none for long-poll (the server holds the next
    /// request), the interval for polling.
    fn pause_after_answer(&self, options: &WatchOptions) -> Duration {
        match self.delivery {
            Delivery::LongPoll => Duration::ZERO,
            Delivery::Polling => options.poll_interval,
        }
    }
}

/// What one fetch found.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// A challenge not seen before (now in the pending set).
    New(Challenge),
    /// A challenge already pending or answered.
    Known,
    /// No challenge pending.
    Nothing,
}

/// Exponential backoff with jitter: `initial * 2^(failures-1)`, capped, times a random factor
/// in [0.5, 1].
pub fn backoff(options: &WatchOptions, failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let base = options
        .backoff_initial
        .saturating_mul(1_u32 << exponent)
        .min(options.backoff_max);
    base.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}
