import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../../src/App.svelte";
import type { Challenge } from "../../src/lib/api";
import { argsOf, emitShell as emit, mockShell } from "./shell";

afterEach(() => {
  cleanup();
  clearMocks();
});

function challenge(overrides: Partial<Challenge> = {}): Challenge {
  const now = Date.now();
  return {
    id: "ch-1",
    accountId: "acc-1",
    issuer: "Acme",
    userLabel: "alice@example.com",
    actionCode: "signIn",
    ipAddress: "203.0.113.7",
    userAgent: null,
    custom: null,
    expiresAt: now + 120_000,
    receivedAt: now - 1_000,
    verificationCodeRequired: false,
    ...overrides,
  };
}

describe("the first screen", () => {
  it("says there are no accounts yet and shows the version the shell reports", async () => {
    mockShell({ version: "9.8.7" });
    render(App);
    const heading = await screen.findByRole("heading", { name: "No accounts yet" });
    expect(heading.id).toBe("accounts-title");
    expect((await screen.findByTestId("app-version")).textContent).toBe("Version 9.8.7");
  });

  it("says the version is unavailable when the shell call fails", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_version") throw { code: "internal", message: "no version" };
        if (cmd === "launch_link") return null;
        if (cmd === "watch_events") return null;
        return cmd === "biometric_status" ? { available: false, reason: null } : [];
      },
    );
    render(App);
    expect((await screen.findByText("Version unavailable")).getAttribute("role")).toBe("alert");
  });

  it("switches screens from the navigation and marks the current one", async () => {
    mockShell();
    render(App);
    const nav = screen.getByRole("navigation", { name: "Main" });
    await fireEvent.click(within(nav).getByRole("button", { name: "History" }));
    const title = await screen.findByRole("heading", { name: "History", level: 2 });
    expect(document.activeElement).toBe(title);
    expect(within(nav).getByRole("button", { name: "History" }).getAttribute("aria-current")).toBe("page");
    expect(within(nav).getByRole("button", { name: "Accounts" }).getAttribute("aria-current")).toBeNull();
    await fireEvent.click(within(nav).getByRole("button", { name: "Settings" }));
    await screen.findByRole("heading", { name: "Settings", level: 2 });
  });
});

describe("sign-in requests", () => {
  it("open the approval sheet at start when one is pending, with focus inside it", async () => {
    mockShell({ pending: [challenge()] });
    render(App);
    const sheet = await screen.findByRole("dialog", { name: "Sign in to Acme?" });
    await waitFor(() => expect(sheet.contains(document.activeElement)).toBe(true));
  });

  it("open the approval sheet and are announced when the shell reports a new one", async () => {
    mockShell();
    render(App);
    await screen.findByRole("heading", { name: "No accounts yet" });
    await emit("challenge-received", challenge({ issuer: "Globex" }));
    await screen.findByRole("dialog", { name: "Sign in to Globex?" });
    await waitFor(() =>
      expect(screen.getByTestId("announcer").textContent).toBe("New sign-in request from Globex."),
    );
  });

  it("close on Escape without answering, and can be reviewed again", async () => {
    const calls = mockShell({ pending: [challenge()] });
    render(App);
    const sheet = await screen.findByRole("dialog");
    await fireEvent.keyDown(sheet, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(argsOf(calls, "approve")).toEqual([]);
    expect(argsOf(calls, "deny")).toEqual([]);
    await fireEvent.click(await screen.findByRole("button", { name: "Review" }));
    await screen.findByRole("dialog", { name: "Sign in to Acme?" });
  });

  it("are shown one at a time, and the next one follows an answer", async () => {
    const calls = mockShell({
      pending: [challenge(), challenge({ id: "ch-2", issuer: "Globex", receivedAt: Date.now() })],
    });
    render(App);
    await screen.findByRole("dialog", { name: "Sign in to Acme?" });
    expect(screen.getByText("Request 1 of 2")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Deny" }));
    await screen.findByRole("dialog", { name: "Sign in to Globex?" });
    expect(screen.queryByText(/of 2/)).toBeNull();
    expect(argsOf(calls, "deny")).toEqual([{ challengeId: "ch-1", notMe: false }]);
    await fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(argsOf(calls, "approve")).toEqual([{ challengeId: "ch-2", verificationCode: null }]);
    const confirmation = screen.getByTestId("confirmation");
    await waitFor(() =>
      expect(confirmation.textContent).toContain("Approved — you can return to the website"),
    );
    expect(confirmation.getAttribute("role")).toBe("status");
    expect(confirmation.getAttribute("aria-live")).toBe("polite");
    expect(confirmation.textContent).toContain("Sign-in request from Globex");
  });

  it("drop the last answer's confirmation when the next one is refused for a wrong number", async () => {
    mockShell({
      pending: [challenge(), challenge({ id: "ch-2", issuer: "Globex", receivedAt: Date.now() })],
      approveOutcome: "wrongNumber",
    });
    render(App);
    await screen.findByRole("dialog", { name: "Sign in to Acme?" });
    await fireEvent.click(screen.getByRole("button", { name: "Deny" }));
    const confirmation = screen.getByTestId("confirmation");
    await waitFor(() => expect(confirmation.textContent?.trim()).toMatch(/^Denied/));
    await screen.findByRole("dialog", { name: "Sign in to Globex?" });
    await fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(screen.getByTestId("flash").textContent).toContain("Sign-in to Globex refused"));
    expect(confirmation.textContent?.trim()).toBe("");
  });

  it("confirm an answer for a few seconds, then the confirmation goes by itself", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      mockShell({ pending: [challenge()] });
      render(App);
      await screen.findByRole("dialog", { name: "Sign in to Acme?" });
      await fireEvent.click(screen.getByRole("button", { name: "Deny" }));
      await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
      const confirmation = screen.getByTestId("confirmation");
      await waitFor(() => expect(confirmation.textContent?.trim()).toMatch(/^Denied/));
      await vi.advanceTimersByTimeAsync(3_000);
      expect(confirmation.textContent).toContain("Denied");
      await vi.advanceTimersByTimeAsync(4_000);
      expect(confirmation.textContent?.trim()).toBe("");
      expect(confirmation.isConnected).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("close with a message when answered on another device while shown", async () => {
    mockShell({ pending: [challenge()] });
    render(App);
    await screen.findByRole("dialog");
    await emit("challenge-resolved", {
      challengeId: "ch-1",
      accountId: "acc-1",
      outcome: "answeredElsewhere",
      at: Date.now(),
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getByTestId("flash").textContent).toBe(
      "The sign-in request from Acme was answered on another device.",
    );
  });

  it("close with a message when the shell says it expired, whatever the local clock says", async () => {
    mockShell({ pending: [challenge()] });
    render(App);
    await screen.findByRole("dialog");
    await emit("challenge-resolved", { challengeId: "ch-1", accountId: "acc-1", outcome: "expired", at: Date.now() });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getByTestId("flash").textContent).toMatch(/expired before it was answered/);
  });

  it("leave the shell's news of this device's own answer to the sheet", async () => {
    mockShell({ pending: [challenge(), challenge({ id: "ch-2", issuer: "Globex", receivedAt: Date.now() })] });
    render(App);
    await screen.findByRole("dialog", { name: "Sign in to Acme?" });
    await emit("challenge-resolved", { challengeId: "ch-1", accountId: "acc-1", outcome: "approved", at: Date.now() });
    expect(screen.getByText("Request 1 of 2")).toBeTruthy();
    // Another request, not shown, ends: it leaves the queue without a word.
    await emit("challenge-resolved", { challengeId: "ch-2", accountId: "acc-1", outcome: "expired", at: Date.now() });
    await waitFor(() => expect(screen.queryByText(/of 2/)).toBeNull());
    expect(screen.getByRole("dialog", { name: "Sign in to Acme?" })).toBeTruthy();
    expect(screen.queryByTestId("flash")).toBeNull();
  });

  it("open from a notification tap, fetching the request if it is not known yet", async () => {
    const fixture = { pending: [] as Challenge[] };
    mockShell(fixture);
    render(App);
    await screen.findByRole("heading", { name: "No accounts yet" });
    fixture.pending = [challenge({ id: "ch-9", issuer: "Initech" })];
    await emit("open-challenge", { challengeId: "ch-9" });
    await screen.findByRole("dialog", { name: "Sign in to Initech?" });
  });
});

describe("deep links", () => {
  it("open the enroll screen with the link checked", async () => {
    const calls = mockShell({
      preview: { issuer: "Acme", userLabel: "alice", serverHost: "login.acme.example", secure: true, existingAccountId: null },
    });
    render(App);
    await screen.findByRole("heading", { name: "No accounts yet" });
    await emit("enroll-link", { link: "signet://enroll?v=1&x=y" });
    await screen.findByRole("heading", { name: "Add this account?" });
    expect((screen.getByLabelText("Enrollment link") as HTMLTextAreaElement).value).toBe("signet://enroll?v=1&x=y");
    expect(argsOf(calls, "preview_enrollment")).toEqual([{ link: "signet://enroll?v=1&x=y" }]);
    expect(argsOf(calls, "enroll")).toEqual([]);
  });

  it("open the enroll screen with the link the app was started with", async () => {
    const calls = mockShell({
      launchLink: "signet://enroll?v=1&x=z",
      preview: { issuer: "Acme", userLabel: "alice", serverHost: "login.acme.example", secure: true, existingAccountId: null },
    });
    render(App);
    await screen.findByRole("heading", { name: "Add this account?" });
    expect((screen.getByLabelText("Enrollment link") as HTMLTextAreaElement).value).toBe("signet://enroll?v=1&x=z");
    expect(argsOf(calls, "preview_enrollment")).toEqual([{ link: "signet://enroll?v=1&x=z" }]);
  });
});
