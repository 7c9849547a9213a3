//! The domain rules of the store, as pure functions: what an answer does to a challenge and
//! its action, when a limit refuses a request, when a track token may enroll a key. The
//! store methods read the facts in their transaction and ask these functions what to do.

use signet_protocol::{ActionState, DeclineReason};

use crate::Error;
use crate::config::{RateLimits, duration_ms};
use crate::token::SCOPE_ADD_AUTHENTICATORS;

/// What an answer does: whether it succeeds, the action's new state, and the decline reason
/// recorded (8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// The answer approved and, with number matching, the code matched.
    pub(crate) succeeded: bool,
    /// The action's state after it.
    pub(crate) state: ActionState,
    /// `notMe` or `mistake` for a denial that gave a reason.
    pub(crate) decline_reason: Option<&'static str>,
}

impl Outcome {
    /// The action's `output` for this outcome (`{"declineReason": ...}`), as JSON text.
    pub(crate) fn output(&self) -> Option<String> {
        self.decline_reason
            .map(|reason| serde_json::json!({ "declineReason": reason }).to_string())
    }
}

/// Number matching (8.3): approving needs the right code (surrounding blanks ignored); a
/// challenge without a code needs none.
pub(crate) fn code_matches(expected: Option<&str>, typed: Option<&str>) -> bool {
    match expected {
        None => true,
        Some(expected) => typed.map(str::trim) == Some(expected),
    }
}

/// The stored decline reason of an answer (8.4): none for an approval; `notMe` for "it
/// wasn't me", `mistake` for any other reason given.
pub(crate) fn decline_reason(
    approved: bool,
    reason: Option<DeclineReason>,
) -> Option<&'static str> {
    if approved {
        return None;
    }
    reason.map(|reason| match reason {
        DeclineReason::NotMe => "notMe",
        _ => "mistake",
    })
}

/// What an answer (`approved`, the typed code, the reason) does to a challenge that expects
/// `expected_code`: a wrong or missing code fails an approval.
pub(crate) fn outcome(
    expected_code: Option<&str>,
    approved: bool,
    typed_code: Option<&str>,
    reason: Option<DeclineReason>,
) -> Outcome {
    let succeeded = approved && code_matches(expected_code, typed_code);
    Outcome {
        succeeded,
        state: if succeeded {
            ActionState::ChallengeSucceeded
        } else {
            ActionState::ChallengeFailed
        },
        decline_reason: decline_reason(approved, reason),
    }
}

/// Whether a challenge found for its authenticator can still be answered at `now`.
pub(crate) fn check_answerable(
    answered_at: Option<i64>,
    expires_at: i64,
    now: i64,
) -> Result<(), Error> {
    if answered_at.is_some() {
        return Err(Error::ChallengeAlreadyAnswered);
    }
    if expires_at <= now {
        return Err(Error::ChallengeExpired);
    }
    Ok(())
}

/// A user's challenges as the push-fatigue limits see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChallengeCounts {
    /// Unanswered and unexpired.
    pub(crate) open: i64,
    /// Created within the limits' window.
    pub(crate) recent: i64,
    /// When the last "it wasn't me" decline was answered.
    pub(crate) last_not_me: Option<i64>,
}

/// Whether the push-fatigue limits let a new challenge be created for a user at `now`.
pub(crate) fn check_challenge_limits(
    counts: ChallengeCounts,
    limits: &RateLimits,
    now: i64,
) -> Result<(), Error> {
    if counts.open >= i64::from(limits.max_open_challenges) {
        return Err(Error::RateLimited {
            reason: "too many open challenges for this user",
            retry_after: None,
        });
    }
    if counts.recent >= i64::from(limits.max_recent_challenges) {
        return Err(Error::RateLimited {
            reason: "too many recent challenges for this user",
            retry_after: None,
        });
    }
    let cooldown = duration_ms(limits.not_me_cooldown);
    if let Some(at) = counts.last_not_me
        && at > now.saturating_sub(cooldown)
    {
        let ends = at.saturating_add(cooldown);
        let left_ms = u64::try_from(ends.saturating_sub(now)).unwrap_or(0);
        return Err(Error::RateLimited {
            reason: "a recent sign-in was declined as \"it wasn't me\"; try again later",
            retry_after: Some(std::time::Duration::from_millis(left_ms)),
        });
    }
    Ok(())
}

/// Whether a key may get another nonce, given how many live nonces (of one purpose) it holds
/// from the asking address and from all addresses: issued nonces are never evicted.
pub(crate) fn check_nonce_caps(
    from_address: i64,
    in_all: i64,
    limits: &RateLimits,
) -> Result<(), Error> {
    if from_address >= i64::from(limits.max_live_nonces_per_address) {
        return Err(Error::RateLimited {
            reason: "too many unused nonces for this key from this address; use one or wait for them to expire",
            retry_after: None,
        });
    }
    if in_all >= i64::from(limits.max_live_nonces_per_key) {
        return Err(Error::RateLimited {
            reason: "too many unused nonces for this key; use one or wait for them to expire",
            retry_after: None,
        });
    }
    Ok(())
}

/// What a track token's record says about enrolling `public_key` with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenClaim {
    /// The token has not enrolled a key yet: this one is its first.
    First,
    /// The token enrolled this very key before: a retry, which goes on.
    Retry,
}

/// A track token enrolls one key only: `enrolled_key` is the key its record holds, if any.
pub(crate) fn claim_token(
    enrolled_key: Option<&str>,
    public_key: &str,
) -> Result<TokenClaim, Error> {
    match enrolled_key {
        None => Ok(TokenClaim::First),
        Some(key) if key == public_key => Ok(TokenClaim::Retry),
        Some(_) => Err(Error::EnrollmentTokenUsed),
    }
}

/// A first use of a token without `add:authenticators` enrolls only a user with no live
/// authenticator (protocol 3.1).
pub(crate) fn check_enrollment_scope(scoped: bool, live_authenticators: i64) -> Result<(), Error> {
    if scoped || live_authenticators == 0 {
        Ok(())
    } else {
        Err(Error::InvalidScope {
            needed: SCOPE_ADD_AUTHENTICATORS,
        })
    }
}

/// Whether a key already enrolled (for `enrolled_user`, its lease ended or not) may be
/// enrolled again for `user_id`: only for the same user, and only while its lease lasts.
pub(crate) fn check_reenrollment(
    enrolled_user: &str,
    expired: bool,
    user_id: &str,
) -> Result<(), Error> {
    if enrolled_user != user_id {
        return Err(Error::invalid_request(
            "this key is enrolled for another user",
        ));
    }
    if expired {
        return Err(Error::InvalidCredential);
    }
    Ok(())
}

/// Whether a tenant with `open` open actions (counted up to `max`) may track a new one.
pub(crate) fn check_open_actions(open: i64, max: u32) -> Result<(), Error> {
    if open >= i64::from(max) {
        return Err(Error::RateLimited {
            reason: "too many open actions for this tenant; finish or let some expire first",
            retry_after: None,
        });
    }
    Ok(())
}

/// A `track` retry with a known idempotency key must be for the same user and action code.
pub(crate) fn check_same_action(stored: (&str, &str), asked: (&str, &str)) -> Result<(), Error> {
    if stored == asked {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "this idempotencyKey belongs to another user or action",
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits() -> RateLimits {
        RateLimits {
            max_open_challenges: 2,
            max_recent_challenges: 3,
            not_me_cooldown: Duration::from_secs(300),
            max_live_nonces_per_address: 2,
            max_live_nonces_per_key: 4,
            ..RateLimits::default()
        }
    }

    fn counts(open: i64, recent: i64, last_not_me: Option<i64>) -> ChallengeCounts {
        ChallengeCounts {
            open,
            recent,
            last_not_me,
        }
    }

    #[test]
    fn a_challenge_without_a_code_needs_none_and_one_with_a_code_needs_it_exactly() {
        assert!(code_matches(None, None));
        assert!(code_matches(None, Some("12")));
        assert!(code_matches(Some("42"), Some(" 42 ")));
        assert!(!code_matches(Some("42"), Some("24")));
        assert!(!code_matches(Some("42"), None));
    }

    #[test]
    fn an_approval_with_the_wrong_code_fails_the_action_and_records_no_reason() {
        let outcome = outcome(Some("42"), true, Some("41"), Some(DeclineReason::NotMe));
        assert!(!outcome.succeeded);
        assert_eq!(outcome.state, ActionState::ChallengeFailed);
        assert_eq!(outcome.decline_reason, None);
        assert_eq!(outcome.output(), None);
    }

    #[test]
    fn an_approval_with_the_right_code_succeeds() {
        let outcome = outcome(Some("42"), true, Some("42"), None);
        assert!(outcome.succeeded);
        assert_eq!(outcome.state, ActionState::ChallengeSucceeded);
    }

    #[test]
    fn a_denial_records_not_me_or_mistake_and_none_without_a_reason() {
        let not_me = outcome(None, false, None, Some(DeclineReason::NotMe));
        assert_eq!(not_me.decline_reason, Some("notMe"));
        assert_eq!(
            not_me.output().as_deref(),
            Some(r#"{"declineReason":"notMe"}"#)
        );
        let mistake = outcome(None, false, None, Some(DeclineReason::Mistake));
        assert_eq!(mistake.decline_reason, Some("mistake"));
        assert_eq!(outcome(None, false, None, None).decline_reason, None);
        assert_eq!(not_me.state, ActionState::ChallengeFailed);
    }

    #[test]
    fn an_answered_or_expired_challenge_cannot_be_answered() {
        assert!(matches!(
            check_answerable(Some(5), 100, 10),
            Err(Error::ChallengeAlreadyAnswered)
        ));
        assert!(matches!(
            check_answerable(None, 10, 10),
            Err(Error::ChallengeExpired)
        ));
        assert!(check_answerable(None, 11, 10).is_ok());
    }

    #[test]
    fn the_open_and_recent_challenge_limits_refuse_at_their_maximum() {
        let now = 1_000_000;
        assert!(check_challenge_limits(counts(1, 2, None), &limits(), now).is_ok());
        assert!(matches!(
            check_challenge_limits(counts(2, 0, None), &limits(), now),
            Err(Error::RateLimited {
                retry_after: None,
                ..
            })
        ));
        assert!(matches!(
            check_challenge_limits(counts(0, 3, None), &limits(), now),
            Err(Error::RateLimited {
                retry_after: None,
                ..
            })
        ));
    }

    #[test]
    fn the_not_me_cooldown_says_how_long_is_left_and_ends_on_time() {
        let now = 1_000_000;
        let declined = now - 100_000;
        match check_challenge_limits(counts(0, 0, Some(declined)), &limits(), now) {
            Err(Error::RateLimited {
                retry_after: Some(left),
                ..
            }) => assert_eq!(left, Duration::from_secs(200)),
            other => panic!("expected the cool-down, got {other:?}"),
        }
        let long_ago = now - 300_000;
        assert!(check_challenge_limits(counts(0, 0, Some(long_ago)), &limits(), now).is_ok());
    }

    #[test]
    fn the_nonce_caps_refuse_per_address_first_then_per_key() {
        assert!(check_nonce_caps(1, 3, &limits()).is_ok());
        let Err(Error::RateLimited { reason, .. }) = check_nonce_caps(2, 2, &limits()) else {
            panic!("the per-address cap must refuse");
        };
        assert!(reason.contains("from this address"));
        let Err(Error::RateLimited { reason, .. }) = check_nonce_caps(0, 4, &limits()) else {
            panic!("the per-key cap must refuse");
        };
        assert!(!reason.contains("from this address"));
    }

    #[test]
    fn a_token_enrolls_its_first_key_again_and_no_other() {
        assert_eq!(claim_token(None, "k1").ok(), Some(TokenClaim::First));
        assert_eq!(claim_token(Some("k1"), "k1").ok(), Some(TokenClaim::Retry));
        assert!(matches!(
            claim_token(Some("k1"), "k2"),
            Err(Error::EnrollmentTokenUsed)
        ));
    }

    #[test]
    fn a_token_without_the_scope_enrolls_only_a_user_with_no_live_key() {
        assert!(check_enrollment_scope(false, 0).is_ok());
        assert!(check_enrollment_scope(true, 3).is_ok());
        assert!(matches!(
            check_enrollment_scope(false, 1),
            Err(Error::InvalidScope { .. })
        ));
    }

    #[test]
    fn a_key_is_enrolled_again_only_for_its_user_and_while_its_lease_lasts() {
        assert!(check_reenrollment("alice", false, "alice").is_ok());
        assert!(matches!(
            check_reenrollment("alice", false, "bob"),
            Err(Error::InvalidRequest { .. })
        ));
        assert!(matches!(
            check_reenrollment("alice", true, "alice"),
            Err(Error::InvalidCredential)
        ));
    }

    #[test]
    fn the_open_actions_cap_refuses_at_its_maximum() {
        assert!(check_open_actions(9, 10).is_ok());
        assert!(matches!(
            check_open_actions(10, 10),
            Err(Error::RateLimited { .. })
        ));
    }

    #[test]
    fn a_track_retry_must_name_the_same_user_and_action() {
        assert!(check_same_action(("u", "signIn"), ("u", "signIn")).is_ok());
        assert!(check_same_action(("u", "signIn"), ("v", "signIn")).is_err());
        assert!(check_same_action(("u", "signIn"), ("u", "pay")).is_err());
    }
}
