//! Wake-ups for long-poll (protocol 8.2): a handler that waits subscribes to a topic, then
//! checks the database; whoever changes state for that topic notifies it afterwards.
//!
//! Inside one server a notification wakes the topic's waiters at once. On PostgreSQL the
//! notifier also hands it to the `fanout`, which wakes the same topic on every other server
//! of the database; there, and only there, waiters are also woken now and then to re-read
//! (after a lost subscription, and as a periodic safety net). A waiter woken for nothing
//! re-reads, finds nothing new and waits again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest as _, Sha256};
use tokio::sync::watch;

use crate::fanout::{Change, Outbox};

/// What a waiter waits for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A new challenge for this user (tenant id, user id).
    User(String, String),
    /// A change to this challenge (answered).
    Challenge(String),
}

/// A topic's name as servers exchange it: the first 16 bytes of a SHA-256 of the topic, so
/// what travels between servers carries no user id. Two topics sharing one (2^-128) would
/// only wake each other's waiters for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TopicKey(pub(crate) [u8; 16]);

impl TopicKey {
    /// The key of these parts (each length-prefixed, so no two lists of parts collide by
    /// concatenation).
    pub(crate) fn of(parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let digest = hash.finalize();
        let mut key = [0; 16];
        key.copy_from_slice(&digest[..16]);
        Self(key)
    }
}

impl Topic {
    /// The topic's key.
    pub(crate) fn key(&self) -> TopicKey {
        match self {
            Self::User(tenant_id, user_id) => TopicKey::of(&["user", tenant_id, user_id]),
            Self::Challenge(challenge_id) => TopicKey::of(&["challenge", challenge_id]),
        }
    }
}

/// The registry of topics with waiters.
#[derive(Debug, Default)]
pub struct Notifier {
    topics: Mutex<HashMap<TopicKey, watch::Sender<u64>>>,
    /// Authenticators with a long-poll open (3.4 with `wait`) on this server, and how many
    /// each.
    listening: Arc<Mutex<HashMap<String, usize>>>,
    /// Where notifications go to reach the other servers (PostgreSQL only).
    outbox: Option<Outbox>,
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
    /// A notifier that also hands every notification to `outbox` (for the other servers).
    pub(crate) fn with_outbox(outbox: Outbox) -> Self {
        Self {
            outbox: Some(outbox),
            ..Self::default()
        }
    }

    /// Subscribes to `topic`. Subscribe before reading the state, then wait on the receiver's
    /// `changed()`: a change made after the subscription is never missed.
    pub fn subscribe(&self, topic: &Topic) -> watch::Receiver<u64> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget topics nobody waits for any more, so the map stays small.
        if topics.len() > 64 {
            topics.retain(|_, sender| sender.receiver_count() > 0);
        }
        topics
            .entry(topic.key())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// How many requests are subscribed (waiting in a long-poll, or about to) right now.
    pub fn waiting(&self) -> usize {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics.values().map(watch::Sender::receiver_count).sum()
    }

    /// Marks that `authenticator_id` holds a long-poll open until the guard is dropped: a
    /// challenge created meanwhile through this server reaches it without a wake-up
    /// (docs/protocol.md 8.6).
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

    /// Whether `authenticator_id` holds a long-poll open on this server right now.
    pub fn is_listening(&self, authenticator_id: &str) -> bool {
        self.listening
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(authenticator_id)
    }

    /// Wakes every waiter of `topic`, here and (on PostgreSQL) on the other servers. Call it
    /// after the change is committed.
    pub fn notify(&self, topic: &Topic) {
        let key = topic.key();
        self.wake(key);
        if let Some(outbox) = &self.outbox {
            outbox.send(Change::Wake(key));
        }
    }

    /// Wakes this server's waiters of the topic with this key (a notification from another
    /// server).
    pub(crate) fn wake(&self, key: TopicKey) {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = topics.get(&key) {
            sender.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
    }

    /// Wakes every waiter of this server once, to re-read the database (after notifications
    /// from other servers may have been missed).
    pub(crate) fn wake_all(&self) {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics.retain(|_, sender| sender.receiver_count() > 0);
        for sender in topics.values() {
            sender.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_keys_differ_by_kind_and_by_where_the_parts_split() {
        let user = Topic::User("t".to_owned(), "ab".to_owned()).key();
        assert_ne!(user, Topic::User("ta".to_owned(), "b".to_owned()).key());
        assert_ne!(user, Topic::Challenge("ab".to_owned()).key());
        assert_eq!(user, Topic::User("t".to_owned(), "ab".to_owned()).key());
    }

    #[tokio::test]
    async fn a_wake_by_key_and_a_wake_of_everyone_reach_a_subscriber() {
        let notifier = Notifier::default();
        let topic = Topic::Challenge("c1".to_owned());
        let mut receiver = notifier.subscribe(&topic);
        notifier.wake(Topic::Challenge("other".to_owned()).key());
        assert!(!receiver.has_changed().expect("open"));
        notifier.wake(topic.key());
        assert!(receiver.has_changed().expect("open"));
        receiver.borrow_and_update();
        notifier.wake_all();
        assert!(receiver.has_changed().expect("open"));
    }
}
