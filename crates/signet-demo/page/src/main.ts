// The demo page: a relying party's sign-in with Signet's push, through Authsignal's browser SDK.
import "./style.css";
import { Authsignal } from "@authsignal/browser";
import QRCode from "qrcode";
import * as api from "./api";
import { DemoError, type DemoConfig, type Tracked, type Validated } from "./api";
import { startChallenge, waitForOutcome, type Outcome } from "./push";

const USER_KEY = "signet-demo.userId";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const ui = {
  userId: element<HTMLInputElement>("user-id"),
  numberMatching: element<HTMLInputElement>("number-matching"),
  enroll: element<HTMLButtonElement>("enroll"),
  signIn: element<HTMLButtonElement>("sign-in"),
  pay: element<HTMLButtonElement>("pay"),
  amount: element<HTMLInputElement>("amount"),
  merchant: element<HTMLInputElement>("merchant"),
  error: element<HTMLDivElement>("error"),
  enrollment: element<HTMLElement>("enrollment"),
  qr: element<HTMLImageElement>("qr"),
  link: element<HTMLTextAreaElement>("link"),
  copy: element<HTMLButtonElement>("copy"),
  copyStatus: element<HTMLSpanElement>("copy-status"),
  enrollValidity: element<HTMLParagraphElement>("enroll-validity"),
  enrollCountdown: element<HTMLSpanElement>("enroll-countdown"),
  challenge: element<HTMLElement>("challenge"),
  challengeHeading: element<HTMLHeadingElement>("challenge-heading"),
  challengeStatus: element<HTMLParagraphElement>("challenge-status"),
  offerEnroll: element<HTMLDivElement>("offer-enroll"),
  enrollInstead: element<HTMLButtonElement>("enroll-instead"),
  numberBox: element<HTMLDivElement>("number-box"),
  number: element<HTMLParagraphElement>("number"),
  challengeTimer: element<HTMLParagraphElement>("challenge-timer"),
  challengeCountdown: element<HTMLSpanElement>("challenge-countdown"),
  outcome: element<HTMLParagraphElement>("outcome"),
  validation: element<HTMLDivElement>("validation"),
  validationList: element<HTMLDListElement>("validation-list"),
};

let config: DemoConfig | undefined;
let sdk: Authsignal | undefined;
let baseUrl = "";
let enrollTimer: ReturnType<typeof setInterval> | undefined;
let challengeTimer: ReturnType<typeof setInterval> | undefined;

/** Loads the configuration once and starts the SDK with it. */
async function ready(): Promise<{ config: DemoConfig; sdk: Authsignal }> {
  if (config && sdk) return { config, sdk };
  const loaded = await api.loadConfig();
  baseUrl = new URL(loaded.baseUrl, window.location.href).href.replace(/\/+$/, "");
  sdk = new Authsignal({ tenantId: loaded.tenantId, baseUrl });
  config = loaded;
  return { config, sdk };
}

function showError(error: unknown): void {
  const message = error instanceof DemoError ? error.message : `Something went wrong: ${String(error)}`;
  ui.error.textContent = message;
  if (error instanceof DemoError) ui.error.dataset.code = error.code;
}

function clearError(): void {
  ui.error.textContent = "";
  delete ui.error.dataset.code;
}

/** m:ss of the time left until `deadlineMs`, never negative. */
function formatLeft(deadlineMs: number): string {
  const seconds = Math.max(0, Math.ceil((deadlineMs - Date.now()) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function userId(): string | undefined {
  const value = ui.userId.value.trim();
  if (value.length === 0) {
    showError(new DemoError("invalid_request", "Enter a user id first."));
    ui.userId.focus();
    return undefined;
  }
  localStorage.setItem(USER_KEY, value);
  return value;
}

function setBusy(busy: boolean): void {
  for (const button of [ui.enroll, ui.signIn, ui.pay, ui.enrollInstead]) button.disabled = busy;
  document.body.setAttribute("aria-busy", String(busy));
}

/** Runs one user action: clears the last error, disables the buttons, shows any error in words. */
async function run(action: () => Promise<void>): Promise<void> {
  clearError();
  setBusy(true);
  try {
    await action();
  } catch (error) {
    showError(error);
  } finally {
    setBusy(false);
  }
}

// --- Enrollment -------------------------------------------------------------------------------

async function showEnrollment(user: string): Promise<void> {
  await ready();
  // Protocol 8.1: the backend tracks with scope add:authenticators and formats the link.
  const enrollment = await api.enroll(user);
  ui.link.value = enrollment.link;
  ui.qr.src = await QRCode.toDataURL(enrollment.link, { errorCorrectionLevel: "M", margin: 4, scale: 4 });
  ui.qr.alt = `QR code of the enrollment link for ${enrollment.userId}`;
  ui.copyStatus.textContent = "";
  ui.enrollment.hidden = false;
  ui.enrollment.classList.remove("expired");
  const deadline = enrollment.expiresAt * 1000;
  clearInterval(enrollTimer);
  const tick = (): void => {
    if (Date.now() >= deadline) {
      clearInterval(enrollTimer);
      ui.enrollment.classList.add("expired");
      ui.enrollValidity.textContent = "This link has expired. Press “Enroll a device” for a new one.";
      return;
    }
    ui.enrollCountdown.textContent = formatLeft(deadline);
  };
  ui.enrollValidity.replaceChildren("Valid for ", ui.enrollCountdown);
  tick();
  enrollTimer = setInterval(tick, 250);
  ui.enrollment.scrollIntoView({ block: "nearest" });
}

async function copyLink(): Promise<void> {
  try {
    await navigator.clipboard.writeText(ui.link.value);
    ui.copyStatus.textContent = "Copied.";
  } catch {
    ui.link.focus();
    ui.link.select();
    ui.copyStatus.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
  }
}

// --- Sign-in and payment ----------------------------------------------------------------------

function resetChallenge(heading: string): void {
  clearInterval(challengeTimer);
  // An enrollment link on screen is done with once a sign-in starts.
  clearInterval(enrollTimer);
  ui.enrollment.hidden = true;
  ui.challenge.hidden = false;
  ui.challenge.dataset.state = "starting";
  ui.challengeHeading.textContent = heading;
  ui.challengeStatus.textContent = "";
  ui.offerEnroll.hidden = true;
  ui.numberBox.hidden = true;
  ui.number.textContent = "";
  ui.challengeTimer.hidden = true;
  ui.outcome.hidden = true;
  ui.outcome.textContent = "";
  delete ui.outcome.dataset.outcome;
  ui.validation.hidden = true;
  ui.validationList.replaceChildren();
}

function showValidation(result: Validated): void {
  const rows: [string, string | undefined][] = [
    ["isValid", String(result.isValid)],
    ["state", result.state],
    ["userId", result.userId],
    ["actionCode", result.actionCode],
    ["idempotencyKey", result.idempotencyKey],
  ];
  ui.validationList.replaceChildren(
    ...rows
      .filter((row): row is [string, string] => row[1] !== undefined)
      .flatMap(([name, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = name;
        const dd = document.createElement("dd");
        dd.textContent = value;
        dd.dataset.field = name;
        return [dt, dd];
      }),
  );
  ui.validation.hidden = false;
}

const outcomeWords: Record<Outcome["kind"], string> = {
  approved: "Approved",
  denied: "Denied",
  expired: "Expired",
};

async function runChallenge(
  user: string,
  kind: "signIn" | "payment",
  heading: string,
  track: () => Promise<Tracked>,
): Promise<void> {
  const { config: current, sdk: client } = await ready();
  resetChallenge(heading);
  ui.challengeStatus.textContent = "Asking the server…";
  ui.challenge.scrollIntoView({ block: "nearest" });
  // Section 1 step 1: the backend tracks the action and says whether the user has a device.
  const tracked = await track();
  if (!tracked.isEnrolled || tracked.token === undefined) {
    ui.challenge.dataset.state = "not-enrolled";
    ui.challengeStatus.textContent = `${user} has no device enrolled yet. Enroll one first, then try again.`;
    ui.offerEnroll.hidden = false;
    return;
  }
  // Section 1 step 2: the page starts the push challenge with the SDK.
  const started = await startChallenge(client, tracked.token, tracked.action);
  const deadline = Date.now() + current.challengeLifetimeSeconds * 1000;
  ui.challenge.dataset.state = "waiting";
  if (started.verificationCode !== undefined) {
    ui.number.textContent = started.verificationCode;
    ui.number.setAttribute("aria-label", `Number to type on your phone: ${started.verificationCode.split("").join(" ")}`);
    ui.numberBox.hidden = false;
  }
  ui.challengeStatus.textContent =
    started.verificationCode !== undefined
      ? `Sent to ${user}'s phone. Type the number ${started.verificationCode} there, then approve.`
      : `Sent to ${user}'s phone. Approve or deny it there.`;
  ui.challengeTimer.hidden = false;
  const tick = (): void => {
    ui.challengeCountdown.textContent = formatLeft(deadline);
  };
  tick();
  challengeTimer = setInterval(tick, 250);
  let outcome: Outcome;
  try {
    // Section 1 step 4 (with 8.2): wait for the answer, bounded by the challenge's lifetime.
    outcome = await waitForOutcome(client, baseUrl, tracked.token, started.challengeId, deadline);
  } finally {
    clearInterval(challengeTimer);
    ui.challengeTimer.hidden = true;
  }
  ui.challenge.dataset.state = outcome.kind;
  ui.outcome.dataset.outcome = outcome.kind;
  ui.outcome.textContent = outcomeWords[outcome.kind];
  ui.outcome.hidden = false;
  ui.numberBox.hidden = true;
  const done: Record<Outcome["kind"], string> = {
    approved: kind === "signIn" ? `Approved: signed in as ${user}.` : `Approved: payment authorised by ${user}.`,
    denied:
      started.verificationCode !== undefined
        ? "Denied on the phone, or the wrong number was typed there."
        : "Denied on the phone.",
    expired: "Expired: nobody answered in time.",
  };
  ui.challengeStatus.textContent = `${done[outcome.kind]} Checking with the backend…`;
  // Section 1 step 5: the backend validates the token.
  const token = outcome.kind === "approved" ? outcome.accessToken : tracked.token;
  const validated = await api.validate(token, user, tracked.action);
  showValidation(validated);
  ui.challengeStatus.textContent = `${done[outcome.kind]} The backend says the token is ${validated.isValid ? "valid" : "not valid"}.`;
}

// --- Wiring -----------------------------------------------------------------------------------

ui.userId.value = localStorage.getItem(USER_KEY) ?? "";
ui.userId.addEventListener("change", () => {
  const value = ui.userId.value.trim();
  if (value) localStorage.setItem(USER_KEY, value);
});

ui.enroll.addEventListener("click", () => {
  const user = userId();
  if (user) void run(() => showEnrollment(user));
});
ui.enrollInstead.addEventListener("click", () => {
  const user = userId();
  if (user) void run(() => showEnrollment(user));
});
ui.copy.addEventListener("click", () => void copyLink());
ui.signIn.addEventListener("click", () => {
  const user = userId();
  if (!user) return;
  const numberMatching = ui.numberMatching.checked;
  void run(() => runChallenge(user, "signIn", "Sign in", () => api.signIn(user, numberMatching)));
});
ui.pay.addEventListener("click", () => {
  const user = userId();
  if (!user) return;
  const amount = ui.amount.value.trim();
  const merchant = ui.merchant.value.trim();
  const numberMatching = ui.numberMatching.checked;
  void run(() =>
    runChallenge(user, "payment", `Approve ${amount} to ${merchant}`, () => api.payment(user, amount, merchant, numberMatching)),
  );
});

// Load the configuration early so a stopped or misconfigured server is reported at once.
void ready().catch(showError);
