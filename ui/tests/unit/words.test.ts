import { describe, expect, it } from "vitest";
import { describeError, errorWords, isKnownErrorCode } from "../../src/lib/errors";
import { errorCodes } from "../../src/lib/api";
import { describeUserAgent } from "../../src/lib/useragent";
import { countdownWords, formatAgo, formatCountdown, formatDateTime, secondsLeft } from "../../src/lib/time";
import {
  notMeWords,
  actionTitle,
  actionWords,
  confirmationWords,
  connectionWords,
  customDetails,
  outcomeWords,
  paymentOf,
  paymentTitle,
  paymentWords,
  requestWords,
} from "../../src/lib/words";
import { checkPollInterval } from "../../src/lib/settings";

describe("error words", () => {
  it("exist for every error code of the contract", () => {
    for (const code of errorCodes) {
      expect(isKnownErrorCode(code)).toBe(true);
      expect(errorWords(code, "fallback")).not.toBe("fallback");
      expect(errorWords(code).length).toBeGreaterThan(10);
    }
  });

  it("confirm what \"It wasn't me\" did, with the pause when the service gave one", () => {
    expect(notMeWords("Acme", 300)).toBe("We told Acme it wasn't you. Sign-ins for this account are paused for 5 minutes.");
    expect(notMeWords("Acme", 0)).toBe("We told Acme it wasn't you.");
  });

  it("say what happened in the user's terms", () => {
    expect(errorWords("verificationCodeRequired")).toMatch(/Enter the number/);
    expect(errorWords("biometricCancelled")).toMatch(/Nothing was sent/);
    expect(errorWords("network")).toMatch(/Couldn't reach the server/);
  });

  it("fall back to the shell's message for a code this UI doesn't know, then to a generic sentence", () => {
    expect(errorWords("quotaExceeded", "Too many devices.")).toBe("Too many devices.");
    expect(errorWords("quotaExceeded", "  ")).toBe("Something went wrong. Try again.");
    expect(errorWords("toString")).toBe("Something went wrong. Try again.");
  });

  it("describe anything a command rejected with", () => {
    expect(describeError({ code: "storage", message: "disk full" })).toMatch(/Couldn't save/);
    expect(describeError(new Error("boom"))).toBe("Something went wrong. Try again.");
    expect(describeError(undefined)).toBe("Something went wrong. Try again.");
  });
});

describe("user agents in words", () => {
  const cases: [string, string][] = [
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "Chrome on macOS",
    ],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
      "Safari on macOS",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
      "Safari on iOS",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
      "Chrome on iOS",
    ],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      "Edge on Windows",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
      "Samsung Internet on Android",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      "Chrome on Android",
    ],
    ["Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"],
    [
      "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "Chrome on ChromeOS",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
      "Opera on Windows",
    ],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) SomethingNew/1.0", "A browser on Windows"],
    ["curl/8.5.0", "Unknown browser"],
  ];

  it.each(cases)("%s is %s", (ua, words) => {
    expect(describeUserAgent(ua)).toBe(words);
  });

  it("says the browser is unknown when none was given", () => {
    expect(describeUserAgent(null)).toBe("Unknown browser");
    expect(describeUserAgent("   ")).toBe("Unknown browser");
  });
});

describe("countdowns", () => {
  it("round the time left up to whole seconds and never go below zero", () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
    expect(secondsLeft(10_000, 12_000)).toBe(0);
  });

  it("show minutes and seconds, and hours when there are any", () => {
    expect(formatCountdown(0)).toBe("0:00");
    expect(formatCountdown(9)).toBe("0:09");
    expect(formatCountdown(45)).toBe("0:45");
    expect(formatCountdown(125)).toBe("2:05");
    expect(formatCountdown(3600)).toBe("1:00:00");
    expect(formatCountdown(-5)).toBe("0:00");
  });

  it("read well to a screen reader", () => {
    expect(countdownWords(0)).toBe("Expired");
    expect(countdownWords(1)).toBe("1 second left");
    expect(countdownWords(60)).toBe("1 minute left");
    expect(countdownWords(125)).toBe("2 minutes 5 seconds left");
  });
});

describe("when something happened", () => {
  const now = Date.UTC(2026, 0, 15, 10, 0, 0);
  const minute = 60_000;

  it("is relative for the last week", () => {
    expect(formatAgo(now - 10_000, now)).toBe("just now");
    expect(formatAgo(now - minute, now)).toBe("1 minute ago");
    expect(formatAgo(now - 5 * minute, now)).toBe("5 minutes ago");
    expect(formatAgo(now - 3 * 60 * minute, now)).toBe("3 hours ago");
    expect(formatAgo(now - 24 * 60 * minute, now)).toBe("yesterday");
    expect(formatAgo(now - 3 * 24 * 60 * minute, now)).toBe("3 days ago");
  });

  it("is a date and time further back", () => {
    expect(formatAgo(now - 30 * 24 * 60 * minute, now, "UTC")).toBe("Dec 16, 2025, 10:00 AM");
    expect(formatDateTime(now, "UTC")).toBe("Jan 15, 2026, 10:00 AM");
  });
});

describe("challenge words", () => {
  it("name known actions and turn unknown codes into words", () => {
    expect(actionWords("signIn")).toBe("Sign in");
    expect(actionWords(null)).toBe("Sign in");
    expect(actionWords("approvePayment")).toBe("Approve a payment");
    expect(actionWords("resetPassword")).toBe("Reset password");
    expect(actionWords("delete_repository")).toBe("Delete repository");
  });

  it("ask the approval sheet's question", () => {
    expect(actionTitle("signIn", "Acme")).toBe("Sign in to Acme?");
    expect(actionTitle(null, "Acme")).toBe("Sign in to Acme?");
    expect(actionTitle("approvePayment", "Bank")).toBe("Approve a payment at Bank?");
    expect(actionTitle("resetPassword", "Acme")).toBe("Reset password at Acme?");
  });

  it("name a request in a sentence", () => {
    expect(requestWords("signIn", "Acme")).toBe("sign-in request from Acme");
    expect(requestWords("approvePayment", "Bank")).toBe("approve a payment request from Bank");
  });

  it("name outcomes and connection states", () => {
    expect(outcomeWords("approved")).toBe("Approved");
    expect(outcomeWords("denied")).toBe("Denied");
    expect(outcomeWords("notMe")).toBe("Reported: it wasn't me");
    expect(outcomeWords("expired")).toBe("Expired");
    expect(connectionWords("connected")).toBe("Connected");
    expect(connectionWords("connecting")).toBe("Connecting…");
    expect(connectionWords("offline")).toBe("Offline");
    expect(connectionWords("needsEnrollment")).toBe("Needs to be enrolled again");
  });

  it("show amount and merchant or a note first, other plain values after, nested ones not at all", () => {
    expect(customDetails(null)).toEqual([]);
    expect(customDetails({ merchant: "Shop", amount: "120.00 EUR" })).toEqual([
      { label: "Amount", value: "120.00 EUR" },
      { label: "Merchant", value: "Shop" },
    ]);
    expect(customDetails({ note: "New laptop", deviceCount: 2, nested: { a: 1 }, empty: " " })).toEqual([
      { label: "Note", value: "New laptop" },
      { label: "Device count", value: "2" },
    ]);
  });

  it("leave out the protocol's own switches such as numberMatching", () => {
    expect(customDetails({ numberMatching: true, merchant: "Shop" })).toEqual([
      { label: "Merchant", value: "Shop" },
    ]);
  });
});

describe("the poll interval field", () => {
  it("accepts whole seconds from 1 to 60", () => {
    expect(checkPollInterval("1")).toEqual({ ok: true, value: 1 });
    expect(checkPollInterval(" 30 ")).toEqual({ ok: true, value: 30 });
    expect(checkPollInterval("60")).toEqual({ ok: true, value: 60 });
  });

  it("refuses anything else with a reason", () => {
    for (const input of ["", "0", "61", "2.5", "-3", "abc", "1e1"]) {
      const checked = checkPollInterval(input);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.error).toMatch(/1 (and|to) 60/);
    }
  });
});

describe("payments", () => {
  it("make the amount and merchant the question", () => {
    const payment = paymentOf({ amount: "120.00 EUR", merchant: "Corner Coffee" });
    expect(payment).toEqual({ amount: "120.00 EUR", merchant: "Corner Coffee" });
    expect(paymentTitle(payment!)).toBe("Pay 120.00 EUR to Corner Coffee?");
    expect(paymentWords(payment!)).toBe("120.00 EUR to Corner Coffee");
    expect(paymentTitle(paymentOf({ amount: 12 })!)).toBe("Pay 12?");
  });

  it("are only payments when they name an amount", () => {
    expect(paymentOf({ merchant: "Corner Coffee" })).toBeNull();
    expect(paymentOf({ amount: "  " })).toBeNull();
    expect(paymentOf(null)).toBeNull();
    expect(customDetails({ merchant: "Corner Coffee" }, { payment: true })).toEqual([
      { label: "Merchant", value: "Corner Coffee" },
    ]);
  });

  it("confirm an answer in words", () => {
    expect(confirmationWords("approved")).toBe("Approved — you can return to the website");
    expect(confirmationWords("denied")).toBe("Denied");
  });
});
