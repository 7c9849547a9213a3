// A stand-in for the Rust shell's commands, run inside the page by the harness (serialised with
// toString(), so it is self-contained: everything it knows comes from `fixture`, which it also
// uses as its state). It follows the contract generated from src-tauri (src/lib/bindings.ts):
// every command of `Commands` has a handler here with its arguments and result types, so a
// command, argument or type renamed in the shell fails the UI's type check.
import type { Commands } from "../../src/lib/bindings";
import type {
  Account,
  AppError,
  BiometricStatus,
  Challenge,
  EnrollmentPreview,
  HistoryEntry,
  Settings,
} from "../../src/lib/api";

/** What the mocked shell knows. */
export interface ShellFixture {
  version?: string;
  accounts?: Account[];
  pending?: Challenge[];
  history?: HistoryEntry[];
  settings?: Settings;
  biometric?: BiometricStatus;
  /** What `preview_enrollment` answers (for any link). */
  preview?: EnrollmentPreview;
  /** What `enroll` adds. */
  enrolled?: Account;
  /** Whether the platform has a QR scanner, and what it reads. */
  qrScan?: string;
  /** Whether the platform has a tray (desktop), and whether the app starts at login there. */
  tray?: boolean;
  startAtLogin?: boolean;
  /** The signet:// link the app was started with. */
  launchLink?: string;
  /** What `approve` resolves with (default "approved"), e.g. "wrongNumber". */
  approveOutcome?: Commands["approve"]["result"];
  /** How long (ms) the server pauses an account's sign-ins after "It wasn't me" (none: no pause). */
  notMePauseMs?: number;
  /** Commands that fail, with the error they reject with. */
  errors?: Record<string, AppError>;
}

/** One handler per shell command, typed by the contract. */
export type ShellHandlers = {
  [C in keyof Commands]: (args: Commands[C]["args"]) => Commands[C]["result"];
};

export function shellMock(cmd: string, args: unknown, fixture: unknown): unknown {
  const f = fixture as ShellFixture;
  const failure = f.errors?.[cmd];
  if (failure) throw failure;
  const handlers: ShellHandlers = {
    app_version: () => f.version ?? "1.2.3",
    // The channel itself is kept by the mock's installer (tauri-mocks.ts, tests/unit/shell.ts).
    watch_events: () => null,
    list_accounts: () => f.accounts ?? [],
    preview_enrollment: () => {
      if (!f.preview) throw { code: "invalidLink", message: "not a link" };
      return f.preview;
    },
    enroll: ({ requireBiometric }) => {
      if (!f.enrolled) throw { code: "internal", message: "no account to enroll" };
      const account = { ...f.enrolled, requireBiometric };
      f.accounts = [account, ...(f.accounts ?? [])];
      return account;
    },
    replace_account: ({ accountId, requireBiometric }) => {
      if (!f.enrolled) throw { code: "internal", message: "no account to enroll" };
      const account = { ...f.enrolled, requireBiometric };
      f.accounts = [account, ...(f.accounts ?? []).filter((x) => x.id !== accountId)];
      return account;
    },
    remove_account: ({ accountId }) => {
      f.accounts = (f.accounts ?? []).filter((x) => x.id !== accountId);
      return null;
    },
    set_require_biometric: ({ accountId, required }) => {
      const found = (f.accounts ?? []).find((x) => x.id === accountId);
      if (!found) throw { code: "accountNotFound", message: "no such account" };
      found.requireBiometric = required;
      return found;
    },
    biometric_status: () => f.biometric ?? { available: true, reason: null },
    pending_challenges: () => f.pending ?? [],
    approve: ({ challengeId }) => {
      f.pending = (f.pending ?? []).filter((c) => c.id !== challengeId);
      return f.approveOutcome ?? "approved";
    },
    deny: ({ challengeId, notMe }) => {
      const denied = (f.pending ?? []).find((c) => c.id === challengeId);
      const account = (f.accounts ?? []).find((a) => a.id === denied?.accountId);
      if (notMe && account && f.notMePauseMs !== undefined) account.pausedUntil = Date.now() + f.notMePauseMs;
      f.pending = (f.pending ?? []).filter((c) => c.id !== challengeId);
      return notMe ? "notMe" : "denied";
    },
    platform_features: () => ({ qrScan: f.qrScan !== undefined, tray: f.tray ?? false }),
    history: () => f.history ?? [],
    settings: () => f.settings ?? { notifications: true, pollIntervalSeconds: 3, keepInTray: true },
    update_settings: ({ settings }) => {
      f.settings = settings;
      return f.settings;
    },
    launch_link: () => f.launchLink ?? null,
    start_at_login: () => f.startAtLogin ?? false,
    set_start_at_login: ({ enabled }) => {
      f.startAtLogin = enabled;
      return enabled;
    },
  };
  if (cmd === "plugin:barcode-scanner|scan") {
    if (f.qrScan === undefined) throw { code: "internal", message: "no scanner" };
    return { content: f.qrScan, format: "QR_CODE" };
  }
  if (!Object.hasOwn(handlers, cmd)) throw { code: "internal", message: `unknown command ${cmd}` };
  const handler = handlers[cmd as keyof Commands] as (args: unknown) => unknown;
  return handler(args ?? {});
}
