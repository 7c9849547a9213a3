import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { callsOf, desktop, emitEvent, screenshot, useBrowser } from "./harness";
import { acme, bank, payment, signIn, T0 } from "./fixtures";
import { appPage, closeChecked } from "./session";

const ctx = useBrowser();

const accounts = [acme, bank];

async function focusIsInside(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((s) => document.querySelector(s)?.contains(document.activeElement) ?? false, selector);
}

describe("the approval sheet", () => {
  it("shows a pending sign-in at start with where it comes from, focused and over an inert app", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn()] });
    const sheet = page.getByRole("dialog", { name: "Sign in to Acme?" });
    await sheet.waitFor();
    const text = await sheet.textContent();
    for (const part of ["alice@example.com", "203.0.113.7", "Chrome on macOS"]) expect(text).toContain(part);
    expect(await page.locator(".countdown-time").textContent()).toBe("1:00");
    expect(await focusIsInside(page, "[role=dialog]")).toBe(true);
    expect(await page.locator(".layout").evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    await screenshot(page, "ui-approval-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("approves with the right command and arguments", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn()] });
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await callsOf(page, "approve")).toEqual([{ challengeId: "ch-1", verificationCode: null }]);
    expect(await callsOf(page, "deny")).toEqual([]);
    const confirmation = page.getByTestId("confirmation");
    expect(await confirmation.textContent()).toContain("Approved — you can return to the website");
    expect(await confirmation.getAttribute("aria-live")).toBe("polite");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("denies with the right command and arguments", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn()] });
    await page.getByRole("button", { name: "Deny" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await callsOf(page, "deny")).toEqual([{ challengeId: "ch-1", notMe: false }]);
    expect(await callsOf(page, "approve")).toEqual([]);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("reports \"It wasn't me\" as a denial with notMe", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn()] });
    await page.getByRole("button", { name: "It wasn't me" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await callsOf(page, "deny")).toEqual([{ challengeId: "ch-1", notMe: true }]);
    expect(await page.getByTestId("confirmation").textContent()).toContain("it wasn't me");
    await page.getByTestId("announcer").getByText("We told Acme", { exact: false }).waitFor();
    expect(await page.getByTestId("announcer").textContent()).toBe(
      "We told Acme it wasn't you.",
    );
    expect(await closeChecked(page)).toEqual([]);
  });

  it("asks for the number shown on the sign-in page and sends it with the approval", async () => {
    const page = await appPage(ctx.browser, ctx.url, {
      accounts,
      pending: [signIn({ verificationCodeRequired: true })],
    });
    const field = page.getByLabel("Number shown on the sign-in page");
    await field.waitFor();
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    await screenshot(page, "ui-approval-number-phone");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Enter the 2-digit number shown on the sign-in page.").waitFor();
    expect(await callsOf(page, "approve")).toEqual([]);
    await field.pressSequentially("427");
    expect(await field.inputValue()).toBe("42");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await callsOf(page, "approve")).toEqual([{ challengeId: "ch-1", verificationCode: "42" }]);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("says a wrong number got the sign-in refused, and closes the request", async () => {
    const page = await appPage(ctx.browser, ctx.url, {
      accounts,
      pending: [signIn({ verificationCodeRequired: true })],
      approveOutcome: "wrongNumber",
    });
    await page.getByLabel("Number shown on the sign-in page").fill("13");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByTestId("flash").getByText("Sign-in to Acme refused: the number you entered didn't match", { exact: false }).waitFor();
    expect(await page.getByRole("dialog").count()).toBe(0);
    await screenshot(page, "ui-approval-wrong-number-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("confirms what \"It wasn't me\" did, and the account card shows the pause counting down", async () => {
    const page = await appPage(ctx.browser, ctx.url, {
      accounts: [{ ...acme }],
      pending: [signIn()],
      notMePauseMs: 300_000,
    });
    await page.getByRole("button", { name: "It wasn't me" }).click();
    const flash = page.getByTestId("flash");
    await flash.getByText("We told Acme it wasn't you.", { exact: false }).waitFor();
    expect(await flash.textContent()).toContain("Sign-ins for this account are paused for 5 minutes.");
    // The shell tells the screens the request ended; the accounts screen reads the accounts again.
    await emitEvent(page, "challenge-resolved", { challengeId: "ch-1", accountId: acme.id, outcome: "notMe", at: T0 });
    const paused = page.getByTestId("account-paused");
    expect(await paused.textContent()).toContain("Sign-ins paused for 5:00");
    await page.clock.runFor(61_000);
    await page.waitForFunction(() => document.querySelector("[data-testid=account-paused]")?.textContent?.includes("3:59"));
    await screenshot(page, "ui-not-me-paused-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("closes the sheet with a message when the request was answered on another device", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn()] });
    await page.getByRole("dialog").waitFor();
    await emitEvent(page, "challenge-resolved", {
      challengeId: "ch-1",
      accountId: acme.id,
      outcome: "answeredElsewhere",
      at: T0,
    });
    await page.getByTestId("flash").getByText("was answered on another device", { exact: false }).waitFor();
    expect(await page.getByRole("dialog").count()).toBe(0);
    await screenshot(page, "ui-answered-elsewhere-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("counts down to the expiry, then shows Expired and disables the answers", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn({ expiresAt: T0 + 30_000 })] });
    expect(await page.locator(".countdown-time").textContent()).toBe("0:30");
    await page.clock.runFor(20_000);
    await page.waitForFunction(() => document.querySelector("[data-testid=countdown]")?.textContent?.includes("0:10"));
    expect(await page.getByRole("button", { name: "Approve" }).isEnabled()).toBe(true);
    await page.clock.runFor(10_000);
    await page.waitForFunction(
      () => document.querySelector("[data-testid=countdown]")?.textContent?.trim() === "Expired",
    );
    for (const name of ["Approve", "Deny", "It wasn't me"]) {
      expect(await page.getByRole("button", { name, exact: true }).isDisabled()).toBe(true);
    }
    await screenshot(page, "ui-approval-expired-phone");
    expect(await callsOf(page, "approve")).toEqual([]);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("shows several requests one at a time with where the user is", async () => {
    const pending = [signIn(), payment(), signIn({ id: "ch-3", issuer: "Globex", receivedAt: T0 - 1_000 })];
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending });
    await page.getByRole("dialog", { name: "Sign in to Acme?" }).waitFor();
    await page.getByText("Request 1 of 3").waitFor();
    await page.getByRole("button", { name: "Approve" }).click();
    const pay = page.getByRole("dialog", { name: "Pay 120.00 EUR to Corner Coffee?" });
    await pay.waitFor();
    expect(await pay.textContent()).toContain("Approve a payment request from Northwind Bank");
    expect(await pay.textContent()).toContain("Safari on iOS");
    await page.getByText("Request 1 of 2").waitFor();
    await screenshot(page, "ui-approval-payment-phone");
    await page.getByRole("button", { name: "Deny" }).click();
    await page.getByRole("dialog", { name: "Sign in to Globex?" }).waitFor();
    expect(await callsOf(page, "approve")).toEqual([{ challengeId: "ch-1", verificationCode: null }]);
    expect(await callsOf(page, "deny")).toEqual([{ challengeId: "ch-pay", notMe: false }]);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("opens and is announced when the shell reports a new request", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts });
    await page.locator("#accounts-title").waitFor();
    await emitEvent(page, "challenge-received", payment());
    await page.getByRole("dialog", { name: "Pay 120.00 EUR to Corner Coffee?" }).waitFor();
    const live = page.getByTestId("announcer");
    expect(await live.getAttribute("aria-live")).toBe("polite");
    await page.waitForFunction(
      () => document.querySelector("[data-testid=announcer]")?.textContent === "New approve a payment request from Northwind Bank.",
    );
    expect(await focusIsInside(page, "[role=dialog]")).toBe(true);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("closes on Escape without answering and gives focus back", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts });
    const historyTab = page.getByRole("navigation").getByRole("button", { name: "History" });
    await historyTab.focus();
    await emitEvent(page, "challenge-received", signIn());
    await page.getByRole("dialog").waitFor();
    await page.waitForFunction(() => document.querySelector("[role=dialog]")?.contains(document.activeElement));
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await historyTab.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await callsOf(page, "approve")).toEqual([]);
    expect(await callsOf(page, "deny")).toEqual([]);
    await page.getByRole("button", { name: "Review" }).click();
    await page.getByRole("dialog", { name: "Sign in to Acme?" }).waitFor();
    expect(await closeChecked(page)).toEqual([]);
  });

  it("opens the request the user tapped in a notification", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn(), payment()] });
    await page.getByRole("dialog", { name: "Sign in to Acme?" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await emitEvent(page, "open-challenge", { challengeId: "ch-pay" });
    await page.getByRole("dialog", { name: "Pay 120.00 EUR to Corner Coffee?" }).waitFor();
    expect(await closeChecked(page)).toEqual([]);
  });

  it("is a centred card on a wide window", async () => {
    const page = await appPage(
      ctx.browser,
      ctx.url,
      { accounts, pending: [payment({ verificationCodeRequired: true })] },
      { viewport: desktop },
    );
    const sheet = page.getByRole("dialog");
    await sheet.waitFor();
    const box = await sheet.boundingBox();
    expect(box && box.width <= 480 && box.y > 0).toBe(true);
    await screenshot(page, "ui-approval-desktop");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("follows the dark theme", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts, pending: [signIn()] }, { colorScheme: "dark" });
    await page.getByRole("dialog").waitFor();
    await screenshot(page, "ui-approval-dark-phone");
    expect(await closeChecked(page)).toEqual([]);
  });
});
