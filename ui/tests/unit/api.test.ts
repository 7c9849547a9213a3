import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import * as api from "../../src/lib/api";
import { emitShell as emit, keepEventChannel } from "./shell";

afterEach(() => clearMocks());

/** Mocks the shell, recording every command with its arguments. */
function recordCalls(answer: (cmd: string) => unknown = () => null) {
  const calls: [string, unknown][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    keepEventChannel(cmd, args);
    return answer(cmd);
  });
  return calls;
}

describe("the command wrappers", () => {
  it("call each command of the contract by its name with camelCase arguments", async () => {
    const calls = recordCalls();
    const settings = { notifications: false, pollIntervalSeconds: 10, keepInTray: true };
    await api.appVersion();
    await api.listAccounts();
    await api.previewEnrollment("signet://enroll?x");
    await api.enroll("signet://enroll?x", true);
    await api.removeAccount("a1");
    await api.setRequireBiometric("a1", false);
    await api.biometricStatus();
    await api.pendingChallenges();
    await api.approve("c1", "42");
    await api.approve("c2", null);
    await api.deny("c1", true);
    await api.deny("c2", false);
    await api.history();
    await api.settings();
    await api.updateSettings(settings);
    await api.launchLink();
    await api.startAtLogin();
    await api.setStartAtLogin(true);
    expect(calls).toEqual([
      ["app_version", {}],
      ["list_accounts", {}],
      ["preview_enrollment", { link: "signet://enroll?x" }],
      ["enroll", { link: "signet://enroll?x", requireBiometric: true }],
      ["remove_account", { accountId: "a1" }],
      ["set_require_biometric", { accountId: "a1", required: false }],
      ["biometric_status", {}],
      ["pending_challenges", {}],
      ["approve", { challengeId: "c1", verificationCode: "42" }],
      ["approve", { challengeId: "c2", verificationCode: null }],
      ["deny", { challengeId: "c1", notMe: true }],
      ["deny", { challengeId: "c2", notMe: false }],
      ["history", {}],
      ["settings", {}],
      ["update_settings", { settings }],
      ["launch_link", {}],
      ["start_at_login", {}],
      ["set_start_at_login", { enabled: true }],
    ]);
  });

  it("ask for the platform's features and read a QR code through the scanner plugin", async () => {
    const calls = recordCalls((cmd) =>
      cmd === "platform_features" ? { qrScan: true, tray: false } : { content: "signet://enroll?v=1", format: "QR_CODE" },
    );
    expect(await api.platformFeatures()).toEqual({ qrScan: true, tray: false });
    expect(await api.scanQrCode()).toBe("signet://enroll?v=1");
    expect(calls).toEqual([
      ["platform_features", {}],
      ["plugin:barcode-scanner|scan", { windowed: false, formats: ["QR_CODE"] }],
    ]);
  });

  it("pass on what the shell returns", async () => {
    recordCalls((cmd) => (cmd === "deny" ? "notMe" : "0.4.0"));
    expect(await api.appVersion()).toBe("0.4.0");
    expect(await api.deny("c1", true)).toBe("notMe");
  });

  it("reject with the shell's error object unchanged", async () => {
    mockIPC(() => {
      throw { code: "verificationCodeRequired", message: "the number is missing" };
    });
    const error: unknown = await api.approve("c1", "12").catch((e: unknown) => e);
    expect(api.isAppError(error)).toBe(true);
    expect(api.hasErrorCode(error, "verificationCodeRequired")).toBe(true);
    expect(api.hasErrorCode(error, "challengeExpired", "network")).toBe(false);
  });
});

describe("the error type guard", () => {
  it("accepts a code and a message, known code or not", () => {
    expect(api.isAppError({ code: "network", message: "offline" })).toBe(true);
    expect(api.isAppError({ code: "somethingNew", message: "later version" })).toBe(true);
  });

  it("rejects anything else", () => {
    expect(api.isAppError(null)).toBe(false);
    expect(api.isAppError("network")).toBe(false);
    expect(api.isAppError(new Error("boom"))).toBe(false);
    expect(api.isAppError({ code: 3, message: "x" })).toBe(false);
    expect(api.isAppError({ code: "network" })).toBe(false);
  });
});

describe("the event wrappers", () => {
  it("cover every event of the contract", () => {
    expect([...api.eventNames].sort()).toEqual(
      [
        "accounts-changed",
        "challenge-received",
        "challenge-resolved",
        "connection-changed",
        "enroll-link",
        "open-challenge",
      ].sort(),
    );
  });

  it("hand each listener the event's payload", async () => {
    recordCalls();
    const seen: unknown[] = [];
    const stops = await Promise.all([
      api.onChallengeReceived((c) => seen.push(["received", c.id])),
      api.onChallengeResolved((p) => seen.push(["resolved", p.challengeId, p.outcome])),
      api.onConnectionChanged((p) => seen.push(["connection", p.accountId, p.connection])),
      api.onAccountsChanged(() => seen.push(["accounts"])),
      api.onOpenChallenge((p) => seen.push(["open", p.challengeId])),
      api.onEnrollLink((p) => seen.push(["link", p.link])),
    ]);
    await emit("challenge-received", { id: "c1" } as api.Challenge);
    await emit("challenge-resolved", { challengeId: "c1", accountId: "a1", outcome: "approved", at: 1 });
    await emit("challenge-resolved", { challengeId: "c2", accountId: "a1", outcome: "expired", at: 2 });
    await emit("connection-changed", { accountId: "a1", connection: "offline" });
    await emit("accounts-changed", null);
    await emit("open-challenge", { challengeId: "c3" });
    await emit("enroll-link", { link: "signet://enroll?y" });
    expect(seen).toEqual([
      ["received", "c1"],
      ["resolved", "c1", "approved"],
      ["resolved", "c2", "expired"],
      ["connection", "a1", "offline"],
      ["accounts"],
      ["open", "c3"],
      ["link", "signet://enroll?y"],
    ]);
    await Promise.all(stops.map((stop) => stop()));
    await emit("accounts-changed", null);
    expect(seen).toHaveLength(7);
  });

  it("stop listening when subscribe's stop function is called, even before listening started", async () => {
    recordCalls();
    let count = 0;
    const stopEarly = api.subscribe({ "accounts-changed": () => (count += 100) });
    stopEarly();
    const stop = api.subscribe({ "accounts-changed": () => (count += 1) });
    await new Promise((r) => setTimeout(r, 0));
    await emit("accounts-changed", null);
    expect(count).toBe(1);
    stop();
    await new Promise((r) => setTimeout(r, 0));
    await emit("accounts-changed", null);
    expect(count).toBe(1);
  });
});
