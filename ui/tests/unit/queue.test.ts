import { describe, expect, it } from "vitest";
import type { Challenge } from "../../src/lib/api";
import { addChallenge, mergeChallenges, position, removeChallenge, unexpired } from "../../src/lib/queue";

function challenge(id: string, receivedAt: number, expiresAt = receivedAt + 60_000): Challenge {
  return {
    id,
    accountId: "a",
    issuer: "Acme",
    userLabel: "alice",
    actionCode: "signIn",
    ipAddress: null,
    userAgent: null,
    custom: null,
    expiresAt,
    receivedAt,
    verificationCodeRequired: false,
  };
}

describe("the queue of pending challenges", () => {
  it("keeps challenges oldest first whatever order they arrive in", () => {
    const q = [challenge("b", 2), challenge("c", 3), challenge("a", 1)].reduce<Challenge[]>(addChallenge, []);
    expect(q.map((c) => c.id)).toEqual(["a", "b", "c"]);
  });

  it("holds each challenge once", () => {
    const q = addChallenge(addChallenge([], challenge("a", 1)), challenge("a", 1));
    expect(q).toHaveLength(1);
    expect(mergeChallenges(q, [challenge("a", 1), challenge("b", 2)]).map((c) => c.id)).toEqual(["a", "b"]);
  });

  it("drops answered and expired challenges", () => {
    const q = [challenge("a", 1, 100), challenge("b", 2, 300)];
    expect(removeChallenge(q, "a").map((c) => c.id)).toEqual(["b"]);
    expect(unexpired(q, 100).map((c) => c.id)).toEqual(["b"]);
  });

  it("says where the user is when several are waiting", () => {
    expect(position(0, 1)).toBe("");
    expect(position(0, 3)).toBe("1 of 3");
    expect(position(2, 3)).toBe("3 of 3");
  });
});
