// Authsignal's published SDKs, unmodified, against signet-server:
// @authsignal/node (track, getAction, updateAction, validateChallenge) and the push calls of
// @authsignal/browser (setToken, push.challenge, push.verify). run.sh starts the server and
// passes SIGNET_BASE_URL, SIGNET_TENANT_ID and SIGNET_SECRET_KEY.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { Authsignal as NodeAuthsignal, AuthsignalError } from "@authsignal/node";
import { Device } from "./device.mjs";

// The browser globals go in only after the node SDK is loaded: its axios would otherwise
// take Node for a browser.
await import("./dom-shim.mjs");
const { Authsignal: BrowserAuthsignal } = await import("@authsignal/browser");

const baseUrl = process.env.SIGNET_BASE_URL;
const tenantId = process.env.SIGNET_TENANT_ID;
const apiSecretKey = process.env.SIGNET_SECRET_KEY;
assert.ok(baseUrl && tenantId && apiSecretKey, "run this through run.sh");

const backend = new NodeAuthsignal({ apiSecretKey, apiUrl: baseUrl, retries: 0 });
const browser = new BrowserAuthsignal({ tenantId, baseUrl });

/** A fresh user with one enrolled device. */
async function enrolledUser() {
  const userId = `user-${randomUUID()}`;
  const enroll = await backend.track({
    userId,
    action: "enroll",
    attributes: { scope: "add:authenticators" },
  });
  assert.equal(enroll.isEnrolled, false);
  const device = new Device({ baseUrl, tenantId });
  const credential = await device.enroll(enroll.token);
  assert.equal(credential.userId, userId);
  return { userId, device };
}

test("a push sign-in approved on the device validates once through the SDKs", async () => {
  const { userId, device } = await enrolledUser();
  // 1. Backend: track.
  const tracked = await backend.track({
    userId,
    action: "signIn",
    attributes: { userAgent: "sdk-test", ipAddress: "127.0.0.1" },
  });
  assert.equal(tracked.state, "CHALLENGE_REQUIRED");
  assert.equal(tracked.isEnrolled, true);
  assert.equal(typeof tracked.token, "string");
  assert.equal(typeof tracked.idempotencyKey, "string");
  // 2. Browser: challenge.
  browser.setToken(tracked.token);
  const challenge = await browser.push.challenge({ action: "signIn" });
  assert.equal(challenge.error, undefined, JSON.stringify(challenge));
  const { challengeId } = challenge.data;
  assert.equal(typeof challengeId, "string");
  // 3. Browser: pending before the device answers.
  const before = await browser.push.verify({ challengeId });
  assert.equal(before.data.isConsumed, false);
  assert.equal(before.data.isVerified, false);
  // 4. Device: fetch and approve.
  const pending = await device.pendingChallenge();
  assert.equal(pending.challengeId, challengeId);
  assert.equal(pending.userAgent, "sdk-test");
  assert.deepEqual(await device.answer(challengeId, true), { isVerified: true });
  // 5. Browser: verified; the SDK hands the access token over as `token`.
  const after = await browser.push.verify({ challengeId });
  assert.equal(after.data.isConsumed, true);
  assert.equal(after.data.isVerified, true);
  assert.equal(typeof after.data.token, "string");
  // 6. Backend: getAction and validateChallenge (valid once).
  const action = await backend.getAction({
    userId,
    action: "signIn",
    idempotencyKey: tracked.idempotencyKey,
  });
  assert.equal(action.state, "CHALLENGE_SUCCEEDED");
  assert.equal(typeof action.createdAt, "string");
  const valid = await backend.validateChallenge({ token: after.data.token });
  assert.equal(valid.isValid, true);
  assert.equal(valid.state, "CHALLENGE_SUCCEEDED");
  assert.equal(valid.userId, userId);
  assert.equal(valid.action, "signIn");
  const again = await backend.validateChallenge({ token: after.data.token });
  assert.equal(again.isValid, false);
});

test("a push sign-in denied on the device is consumed, not verified, and fails the action", async () => {
  const { userId, device } = await enrolledUser();
  const tracked = await backend.track({ userId, action: "signIn" });
  browser.setToken(tracked.token);
  const { data } = await browser.push.challenge({ action: "signIn" });
  await device.answer(data.challengeId, false, { declineReason: "notMe" });
  const verified = await browser.push.verify({ challengeId: data.challengeId });
  assert.equal(verified.data.isConsumed, true);
  assert.equal(verified.data.isVerified, false);
  const action = await backend.getAction({
    userId,
    action: "signIn",
    idempotencyKey: tracked.idempotencyKey,
  });
  assert.equal(action.state, "CHALLENGE_FAILED");
  assert.deepEqual(action.output, { declineReason: "notMe" });
  const valid = await backend.validateChallenge({ token: tracked.token });
  assert.equal(valid.isValid, false);
});

test("updateAction overrides the state that getAction reports", async () => {
  const userId = `user-${randomUUID()}`;
  const tracked = await backend.track({ userId, action: "signIn" });
  const key = { userId, action: "signIn", idempotencyKey: tracked.idempotencyKey };
  const updated = await backend.updateAction({ ...key, attributes: { state: "REVIEW_REQUIRED" } });
  assert.equal(updated.state, "REVIEW_REQUIRED");
  assert.equal((await backend.getAction(key)).state, "REVIEW_REQUIRED");
});

test("the node SDK surfaces a wrong secret key as an AuthsignalError with the error code", async () => {
  const wrong = new NodeAuthsignal({ apiSecretKey: "wrong", apiUrl: baseUrl, retries: 0 });
  await assert.rejects(wrong.track({ userId: "someone", action: "signIn" }), (error) => {
    assert.ok(error instanceof AuthsignalError);
    assert.equal(error.statusCode, 401);
    assert.equal(error.errorCode, "unauthorized");
    return true;
  });
});

test("the browser SDK gets the error shape for a token the server refuses", async () => {
  browser.setToken("not-a-token");
  const result = await browser.push.challenge({ action: "signIn" });
  assert.equal(result.data, undefined);
  assert.equal(result.errorCode, "unauthorized");
  assert.equal(typeof result.error, "string");
});
