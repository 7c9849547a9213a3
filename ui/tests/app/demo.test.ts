// The whole push sign-in on one machine: the relying-party demo page served by a real
// signet-server, in Debian's Chromium, and the real app under Xvfb approving it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { resolve } from "node:path";
import { launchBrowser, screenshotDir } from "../browser/harness";
import { Session, TauriDriver } from "./webdriver";
import { Server } from "./server";

const root = resolve(import.meta.dirname, "../../..");
const application = process.env.SIGNET_APP ?? resolve(root, "target/debug/signet");

let server: Server;
let browser: Browser;
let page: Page;
let driver: TauriDriver;
let app: Session;

beforeAll(async () => {
  server = await Server.start();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.setDefaultTimeout(20_000);
  driver = await TauriDriver.start();
  app = await Session.start(driver, application);
});

afterAll(async () => {
  await app?.end();
  driver?.stop();
  await browser?.close();
  server?.stop();
});

describe("the demo page with the real app", () => {
  it("enrolls the app from the page's link, then a sign-in on the page is approved in the app", async () => {
    await page.goto(`${server.baseUrl.replace(/\/v1$/, "")}/demo/`);
    await page.fill("#user-id", "grace@example.com");
    await page.click("#enroll");
    await page.waitForFunction(
      () => (document.querySelector("#link") as HTMLTextAreaElement | null)?.value.startsWith("signet://") ?? false,
    );
    const link = await page.locator("#link").inputValue();
    expect(link).toMatch(/^signet:\/\/enroll\?v=1&/);

    await app.click(await app.waitFor("[data-testid=nav-enroll]"));
    await app.type(await app.waitFor("#enroll-link"), link);
    await app.click(await app.find("[data-testid=enroll-check]"));
    await app.click(await app.waitFor("[data-testid=enroll-add]"));
    await app.waitGone("[data-testid=enroll-add]");

    await page.click("#sign-in");
    await app.click(await app.waitFor(".sheet[role=dialog] [data-testid=approve]"));
    await page.locator("#outcome", { hasText: "Approved" }).waitFor();
    await page.locator("#validation", { hasText: "CHALLENGE_SUCCEEDED" }).waitFor();
    await page.screenshot({ path: resolve(screenshotDir, "demo-approved-with-app.png"), fullPage: true });
  });
});
