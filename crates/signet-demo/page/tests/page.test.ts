// The demo page against the real signet-server, without a device: enrollment link and QR code,
// the not-enrolled answer, errors in words beside what caused them, Enter to sign in, a
// remembered user id, the banner, the dark theme.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jsQR from "jsqr";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, openDemo, screenshot, startServer, uniqueUser, type RunningServer } from "./harness";

let browser: Browser;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Reads the QR code image on the page back into text. */
async function decodeQr(page: Page): Promise<string | undefined> {
  const pixels = await page.locator("#qr").evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    if (!context) return undefined;
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height);
    return { width: data.width, height: data.height, rgba: Array.from(data.data) };
  });
  if (!pixels) return undefined;
  return jsQR(Uint8ClampedArray.from(pixels.rgba), pixels.width, pixels.height)?.data;
}

describe("the demo page without a device", () => {
  it("shows a fresh enrollment link as text and as a QR code, with the token's countdown", async () => {
    const user = uniqueUser("enroll");
    const page = await openDemo(browser, server, user);
    await page.getByRole("button", { name: "Enroll a device" }).first().click();
    const linkBox = page.getByLabel("Enrollment link");
    await expect.poll(() => linkBox.inputValue()).toMatch(/^signet:\/\/enroll\?v=1&/);
    const link = await linkBox.inputValue();
    const fields = new URL(link).searchParams;
    expect(fields.get("v")).toBe("1");
    expect(fields.get("url")).toBe(server.baseUrl);
    expect(fields.get("tenant")).toBe(server.tenantId);
    expect(fields.get("user")).toBe(user);
    expect(fields.get("issuer")).toBe("Signet demo");
    expect(fields.get("token")?.split(".")).toHaveLength(3);
    expect(await decodeQr(page)).toBe(link);
    const countdown = await page.getByRole("timer").first().textContent();
    expect(countdown).toMatch(/^(10:00|9:[0-5]\d)$/);
    await screenshot(page, "demo-enroll");
    await page.close();
  });

  it("makes a new token each time enrollment is asked for", async () => {
    const page = await openDemo(browser, server, uniqueUser("twice"));
    const button = page.getByRole("button", { name: "Enroll a device" }).first();
    const linkBox = page.getByLabel("Enrollment link");
    await button.click();
    await expect.poll(() => linkBox.inputValue()).toMatch(/^signet:/);
    const first = await linkBox.inputValue();
    await button.click();
    await expect.poll(() => linkBox.inputValue()).not.toBe(first);
    await page.close();
  });

  it("says a user without a device has none and offers enrollment", async () => {
    const user = uniqueUser("nodevice");
    const page = await openDemo(browser, server, user);
    await page.getByRole("button", { name: "Sign in" }).click();
    const status = page.locator("#challenge-status");
    await expect.poll(() => status.textContent()).toContain(`${user} has no device enrolled yet`);
    await page.locator("#offer-enroll").getByRole("button", { name: "Enroll a device" }).click();
    await expect.poll(() => page.getByLabel("Enrollment link").inputValue()).toContain(encodeURIComponent(user));
    await page.close();
  });

  it("remembers the user id across visits", async () => {
    const user = uniqueUser("remember");
    const page = await openDemo(browser, server, user);
    await page.getByRole("button", { name: "Enroll a device" }).first().click();
    await expect.poll(() => page.getByLabel("Enrollment link").inputValue()).toMatch(/^signet:/);
    await page.reload();
    expect(await page.getByLabel("User id").inputValue()).toBe(user);
    await page.close();
  });

  it("shows the backend's refusal of an empty amount beside the payment, and no card stuck asking", async () => {
    const page = await openDemo(browser, server, uniqueUser("badinput"));
    await page.getByLabel("Amount").fill("   ");
    await page.getByRole("button", { name: "Approve a payment" }).click();
    const alert = page.locator("fieldset").getByRole("alert");
    await expect.poll(() => alert.textContent()).toBe("Enter an amount for the payment.");
    expect(await alert.getAttribute("data-code")).toBe("invalid_request");
    expect(await page.getByLabel("Amount").getAttribute("aria-invalid")).toBe("true");
    // The only alert on the page is that one, and no sign-in card waits for an answer.
    expect(await page.getByRole("alert").count()).toBe(1);
    expect(await page.locator("#challenge").isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "Approve a payment" }).isEnabled()).toBe(true);
    // Typing a new amount clears the error.
    await page.getByLabel("Amount").fill("5 EUR");
    expect(await page.getByRole("alert").count()).toBe(0);
    await page.close();
  });

  it("asks for a user id under the user id field before doing anything", async () => {
    const page = await openDemo(browser, server, "");
    await page.getByRole("button", { name: "Sign in" }).click();
    const field = page.getByLabel("User id");
    const alert = page.locator("#user-id-error");
    await expect.poll(() => alert.textContent()).toBe("Enter a user id first.");
    expect(await page.getByRole("alert").count()).toBe(1);
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect((await field.getAttribute("aria-describedby"))?.split(" ")).toContain("user-id-error");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("user-id");
    await page.close();
  });

  it("signs in when Enter is pressed in the user id field", async () => {
    const user = uniqueUser("enter");
    const page = await openDemo(browser, server, "");
    await page.getByLabel("User id").fill(user);
    await page.getByLabel("User id").press("Enter");
    await expect
      .poll(() => page.locator("#challenge-status").textContent())
      .toBe(`${user} has no device enrolled yet. Enroll one first, then try again.`);
    await page.close();
  });

  it("clears the results of the previous user when the user id changes", async () => {
    const page = await openDemo(browser, server, uniqueUser("first"));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#challenge").getAttribute("data-state")).toBe("not-enrolled");
    await page.getByRole("button", { name: "Enroll a device" }).first().click();
    await expect.poll(() => page.getByLabel("Enrollment link").inputValue()).toMatch(/^signet:/);
    await page.getByLabel("User id").fill(uniqueUser("second"));
    expect(await page.locator("#enrollment").isVisible()).toBe(false);
    expect(await page.locator("#challenge").isVisible()).toBe(false);
    await page.close();
  });

  it("says 'your device', never 'phone' (the app runs on desktops too)", async () => {
    const page = await openDemo(browser, server, uniqueUser("words"));
    const text = (): Promise<string> => page.evaluate(() => document.body.innerText);
    expect(await text()).not.toMatch(/phone/i);
    expect(await text()).toContain("type on your device");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#challenge").getAttribute("data-state")).toBe("not-enrolled");
    await page.getByRole("button", { name: "Enroll a device" }).first().click();
    await expect.poll(() => page.getByLabel("Enrollment link").inputValue()).toMatch(/^signet:/);
    expect(await text()).not.toMatch(/phone/i);
    await page.close();
  });

  it("says in a banner at the top that it is a demo that lets anyone enroll", async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 560 } });
    await page.goto(server.demoUrl);
    const banner = page.getByRole("note", { name: "This is a demo" });
    expect(await banner.textContent()).toMatch(/Demo only:\s+anyone who opens this page can enroll a device for any user/);
    // Small: at most an eighth of a 560-pixel-high window (three short lines).
    expect((await banner.boundingBox())?.height ?? 1_000).toBeLessThanOrEqual(70);
    // In view at the top, and still in view after scrolling down.
    expect(await banner.isVisible()).toBe(true);
    const top = async (): Promise<number> => (await banner.boundingBox())?.y ?? -1;
    expect(await top()).toBe(0);
    await page.mouse.wheel(0, 2_000);
    await page.waitForFunction(() => window.scrollY > 0);
    expect(await top()).toBe(0);
    await page.close();
  });

  it("follows the system's dark theme", async () => {
    const page = await browser.newPage({ colorScheme: "dark" });
    await page.goto(server.demoUrl);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe("rgb(18, 20, 25)");
    await page.close();
  });
});

describe("the demo page when the server goes away", () => {
  it("says in words that the server cannot be reached", async () => {
    const own = await startServer();
    const page = await openDemo(browser, own, uniqueUser("gone"));
    await page.waitForLoadState("networkidle");
    await own.stop();
    await page.getByRole("button", { name: "Sign in" }).click();
    // The error is in the sign-in card, which no longer says it is asking the server.
    await expect
      .poll(() => page.locator("#challenge").getByRole("alert").textContent(), { timeout: 20_000 })
      .toMatch(/^Could not reach the demo server .*Is signet-server running\?$/);
    expect(await page.locator("#challenge").getAttribute("data-state")).toBe("failed");
    expect(await page.locator("#challenge").textContent()).not.toContain("Asking the server");
    // The buttons come back: the page does not hang.
    expect(await page.getByRole("button", { name: "Sign in" }).isEnabled()).toBe(true);
    await page.close();
  });
});
