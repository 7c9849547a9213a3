import { describe, expect, it } from "vitest";
import { cspViolations, openApp, phone, screenshot, useBrowser } from "./harness";
import { shellMock } from "./shell-mock";

const ctx = useBrowser();

describe("the built UI in Chromium", () => {
  it("shows the empty accounts screen and the version from the shell at phone size", async () => {
    const page = await ctx.browser.newPage({ viewport: phone });
    await openApp(page, ctx.url, shellMock, { version: "1.2.3" });
    await page.getByRole("heading", { name: "No accounts yet" }).waitFor();
    expect(await page.locator("#accounts-title").textContent()).toBe("No accounts yet");
    expect(await page.getByTestId("app-version").textContent()).toBe("Version 1.2.3");
    expect(await cspViolations(page)).toEqual([]);
    await screenshot(page, "ui-first-screen-phone");
    await page.close();
  });

  it("runs under the app's Content-Security-Policy, which reports inline styles", async () => {
    const page = await ctx.browser.newPage({ viewport: phone });
    await openApp(page, ctx.url, shellMock, {});
    await page.getByRole("heading", { name: "No accounts yet" }).waitFor();
    expect(await cspViolations(page)).toEqual([]);
    await page.evaluate(() => document.body.setAttribute("style", "color: red"));
    await page.waitForFunction(() => window.TauriMocks.violations.length > 0);
    expect((await cspViolations(page))[0]).toMatch(/^style-src/);
    await page.close();
  });

  it("follows the system's dark theme", async () => {
    const page = await ctx.browser.newPage({ viewport: phone, colorScheme: "dark" });
    await openApp(page, ctx.url, shellMock, { version: "1.2.3" });
    await page.getByRole("heading", { name: "No accounts yet" }).waitFor();
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe("rgb(18, 20, 25)");
    await screenshot(page, "ui-first-screen-dark");
    await page.close();
  });
});
