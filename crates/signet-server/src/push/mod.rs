//! Wake-ups (docs/protocol.md 8.6): telling a sleeping device that a challenge waits for it.

pub mod wake;
