// Generated from the Rust shell (src-tauri/src/{view,events,error,contract}.rs and the
// signet-core types they carry) by `UPDATE_BINDINGS=1 cargo test -p signet contract`.
// Do not edit: a Rust test fails when this file differs from what the code says.

import type { Channel } from "@tauri-apps/api/core";

export type AccountId = string;

export type Connection = "connected" | "connecting" | "offline" | "needsEnrollment";

export type AccountView = {
/**
 * Local id.
 */
id: AccountId,
/**
 * Who the account is with.
 */
issuer: string,
/**
 * The user at the issuer.
 */
userLabel: string,
/**
 * The server's host (and port).
 */
serverHost: string,
/**
 * Whether approving asks for a biometric.
 */
requireBiometric: boolean,
/**
 * When it was enrolled (Unix ms).
 */
createdAt: number,
/**
 * When it last answered (Unix ms).
 */
lastUsedAt: number | null,
/**
 * The connection to its server.
 */
connection: Connection,
/**
 * Until when its server refuses new sign-ins after "it wasn't me" (Unix ms).
 */
pausedUntil: number | null, };

export type EnrollmentPreview = {
/**
 * Who the account is with, when the link names it.
 */
issuer: string | null,
/**
 * The user at the issuer, when the link names them.
 */
userLabel: string | null,
/**
 * The server's host (and port).
 */
serverHost: string,
/**
 * Whether the server uses https.
 */
secure: boolean,
/**
 * The account of the same user on the same server already on this device, which
 * enrolling again would replace.
 */
existingAccountId: AccountId | null, };

export type ChallengeView = {
/**
 * The challenge's id.
 */
id: string,
/**
 * Its account.
 */
accountId: AccountId,
/**
 * Who asks.
 */
issuer: string,
/**
 * For which user.
 */
userLabel: string,
/**
 * The action, e.g. `signIn`.
 */
actionCode: string | null,
/**
 * Where the sign-in comes from.
 */
ipAddress: string | null,
/**
 * The browser that started it.
 */
userAgent: string | null,
/**
 * The relying party's details (amount, merchant, note).
 */
custom: Record<string, unknown> | null,
/**
 * When it expires (Unix ms).
 */
expiresAt: number,
/**
 * When this device saw it (Unix ms).
 */
receivedAt: number,
/**
 * Whether the user must type the number shown on the sign-in page.
 */
verificationCodeRequired: boolean, };

export type Outcome = "approved" | "denied" | "notMe" | "expired" | "answeredElsewhere" | "wrongNumber" | "refused";

export type HistoryView = {
/**
 * The challenge's id.
 */
challengeId: string,
/**
 * Its account.
 */
accountId: AccountId,
/**
 * Who asked.
 */
issuer: string,
/**
 * For which user.
 */
userLabel: string,
/**
 * The action.
 */
actionCode: string | null,
/**
 * Where from.
 */
ipAddress: string | null,
/**
 * Which browser.
 */
userAgent: string | null,
/**
 * The relying party's details (amount, merchant, note) as they were shown.
 */
custom: Record<string, unknown> | null,
/**
 * How it ended.
 */
outcome: Outcome,
/**
 * When (Unix ms).
 */
at: number, };

export type Settings = {
/**
 * Raise a system notification for a new challenge.
 */
notifications: boolean,
/**
 * Seconds between polls when the server does not hold requests (1 to 60).
 */
pollIntervalSeconds: number,
/**
 * Desktop: closing the window keeps the app running in the tray, still watching for
 * requests; off, closing the window quits. Ignored where there is no tray.
 */
keepInTray: boolean, };

export type PlatformFeatures = {
/**
 * A camera QR scanner for enrollment codes.
 */
qrScan: boolean,
/**
 * A tray icon (closing the window can keep the app running there) and starting at login.
 */
tray: boolean, };

export type BiometricStatus = {
/**
 * Whether accounts may require a biometric.
 */
available: boolean,
/**
 * Why not, in words.
 */
reason: string | null, };

export type ErrorCode = "invalidLink" | "unsupportedLinkVersion" | "insecureServer" | "network" | "linkAlreadyUsed" | "linkExpired" | "linkNotForThisServer" | "server" | "unauthorized" | "expiredToken" | "accountNotFound" | "challengeNotFound" | "challengeExpired" | "challengeAlreadyAnswered" | "verificationCodeRequired" | "biometricCancelled" | "biometricUnavailable" | "keystore" | "storage" | "invalidSettings" | "startAtLogin" | "internal";

export type CommandError = {
/**
 * What kind of error, for the UI's words.
 */
code: ErrorCode,
/**
 * An English description, for when the UI has no words of its own.
 */
message: string, };

export type ChallengeResolved = {
/**
 * The challenge.
 */
challengeId: string,
/**
 * Its account.
 */
accountId: AccountId,
/**
 * How it ended.
 */
outcome: Outcome,
/**
 * When (Unix ms).
 */
at: number, };

export type ConnectionChanged = {
/**
 * The account.
 */
accountId: AccountId,
/**
 * Its connection now.
 */
connection: Connection, };

export type OpenChallenge = {
/**
 * The challenge.
 */
challengeId: string, };

export type EnrollLink = {
/**
 * The whole `signet://enroll?...` link.
 */
link: string, };

export type EventStream = Channel<EventMessage>;

/** Every error code, in the shell's order. */
export const errorCodes = [
  "invalidLink",
  "unsupportedLinkVersion",
  "insecureServer",
  "network",
  "linkAlreadyUsed",
  "linkExpired",
  "linkNotForThisServer",
  "server",
  "unauthorized",
  "expiredToken",
  "accountNotFound",
  "challengeNotFound",
  "challengeExpired",
  "challengeAlreadyAnswered",
  "verificationCodeRequired",
  "biometricCancelled",
  "biometricUnavailable",
  "keystore",
  "storage",
  "invalidSettings",
  "startAtLogin",
  "internal",
] as const satisfies readonly ErrorCode[];
/** Fails to type-check when `errorCodes` misses a code of `ErrorCode`. */
export const everyErrorCodeListed: Exclude<ErrorCode, (typeof errorCodes)[number]> extends never
  ? true
  : never = true;

/** Every event the shell emits, with its payload. */
export interface EventPayloads {
  "challenge-received": ChallengeView;
  "challenge-resolved": ChallengeResolved;
  "connection-changed": ConnectionChanged;
  "accounts-changed": null;
  "open-challenge": OpenChallenge;
  "enroll-link": EnrollLink;
}

/** Every event name, in the shell's order. */
export const eventNames = [
  "challenge-received",
  "challenge-resolved",
  "connection-changed",
  "accounts-changed",
  "open-challenge",
  "enroll-link",
] as const satisfies readonly (keyof EventPayloads)[];

/** One event as the `watch_events` channel carries it. */
export type EventMessage = { [E in keyof EventPayloads]: { event: E; payload: EventPayloads[E] } }[keyof EventPayloads];

/** Every command: its arguments (camelCase) and what its promise resolves with. */
export interface Commands {
  app_version: { args: Record<string, never>; result: string };
  watch_events: { args: { channel: EventStream }; result: null };
  list_accounts: { args: Record<string, never>; result: Array<AccountView> };
  preview_enrollment: { args: { link: string }; result: EnrollmentPreview };
  set_require_biometric: { args: { accountId: string; required: boolean }; result: AccountView };
  platform_features: { args: Record<string, never>; result: PlatformFeatures };
  biometric_status: { args: Record<string, never>; result: BiometricStatus };
  pending_challenges: { args: Record<string, never>; result: Array<ChallengeView> };
  history: { args: Record<string, never>; result: Array<HistoryView> };
  settings: { args: Record<string, never>; result: Settings };
  update_settings: { args: { settings: Settings }; result: Settings };
  launch_link: { args: Record<string, never>; result: string | null };
  start_at_login: { args: Record<string, never>; result: boolean };
  set_start_at_login: { args: { enabled: boolean }; result: boolean };
  enroll: { args: { link: string; requireBiometric: boolean }; result: AccountView };
  replace_account: { args: { accountId: string; link: string; requireBiometric: boolean }; result: AccountView };
  remove_account: { args: { accountId: string }; result: null };
  approve: { args: { challengeId: string; verificationCode: string | null }; result: Outcome };
  deny: { args: { challengeId: string; notMe: boolean }; result: Outcome };
}
