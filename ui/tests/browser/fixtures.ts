// Data for the browser tests, around one fixed moment (the page's clock is set to it).
import type { Account, Challenge, HistoryEntry } from "../../src/lib/api";

/** 2026-01-15 10:00:00 UTC: "now" in every browser test that needs a clock. */
export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

const minute = 60_000;

export const chromeOnMac =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
export const firefoxOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
export const safariOnIphone =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

export const acme: Account = {
  id: "acc-acme",
  issuer: "Acme",
  userLabel: "alice@example.com",
  serverHost: "login.acme.example",
  requireBiometric: false,
  createdAt: T0 - 30 * 24 * 60 * minute,
  lastUsedAt: T0 - 5 * minute,
  connection: "connected",
  pausedUntil: null,
};

export const bank: Account = {
  id: "acc-bank",
  issuer: "Northwind Bank",
  userLabel: "alice",
  serverHost: "auth.northwind.example:8443",
  requireBiometric: true,
  createdAt: T0 - 3 * 24 * 60 * minute,
  lastUsedAt: null,
  connection: "offline",
  pausedUntil: null,
};

export function signIn(overrides: Partial<Challenge> = {}): Challenge {
  return {
    id: "ch-1",
    accountId: acme.id,
    issuer: "Acme",
    userLabel: "alice@example.com",
    actionCode: "signIn",
    ipAddress: "203.0.113.7",
    userAgent: chromeOnMac,
    custom: null,
    expiresAt: T0 + 60_000,
    receivedAt: T0 - 5_000,
    verificationCodeRequired: false,
    ...overrides,
  };
}

export function payment(overrides: Partial<Challenge> = {}): Challenge {
  return signIn({
    id: "ch-pay",
    accountId: bank.id,
    issuer: "Northwind Bank",
    userLabel: "alice",
    actionCode: "approvePayment",
    ipAddress: "198.51.100.23",
    userAgent: safariOnIphone,
    custom: { amount: "120.00 EUR", merchant: "Corner Coffee" },
    expiresAt: T0 + 90_000,
    receivedAt: T0 - 2_000,
    ...overrides,
  });
}

export const pastRequests: HistoryEntry[] = [
  {
    challengeId: "h-1",
    accountId: acme.id,
    issuer: "Acme",
    userLabel: "alice@example.com",
    actionCode: "signIn",
    ipAddress: "203.0.113.7",
    userAgent: chromeOnMac,
    custom: null,
    outcome: "approved",
    at: T0 - 10 * minute,
  },
  {
    challengeId: "h-2",
    accountId: bank.id,
    issuer: "Northwind Bank",
    userLabel: "alice",
    actionCode: "approvePayment",
    ipAddress: "198.51.100.23",
    userAgent: safariOnIphone,
    custom: { amount: "120.00 EUR", merchant: "Corner Coffee" },
    outcome: "denied",
    at: T0 - 2 * 60 * minute,
  },
  {
    challengeId: "h-3",
    accountId: acme.id,
    issuer: "Acme",
    userLabel: "alice@example.com",
    actionCode: "signIn",
    ipAddress: "192.0.2.44",
    userAgent: firefoxOnWindows,
    custom: null,
    outcome: "notMe",
    at: T0 - 26 * 60 * minute,
  },
  {
    challengeId: "h-4",
    accountId: acme.id,
    issuer: "Acme",
    userLabel: "alice@example.com",
    actionCode: null,
    ipAddress: null,
    userAgent: null,
    custom: null,
    outcome: "expired",
    at: T0 - 3 * 24 * 60 * minute,
  },
];
