// The shell's error codes in the user's words. The shell's `message` is only a fallback for
// codes this UI does not know yet.
import { isAppError, type ErrorCode } from "./api";

const words: Record<ErrorCode, string> = {
  invalidLink: "That doesn't look like a Signet enrollment link. Copy the whole link from the website and try again.",
  unsupportedLinkVersion: "This enrollment link is for a newer version of Signet. Update the app and try again.",
  insecureServer:
    "This link's server doesn't use a secure (https) connection, so Signet won't connect to it. Ask the website for an https link.",
  linkAlreadyUsed: "This link has already been used to add a device. Each link works once: ask the website for a new one.",
  linkExpired: "This link has expired. Ask the website for a new one.",
  linkNotForThisServer:
    "The server in this link doesn't recognise it. Copy the whole link again from the website, or ask it for a new one.",
  network: "Couldn't reach the server. Check your internet connection and try again.",
  server: "The server had a problem. Try again in a moment.",
  unauthorized: "The server no longer accepts this device for this account. Remove the account and enroll again.",
  expiredToken: "This enrollment link has expired. Ask the website for a new one.",
  accountNotFound: "That account is no longer on this device.",
  challengeNotFound: "This request is no longer waiting for an answer.",
  challengeExpired: "This request has expired. Start the sign-in again if it was you.",
  challengeAlreadyAnswered: "This request was already answered.",
  verificationCodeRequired: "Enter the number shown on the sign-in page first.",
  biometricCancelled: "Fingerprint or face check cancelled. Nothing was sent.",
  biometricUnavailable: "Fingerprint or face check isn't available on this device.",
  keystore: "Couldn't use this device's secure key storage. Try again, or restart the app.",
  storage: "Couldn't save on this device. Check free space and try again.",
  invalidSettings: "Those settings aren't valid. Check the values and try again.",
  startAtLogin: "Couldn't change whether Signet starts when you log in. Try again.",
  internal: "Something went wrong inside Signet. Try again.",
};

const fallback = "Something went wrong. Try again.";

/** True when `code` is one this UI has words for. */
export function isKnownErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(words, code);
}

/** Words for an error code, or `fallbackMessage` (then a generic sentence) for unknown codes. */
export function errorWords(code: string, fallbackMessage?: string): string {
  if (isKnownErrorCode(code)) return words[code];
  return fallbackMessage?.trim() || fallback;
}

/** Words for anything a command rejected with. */
export function describeError(error: unknown): string {
  if (isAppError(error)) return errorWords(error.code, error.message);
  return fallback;
}
