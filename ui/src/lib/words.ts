// Challenge actions, outcomes, connection states and custom fields in words.
import type { ConnectionState, Outcome } from "./api";

const actions: Record<string, { verb: string; title: (issuer: string) => string }> = {
  signIn: { verb: "Sign in", title: (issuer) => `Sign in to ${issuer}?` },
  approvePayment: { verb: "Approve a payment", title: (issuer) => `Approve a payment at ${issuer}?` },
};

/** "approveBankTransfer" → "Approve bank transfer". */
function camelToWords(code: string): string {
  const spaced = code
    .replace(/[_-]+/g, " ")
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .trim()
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** What the request asks for, e.g. "Sign in" or "Approve a payment". */
export function actionWords(actionCode: string | null): string {
  if (!actionCode) return "Sign in";
  return actions[actionCode]?.verb ?? camelToWords(actionCode);
}

/** "sign-in request from Acme", "approve a payment request from Bank" (lower case, for sentences). */
export function requestWords(actionCode: string | null, issuer: string): string {
  const action = actionWords(actionCode).toLowerCase().replace(/^sign in$/, "sign-in");
  return `${action} request from ${issuer}`;
}

/** The approval sheet's question, e.g. "Sign in to Acme?". */
export function actionTitle(actionCode: string | null, issuer: string): string {
  const known = actions[actionCode ?? "signIn"];
  if (known) return known.title(issuer);
  return `${actionWords(actionCode)} at ${issuer}?`;
}

const outcomes: Record<Outcome, string> = {
  approved: "Approved",
  denied: "Denied",
  notMe: "Reported: it wasn't me",
  expired: "Expired",
  answeredElsewhere: "Answered on another device",
  wrongNumber: "Refused: the number didn't match",
  refused: "No longer waiting",
};

/** "Approved", "Denied", "Reported: it wasn't me", "Expired", "Answered on another device"… */
export function outcomeWords(outcome: Outcome): string {
  return outcomes[outcome] ?? outcome;
}

/** Answers given on this device; other outcomes are said in their own words (`outcomeWords`). */
const confirmations: Partial<Record<Outcome, string>> = {
  approved: "Approved — you can return to the website",
  denied: "Denied",
  notMe: "Denied and reported: it wasn't me",
  expired: "Expired",
};

/** What the confirmation after an answer says, e.g. "Approved — you can return to the website". */
export function confirmationWords(outcome: Outcome): string {
  return confirmations[outcome] ?? outcomeWords(outcome);
}

/**
 * Why a request the sheet showed was closed, e.g. "The sign-in request from Acme was answered
 * on another device."
 */
export function resolutionWords(outcome: Outcome, actionCode: string | null, issuer: string): string {
  const request = requestWords(actionCode, issuer);
  switch (outcome) {
    case "answeredElsewhere":
      return `The ${request} was answered on another device.`;
    case "expired":
      return `The ${request} expired before it was answered.`;
    case "wrongNumber":
      return `Sign-in to ${issuer} refused: the number you entered didn't match the one on the sign-in page. If it was you, start the sign-in again.`;
    case "refused":
      return `The ${request} is no longer waiting for an answer.`;
    default:
      return `${outcomeWords(outcome)}: ${request}.`;
  }
}

/**
 * What "It wasn't me" did: "We told Acme. Sign-ins for this account are paused for 5 minutes."
 * (`pausedSeconds` 0: the service did not say it pauses them.)
 */
export function notMeWords(issuer: string, pausedSeconds: number): string {
  const told = `We told ${issuer} it wasn't you.`;
  if (pausedSeconds <= 0) return told;
  const minutes = Math.max(1, Math.round(pausedSeconds / 60));
  return `${told} Sign-ins for this account are paused for ${minutes === 1 ? "1 minute" : `${minutes} minutes`}.`;
}

const connections: Record<ConnectionState, string> = {
  connected: "Connected",
  connecting: "Connecting…",
  offline: "Offline",
  needsEnrollment: "Needs to be enrolled again",
};

/** "Connected", "Connecting…", "Offline", "Needs to be enrolled again". */
export function connectionWords(state: ConnectionState): string {
  return connections[state] ?? state;
}

/** One labelled line of a challenge's custom data. */
export interface Detail {
  label: string;
  value: string;
}

const knownCustom: [key: string, label: string][] = [
  ["amount", "Amount"],
  ["merchant", "Merchant"],
  ["note", "Note"],
];

function valueWords(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

/**
 * The custom fields worth showing, known ones first ("Amount", "Merchant", "Note"), then any
 * other plain values with their key turned into words. Nested objects are left out.
 */
/** Custom fields that steer the protocol (docs/protocol.md 8.3) rather than describe the request. */
const protocolCustom = ["numberMatching"];

export function customDetails(custom: Record<string, unknown> | null, { payment = false } = {}): Detail[] {
  if (!custom) return [];
  const details: Detail[] = [];
  // A payment's amount and merchant are its headline (see `paymentOf`), not rows.
  const skipped = payment && paymentOf(custom) ? paymentKeys : [];
  for (const [key, label] of knownCustom) {
    if (skipped.includes(key)) continue;
    const value = valueWords(custom[key]);
    if (value) details.push({ label, value });
  }
  for (const [key, raw] of Object.entries(custom)) {
    if (knownCustom.some(([known]) => known === key) || protocolCustom.includes(key)) continue;
    const value = valueWords(raw);
    if (value) details.push({ label: camelToWords(key), value });
  }
  return details;
}

/** A payment's amount and, when given, its merchant. */
export interface Payment {
  amount: string;
  merchant: string | null;
}

const paymentKeys = ["amount", "merchant"];

/** The payment a request's custom data describes: present when it names an amount. */
export function paymentOf(custom: Record<string, unknown> | null): Payment | null {
  const amount = valueWords(custom?.amount);
  if (!amount) return null;
  return { amount, merchant: valueWords(custom?.merchant) };
}

/** "Pay 120.00 EUR to Corner Coffee?" (the approval sheet's question for a payment). */
export function paymentTitle(payment: Payment): string {
  return payment.merchant ? `Pay ${payment.amount} to ${payment.merchant}?` : `Pay ${payment.amount}?`;
}

/** "120.00 EUR to Corner Coffee" (a payment in history). */
export function paymentWords(payment: Payment): string {
  return payment.merchant ? `${payment.amount} to ${payment.merchant}` : payment.amount;
}
