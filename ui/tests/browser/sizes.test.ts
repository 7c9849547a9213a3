// What users see at the window's smallest size, a phone-like size and a laptop: the answer
// buttons of every kind of request in view without scrolling, the confirmation after an
// answer, payments, long names, enrollment errors. The key screens are saved to
// docs/screenshots/app-*.png.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { defaultWindow, desktop, emitEvent, smallest, useBrowser, windowShot } from "./harness";
import { acme, bank, payment, pastRequests, signIn } from "./fixtures";
import { appPage, closeChecked } from "./session";

const ctx = useBrowser();

const sizes = { small: smallest, phone: { width: 420, height: 780 }, desktop } as const;
const longMerchant =
  "Corner Coffee Roasters & Bakery — Unit 14, The Old Tram Depot, 221 Long Harbour Road, Northwind Bay";
const longUser = "alexandra.konstantinopoulou-vanderberg+authenticator-testing@subsidiary.northwind.example";
const cjkUser = "山田太郎@例え.テスト";

/** Whether `locator` is wholly inside the window and is what a tap at its centre reaches. */
async function inViewAndOnTop(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = page.viewportSize();
  if (!box || !size) return false;
  const inside = box.y >= 0 && box.x >= 0 && box.y + box.height <= size.height && box.x + box.width <= size.width;
  const onTop = await locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && (hit === el || el.contains(hit));
  });
  return inside && onTop;
}

/** Whether any text in `root` is cut off without a sign (clipped horizontally). */
async function clippedTexts(page: Page, root: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const clipped: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(`${selector} *`)) {
      if (el.children.length > 0 || !el.textContent?.trim() || el.closest(".visually-hidden")) continue;
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") {
        clipped.push(el.textContent.trim());
      }
      const r = el.getBoundingClientRect();
      if (r.right > document.documentElement.clientWidth + 1) clipped.push(el.textContent.trim());
    }
    return clipped;
  }, root);
}

const requests = {
  "sign-in": signIn(),
  number: signIn({ id: "ch-number", verificationCodeRequired: true }),
  payment: payment({ custom: { amount: "1,249.90 EUR", merchant: longMerchant, note: "Order 88-1123 for delivery" } }),
};

describe("the approval sheet at every window size", () => {
  for (const [kind, request] of Object.entries(requests)) {
    for (const [sizeName, viewport] of Object.entries(sizes)) {
      it(`keeps Approve and Deny in view without scrolling for a ${kind} request at ${viewport.width}x${viewport.height}`, async () => {
        const page = await appPage(ctx.browser, ctx.url, { accounts: [acme, bank], pending: [request] }, { viewport });
        const sheet = page.getByRole("dialog");
        await sheet.waitFor();
        for (const name of ["Approve", "Deny"]) {
          expect(await inViewAndOnTop(page, page.getByRole("button", { name, exact: true })), name).toBe(true);
        }
        expect(await clippedTexts(page, "[role=dialog]")).toEqual([]);
        if (kind === "payment") {
          const title = await page.locator("#sheet-title").textContent();
          expect(title?.trim()).toBe(`Pay 1,249.90 EUR to ${longMerchant}?`);
        }
        if (sizeName !== "phone" || kind === "payment") {
          await windowShot(page, `app-approval-${kind}-${viewport.width}x${viewport.height}`);
        }
        expect(await closeChecked(page)).toEqual([]);
      });
    }
  }

  it("fits the default window (tauri.conf.json) on a 1366x768 laptop screen", () => {
    const config = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../../tauri.conf.json"), "utf8")) as {
      app: { windows: { width: number; height: number; minWidth: number; minHeight: number }[] };
    };
    const window = config.app.windows[0]!;
    // 768 px less a title bar and a desktop panel or taskbar (about 80 px together).
    expect(window.height).toBeLessThanOrEqual(768 - 80);
    expect(window.width).toBeLessThanOrEqual(1366);
    expect({ width: window.width, height: window.height }).toEqual(defaultWindow);
    expect({ width: window.minWidth, height: window.minHeight }).toEqual(smallest);
  });
});

describe("after answering", () => {
  it("confirms an approval in words for a few seconds, announced to screen readers", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme], pending: [signIn()] }, { viewport: smallest });
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    const confirmation = page.getByTestId("confirmation");
    expect(await confirmation.getAttribute("role")).toBe("status");
    expect(await confirmation.textContent()).toContain("Approved — you can return to the website");
    await windowShot(page, "app-approved-360x560");
    await page.clock.runFor(3_000);
    expect(await confirmation.textContent()).toContain("Approved");
    await page.clock.runFor(4_000);
    expect((await confirmation.textContent())?.trim()).toBe("");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("keeps the confirmation clear of the next request's sheet, whose buttons stay in view", async () => {
    for (const viewport of [smallest, desktop]) {
      const pending = [signIn(), requests.payment];
      const page = await appPage(ctx.browser, ctx.url, { accounts: [acme, bank], pending }, { viewport });
      await page.getByRole("dialog", { name: "Sign in to Acme?" }).waitFor();
      await page.getByRole("button", { name: "Approve", exact: true }).click();
      await page.getByRole("dialog", { name: /^Pay 1,249\.90 EUR/ }).waitFor();
      const toast = await page.locator(".toast").boundingBox();
      const sheet = await page.getByRole("dialog").boundingBox();
      expect(toast && sheet && toast.y + toast.height <= sheet.y, `${viewport.width}x${viewport.height}`).toBe(true);
      for (const name of ["Approve", "Deny"]) {
        expect(await inViewAndOnTop(page, page.getByRole("button", { name, exact: true })), name).toBe(true);
      }
      await windowShot(page, `app-approved-then-payment-${viewport.width}x${viewport.height}`);
      expect(await closeChecked(page)).toEqual([]);
    }
  });

  it("confirms a denial", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme], pending: [signIn()] }, { viewport: smallest });
    await page.getByRole("button", { name: "Deny", exact: true }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect((await page.getByTestId("confirmation").textContent())?.trim()).toMatch(/^Denied/);
    expect(await closeChecked(page)).toEqual([]);
  });
});

describe("long and non-Latin names", () => {
  it("wrap in cards, banners and dialogs instead of being cut", async () => {
    const long = { ...acme, userLabel: longUser, issuer: "Northwind Traders International Holdings" };
    const cjk = { ...bank, id: "acc-cjk", userLabel: cjkUser, issuer: "例え銀行", requireBiometric: false };
    const page = await appPage(ctx.browser, ctx.url, { accounts: [long, cjk] }, { viewport: smallest });
    await page.getByText(cjkUser).waitFor();
    expect(await clippedTexts(page, "main")).toEqual([]);
    await page.getByRole("button", { name: `Remove ${long.issuer} (${longUser})` }).click();
    expect(await clippedTexts(page, "main")).toEqual([]);
    await windowShot(page, "app-accounts-long-names-360x560");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("shows no per-account biometric switch where the device has none, and says so once in Settings", async () => {
    const page = await appPage(
      ctx.browser,
      ctx.url,
      { accounts: [acme, { ...bank, requireBiometric: false }], biometric: { available: false, reason: null } },
      { viewport: sizes.phone },
    );
    await page.getByText(acme.userLabel).waitFor();
    expect(await page.getByRole("switch").count()).toBe(0);
    await page.getByRole("navigation").getByRole("button", { name: "Settings" }).click();
    await page.getByTestId("settings-biometric").getByText("no fingerprint or face check", { exact: false }).waitFor();
    expect(await page.getByText(/Version 1\.2\.3/).count()).toBe(1);
    await windowShot(page, "app-settings-420x780");
    expect(await closeChecked(page)).toEqual([]);
  });
});

describe("history", () => {
  it("keeps a payment's amount and merchant", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme, bank], history: pastRequests }, { viewport: smallest });
    await page.getByRole("navigation").getByRole("button", { name: "History" }).click();
    const paid = page.getByTestId("history-payment");
    await paid.waitFor();
    expect(await paid.textContent()).toBe("120.00 EUR to Corner Coffee");
    expect(await clippedTexts(page, "main")).toEqual([]);
    await windowShot(page, "app-history-360x560");
    expect(await closeChecked(page)).toEqual([]);
  });
});

describe("the enroll screen", () => {
  const link = "signet://enroll?v=1&url=https%3A%2F%2Flogin.acme.example%2Fv1&tenant=t&token=abc";

  it("brings the confirm card and its button into view after Check link, even in the smallest window", async () => {
    const preview = { issuer: "Acme", userLabel: longUser, serverHost: "login.acme.example", secure: true, existingAccountId: null };
    const page = await appPage(ctx.browser, ctx.url, { preview, accounts: [acme] }, { viewport: smallest });
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    await page.getByLabel("Enrollment link").fill(link);
    await page.getByRole("button", { name: "Check link" }).click();
    const add = page.getByRole("region", { name: "Add this account?" }).getByRole("button", { name: "Add account" });
    await add.waitFor();
    await page.waitForFunction(() => document.getElementById("preview-title") === document.activeElement);
    expect(await inViewAndOnTop(page, add)).toBe(true);
    expect(await clippedTexts(page, "main")).toEqual([]);
    await windowShot(page, "app-enroll-confirm-360x560");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("offers Replace for the same user on the same server", async () => {
    const preview = { issuer: "Acme", userLabel: acme.userLabel, serverHost: "login.acme.example", secure: true, existingAccountId: acme.id };
    const page = await appPage(ctx.browser, ctx.url, { preview, accounts: [acme], enrolled: { ...acme, id: "acc-new" } }, { viewport: sizes.phone });
    await emitEvent(page, "enroll-link", { link });
    const card = page.getByRole("region", { name: "Replace this account?" });
    await card.waitFor();
    await windowShot(page, "app-enroll-replace-420x780");
    await card.getByRole("button", { name: "Replace account" }).click();
    await page.locator("#accounts-title").waitFor();
    expect(await page.locator(".account").count()).toBe(1);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("says a used link is used, beside the field, without moving the buttons", async () => {
    const page = await appPage(
      ctx.browser,
      ctx.url,
      { errors: { preview_enrollment: { code: "linkAlreadyUsed", message: "used" } } },
      { viewport: smallest },
    );
    await page.getByRole("navigation").getByRole("button", { name: "Add account" }).click();
    const check = page.getByRole("button", { name: "Check link" });
    await page.getByLabel("Enrollment link").fill(link);
    const before = await check.boundingBox();
    await check.click();
    const alert = page.getByRole("alert");
    await alert.getByText("already been used", { exact: false }).waitFor();
    expect((await check.boundingBox())?.y).toBe(before?.y);
    await windowShot(page, "app-enroll-used-360x560");
    await page.getByLabel("Enrollment link").press("End");
    await page.getByLabel("Enrollment link").pressSequentially("x");
    expect(await page.getByRole("alert").count()).toBe(0);
    expect((await check.boundingBox())?.y).toBe(before?.y);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("names no service when the link has none", async () => {
    const preview = { issuer: null, userLabel: null, serverHost: "login.acme.example", secure: true, existingAccountId: null };
    const page = await appPage(ctx.browser, ctx.url, { preview }, { viewport: sizes.phone });
    await emitEvent(page, "enroll-link", { link });
    const card = page.getByRole("region", { name: "Add this account?" });
    await card.waitFor();
    expect(await card.locator("dt").allTextContents()).toEqual(["Server"]);
    expect(await closeChecked(page)).toEqual([]);
  });
});

describe("the settings form", () => {
  it("shows a bad interval beside its field, keeps Save where it was, and clears the error on typing", async () => {
    const page = await appPage(ctx.browser, ctx.url, {}, { viewport: smallest });
    await page.getByRole("navigation").getByRole("button", { name: "Settings" }).click();
    const field = page.getByLabel("Check for requests every (seconds)");
    const save = page.getByRole("button", { name: "Save settings" });
    await field.fill("0");
    const before = await save.boundingBox();
    await save.click();
    await page.getByRole("alert").getByText("Choose between 1 and 60 seconds.").waitFor();
    expect((await save.boundingBox())?.y).toBe(before?.y);
    expect(await field.getAttribute("aria-describedby")).toBe("poll-interval-error");
    await field.pressSequentially("5");
    expect(await page.getByRole("alert").count()).toBe(0);
    expect((await save.boundingBox())?.y).toBe(before?.y);
    expect(await closeChecked(page)).toEqual([]);
  });
});
