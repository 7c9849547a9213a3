// Typed wrappers around the app's Tauri commands (src-tauri/src/commands.rs) and events
// (src-tauri/src/events.rs).
// The only file that calls `invoke` or `listen`: the UI never talks to a server, only to the
// Rust shell.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

// ---------------------------------------------------------------------------------------------
// Types (the shell serialises camelCase)
// ---------------------------------------------------------------------------------------------

/** Local id of an enrolled account. */
export type AccountId = string;
/** Id of a challenge (a sign-in or other request waiting for an answer). */
export type ChallengeId = string;
/** How an account's connection to its server is doing. */
export type ConnectionState = "connected" | "connecting" | "offline";

/** An enrolled account. */
export interface Account {
  id: AccountId;
  /** e.g. "Acme" (from the link; falls back to the server host). */
  issuer: string;
  /** e.g. "alice@example.com". */
  userLabel: string;
  /** host[:port] of the server's base URL. */
  serverHost: string;
  requireBiometric: boolean;
  /** Unix ms. */
  createdAt: number;
  /** Unix ms, or null if never used. */
  lastUsedAt: number | null;
  connection: ConnectionState;
}

/** What an enrollment link says, parsed without any network call. */
export interface EnrollmentPreview {
  issuer: string;
  userLabel: string;
  serverHost: string;
  /** True when the server is reached over https. */
  secure: boolean;
}

/** A request waiting for this device's answer. */
export interface Challenge {
  id: ChallengeId;
  accountId: AccountId;
  issuer: string;
  userLabel: string;
  /** e.g. "signIn", "approvePayment". */
  actionCode: string | null;
  ipAddress: string | null;
  /** Raw user agent of the browser that started the request. */
  userAgent: string | null;
  /** e.g. {amount: "120.00 EUR", merchant: "Shop"} or {note: "..."}. */
  custom: Record<string, unknown> | null;
  /** Unix ms. */
  expiresAt: number;
  /** Unix ms. */
  receivedAt: number;
  /** The user must type the number shown on the sign-in page. */
  verificationCodeRequired: boolean;
}

/** How a challenge ended. */
export type Outcome = "approved" | "denied" | "notMe" | "expired";

/** One answered or expired challenge. */
export interface HistoryEntry {
  challengeId: ChallengeId;
  accountId: AccountId;
  issuer: string;
  userLabel: string;
  actionCode: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  outcome: Outcome;
  /** Unix ms. */
  at: number;
}

/** The app's settings. */
export interface Settings {
  notifications: boolean;
  /** 1..60, default 3. */
  pollIntervalSeconds: number;
}

/** Whether this device can ask for a fingerprint or face before approving. */
export interface BiometricStatus {
  available: boolean;
  /** Why not, in words. */
  reason: string | null;
}

/** Every error code the shell uses. */
export const errorCodes = [
  "invalidLink",
  "unsupportedLinkVersion",
  "insecureServer",
  "network",
  "server",
  "unauthorized",
  "expiredToken",
  "accountNotFound",
  "challengeNotFound",
  "challengeExpired",
  "challengeAlreadyAnswered",
  "wrongVerificationCode",
  "verificationCodeRequired",
  "biometricCancelled",
  "biometricUnavailable",
  "keystore",
  "storage",
  "invalidSettings",
  "internal",
] as const;

/** A stable error code from the shell. */
export type ErrorCode = (typeof errorCodes)[number];

/** What a failed command rejects with. */
export interface AppError {
  /** A known code, or a newer one this UI does not know yet. */
  code: ErrorCode | (string & {});
  /** English fallback text. */
  message: string;
}

/** True when `value` has the shape of the shell's `{ code, message }` error. */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/** True when `value` is a shell error with one of the given codes. */
export function hasErrorCode(value: unknown, ...codes: ErrorCode[]): value is AppError {
  return isAppError(value) && (codes as string[]).includes(value.code);
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** The app's version, as built into the Rust binary. */
export function appVersion(): Promise<string> {
  return invoke<string>("app_version");
}

/** Enrolled accounts, newest first. */
export function listAccounts(): Promise<Account[]> {
  return invoke<Account[]>("list_accounts");
}

/** Parses an enrollment link (no network) so the user can check it before adding. */
export function previewEnrollment(link: string): Promise<EnrollmentPreview> {
  return invoke<EnrollmentPreview>("preview_enrollment", { link });
}

/** Enrolls this device with the server named in `link`. */
export function enroll(link: string, requireBiometric: boolean): Promise<Account> {
  return invoke<Account>("enroll", { link, requireBiometric });
}

/** Removes an account from this device. */
export async function removeAccount(accountId: AccountId): Promise<void> {
  await invoke<null>("remove_account", { accountId });
}

/** Turns the fingerprint/face check before approving on or off for one account. */
export function setRequireBiometric(accountId: AccountId, required: boolean): Promise<Account> {
  return invoke<Account>("set_require_biometric", { accountId, required });
}

/** Whether a biometric check is possible on this device. */
export function biometricStatus(): Promise<BiometricStatus> {
  return invoke<BiometricStatus>("biometric_status");
}

/** Challenges waiting for an answer, oldest first, none expired. */
export function pendingChallenges(): Promise<Challenge[]> {
  return invoke<Challenge[]>("pending_challenges");
}

/** Approves a challenge; `verificationCode` is the number the user typed, if one is required. */
export function approve(challengeId: ChallengeId, verificationCode: string | null): Promise<Outcome> {
  return invoke<Outcome>("approve", { challengeId, verificationCode });
}

/** Denies a challenge; `notMe` reports that the user did not start it. */
export function deny(challengeId: ChallengeId, notMe: boolean): Promise<Outcome> {
  return invoke<Outcome>("deny", { challengeId, notMe });
}

/** Answered and expired challenges, newest first (at most 200). */
export function history(): Promise<HistoryEntry[]> {
  return invoke<HistoryEntry[]>("history");
}

/** The current settings. */
/** What this platform can do beyond the common set. */
export interface PlatformFeatures {
  /** A camera QR scanner for enrollment codes (iOS and Android). */
  qrScan: boolean;
}

export function platformFeatures(): Promise<PlatformFeatures> {
  return invoke<PlatformFeatures>("platform_features");
}

/** Opens the camera and returns the text of the first QR code seen (mobile only). */
export async function scanQrCode(): Promise<string> {
  const scanned = await invoke<{ content: string }>("plugin:barcode-scanner|scan", {
    windowed: false,
    formats: ["QR_CODE"],
  });
  return scanned.content;
}

export function settings(): Promise<Settings> {
  return invoke<Settings>("settings");
}

/** Saves settings; resolves with what was stored. */
export function updateSettings(next: Settings): Promise<Settings> {
  return invoke<Settings>("update_settings", { settings: next });
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** Every event the shell emits, with its payload. */
export interface EventPayloads {
  "challenge-received": Challenge;
  "challenge-resolved": { challengeId: ChallengeId; outcome: Outcome };
  "challenge-expired": { challengeId: ChallengeId };
  "connection-changed": { accountId: AccountId; connection: ConnectionState };
  "accounts-changed": null;
  "open-challenge": { challengeId: ChallengeId };
  "enroll-link": { link: string };
}

/** The name of an event the shell emits. */
export type EventName = keyof EventPayloads;

/** Every event name, in contract order. */
export const eventNames: readonly EventName[] = [
  "challenge-received",
  "challenge-resolved",
  "challenge-expired",
  "connection-changed",
  "accounts-changed",
  "open-challenge",
  "enroll-link",
];

/** Handlers for some of the shell's events. */
export type EventHandlers = { [E in EventName]?: (payload: EventPayloads[E]) => void };

/** Listens for one event; resolves with the function that stops listening. */
export function onEvent<E extends EventName>(
  name: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(name, (event) => handler(event.payload));
}

/** A new challenge is waiting. */
export const onChallengeReceived = (h: (c: Challenge) => void) => onEvent("challenge-received", h);
/** A challenge was answered, here or on another device. */
export const onChallengeResolved = (h: (p: EventPayloads["challenge-resolved"]) => void) =>
  onEvent("challenge-resolved", h);
/** A challenge expired unanswered. */
export const onChallengeExpired = (h: (p: EventPayloads["challenge-expired"]) => void) =>
  onEvent("challenge-expired", h);
/** An account's connection changed. */
export const onConnectionChanged = (h: (p: EventPayloads["connection-changed"]) => void) =>
  onEvent("connection-changed", h);
/** The account list changed; fetch it again. */
export const onAccountsChanged = (h: () => void) => onEvent("accounts-changed", () => h());
/** The user tapped a notification for a challenge. */
export const onOpenChallenge = (h: (p: EventPayloads["open-challenge"]) => void) =>
  onEvent("open-challenge", h);
/** A signet:// enrollment deep link arrived. */
export const onEnrollLink = (h: (p: EventPayloads["enroll-link"]) => void) => onEvent("enroll-link", h);

/**
 * Listens for several events at once and returns a synchronous stop function, for use in a
 * component's `$effect` cleanup (listening is asynchronous; stopping before it has started
 * is handled).
 */
export function subscribe(handlers: EventHandlers): () => void {
  let stopped = false;
  const unlisteners: UnlistenFn[] = [];
  const stop = (unlisten: UnlistenFn) => {
    void Promise.resolve()
      .then(unlisten)
      .catch(() => undefined);
  };
  for (const name of eventNames) {
    const handler = handlers[name] as ((payload: unknown) => void) | undefined;
    if (!handler) continue;
    onEvent(name, handler).then(
      (unlisten) => (stopped ? stop(unlisten) : unlisteners.push(unlisten)),
      () => undefined,
    );
  }
  return () => {
    stopped = true;
    unlisteners.splice(0).forEach(stop);
  };
}
