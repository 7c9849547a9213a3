// The push challenge, as the initiator of docs/protocol.md section 4 runs it: started and read
// with Authsignal's browser SDK, waited for with the long-poll of docs/protocol.md 8.2.
//
// The SDK's `push.verify({challengeId})` sends only the challenge id, so it cannot ask for the
// long-poll. The page therefore waits with the same wire call plus `wait` (bounded, and falling
// back to one call a second when the server answers at once, as a plain server does), then reads
// the outcome, and the access token, through the SDK's `push.verify`.
import type { Authsignal, AuthsignalResponse } from "@authsignal/browser";
import { DemoError, errorFromBody, wordsForCode } from "./api";

/** What `push.challenge` gave: the challenge and, with number matching, the code to show. */
export interface StartedChallenge {
  challengeId: string;
  /** Two digits the user types on the device (docs/protocol.md 8.3), when the server asks for it. */
  verificationCode?: string;
}

/** How a challenge ended. */
export type Outcome =
  | { kind: "approved"; accessToken: string }
  | { kind: "denied" }
  | { kind: "expired" };

/** How long one SDK call may take. */
const SDK_TIMEOUT_MS = 15_000;
/** The longest single long-poll, in seconds (docs/protocol.md 8.2 allows 60). */
const MAX_WAIT_SECONDS = 25;
/** How long after the expected expiry the page still asks before it calls the challenge expired. */
const EXPIRY_GRACE_MS = 5_000;

/** Resolves with the promise, or rejects after `ms` with words naming `what`. */
async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DemoError("timeout", `The push server did not answer ${what} within ${ms / 1000} seconds.`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The SDK throws when the server cannot be reached or sends no JSON; this gives words instead. */
async function sdkCall<T>(call: () => Promise<AuthsignalResponse<T>>, what: string): Promise<T> {
  let result: AuthsignalResponse<T>;
  try {
    result = await bounded(call(), SDK_TIMEOUT_MS, what);
  } catch (error) {
    if (error instanceof DemoError) throw error;
    throw new DemoError("network", `Could not reach the push server for ${what} (${String(error)}).`);
  }
  if (result.error !== undefined || result.errorCode !== undefined || result.data === undefined) {
    const code = result.errorCode ?? result.error ?? "server";
    const words = (result.errorDescription ?? wordsForCode(code)).trim().replace(/[.!]?$/, ".");
    throw new DemoError(code, `The push server refused ${what}: ${words}`);
  }
  return result.data;
}

/** Starts the push challenge for the tracked action with the SDK. */
export async function startChallenge(sdk: Authsignal, token: string, action: string): Promise<StartedChallenge> {
  // Section 1 step 2: the initiator starts the challenge with the track token.
  sdk.setToken(token);
  const data = await sdkCall(() => sdk.push.challenge({ action }), "the challenge");
  // The SDK passes the whole response body through; `verificationCode` is the 8.3 extension.
  const extra = data as { challengeId: string; verificationCode?: unknown };
  return {
    challengeId: data.challengeId,
    verificationCode: typeof extra.verificationCode === "string" ? extra.verificationCode : undefined,
  };
}

/** The error a cancelled wait ends with. */
export const CANCELLED = "cancelled";

function cancelled(): DemoError {
  return new DemoError(CANCELLED, "Cancelled.");
}

/** One long-poll on verify/push: true once the challenge is consumed. */
async function longPoll(
  baseUrl: string,
  token: string,
  challengeId: string,
  seconds: number,
  cancel: AbortSignal,
): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), (seconds + 10) * 1000);
  const stop = (): void => controller.abort();
  cancel.addEventListener("abort", stop);
  try {
    const response = await fetch(`${baseUrl}/client/verify/push?wait=${seconds}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ challengeId }),
      signal: controller.signal,
    });
    const body: unknown = await response.json();
    if (!response.ok) throw errorFromBody(response.status, body);
    return Boolean((body as { isConsumed?: unknown }).isConsumed);
  } catch (error) {
    if (cancel.aborted) throw cancelled();
    if (error instanceof DemoError) throw error;
    if (controller.signal.aborted) return false;
    throw new DemoError("network", `Lost the connection to the push server while waiting (${String(error)}).`);
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener("abort", stop);
  }
}

/** Waits `ms`, or less when `cancel` fires (then throws the cancellation). */
function sleep(ms: number, cancel: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      cancel.removeEventListener("abort", done);
      resolve();
    }, ms);
    cancel.addEventListener("abort", done, { once: true });
  });
}

/**
 * Waits until the challenge is answered or expires (never longer than its lifetime plus a few
 * seconds), then reads the outcome with the SDK. `cancel` stops the wait: it then throws a
 * DemoError whose code is CANCELLED.
 */
export async function waitForOutcome(
  sdk: Authsignal,
  baseUrl: string,
  token: string,
  challengeId: string,
  expiresAtMs: number,
  cancel: AbortSignal,
): Promise<Outcome> {
  // Section 1 step 4 with 8.2: long-poll verify/push until the challenge is consumed.
  for (;;) {
    if (cancel.aborted) throw cancelled();
    const remaining = expiresAtMs - Date.now();
    if (remaining <= -EXPIRY_GRACE_MS) break;
    const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(remaining / 1000)));
    const started = Date.now();
    if (await longPoll(baseUrl, token, challengeId, seconds, cancel)) break;
    // A plain server answers at once: poll once a second instead.
    if (Date.now() - started < 1_000) await sleep(1_000, cancel);
  }
  if (cancel.aborted) throw cancelled();
  const data = await sdkCall(() => sdk.push.verify({ challengeId }), "the verification");
  // handleApiResponse renames `accessToken` to `token`.
  const token2 = (data as { token?: unknown }).token;
  if (data.isVerified && typeof token2 === "string") return { kind: "approved", accessToken: token2 };
  if (data.isVerified) return { kind: "approved", accessToken: token };
  if (data.isConsumed && Date.now() < expiresAtMs - 500) return { kind: "denied" };
  return { kind: "expired" };
}
