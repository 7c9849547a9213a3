//! In-process wake-ups for long-poll (protocol 8.2): a handler that waits subscribes to a key,
//! then checks the database; whoever changes state for that key notifies it afterwards.
//! Nothing re-reads the database on a timer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

/// What a waiter waits for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A new challenge for this user (tenant id, user id).
    User(String, String),
    /// A change to this challenge (answered).
    Challenge(String),
}

/// The registry of topics with waiters.
#[derive(Debug, Default)]
pub struct Notifier {
    topics: Mutex<HashMap<Topic, watch::Sender<u64>>>,
    /// Authenticators with a long-poll open (3.4 with `wait`), and how many each.
    listening: Arc<Mutex<HashMap<String, usize>>>,
}

/// An open long-poll of one authenticator, counted while this lives.
#[derive(Debug)]
pub struct Listening {
    authenticator_id: String,
    listening: Arc<Mutex<HashMap<String, usize>>>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let mut listening = self
            .listening
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = listening.get_mut(&self.authenticator_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                listening.remove(&self.authenticator_id);
            }
        }
    }
}

impl Notifier {
    /// Subscribes to `topic`. Subscribe before reading the state, then wait on the receiver's
    /// `changed()`: a change made after the subscription is never missed.
    pub fn subscribe(&self, topic: Topic) -> watch::Receiver<u64> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget topics nobody waits for any more, so the map stays small.
        if topics.len() > 64 {
            topics.retain(|_, sender| sender.receiver_count() > 0);
        }
        topics
            .entry(topic)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// How many requests are subscribed (waiting in a long-poll, or about to) right now.
    pub fn waiting(&self) -> usize {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics.values().map(watch::Sender::receiver_count).sum()
    }

    /// Marks that `authenticator_id` holds a long-poll open until the guard is dropped: a
    /// challenge created meanwhile reaches it without a wake-up (docs/protocol.md 8.6).
    pub fn listen(&self, authenticator_id: &str) -> Listening {
        let mut listening = self
            .listening
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *listening.entry(authenticator_id.to_owned()).or_default() += 1;
        Listening {
            authenticator_id: authenticator_id.to_owned(),
            listening: Arc::clone(&self.listening),
        }
    }

    /// Whether `authenticator_id` holds a long-poll open right now.
    pub fn is_listening(&self, authenticator_id: &str) -> bool {
        self.listening
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(authenticator_id)
    }

    /// Wakes every waiter of `topic`.
    pub fn notify(&self, topic: &Topic) {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = topics.get(topic) {
            sender.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
    }
}
