//! Wake-ups (docs/protocol.md 8.6): telling a sleeping device that a challenge waits for it.

pub mod apns;
pub mod fcm;
pub mod gateway;
pub mod platform;
pub mod provider;
pub mod wake;
