import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import ApprovalSheet from "../../src/components/ApprovalSheet.svelte";
import Accounts from "../../src/screens/Accounts.svelte";
import Enroll from "../../src/screens/Enroll.svelte";
import Settings from "../../src/screens/Settings.svelte";
import History from "../../src/screens/History.svelte";
import type { Account, Challenge } from "../../src/lib/api";
import { argsOf, mockShell } from "./shell";

afterEach(() => {
  cleanup();
  clearMocks();
});

const now = Date.UTC(2026, 0, 15, 10, 0, 0);

function challenge(overrides: Partial<Challenge> = {}): Challenge {
  return {
    id: "ch-1",
    accountId: "acc-1",
    issuer: "Acme",
    userLabel: "alice@example.com",
    actionCode: "signIn",
    ipAddress: "203.0.113.7",
    userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    custom: null,
    expiresAt: now + 45_000,
    receivedAt: now - 1_000,
    verificationCodeRequired: false,
    ...overrides,
  };
}

function sheet(c: Challenge, extra: Record<string, unknown> = {}) {
  const handlers = { onanswered: vi.fn(), ondone: vi.fn(), onlater: vi.fn() };
  render(ApprovalSheet, { props: { challenge: c, index: 0, total: 1, now, ...handlers, ...extra } });
  return handlers;
}

function button(name: string): HTMLButtonElement {
  return screen.getByRole("button", { name }) as HTMLButtonElement;
}

describe("the approval sheet", () => {
  it("shows what is asked, for whom, from where, and the time left", () => {
    mockShell();
    sheet(challenge({ custom: { note: "New phone" } }));
    expect(screen.getByRole("dialog", { name: "Sign in to Acme?" })).toBeTruthy();
    const text = screen.getByRole("dialog").textContent ?? "";
    for (const part of ["alice@example.com", "203.0.113.7", "Firefox on Windows", "Note", "New phone"]) {
      expect(text).toContain(part);
    }
    expect(screen.getByTestId("countdown").textContent).toContain("0:45");
  });

  it("makes a payment's amount and merchant its question, not rows among others", () => {
    mockShell();
    sheet(
      challenge({
        actionCode: "approvePayment",
        custom: { amount: "120.00 EUR", merchant: "Corner Coffee", note: "Table 4" },
      }),
    );
    const dialog = screen.getByRole("dialog", { name: "Pay 120.00 EUR to Corner Coffee?" });
    const terms = [...dialog.querySelectorAll("dt")].map((dt) => dt.textContent);
    expect(terms).not.toContain("Amount");
    expect(terms).not.toContain("Merchant");
    expect(terms).toContain("Note");
    expect(dialog.textContent).toContain("Approve a payment request from Acme");
  });

  it("approves with no code when none is required", async () => {
    const calls = mockShell();
    const { onanswered } = sheet(challenge());
    await fireEvent.click(button("Approve"));
    await waitFor(() => expect(onanswered).toHaveBeenCalledWith(expect.objectContaining({ id: "ch-1" }), "approved"));
    expect(argsOf(calls, "approve")).toEqual([{ challengeId: "ch-1", verificationCode: null }]);
  });

  it("asks for the 2-digit number when required and sends what was typed", async () => {
    const calls = mockShell();
    const { onanswered } = sheet(challenge({ verificationCodeRequired: true }));
    const input = screen.getByLabelText("Number shown on the sign-in page") as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(input));
    await fireEvent.click(button("Approve"));
    expect(screen.getByRole("alert").textContent).toBe("Enter the 2-digit number shown on the sign-in page.");
    expect(argsOf(calls, "approve")).toEqual([]);
    await fireEvent.input(input, { target: { value: "7" } });
    await fireEvent.click(button("Approve"));
    expect(argsOf(calls, "approve")).toEqual([]);
    await fireEvent.input(input, { target: { value: "42" } });
    await fireEvent.click(button("Approve"));
    await waitFor(() => expect(onanswered).toHaveBeenCalled());
    expect(argsOf(calls, "approve")).toEqual([{ challengeId: "ch-1", verificationCode: "42" }]);
  });

  it("hands on a wrong number as the request's end: the server refused the sign-in (one attempt)", async () => {
    mockShell({ approveOutcome: "wrongNumber" });
    const { onanswered } = sheet(challenge({ verificationCodeRequired: true }));
    const input = screen.getByLabelText("Number shown on the sign-in page") as HTMLInputElement;
    await fireEvent.input(input, { target: { value: "13" } });
    await fireEvent.click(button("Approve"));
    await waitFor(() => expect(onanswered).toHaveBeenCalledWith(expect.anything(), "wrongNumber"));
  });

  it("denies, or reports that it wasn't the user, without asking for the number", async () => {
    const calls = mockShell();
    const { onanswered } = sheet(challenge({ verificationCodeRequired: true }));
    await fireEvent.click(button("It wasn't me"));
    await waitFor(() => expect(onanswered).toHaveBeenCalledWith(expect.anything(), "notMe"));
    expect(argsOf(calls, "deny")).toEqual([{ challengeId: "ch-1", notMe: true }]);
  });

  it("shows Expired and disables every answer once the time is up", () => {
    const calls = mockShell();
    sheet(challenge(), { now: now + 45_000 });
    expect(screen.getByTestId("countdown").textContent?.trim()).toBe("Expired");
    for (const name of ["Approve", "Deny", "It wasn't me"]) expect(button(name).disabled).toBe(true);
    expect(calls.filter((c) => c.cmd === "approve" || c.cmd === "deny")).toEqual([]);
  });

  it("can no longer be answered once the shell says the request expired", async () => {
    mockShell({ errors: { approve: { code: "challengeExpired", message: "expired" } } });
    const { ondone } = sheet(challenge());
    await fireEvent.click(button("Approve"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/expired/);
    expect(button("Approve").disabled).toBe(true);
    await fireEvent.click(screen.getAllByRole("button", { name: "Close" })[1]!);
    expect(ondone).toHaveBeenCalled();
  });

  it("lets a cancelled fingerprint check change nothing", async () => {
    mockShell({ errors: { approve: { code: "biometricCancelled", message: "cancelled" } } });
    const { onanswered } = sheet(challenge());
    await fireEvent.click(button("Approve"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Nothing was sent/);
    expect(button("Approve").disabled).toBe(false);
    expect(onanswered).not.toHaveBeenCalled();
  });

  it("closes on Escape without answering", async () => {
    const calls = mockShell();
    const { onlater, onanswered } = sheet(challenge());
    await fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(onlater).toHaveBeenCalled();
    expect(onanswered).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
  });
});

const account: Account = {
  id: "acc-1",
  issuer: "Acme",
  userLabel: "alice@example.com",
  serverHost: "login.acme.example",
  requireBiometric: false,
  createdAt: now - 86_400_000,
  lastUsedAt: null,
  connection: "connecting",
  pausedUntil: null,
};

describe("the accounts screen", () => {
  it("lists accounts with their server, use and connection", async () => {
    mockShell({ accounts: [account] });
    render(Accounts, { props: { biometric: { available: true, reason: null }, onadd: vi.fn() } });
    expect((await screen.findByRole("heading", { level: 2 })).textContent).toBe("Accounts");
    const item = screen.getByRole("listitem", { name: "Acme" });
    for (const part of ["alice@example.com", "login.acme.example", "Not used yet", "Connecting…"]) {
      expect(item.textContent).toContain(part);
    }
  });

  it("shows no biometric switch on a card when the device has none (Settings says it once)", async () => {
    mockShell({ accounts: [account, { ...account, id: "acc-2", issuer: "Globex" }] });
    render(Accounts, {
      props: { biometric: { available: false, reason: "This computer has no fingerprint reader." }, onadd: vi.fn() },
    });
    await screen.findByRole("heading", { name: "Globex" });
    expect(screen.queryByRole("switch")).toBeNull();
    expect(screen.queryByText(/fingerprint/)).toBeNull();
  });

  it("keeps the switch, to turn it off, on an account that still asks for a biometric the device lacks", async () => {
    const calls = mockShell({ accounts: [{ ...account, requireBiometric: true }] });
    render(Accounts, { props: { biometric: { available: false, reason: null }, onadd: vi.fn() } });
    const toggle = (await screen.findByRole("switch")) as HTMLInputElement;
    expect(toggle.disabled).toBe(false);
    await fireEvent.click(toggle);
    await waitFor(() => expect(argsOf(calls, "set_require_biometric")).toEqual([{ accountId: "acc-1", required: false }]));
  });

  it("turns the biometric requirement on for one account", async () => {
    const calls = mockShell({ accounts: [account] });
    render(Accounts, { props: { biometric: { available: true, reason: null }, onadd: vi.fn() } });
    const toggle = (await screen.findByRole("switch")) as HTMLInputElement;
    await fireEvent.click(toggle);
    await waitFor(() => expect(argsOf(calls, "set_require_biometric")).toEqual([{ accountId: "acc-1", required: true }]));
    await waitFor(() => expect(toggle.checked).toBe(true));
  });

  it("removes an account only after confirmation", async () => {
    const calls = mockShell({ accounts: [account] });
    render(Accounts, { props: { biometric: null, onadd: vi.fn() } });
    await fireEvent.click(await screen.findByRole("button", { name: "Remove Acme (alice@example.com)" }));
    expect(argsOf(calls, "remove_account")).toEqual([]);
    const confirm = screen.getByRole("button", { name: "Remove account" });
    expect(document.activeElement).toBe(confirm);
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(argsOf(calls, "remove_account")).toEqual([]);
    await fireEvent.click(screen.getByRole("button", { name: "Remove Acme (alice@example.com)" }));
    await fireEvent.click(screen.getByRole("button", { name: "Remove account" }));
    await screen.findByRole("heading", { name: "No accounts yet" });
    expect(argsOf(calls, "remove_account")).toEqual([{ accountId: "acc-1" }]);
  });

  it("follows connection changes and account list changes from the shell", async () => {
    const fixture = { accounts: [account] };
    mockShell(fixture);
    const { emitShell: emit } = await import("./shell");
    render(Accounts, { props: { biometric: null, onadd: vi.fn() } });
    await screen.findByText("Connecting…", { exact: false });
    await new Promise((r) => setTimeout(r, 0));
    await emit("connection-changed", { accountId: "acc-1", connection: "connected" });
    await screen.findByText("Connected", { exact: false });
    fixture.accounts = [];
    await emit("accounts-changed", null);
    await screen.findByRole("heading", { name: "No accounts yet" });
  });

  it("updates the last use from the shell's news of an answer, without reopening the screen", async () => {
    const fixture = { accounts: [account] };
    mockShell(fixture);
    const { emitShell: emit } = await import("./shell");
    render(Accounts, { props: { biometric: null, onadd: vi.fn() } });
    await screen.findByText("Not used yet");
    await new Promise((r) => setTimeout(r, 0));
    fixture.accounts = [{ ...account, lastUsedAt: Date.now() }];
    await emit("challenge-resolved", { challengeId: "ch-1", accountId: "acc-1", outcome: "approved", at: Date.now() });
    await screen.findByText("Last used", { exact: false });
    expect(screen.queryByText("Not used yet")).toBeNull();
  });

  it("says an account the server no longer knows needs enrolling again, and offers to, instead of Offline", async () => {
    const fixture = { accounts: [{ ...account, connection: "connected" as const }] };
    mockShell(fixture);
    const { emitShell: emit } = await import("./shell");
    const onadd = vi.fn();
    render(Accounts, { props: { biometric: null, onadd } });
    await screen.findByText("Connected", { exact: false });
    expect(screen.queryByTestId("account-needs-enrollment")).toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    await emit("connection-changed", { accountId: "acc-1", connection: "needsEnrollment" });
    const notice = await screen.findByTestId("account-needs-enrollment");
    expect(notice.textContent).toContain("new enrollment link");
    const item = screen.getByRole("listitem", { name: "Acme" });
    expect(item.textContent).toContain("Needs to be enrolled again");
    expect(item.textContent).not.toContain("Offline");
    await fireEvent.click(screen.getByRole("button", { name: "Enroll Acme (alice@example.com) again" }));
    expect(onadd).toHaveBeenCalledOnce();
  });

  it("shows the pause after \"It wasn't me\" with what is left of it", async () => {
    mockShell({ accounts: [{ ...account, pausedUntil: Date.now() + 299_500 }] });
    render(Accounts, { props: { biometric: null, onadd: vi.fn() } });
    const paused = await screen.findByTestId("account-paused");
    expect(paused.textContent).toContain("Sign-ins paused for 5:00");
    expect(paused.textContent).toContain("wasn't you");
  });
});

describe("the enroll screen", () => {
  const preview = { issuer: "Acme", userLabel: "alice", serverHost: "login.acme.example", secure: true, existingAccountId: null };

  it("shows issuer, user and server before adding, and adds only on request", async () => {
    const calls = mockShell({ preview, enrolled: account });
    const onenrolled = vi.fn();
    render(Enroll, { props: { biometric: { available: true, reason: null }, onenrolled } });
    await fireEvent.input(screen.getByLabelText("Enrollment link"), { target: { value: " signet://enroll?a " } });
    await fireEvent.click(screen.getByRole("button", { name: "Check link" }));
    const card = (await screen.findByRole("heading", { name: "Add this account?" })).closest("section")!;
    expect(card.textContent).toContain("login.acme.example");
    expect(card.textContent).not.toContain("Not https");
    expect(argsOf(calls, "enroll")).toEqual([]);
    await fireEvent.click(screen.getByRole("switch"));
    await fireEvent.click(screen.getByRole("button", { name: "Add account" }));
    await waitFor(() => expect(onenrolled).toHaveBeenCalled());
    expect(argsOf(calls, "enroll")).toEqual([{ link: "signet://enroll?a", requireBiometric: true }]);
  });

  it("warns when the server does not use https", async () => {
    mockShell({ preview: { ...preview, secure: false, existingAccountId: null } });
    render(Enroll, { props: { initialLink: "signet://enroll?b", biometric: null, onenrolled: vi.fn() } });
    expect((await screen.findByRole("note")).textContent).toMatch(/doesn't use https/);
  });

  it("says in words what is wrong with a bad link", async () => {
    mockShell({ errors: { preview_enrollment: { code: "invalidLink", message: "bad" } } });
    render(Enroll, { props: { initialLink: "hello", biometric: null, onenrolled: vi.fn() } });
    expect((await screen.findByRole("alert")).textContent).toMatch(/doesn't look like a Signet enrollment link/);
    expect(screen.queryByRole("button", { name: "Add account" })).toBeNull();
  });

  it("gives each enrollment failure its own words, none of them about an existing account", async () => {
    const expected: [string, RegExp][] = [
      ["linkAlreadyUsed", /already been used/],
      ["linkExpired", /has expired/],
      ["linkNotForThisServer", /server in this link doesn't recognise it/],
      ["network", /Couldn't reach the server/],
      ["insecureServer", /secure \(https\)/],
    ];
    const seen = new Set<string>();
    for (const [code, words] of expected) {
      mockShell({ errors: { preview_enrollment: { code, message: "x" } } });
      const { unmount } = render(Enroll, { props: { initialLink: "signet://enroll?e", biometric: null, onenrolled: vi.fn() } });
      const alert = await screen.findByRole("alert");
      expect(alert.textContent).toMatch(words);
      expect(alert.textContent).not.toMatch(/Remove the account/);
      seen.add(alert.textContent ?? "");
      unmount();
    }
    expect(seen.size).toBe(expected.length);
  });

  it("shows a link's error under its field, and clears it when the field changes", async () => {
    mockShell({ errors: { preview_enrollment: { code: "linkExpired", message: "expired" } } });
    render(Enroll, { props: { initialLink: "signet://enroll?f", biometric: null, onenrolled: vi.fn() } });
    const field = screen.getByLabelText("Enrollment link");
    const alert = await screen.findByRole("alert");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(field.getAttribute("aria-describedby")).toBe(alert.id);
    expect(alert.closest(".field")).toBe(field.closest(".field"));
    await fireEvent.input(field, { target: { value: "signet://enroll?g" } });
    expect(screen.queryByRole("alert")).toBeNull();
    expect(field.getAttribute("aria-invalid")).toBeNull();
  });

  it("moves a link refused when adding back to the field, with its own words", async () => {
    mockShell({ preview, errors: { enroll: { code: "linkAlreadyUsed", message: "used" } } });
    render(Enroll, { props: { initialLink: "signet://enroll?h", biometric: null, onenrolled: vi.fn() } });
    await fireEvent.click(await screen.findByRole("button", { name: "Add account" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/already been used/);
    expect(alert.closest(".field")).toBe(screen.getByLabelText("Enrollment link").closest(".field"));
  });

  it("names no service when the link has none, instead of repeating the server", async () => {
    mockShell({ preview: { ...preview, issuer: null, userLabel: null } });
    render(Enroll, { props: { initialLink: "signet://enroll?i", biometric: null, onenrolled: vi.fn() } });
    const card = (await screen.findByRole("heading", { name: "Add this account?" })).closest("section")!;
    const terms = [...card.querySelectorAll("dt")].map((dt) => dt.textContent);
    expect(terms).toEqual(["Server"]);
    expect(card.textContent?.match(/login\.acme\.example/g)?.length).toBe(1);
  });

  it("offers to replace the same user's account instead of adding a second card", async () => {
    const calls = mockShell({ preview: { ...preview, existingAccountId: "acc-1" }, enrolled: account });
    const onenrolled = vi.fn();
    render(Enroll, { props: { initialLink: "signet://enroll?j", biometric: null, onenrolled } });
    await screen.findByRole("heading", { name: "Replace this account?" });
    expect(screen.getByTestId("enroll-existing").textContent).toMatch(/Already on this device/);
    expect(screen.queryByRole("button", { name: "Add account" })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Replace account" }));
    await waitFor(() => expect(onenrolled).toHaveBeenCalled());
    expect(argsOf(calls, "replace_account")).toEqual([
      { accountId: "acc-1", link: "signet://enroll?j", requireBiometric: false },
    ]);
    expect(argsOf(calls, "enroll")).toEqual([]);
  });

  it("shows no biometric switch when the device has none", async () => {
    mockShell({ preview });
    render(Enroll, {
      props: { initialLink: "signet://enroll?k", biometric: { available: false, reason: null }, onenrolled: vi.fn() },
    });
    await screen.findByRole("heading", { name: "Add this account?" });
    expect(screen.queryByRole("switch")).toBeNull();
  });

  it("forgets the preview when the link is edited", async () => {
    mockShell({ preview });
    render(Enroll, { props: { initialLink: "signet://enroll?c", biometric: null, onenrolled: vi.fn() } });
    await screen.findByRole("heading", { name: "Add this account?" });
    await fireEvent.input(screen.getByLabelText("Enrollment link"), { target: { value: "signet://enroll?d" } });
    expect(screen.queryByRole("heading", { name: "Add this account?" })).toBeNull();
  });
});

describe("the settings screen", () => {
  it("says once that this device has no fingerprint or face check", async () => {
    mockShell();
    render(Settings, { props: { version: "1.0.0", biometric: { available: false, reason: null } } });
    const card = await screen.findByTestId("settings-biometric");
    expect(card.textContent).toMatch(/no fingerprint or face check/);
    expect(screen.getAllByText(/Version 1\.0\.0/).length).toBe(1);
  });

  it("refuses a poll interval outside 1 to 60 seconds without saving", async () => {
    const calls = mockShell({ settings: { notifications: true, pollIntervalSeconds: 5, keepInTray: true } });
    render(Settings, { props: { version: "1.0.0" } });
    const field = (await screen.findByLabelText("Check for requests every (seconds)")) as HTMLInputElement;
    expect(field.value).toBe("5");
    await fireEvent.input(field, { target: { value: "90" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect(screen.getByRole("alert").textContent).toBe("Choose between 1 and 60 seconds.");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(argsOf(calls, "update_settings")).toEqual([]);
  });

  it("saves notifications and the poll interval", async () => {
    const calls = mockShell({ settings: { notifications: true, pollIntervalSeconds: 5, keepInTray: true } });
    render(Settings, { props: { version: "1.0.0" } });
    const field = await screen.findByLabelText("Check for requests every (seconds)");
    await fireEvent.click(screen.getByRole("switch", { name: "Notify me about new requests" }));
    await fireEvent.input(field, { target: { value: "12" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await screen.findByText("Settings saved.");
    expect(argsOf(calls, "update_settings")).toEqual([
      { settings: { notifications: false, pollIntervalSeconds: 12, keepInTray: true } },
    ]);
    expect(screen.getByText(/Version 1.0.0/)).toBeTruthy();
  });

  it("on a desktop, saves keeping the app in the tray and starting at login", async () => {
    const calls = mockShell({ tray: true, startAtLogin: false });
    render(Settings, { props: { version: "1.0.0" } });
    const keep = (await screen.findByRole("switch", {
      name: "Keep running in the tray when the window is closed",
    })) as HTMLInputElement;
    expect(keep.checked).toBe(true);
    const atLogin = screen.getByRole("switch", { name: "Start at login" }) as HTMLInputElement;
    expect(atLogin.checked).toBe(false);
    await fireEvent.click(keep);
    await fireEvent.click(atLogin);
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await screen.findByText("Settings saved.");
    expect(argsOf(calls, "update_settings")).toEqual([
      { settings: { notifications: true, pollIntervalSeconds: 3, keepInTray: false } },
    ]);
    expect(argsOf(calls, "set_start_at_login")).toEqual([{ enabled: true }]);
  });

  it("leaves starting at login alone when it was not changed", async () => {
    const calls = mockShell({ tray: true, startAtLogin: true });
    render(Settings, { props: { version: "1.0.0" } });
    const atLogin = (await screen.findByRole("switch", { name: "Start at login" })) as HTMLInputElement;
    expect(atLogin.checked).toBe(true);
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await screen.findByText("Settings saved.");
    expect(argsOf(calls, "set_start_at_login")).toEqual([]);
  });

  it("says in words when the system refuses to start the app at login", async () => {
    mockShell({ tray: true, errors: { set_start_at_login: { code: "startAtLogin", message: "no" } } });
    render(Settings, { props: { version: "1.0.0" } });
    await fireEvent.click(await screen.findByRole("switch", { name: "Start at login" }));
    await fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Couldn't change whether Signet starts when you log in");
  });

  it("on a phone, shows neither the tray nor the start at login switch", async () => {
    const calls = mockShell({});
    render(Settings, { props: { version: "1.0.0" } });
    await screen.findByRole("switch", { name: "Notify me about new requests" });
    expect(screen.queryByRole("switch", { name: "Start at login" })).toBeNull();
    expect(screen.queryByRole("switch", { name: "Keep running in the tray when the window is closed" })).toBeNull();
    expect(argsOf(calls, "start_at_login")).toEqual([]);
  });
});

describe("the history screen", () => {
  it("lists outcomes with when and where from", async () => {
    mockShell({
      history: [
        {
          challengeId: "h1",
          accountId: "acc-1",
          issuer: "Acme",
          userLabel: "alice",
          actionCode: "signIn",
          ipAddress: "192.0.2.1",
          userAgent: null,
          custom: null,
          outcome: "notMe",
          at: now,
        },
      ],
    });
    render(History);
    const item = await screen.findByRole("listitem");
    expect(item.textContent).toContain("Reported: it wasn't me");
    expect(item.textContent).toContain("192.0.2.1");
    expect(item.querySelector("time")?.getAttribute("datetime")).toBe("2026-01-15T10:00:00.000Z");
  });

  it("says when there is nothing yet", async () => {
    mockShell();
    render(History);
    await screen.findByText(/No requests yet/);
  });
});
