// The pending challenges the approval sheet walks through, one at a time, oldest first.
import type { Challenge, ChallengeId } from "./api";

/** Adds or replaces a challenge, keeping the list oldest first. */
export function addChallenge(queue: readonly Challenge[], challenge: Challenge): Challenge[] {
  const rest = queue.filter((c) => c.id !== challenge.id);
  return [...rest, challenge].sort((a, b) => a.receivedAt - b.receivedAt);
}

/** Merges a fresh `pending_challenges` answer into the queue. */
export function mergeChallenges(queue: readonly Challenge[], fresh: readonly Challenge[]): Challenge[] {
  return fresh.reduce<Challenge[]>((acc, c) => addChallenge(acc, c), [...queue]);
}

/** The queue without the challenge `id`. */
export function removeChallenge(queue: readonly Challenge[], id: ChallengeId): Challenge[] {
  return queue.filter((c) => c.id !== id);
}

/** Challenges not yet expired at `now`. */
export function unexpired(queue: readonly Challenge[], now: number): Challenge[] {
  return queue.filter((c) => c.expiresAt > now);
}

/** "1 of 3", or "" when there is only one. */
export function position(index: number, total: number): string {
  return total > 1 ? `${index + 1} of ${total}` : "";
}
