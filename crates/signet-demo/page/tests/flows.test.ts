// Sign-in and payment through the demo page, end to end: the real signet-server, Authsignal's
// browser SDK in Debian's Chromium, and the headless device signet-cli as the phone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { Device } from "./device";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  docsScreenshotDir,
  launchBrowser,
  openDemo,
  screenshot,
  startServer,
  uniqueUser,
  type RunningServer,
} from "./harness";

/** What the page shows when a challenge has ended and the backend has validated. */
interface Shown {
  outcome: string;
  isValid: string;
  state: string;
  actionCode: string;
  status: string;
}

/** Waits (bounded) until the page shows an outcome and the backend's validate result. */
async function shownResult(page: Page, timeout = 30_000): Promise<Shown> {
  await page.locator("#validation").waitFor({ state: "visible", timeout });
  await expect.poll(() => page.locator("#challenge-status").textContent(), { timeout }).toContain("The backend says");
  const field = (name: string) => page.locator(`#validation-list dd[data-field="${name}"]`).textContent();
  return {
    outcome: (await page.locator("#outcome").textContent()) ?? "",
    isValid: (await field("isValid")) ?? "",
    state: (await field("state")) ?? "",
    actionCode: (await field("actionCode")) ?? "",
    status: (await page.locator("#challenge-status").textContent()) ?? "",
  };
}

/** Enrolls a new device for `user` through the page's link and starts it watching. */
async function enrollThroughThePage(page: Page): Promise<Device> {
  await page.getByRole("button", { name: "Enroll a device" }).first().click();
  const linkBox = page.getByLabel("Enrollment link");
  // (expect.poll only works inside a test; this runs in beforeAll.)
  await page.waitForFunction(
    () => (document.getElementById("link") as HTMLTextAreaElement | null)?.value.startsWith("signet://enroll?"),
    undefined,
    { timeout: 15_000 },
  );
  const device = new Device();
  await device.enroll(await linkBox.inputValue());
  device.startWatching();
  return device;
}

describe("sign-in and payment with a device", () => {
  let server: RunningServer;
  let browser: Browser;
  let device: Device;
  let page: Page;
  const user = uniqueUser("flow");

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await openDemo(browser, server, user);
    device = await enrollThroughThePage(page);
  });

  afterAll(async () => {
    await page?.close();
    await device?.close();
    await browser?.close();
    await server?.stop();
  });

  it("signs in when the device approves, and the backend validates the token", async () => {
    device.clearEvents();
    await page.getByRole("button", { name: "Sign in" }).click();
    const challenge = await device.nextChallenge();
    expect(challenge.actionCode).toBe("signIn");
    expect(challenge.verificationCodeRequired).toBe(false);
    expect(challenge.userAgent).toContain("Chrome");
    // While it waits, the page counts down to the challenge's expiry.
    expect(await page.locator("#challenge-timer").isVisible()).toBe(true);
    expect(await page.getByRole("timer").last().textContent()).toMatch(/^[0-2]:[0-5]\d$/);
    await device.approve(challenge.id);
    const shown = await shownResult(page);
    expect(shown).toMatchObject({
      outcome: "Approved",
      isValid: "true",
      state: "CHALLENGE_SUCCEEDED",
      actionCode: "signIn",
    });
    expect(shown.status).toContain(`Approved: signed in as ${user}.`);
    await screenshot(page, "demo-approved");
  });

  it("says Denied when the device denies, and the token does not validate", async () => {
    device.clearEvents();
    await page.getByRole("button", { name: "Sign in" }).click();
    const challenge = await device.nextChallenge();
    await device.deny(challenge.id);
    expect(await shownResult(page)).toMatchObject({
      outcome: "Denied",
      isValid: "false",
      state: "CHALLENGE_FAILED",
    });
  });

  it("shows the number to type with number matching, and approves when the device types it", async () => {
    await page.getByLabel(/Number matching/).check();
    try {
      device.clearEvents();
      await page.getByRole("button", { name: "Sign in" }).click();
      const challenge = await device.nextChallenge();
      expect(challenge.verificationCodeRequired).toBe(true);
      const number = page.locator("#number");
      await number.waitFor({ state: "visible" });
      const code = (await number.textContent()) ?? "";
      expect(code).toMatch(/^\d{2}$/);
      expect(await number.getAttribute("aria-label")).toBe(`Number to type on your device: ${code[0]} ${code[1]}`);
      expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/phone/i);
      await screenshot(page, "demo-number-matching");
      await device.approve(challenge.id, code);
      expect(await shownResult(page)).toMatchObject({
        outcome: "Approved",
        isValid: "true",
        state: "CHALLENGE_SUCCEEDED",
      });
    } finally {
      await page.getByLabel(/Number matching/).uncheck();
    }
  });

  it("says Denied when the device types the wrong number", async () => {
    await page.getByLabel(/Number matching/).check();
    try {
      device.clearEvents();
      await page.getByRole("button", { name: "Sign in" }).click();
      const challenge = await device.nextChallenge();
      await page.locator("#number").waitFor({ state: "visible" });
      const code = (await page.locator("#number").textContent()) ?? "";
      const wrong = code === "00" ? "01" : "00";
      await expect(device.approve(challenge.id, wrong)).rejects.toThrow(/wrong number/);
      const shown = await shownResult(page);
      expect(shown).toMatchObject({ outcome: "Denied", isValid: "false", state: "CHALLENGE_FAILED" });
      expect(shown.status).toContain("wrong number");
    } finally {
      await page.getByLabel(/Number matching/).uncheck();
    }
  });

  it("shows the number in view without scrolling on 1280×800, and at 360×560 and 420×780 (screenshots)", async () => {
    mkdirSync(docsScreenshotDir, { recursive: true });
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 420, height: 780 },
      { width: 360, height: 560 },
    ]) {
      const sized = await openDemo(browser, server, user, viewport);
      try {
        await sized.getByLabel(/Number matching/).check();
        device.clearEvents();
        await sized.getByRole("button", { name: "Sign in" }).click();
        const challenge = await device.nextChallenge();
        const number = sized.locator("#number");
        await number.waitFor({ state: "visible" });
        const code = (await number.textContent()) ?? "";
        const box = await number.boundingBox();
        expect(box, `${viewport.width}×${viewport.height}`).not.toBeNull();
        // Entirely inside the window (the page may scroll it there on a small window).
        expect(box!.y).toBeGreaterThanOrEqual(0);
        expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
        if (viewport.width === 1280) {
          // A wide window shows it beside the controls: nothing had to scroll.
          expect(await sized.evaluate(() => window.scrollY)).toBe(0);
        }
        // The countdown and Cancel are in view too.
        const cancel = await sized.getByRole("button", { name: "Cancel" }).boundingBox();
        expect(cancel!.y + cancel!.height).toBeLessThanOrEqual(viewport.height);
        await sized.screenshot({ path: join(docsScreenshotDir, `demo-${viewport.width}x${viewport.height}.png`) });
        await device.approve(challenge.id, code);
        expect((await shownResult(sized)).outcome).toBe("Approved");
      } finally {
        await sized.close();
      }
    }
  });

  it("stops waiting when a pending sign-in is cancelled", async () => {
    device.clearEvents();
    await page.getByRole("button", { name: "Sign in" }).click();
    const challenge = await device.nextChallenge();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.locator("#outcome").textContent()).toBe("Cancelled");
    expect(await page.locator("#challenge").getAttribute("data-state")).toBe("cancelled");
    expect(await page.locator("#challenge-status").textContent()).toContain("this page stopped waiting");
    expect(await page.locator("#challenge-timer").isVisible()).toBe(false);
    expect(await page.locator("#validation").isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "Sign in" }).isEnabled()).toBe(true);
    // The device's answer comes too late for this page: it stays cancelled.
    await device.deny(challenge.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await page.locator("#outcome").textContent()).toBe("Cancelled");
  });

  it("approves a payment whose amount and merchant the device shows", async () => {
    device.clearEvents();
    await page.getByLabel("Amount").fill("42.50 EUR");
    await page.getByLabel("Merchant").fill("Test Shop");
    await page.getByRole("button", { name: "Approve a payment" }).click();
    const challenge = await device.nextChallenge();
    expect(challenge.actionCode).toBe("approvePayment");
    expect(challenge.custom).toMatchObject({ amount: "42.50 EUR", merchant: "Test Shop" });
    expect(await page.locator("#challenge-heading").textContent()).toBe("Approve 42.50 EUR to Test Shop");
    await device.approve(challenge.id);
    const shown = await shownResult(page);
    expect(shown).toMatchObject({
      outcome: "Approved",
      isValid: "true",
      state: "CHALLENGE_SUCCEEDED",
      actionCode: "approvePayment",
    });
    expect(shown.status).toContain(`payment authorised by ${user}`);
  });
});

describe("enrolling from the page, then a cool-down", () => {
  let server: RunningServer;
  let browser: Browser;
  let device: Device | undefined;
  let page: Page;
  const user = uniqueUser("enrolled");

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await openDemo(browser, server, user);
  });

  afterAll(async () => {
    await page?.close();
    await device?.close();
    await browser?.close();
    await server?.stop();
  });

  it("says Device enrolled once the device used the link, stops the countdown and drops the no-device card", async () => {
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#challenge").getAttribute("data-state")).toBe("not-enrolled");
    await page.locator("#offer-enroll").getByRole("button", { name: "Enroll a device" }).click();
    const linkBox = page.getByLabel("Enrollment link");
    await expect.poll(() => linkBox.inputValue()).toMatch(/^signet:\/\/enroll\?/);
    // The card with the link and the no-device card are both there until the device enrolls.
    expect(await page.locator("#challenge").isVisible()).toBe(true);
    device = new Device();
    await device.enroll(await linkBox.inputValue());
    const done = page.locator("#enroll-done");
    await expect.poll(() => done.textContent(), { timeout: 10_000 }).toBe(`Device enrolled: you can sign in now as ${user}.`);
    expect(await page.locator("#enroll-heading").textContent()).toBe("Device enrolled");
    expect(await page.locator("#challenge").isVisible()).toBe(false);
    expect(await page.getByLabel("Enrollment link").isVisible()).toBe(false);
    expect(await page.getByRole("timer").count()).toBe(0);
    await screenshot(page, "demo-enrolled");
  });

  it("shows the cool-down after 'it wasn't me' in the sign-in card, never stuck asking the server", async () => {
    device!.startWatching();
    await page.getByRole("button", { name: "Sign in" }).click();
    const challenge = await device!.nextChallenge();
    await device!.run(["deny", challenge.id, "--not-me"]);
    expect((await shownResult(page)).outcome).toBe("Denied");
    await page.getByRole("button", { name: "Sign in" }).click();
    const card = page.locator("#challenge");
    await expect.poll(() => card.getAttribute("data-state")).toBe("failed");
    const alert = card.getByRole("alert");
    expect(await alert.getAttribute("data-code")).toBe("rate_limited");
    expect(await alert.textContent()).toMatch(/^The push server refused the challenge: .+/);
    expect(await card.textContent()).not.toContain("Asking the server");
    expect(await page.getByRole("alert").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Sign in" }).isEnabled()).toBe(true);
  });
});

describe("a challenge nobody answers", () => {
  let server: RunningServer;
  let browser: Browser;
  let device: Device;
  let page: Page;
  const user = uniqueUser("expiry");

  beforeAll(async () => {
    server = await startServer({ challengeLifetimeSeconds: 3, maxOpenChallenges: 1 });
    browser = await launchBrowser();
    page = await openDemo(browser, server, user);
    device = await enrollThroughThePage(page);
  });

  afterAll(async () => {
    await page?.close();
    await device?.close();
    await browser?.close();
    await server?.stop();
  });

  it("ends as Expired within the challenge's lifetime plus a few seconds", async () => {
    await page.getByRole("button", { name: "Sign in" }).click();
    await device.nextChallenge();
    const shown = await shownResult(page, 20_000);
    expect(shown).toMatchObject({ outcome: "Expired", isValid: "false" });
    expect(shown.status).toContain("nobody answered in time");
    expect(await page.getByRole("button", { name: "Sign in" }).isEnabled()).toBe(true);
  });

  it("shows the push server's refusal in words when too many challenges are open", async () => {
    await page.getByRole("button", { name: "Sign in" }).click();
    await device.nextChallenge();
    // A second tab signs in while the first challenge is still open (the limit here is 1).
    const second = await openDemo(browser, server, user);
    try {
      await second.getByRole("button", { name: "Sign in" }).click();
      const alert = second.locator("#challenge").getByRole("alert");
      await expect
        .poll(() => alert.textContent())
        .toBe("The push server refused the challenge: too many open challenges for this user.");
      expect(await alert.getAttribute("data-code")).toBe("rate_limited");
      expect(await second.locator("#challenge").textContent()).not.toContain("Asking the server");
      expect(await second.getByRole("button", { name: "Sign in" }).isEnabled()).toBe(true);
    } finally {
      await second.close();
    }
    expect((await shownResult(page, 20_000)).outcome).toBe("Expired");
  });
});

describe("a plain server that does not hold verify/push", () => {
  let server: RunningServer;
  let browser: Browser;
  let device: Device;
  let page: Page;
  const user = uniqueUser("plain");

  beforeAll(async () => {
    server = await startServer({ plain: true });
    browser = await launchBrowser();
    page = await openDemo(browser, server, user);
    device = await enrollThroughThePage(page);
  });

  afterAll(async () => {
    await page?.close();
    await device?.close();
    await browser?.close();
    await server?.stop();
  });

  it("still signs in: the page falls back to asking once a second", async () => {
    await page.getByRole("button", { name: "Sign in" }).click();
    const challenge = await device.nextChallenge();
    await device.approve(challenge.id);
    expect(await shownResult(page)).toMatchObject({
      outcome: "Approved",
      isValid: "true",
      state: "CHALLENGE_SUCCEEDED",
    });
  });
});
