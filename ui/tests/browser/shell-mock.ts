// A stand-in for the Rust shell's commands, run inside the page by the harness (serialised with
// toString(), so it is self-contained: everything it knows comes from `fixture`, which it also
// uses as its state). It follows the shell's commands and events in src-tauri/src/commands.rs
// and src-tauri/src/events.rs.
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
  /** Commands that fail, with the error they reject with. */
  errors?: Record<string, AppError>;
}

export function shellMock(cmd: string, args: unknown, fixture: unknown): unknown {
  const f = fixture as ShellFixture;
  const a = (args ?? {}) as Record<string, unknown>;
  const failure = f.errors?.[cmd];
  if (failure) throw failure;
  switch (cmd) {
    case "app_version":
      return f.version ?? "1.2.3";
    case "list_accounts":
      return f.accounts ?? [];
    case "preview_enrollment":
      if (!f.preview) throw { code: "invalidLink", message: "not a link" };
      return f.preview;
    case "enroll": {
      if (!f.enrolled) throw { code: "internal", message: "no account to enroll" };
      const account = { ...f.enrolled, requireBiometric: a.requireBiometric === true };
      f.accounts = [account, ...(f.accounts ?? [])];
      return account;
    }
    case "remove_account":
      f.accounts = (f.accounts ?? []).filter((x) => x.id !== a.accountId);
      return null;
    case "set_require_biometric": {
      const found = (f.accounts ?? []).find((x) => x.id === a.accountId);
      if (!found) throw { code: "accountNotFound", message: "no such account" };
      found.requireBiometric = a.required === true;
      return found;
    }
    case "biometric_status":
      return f.biometric ?? { available: true, reason: null };
    case "pending_challenges":
      return f.pending ?? [];
    case "approve":
      f.pending = (f.pending ?? []).filter((c) => c.id !== a.challengeId);
      return "approved";
    case "deny":
      f.pending = (f.pending ?? []).filter((c) => c.id !== a.challengeId);
      return a.notMe === true ? "notMe" : "denied";
    case "platform_features":
      return { qrScan: f.qrScan !== undefined };
    case "plugin:barcode-scanner|scan":
      if (f.qrScan === undefined) throw { code: "internal", message: "no scanner" };
      return { content: f.qrScan, format: "QR_CODE" };
    case "history":
      return f.history ?? [];
    case "settings":
      return f.settings ?? { notifications: true, pollIntervalSeconds: 3 };
    case "update_settings":
      f.settings = a.settings as Settings;
      return f.settings;
    default:
      throw { code: "internal", message: `unknown command ${cmd}` };
  }
}
