// Typed wrappers around the app's Tauri commands and events. The contract is the Rust shell
// (src-tauri/src/commands.rs, events.rs, error.rs, view.rs); bindings.ts is generated from it
// and a Rust test fails when it is out of date, so a rename on one side fails `npm run check`.
// The only file that calls `invoke`: the UI never talks to a server, only to the Rust shell.
import { Channel, invoke as tauriInvoke } from "@tauri-apps/api/core";
import {
  errorCodes,
  eventNames,
  type AccountId,
  type AccountView,
  type BiometricStatus,
  type ChallengeResolved,
  type ChallengeView,
  type CommandError,
  type Commands,
  type Connection,
  type EnrollmentPreview,
  type ErrorCode,
  type EventMessage,
  type EventPayloads,
  type HistoryView,
  type Outcome,
  type PlatformFeatures,
  type Settings,
} from "./bindings";

// ---------------------------------------------------------------------------------------------
// Types: generated from the shell's Rust types (bindings.ts); the UI's names for them
// ---------------------------------------------------------------------------------------------

/** Id of a challenge (a sign-in or other request waiting for an answer). */
export type ChallengeId = string;
/** How an account's connection to its server is doing. */
export type ConnectionState = Connection;
/** An enrolled account. */
export type Account = AccountView;
/** A request waiting for this device's answer. */
export type Challenge = ChallengeView;
/** One past request and how it ended. */
export type HistoryEntry = HistoryView;
/** What a failed command rejects with (`code` may be newer than this UI). */
export type AppError = Omit<CommandError, "code"> & { code: ErrorCode | (string & {}) };
/** How and when a challenge left the pending set (the `challenge-resolved` payload). */
export type Resolution = ChallengeResolved;
export type { AccountId, BiometricStatus, EnrollmentPreview, ErrorCode, Outcome, PlatformFeatures, Settings };
export { errorCodes };

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

/** The name of a command the shell registers. */
export type CommandName = keyof Commands;

/** Calls a shell command with the arguments the contract gives it. */
function invoke<C extends CommandName>(
  command: C,
  ...args: Commands[C]["args"] extends Record<string, never> ? [] : [Commands[C]["args"]]
): Promise<Commands[C]["result"]> {
  return tauriInvoke<Commands[C]["result"]>(command, args[0]);
}

/** The app's version, as built into the Rust binary. */
export function appVersion(): Promise<string> {
  return invoke("app_version");
}

/** Enrolled accounts, newest first. */
export function listAccounts(): Promise<Account[]> {
  return invoke("list_accounts");
}

/** Parses an enrollment link (no network) so the user can check it before adding. */
export function previewEnrollment(link: string): Promise<EnrollmentPreview> {
  return invoke("preview_enrollment", { link });
}

/** Enrolls this device with the server named in `link`. */
export function enroll(link: string, requireBiometric: boolean): Promise<Account> {
  return invoke("enroll", { link, requireBiometric });
}

/** Enrolls this device from `link` in place of an account of the same user, then removes that one. */
export function replaceAccount(accountId: AccountId, link: string, requireBiometric: boolean): Promise<Account> {
  return invoke("replace_account", { accountId, link, requireBiometric });
}

/** Removes an account from this device. */
export async function removeAccount(accountId: AccountId): Promise<void> {
  await invoke("remove_account", { accountId });
}

/** Turns the fingerprint/face check before approving on or off for one account. */
export function setRequireBiometric(accountId: AccountId, required: boolean): Promise<Account> {
  return invoke("set_require_biometric", { accountId, required });
}

/** Whether a biometric check is possible on this device. */
export function biometricStatus(): Promise<BiometricStatus> {
  return invoke("biometric_status");
}

/** Challenges waiting for an answer, oldest first, none expired. */
export function pendingChallenges(): Promise<Challenge[]> {
  return invoke("pending_challenges");
}

/** Approves a challenge; `verificationCode` is the number the user typed, if one is required. */
export function approve(challengeId: ChallengeId, verificationCode: string | null): Promise<Outcome> {
  return invoke("approve", { challengeId, verificationCode });
}

/** Denies a challenge; `notMe` reports that the user did not start it. */
export function deny(challengeId: ChallengeId, notMe: boolean): Promise<Outcome> {
  return invoke("deny", { challengeId, notMe });
}

/** Answered and expired challenges, newest first (at most 200). */
export function history(): Promise<HistoryEntry[]> {
  return invoke("history");
}

/** What this platform can do beyond the common set. */
export function platformFeatures(): Promise<PlatformFeatures> {
  return invoke("platform_features");
}

/** Opens the camera and returns the text of the first QR code seen (mobile only; a plugin's
 * command, not the shell's). */
export async function scanQrCode(): Promise<string> {
  const scanned = await tauriInvoke<{ content: string }>("plugin:barcode-scanner|scan", {
    windowed: false,
    formats: ["QR_CODE"],
  });
  return scanned.content;
}

/** The current settings. */
export function settings(): Promise<Settings> {
  return invoke("settings");
}

/** Saves settings; resolves with what was stored. */
export function updateSettings(next: Settings): Promise<Settings> {
  return invoke("update_settings", { settings: next });
}

/** The signet:// link the app was started with, if any. */
export function launchLink(): Promise<string | null> {
  return invoke("launch_link");
}

/** Whether the app starts, in the tray, when the user logs in (desktop). */
export function startAtLogin(): Promise<boolean> {
  return invoke("start_at_login");
}

/** Makes the app start at login, or not; resolves with whether it now does. */
export function setStartAtLogin(enabled: boolean): Promise<boolean> {
  return invoke("set_start_at_login", { enabled });
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

export type { EventPayloads };
export { eventNames };

/** The name of an event the shell emits. */
export type EventName = keyof EventPayloads;

/** Handlers for some of the shell's events. */
export type EventHandlers = { [E in EventName]?: (payload: EventPayloads[E]) => void };

/** Stops listening (again: calling it twice is harmless). */
export type UnlistenFn = () => void;

type Handler = (payload: unknown) => void;
/** Every event's handlers, each added by one subscription. */
const handlers = new Map<EventName, Set<Handler>>();
let watching: Promise<void> | null = null;

/**
 * Opens the shell's one event channel (`watch_events`), once for the page; after a failure the
 * next subscriber tries again.
 */
function watch(): Promise<void> {
  watching ??= invoke("watch_events", {
    channel: new Channel<EventMessage>((message) => {
      for (const handler of [...(handlers.get(message.event) ?? [])]) handler(message.payload);
    }),
  }).then(
    () => undefined,
    (error: unknown) => {
      watching = null;
      throw error;
    },
  );
  return watching;
}

/** Listens for one event; resolves with the function that stops listening. */
export function onEvent<E extends EventName>(
  name: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<UnlistenFn> {
  const stop = subscribe({ [name]: handler });
  return watch().then(
    () => stop,
    (error: unknown) => {
      stop();
      throw error;
    },
  );
}

/** A new challenge is waiting. */
export const onChallengeReceived = (h: (c: Challenge) => void) => onEvent("challenge-received", h);
/** A challenge left the pending set: answered here or on another device, expired, refused. */
export const onChallengeResolved = (h: (p: Resolution) => void) => onEvent("challenge-resolved", h);
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
 * Listens for several events at once and returns the function that stops listening, for use in
 * a component's `$effect` cleanup. Handlers are in place when it returns; events flow once the
 * shell has the channel.
 */
export function subscribe(events: EventHandlers): UnlistenFn {
  const added: [EventName, Handler][] = [];
  for (const name of eventNames) {
    const handler = events[name] as Handler | undefined;
    if (!handler) continue;
    // A wrapper of its own, so the same function subscribed twice is also stopped twice.
    const entry: Handler = (payload) => handler(payload);
    let set = handlers.get(name);
    if (!set) {
      set = new Set();
      handlers.set(name, set);
    }
    set.add(entry);
    added.push([name, entry]);
  }
  watch().catch(() => undefined);
  return () => {
    for (const [name, entry] of added.splice(0)) handlers.get(name)?.delete(entry);
  };
}
