// Enroll, history and settings in the built UI.
import { describe, expect, it } from "vitest";
import { callsOf, emitEvent, screenshot, useBrowser } from "./harness";
import { acme, bank, pastRequests } from "./fixtures";
import { appPage, closeChecked } from "./session";

const ctx = useBrowser();

const link = "signet://enroll?v=1&server=https%3A%2F%2Flogin.acme.example&token=abc";
const preview = { issuer: "Acme", userLabel: "alice@example.com", serverHost: "login.acme.example", secure: true, existingAccountId: null };

describe("the enroll screen", () => {
  it("shows issuer, user and server before adding, then adds the account", async () => {
    const page = await appPage(ctx.browser, ctx.url, { preview, enrolled: acme });
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    await page.getByRole("heading", { name: "Add account", level: 2 }).waitFor();
    await page.getByLabel("Enrollment link").fill(link);
    await page.getByRole("button", { name: "Check link" }).click();
    const card = page.getByRole("region", { name: "Add this account?" });
    await card.waitFor();
    for (const part of ["Acme", "alice@example.com", "login.acme.example"]) {
      expect(await card.textContent()).toContain(part);
    }
    expect(await card.getByRole("note").count()).toBe(0);
    expect(await callsOf(page, "preview_enrollment")).toEqual([{ link }]);
    expect(await callsOf(page, "enroll")).toEqual([]);
    await screenshot(page, "ui-enroll-phone");
    await card.getByRole("button", { name: "Add account" }).click();
    await page.locator("#accounts-title").getByText("Accounts").waitFor();
    expect(await callsOf(page, "enroll")).toEqual([{ link, requireBiometric: false }]);
    await page.getByText("Added Acme (alice@example.com).", { exact: false }).first().waitFor();
    await screenshot(page, "ui-enroll-success-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("offers no QR scanner where the platform has none", async () => {
    const page = await appPage(ctx.browser, ctx.url, { preview });
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    await page.getByRole("heading", { name: "Add account", level: 2 }).waitFor();
    await page.getByRole("button", { name: "Check link" }).waitFor();
    expect(await page.getByRole("button", { name: "Scan QR code" }).count()).toBe(0);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("scans a QR code on phones and shows what it enrolls before adding", async () => {
    const page = await appPage(ctx.browser, ctx.url, { preview, enrolled: acme, qrScan: ` ${link} ` });
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    await page.getByRole("button", { name: "Scan QR code" }).click();
    const card = page.getByRole("region", { name: "Add this account?" });
    await card.waitFor();
    expect(await callsOf(page, "plugin:barcode-scanner|scan")).toEqual([{ windowed: false, formats: ["QR_CODE"] }]);
    expect(await callsOf(page, "preview_enrollment")).toEqual([{ link }]);
    expect(await callsOf(page, "enroll")).toEqual([]);
    await screenshot(page, "ui-enroll-scanned-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("warns before adding a server without https", async () => {
    const page = await appPage(ctx.browser, ctx.url, { preview: { ...preview, serverHost: "127.0.0.1:4000", secure: false, existingAccountId: null } });
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    await page.getByLabel("Enrollment link").fill("signet://enroll?v=1&server=http%3A%2F%2F127.0.0.1%3A4000");
    await page.getByRole("button", { name: "Check link" }).click();
    const warning = page.getByRole("note");
    await warning.waitFor();
    expect(await warning.textContent()).toContain("doesn't use https");
    await screenshot(page, "ui-enroll-insecure-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("says in words why a link can't be used", async () => {
    const page = await appPage(ctx.browser, ctx.url, {
      errors: { preview_enrollment: { code: "linkExpired", message: "token expired" } },
    });
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    await page.getByLabel("Enrollment link").fill(link);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").getByText("This link has expired.", { exact: false }).waitFor();
    expect(await page.getByRole("button", { name: "Add account", exact: true }).count()).toBe(1);
    await screenshot(page, "ui-enroll-error-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("says in words why adding failed", async () => {
    const page = await appPage(ctx.browser, ctx.url, {
      preview,
      errors: { enroll: { code: "network", message: "connect failed" } },
    });
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    await page.getByLabel("Enrollment link").fill(link);
    await page.getByRole("button", { name: "Check link" }).click();
    await page.getByRole("region", { name: "Add this account?" }).getByRole("button", { name: "Add account" }).click();
    await page.getByRole("alert").getByText("Couldn't reach the server.", { exact: false }).waitFor();
    expect(await closeChecked(page)).toEqual([]);
  });

  it("opens prefilled and checked when a signet:// link arrives", async () => {
    const page = await appPage(ctx.browser, ctx.url, { preview });
    await page.locator("#accounts-title").waitFor();
    await emitEvent(page, "enroll-link", { link });
    await page.getByRole("region", { name: "Add this account?" }).waitFor();
    expect(await page.getByLabel("Enrollment link").inputValue()).toBe(link);
    expect(await callsOf(page, "preview_enrollment")).toEqual([{ link }]);
    expect(await closeChecked(page)).toEqual([]);
  });
});

describe("the history screen", () => {
  it("lists approved, denied, not-me and expired requests with when and where from", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme, bank], history: pastRequests });
    await page.getByRole("navigation").getByRole("button", { name: "History" }).click();
    const items = page.getByRole("main").getByRole("listitem");
    await items.first().waitFor();
    expect(await items.count()).toBe(4);
    const texts = await items.allTextContents();
    expect(texts[0]).toContain("Approved");
    expect(texts[0]).toContain("Jan 15, 2026, 9:50 AM");
    expect(texts[0]).toContain("203.0.113.7");
    expect(texts[0]).toContain("Chrome on macOS");
    expect(texts[1]).toContain("Denied");
    expect(texts[1]).toContain("Approve a payment");
    expect(texts[2]).toContain("Reported: it wasn't me");
    expect(texts[2]).toContain("Firefox on Windows");
    expect(texts[3]).toContain("Expired");
    expect(texts[3]).toContain("an unknown address");
    await screenshot(page, "ui-history-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("says when there is nothing yet", async () => {
    const page = await appPage(ctx.browser, ctx.url, {});
    await page.getByRole("navigation").getByRole("button", { name: "History" }).click();
    await page.getByText("No requests yet.", { exact: false }).waitFor();
    expect(await closeChecked(page)).toEqual([]);
  });
});

describe("the settings screen", () => {
  it("refuses a poll interval outside 1 to 60 seconds, then saves a good one", async () => {
    const page = await appPage(ctx.browser, ctx.url, { version: "0.9.1", settings: { notifications: true, pollIntervalSeconds: 3, keepInTray: true } });
    await page.getByRole("navigation").getByRole("button", { name: "Settings" }).click();
    const field = page.getByLabel("Check for requests every (seconds)");
    expect(await field.inputValue()).toBe("3");
    await field.fill("0");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("alert").getByText("Choose between 1 and 60 seconds.").waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    await screenshot(page, "ui-settings-invalid-phone");
    await field.fill("abc");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("alert").getByText("Use a whole number of seconds, from 1 to 60.").waitFor();
    expect(await callsOf(page, "update_settings")).toEqual([]);

    await page.getByRole("switch", { name: "Notify me about new requests" }).click();
    await field.fill("15");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor();
    expect(await callsOf(page, "update_settings")).toEqual([
      { settings: { notifications: false, pollIntervalSeconds: 15, keepInTray: true } },
    ]);
    expect(await page.getByRole("region", { name: "About Signet" }).textContent()).toContain("Version 0.9.1");
    await screenshot(page, "ui-settings-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("says in words when the shell refuses the settings", async () => {
    const page = await appPage(ctx.browser, ctx.url, {
      errors: { update_settings: { code: "invalidSettings", message: "bad" } },
    });
    await page.getByRole("navigation").getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("alert").getByText("Those settings aren't valid.", { exact: false }).waitFor();
    expect(await closeChecked(page)).toEqual([]);
  });
});
