// The demo page: a relying party's sign-in with Signet's push, through Authsignal's browser SDK.
// Each error is shown next to what caused it: the user id field, the payment, the enrollment
// or sign-in card; only a page that cannot load its configuration shows one at the top.
// Sections named here are those of docs/protocol.md.
import "./style.css";
import { Authsignal } from "@authsignal/browser";
import QRCode from "qrcode";
import * as api from "./api";
import { DemoError, type DemoConfig, type Tracked, type Validated } from "./api";
import { CANCELLED, startChallenge, waitForOutcome, type Outcome } from "./push";

const USER_KEY = "signet-demo.userId";
/** How often the page asks whether the enrollment link was used. */
const ENROLL_WATCH_MS = 2_000;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const ui = {
  userId: element<HTMLInputElement>("user-id"),
  userIdError: element<HTMLParagraphElement>("user-id-error"),
  numberMatching: element<HTMLInputElement>("number-matching"),
  enroll: element<HTMLButtonElement>("enroll"),
  signIn: element<HTMLButtonElement>("sign-in"),
  actionsError: element<HTMLParagraphElement>("actions-error"),
  pay: element<HTMLButtonElement>("pay"),
  amount: element<HTMLInputElement>("amount"),
  merchant: element<HTMLInputElement>("merchant"),
  paymentError: element<HTMLParagraphElement>("payment-error"),
  error: element<HTMLDivElement>("error"),
  enrollment: element<HTMLElement>("enrollment"),
  enrollHeading: element<HTMLHeadingElement>("enroll-heading"),
  enrollDone: element<HTMLParagraphElement>("enroll-done"),
  enrollSteps: element<HTMLDivElement>("enroll-steps"),
  qr: element<HTMLImageElement>("qr"),
  link: element<HTMLTextAreaElement>("link"),
  copy: element<HTMLButtonElement>("copy"),
  copyStatus: element<HTMLSpanElement>("copy-status"),
  enrollValidity: element<HTMLParagraphElement>("enroll-validity"),
  enrollCountdown: element<HTMLSpanElement>("enroll-countdown"),
  challenge: element<HTMLElement>("challenge"),
  challengeHeading: element<HTMLHeadingElement>("challenge-heading"),
  challengeStatus: element<HTMLParagraphElement>("challenge-status"),
  challengeError: element<HTMLParagraphElement>("challenge-error"),
  offerEnroll: element<HTMLDivElement>("offer-enroll"),
  enrollInstead: element<HTMLButtonElement>("enroll-instead"),
  numberBox: element<HTMLDivElement>("number-box"),
  number: element<HTMLParagraphElement>("number"),
  challengeTimer: element<HTMLDivElement>("challenge-timer"),
  challengeCountdown: element<HTMLSpanElement>("challenge-countdown"),
  cancel: element<HTMLButtonElement>("cancel"),
  outcome: element<HTMLParagraphElement>("outcome"),
  validation: element<HTMLDivElement>("validation"),
  validationList: element<HTMLDListElement>("validation-list"),
};

let config: DemoConfig | undefined;
let sdk: Authsignal | undefined;
let baseUrl = "";
let enrollTimer: ReturnType<typeof setInterval> | undefined;
let enrollWatch: ReturnType<typeof setInterval> | undefined;
let challengeTimer: ReturnType<typeof setInterval> | undefined;
/** Stops the sign-in the page is waiting for. */
let pending: AbortController | undefined;
/** The user whose results the page shows. */
let shownUser: string | undefined;

/** Loads the configuration once and starts the SDK with it. */
async function ready(): Promise<{ config: DemoConfig; sdk: Authsignal }> {
  if (config && sdk) return { config, sdk };
  const loaded = await api.loadConfig();
  baseUrl = new URL(loaded.baseUrl, window.location.href).href.replace(/\/+$/, "");
  sdk = new Authsignal({ tenantId: loaded.tenantId, baseUrl });
  config = loaded;
  return { config, sdk };
}

// --- Errors, each next to what caused it ------------------------------------------------------

/** Shows `error` in words in `slot` (a role=alert element); marks `fields` invalid. */
function showError(slot: HTMLElement, error: unknown, fields: HTMLInputElement[] = []): void {
  const message = error instanceof DemoError ? error.message : `Something went wrong: ${String(error)}`;
  slot.textContent = message;
  if (error instanceof DemoError) slot.dataset.code = error.code;
  else delete slot.dataset.code;
  for (const field of fields) field.setAttribute("aria-invalid", "true");
}

function clearErrors(): void {
  for (const slot of [ui.error, ui.userIdError, ui.actionsError, ui.paymentError, ui.challengeError]) {
    slot.textContent = "";
    delete slot.dataset.code;
  }
  for (const field of [ui.userId, ui.amount, ui.merchant]) field.removeAttribute("aria-invalid");
}

/** m:ss of the time left until `deadlineMs`, never negative. */
function formatLeft(deadlineMs: number): string {
  const seconds = Math.max(0, Math.ceil((deadlineMs - Date.now()) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** The user id, or undefined (with the error under the field) when there is none. */
function userId(): string | undefined {
  const value = ui.userId.value.trim();
  if (value.length === 0) {
    clearErrors();
    showError(ui.userIdError, new DemoError("invalid_request", "Enter a user id first."), [ui.userId]);
    ui.userId.focus();
    return undefined;
  }
  localStorage.setItem(USER_KEY, value);
  if (shownUser !== undefined && shownUser !== value) clearResults();
  shownUser = value;
  return value;
}

function setBusy(busy: boolean): void {
  for (const button of [ui.enroll, ui.signIn, ui.pay, ui.enrollInstead]) button.disabled = busy;
  document.body.setAttribute("aria-busy", String(busy));
}

/** Runs one user action: clears the last errors, disables the buttons, re-enables them after. */
async function run(action: () => Promise<void>): Promise<void> {
  clearErrors();
  setBusy(true);
  try {
    await action();
  } finally {
    setBusy(false);
  }
}

/** Forgets what the page shows about the previous user: cards, timers, a pending sign-in. */
function clearResults(): void {
  pending?.abort();
  pending = undefined;
  stopEnrollment();
  clearInterval(challengeTimer);
  ui.enrollment.hidden = true;
  ui.challenge.hidden = true;
  delete ui.challenge.dataset.state;
  clearErrors();
  shownUser = undefined;
}

// --- Enrollment -------------------------------------------------------------------------------

function stopEnrollment(): void {
  clearInterval(enrollTimer);
  clearInterval(enrollWatch);
  enrollTimer = undefined;
  enrollWatch = undefined;
}

async function showEnrollment(user: string): Promise<void> {
  try {
    await ready();
    // docs/protocol.md 8.1: the backend tracks with scope add:authenticators and formats the link.
    const enrollment = await api.enroll(user);
    ui.link.value = enrollment.link;
    ui.qr.src = await QRCode.toDataURL(enrollment.link, { errorCorrectionLevel: "M", margin: 4, scale: 4 });
    ui.qr.alt = `QR code of the enrollment link for ${enrollment.userId}`;
    ui.copyStatus.textContent = "";
    ui.enrollHeading.textContent = "Enroll a device";
    ui.enrollDone.hidden = true;
    ui.enrollDone.textContent = "";
    ui.enrollSteps.hidden = false;
    ui.enrollment.hidden = false;
    ui.enrollment.classList.remove("expired");
    delete ui.enrollment.dataset.state;
    const deadline = enrollment.expiresAt * 1000;
    stopEnrollment();
    const tick = (): void => {
      if (Date.now() >= deadline) {
        stopEnrollment();
        ui.enrollment.classList.add("expired");
        ui.enrollValidity.textContent = "This link has expired. Press “Enroll a device” for a new one.";
        return;
      }
      ui.enrollCountdown.textContent = formatLeft(deadline);
    };
    ui.enrollValidity.replaceChildren("Valid for ", ui.enrollCountdown);
    tick();
    enrollTimer = setInterval(tick, 250);
    watchEnrollment(user, enrollment.devices);
    ui.enrollment.scrollIntoView({ block: "nearest" });
  } catch (error) {
    showError(ui.actionsError, error);
  }
}

/** Asks the backend every few seconds whether the user has more devices than before the link. */
function watchEnrollment(user: string, before: number): void {
  let asking = false;
  const watch = setInterval(() => {
    if (asking) return;
    asking = true;
    api
      .devices(user)
      .then((now) => {
        if (enrollWatch === watch && now.devices > before) enrolled(user);
      })
      // A missed answer is asked again at the next tick; the countdown says when to give up.
      .catch(() => undefined)
      .finally(() => {
        asking = false;
      });
  }, ENROLL_WATCH_MS);
  enrollWatch = watch;
}

/** The link was used: say so, stop the countdown, drop the "no device yet" card. */
function enrolled(user: string): void {
  stopEnrollment();
  ui.enrollment.dataset.state = "enrolled";
  ui.enrollHeading.textContent = "Device enrolled";
  ui.enrollSteps.hidden = true;
  ui.enrollDone.textContent = `Device enrolled: you can sign in now as ${user}.`;
  ui.enrollDone.hidden = false;
  if (ui.challenge.dataset.state === "not-enrolled") {
    ui.challenge.hidden = true;
    delete ui.challenge.dataset.state;
  }
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
  // An enrollment on screen is done with once a sign-in starts.
  stopEnrollment();
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

/** The sign-in or payment card ends with an error in it: never left on "Asking the server…". */
function challengeFailed(error: unknown): void {
  ui.challenge.dataset.state = "failed";
  ui.challengeStatus.textContent = "";
  ui.numberBox.hidden = true;
  ui.challengeTimer.hidden = true;
  showError(ui.challengeError, error);
}

async function runChallenge(
  user: string,
  kind: "signIn" | "payment",
  heading: string,
  track: () => Promise<Tracked>,
): Promise<void> {
  let current: DemoConfig;
  let client: Authsignal;
  try {
    ({ config: current, sdk: client } = await ready());
  } catch (error) {
    showError(ui.actionsError, error);
    return;
  }
  resetChallenge(heading);
  ui.challengeStatus.textContent = "Asking the server…";
  ui.challenge.scrollIntoView({ block: "nearest" });
  // Section 1 step 1: the backend tracks the action and says whether the user has a device.
  let tracked: Tracked;
  try {
    tracked = await track();
  } catch (error) {
    if (kind === "payment" && error instanceof DemoError && error.code === "invalid_request") {
      // The payment's own fields were refused: say so beside them, not in a card.
      ui.challenge.hidden = true;
      delete ui.challenge.dataset.state;
      showError(ui.paymentError, error, [ui.amount, ui.merchant]);
      return;
    }
    challengeFailed(error);
    return;
  }
  if (!tracked.isEnrolled || tracked.token === undefined) {
    ui.challenge.dataset.state = "not-enrolled";
    ui.challengeStatus.textContent = `${user} has no device enrolled yet. Enroll one first, then try again.`;
    ui.offerEnroll.hidden = false;
    return;
  }
  const cancel = new AbortController();
  pending = cancel;
  try {
    // Section 1 step 2: the page starts the push challenge with the SDK.
    const started = await startChallenge(client, tracked.token, tracked.action);
    const deadline = Date.now() + current.challengeLifetimeSeconds * 1000;
    if (cancel.signal.aborted) throw new DemoError(CANCELLED, "Cancelled.");
    ui.challenge.dataset.state = "waiting";
    if (started.verificationCode !== undefined) {
      ui.number.textContent = started.verificationCode;
      ui.number.setAttribute(
        "aria-label",
        `Number to type on your device: ${started.verificationCode.split("").join(" ")}`,
      );
      ui.numberBox.hidden = false;
    }
    ui.challengeStatus.textContent =
      started.verificationCode !== undefined
        ? `Sent to ${user}'s device. Type the number ${started.verificationCode} there, then approve.`
        : `Sent to ${user}'s device. Approve or deny it there.`;
    ui.challengeTimer.hidden = false;
    ui.cancel.disabled = false;
    const tick = (): void => {
      ui.challengeCountdown.textContent = formatLeft(deadline);
    };
    tick();
    challengeTimer = setInterval(tick, 250);
    ui.challenge.scrollIntoView({ block: "nearest" });
    let outcome: Outcome;
    try {
      // Section 1 step 4 (with 8.2): wait for the answer, bounded by the challenge's lifetime.
      outcome = await waitForOutcome(client, baseUrl, tracked.token, started.challengeId, deadline, cancel.signal);
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
          ? "Denied on the device, or the wrong number was typed there."
          : "Denied on the device.",
      expired: "Expired: nobody answered in time.",
    };
    ui.challengeStatus.textContent = `${done[outcome.kind]} Checking with the backend…`;
    // Section 1 step 5: the backend validates the token.
    const token = outcome.kind === "approved" ? outcome.accessToken : tracked.token;
    const validated = await api.validate(token, user, tracked.action);
    showValidation(validated);
    ui.challengeStatus.textContent = `${done[outcome.kind]} The backend says the token is ${validated.isValid ? "valid" : "not valid"}.`;
  } catch (error) {
    if (error instanceof DemoError && error.code === CANCELLED) {
      if (ui.challenge.hidden) return; // the user id changed: nothing of this sign-in is shown
      ui.challenge.dataset.state = "cancelled";
      ui.numberBox.hidden = true;
      ui.outcome.dataset.outcome = "expired";
      ui.outcome.textContent = "Cancelled";
      ui.outcome.hidden = false;
      ui.challengeStatus.textContent =
        "Cancelled: this page stopped waiting and signs nobody in. The request stays on your device until it is answered there or expires, and the device shows it before any newer one.";
      return;
    }
    challengeFailed(error);
  } finally {
    if (pending === cancel) pending = undefined;
  }
}

// --- Wiring -----------------------------------------------------------------------------------

ui.userId.value = localStorage.getItem(USER_KEY) ?? "";
ui.userId.addEventListener("input", () => {
  const value = ui.userId.value.trim();
  ui.userId.removeAttribute("aria-invalid");
  ui.userIdError.textContent = "";
  // Results of another user are no longer true for this one.
  if (shownUser !== undefined && value !== shownUser) clearResults();
});
ui.userId.addEventListener("change", () => {
  const value = ui.userId.value.trim();
  if (value) localStorage.setItem(USER_KEY, value);
});
ui.userId.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.isComposing) {
    event.preventDefault();
    if (!ui.signIn.disabled) startSignIn();
  }
});
for (const field of [ui.amount, ui.merchant]) {
  field.addEventListener("input", () => {
    ui.amount.removeAttribute("aria-invalid");
    ui.merchant.removeAttribute("aria-invalid");
    ui.paymentError.textContent = "";
  });
}

function startEnrollment(): void {
  const user = userId();
  if (user) void run(() => showEnrollment(user));
}

function startSignIn(): void {
  const user = userId();
  if (!user) return;
  const numberMatching = ui.numberMatching.checked;
  void run(() => runChallenge(user, "signIn", "Sign in", () => api.signIn(user, numberMatching)));
}

ui.enroll.addEventListener("click", startEnrollment);
ui.enrollInstead.addEventListener("click", startEnrollment);
ui.copy.addEventListener("click", () => void copyLink());
ui.signIn.addEventListener("click", startSignIn);
ui.cancel.addEventListener("click", () => {
  ui.cancel.disabled = true;
  pending?.abort();
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
void ready().catch((error: unknown) => showError(ui.error, error));
