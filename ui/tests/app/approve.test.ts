import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Session, TauriDriver } from "./webdriver";
import { Cli, Server } from "./server";

const root = resolve(import.meta.dirname, "../../..");
const application = process.env.SIGNET_APP ?? resolve(root, "target/debug/signet");
const screenshots = resolve(root, "target/screenshots");
/** The real app's key screens, kept in the repository and retaken by this test. */
const docsScreenshots = resolve(root, "docs/screenshots");

let driver: TauriDriver;
let session: Session;
let server: Server;
let cli: Cli | undefined;
const user = "ada";
/** A user label in Japanese: it must be drawn with a CJK font, not as empty boxes. */
const cjkLabel = "山田太郎 ada@example.com";
let enrollLink = "";

/** Waits (bounded) until the server reports `expected` for the sign-in. */
async function settle(read: () => Promise<string>, expected: string): Promise<string> {
  let state = "";
  for (let attempt = 0; attempt < 50; attempt++) {
    state = await read();
    if (state === expected) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return state;
}

/** The approval sheet of one challenge (never another one still pending). */
function sheetOf(challengeId: string): string {
  return `.sheet[role=dialog][data-challenge-id="${challengeId}"]`;
}

/** Saves a screenshot once the sheet's 0.2 s slide-in has finished (`docs`: in docs/screenshots). */
async function snapshot(name: string, { docs = false } = {}): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  const dir = docs ? docsScreenshots : screenshots;
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, name), await session.screenshot());
}

/** Whether the element matching `css` lies wholly inside the window and is what a tap reaches. */
async function inView(css: string): Promise<boolean> {
  return session.execute<boolean>(
    `const el = document.querySelector(arguments[0]);
     if (!el) return false;
     const r = el.getBoundingClientRect();
     const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
     return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth
       && hit !== null && (hit === el || el.contains(hit));`,
    [css],
  );
}

beforeAll(async () => {
  server = await Server.start();
  driver = await TauriDriver.start();
  session = await Session.start(driver, application);
});

afterAll(async () => {
  await session?.end();
  driver?.stop();
  server?.stop();
  cli?.stop();
});

/** Screenshots of what the window shows now at a phone's, a tall phone's and a desktop's size. */
async function snapshotSizes(name: string): Promise<void> {
  for (const [width, height] of [
    [360, 560],
    [420, 780],
    [1280, 800],
  ] as const) {
    await session.resize(width, height);
    await snapshot(`${name}-${width}x${height}.png`);
  }
}

describe("the real app against a real signet-server", () => {
  it("enrolls by pasting a link, after showing the issuer and user", async () => {
    await session.click(await session.waitFor("[data-testid=nav-enroll]"));
    enrollLink = await server.enrollmentLink(user, cjkLabel, "Acme");
    await session.type(await session.waitFor("#enroll-link"), enrollLink);
    await session.click(await session.find("[data-testid=enroll-check]"));
    const preview = await session.text(await session.waitFor("[aria-labelledby=preview-title]"));
    expect(preview).toContain("Acme");
    expect(preview).toContain(cjkLabel);
    expect(await inView("[data-testid=enroll-add]")).toBe(true);
    await snapshot("app-xvfb-enroll-confirm.png", { docs: true });
    await session.click(await session.find("[data-testid=enroll-add]"));
    await session.waitGone("[data-testid=enroll-add]");
    await session.click(await session.waitFor("[data-testid=nav-accounts]"));
    const accounts = await session.text(await session.waitFor(".account-list"));
    expect(accounts).toContain(cjkLabel);
    // No per-account biometric switch on a desktop without one (Settings says it once).
    expect(await session.execute<number>("return document.querySelectorAll('[role=switch]').length")).toBe(0);
  });

  it("draws a Japanese user name with a CJK font, not empty boxes", async () => {
    // Full-width CJK glyphs are 1 em wide; the fallback box of a font without them is not.
    const widths = await session.execute<number[]>(
      `const font = getComputedStyle(document.body).fontFamily;
       const context = document.createElement("canvas").getContext("2d");
       context.font = "100px " + font;
       return ["山田太郎", "例え"].map((text) => context.measureText(text).width / text.length);`,
    );
    for (const width of widths) {
      expect(width).toBeGreaterThan(95);
      expect(width).toBeLessThan(105);
    }
    await snapshot("app-xvfb-accounts.png", { docs: true });
  });

  it("says a link already used is used, instead of adding a second card for the same user", async () => {
    await session.click(await session.waitFor("[data-testid=nav-enroll]"));
    await session.type(await session.waitFor("#enroll-link"), enrollLink);
    await session.click(await session.find("[data-testid=enroll-check]"));
    const preview = await session.waitForText("[aria-labelledby=preview-title]", "Replace this account?");
    expect(preview).toContain("Already on this device");
    await session.click(await session.find("[data-testid=enroll-add]"));
    const error = await session.waitForText("#enroll-link-error", "already been used");
    expect(error).not.toContain("Remove the account");
    await snapshot("app-xvfb-enroll-used.png", { docs: true });
    await session.click(await session.waitFor("[data-testid=nav-accounts]"));
    await session.waitFor(".account-list > li"); // the list renders after the screen appears
    const cards = await session.execute<number>("return document.querySelectorAll('.account-list > li').length");
    expect(cards).toBe(1);
  });

  it("shows a sign-in started on the server and approves it", async () => {
    const signIn = await server.signIn(user);
    const sheet = sheetOf(signIn.challengeId);
    expect(await session.waitForText(sheet, "Acme")).toContain("Acme");
    await snapshot("app-approval-sheet.png");
    await session.click(await session.find(`${sheet} [data-testid=approve]`));
    expect(await settle(() => server.state(user, signIn), "CHALLENGE_SUCCEEDED")).toBe("CHALLENGE_SUCCEEDED");
    await session.waitGone(sheet);
    await session.waitForText("[data-testid=confirmation]", "Approved — you can return to the website");
    await snapshot("app-xvfb-approved.png", { docs: true });
  });

  it("makes a payment's amount and merchant the question, with Approve and Deny in the smallest window", async () => {
    const merchant = "Corner Coffee Roasters & Bakery, Unit 14, The Old Tram Depot, Northwind Bay";
    await session.resize(360, 560);
    try {
      const payment = await server.signIn(user, { action: "approvePayment", custom: { amount: "120.00 EUR", merchant } });
      const sheet = sheetOf(payment.challengeId);
      const title = await session.waitForText(`${sheet} #sheet-title`, "Pay 120.00 EUR");
      expect(title.replace(/\s+/g, " ").trim()).toBe(`Pay 120.00 EUR to ${merchant}?`);
      const size = await session.execute<number[]>("return [window.innerWidth, window.innerHeight]");
      await snapshot("app-xvfb-payment-small.png", { docs: true });
      expect(await inView(`${sheet} [data-testid=approve]`), `window ${size.join("x")}`).toBe(true);
      expect(await inView(`${sheet} [data-testid=deny]`), `window ${size.join("x")}`).toBe(true);
      await session.click(await session.find(`${sheet} [data-testid=deny]`));
      expect(await settle(() => server.state(user, payment), "CHALLENGE_FAILED")).toBe("CHALLENGE_FAILED");
      await session.waitGone(sheet);
      await session.waitForText("[data-testid=confirmation]", "Denied");
    } finally {
      await session.resize(420, 680);
    }
  });

  it("denies a sign-in", async () => {
    const signIn = await server.signIn(user);
    const sheet = sheetOf(signIn.challengeId);
    await session.click(await session.waitFor(`${sheet} [data-testid=deny]`));
    expect(await settle(() => server.state(user, signIn), "CHALLENGE_FAILED")).toBe("CHALLENGE_FAILED");
    await session.waitGone(sheet);
  });

  it("asks for the number shown on the sign-in page and approves with it", async () => {
    const signIn = await server.signIn(user, { numberMatching: true });
    expect(signIn.verificationCode).toMatch(/^\d{2}$/);
    const sheet = sheetOf(signIn.challengeId);
    await session.type(await session.waitFor(`${sheet} #verification-code`), signIn.verificationCode ?? "");
    await snapshot("app-approval-number.png");
    await session.click(await session.find(`${sheet} [data-testid=approve]`));
    expect(await settle(() => server.state(user, signIn), "CHALLENGE_SUCCEEDED")).toBe("CHALLENGE_SUCCEEDED");
    await session.waitGone(sheet);
  });

  it("says Connected and when the account was last used, without reopening the screen", async () => {
    await session.click(await session.waitFor("[data-testid=nav-accounts]"));
    const card = await session.waitForText(".account-list", "Connected");
    expect(card).toContain("Last used");
    expect(card).not.toContain("Not used yet");
  });

  it("refuses the sign-in and closes the request when the number typed is wrong (one attempt)", async () => {
    const signIn = await server.signIn(user, { numberMatching: true });
    const wrong = signIn.verificationCode === "00" ? "01" : "00";
    const sheet = sheetOf(signIn.challengeId);
    await session.type(await session.waitFor(`${sheet} #verification-code`), wrong);
    await session.click(await session.find(`${sheet} [data-testid=approve]`));
    await session.waitGone(sheet);
    expect(await session.waitForText("[data-testid=flash]", "Sign-in to Acme refused")).toContain("didn't match");
    expect(await server.state(user, signIn)).toBe("CHALLENGE_FAILED");
    await snapshotSizes("app-wrong-number");
    await session.click(await session.waitFor("[data-testid=nav-history]"));
    expect(await session.waitForText(".history-list", "number didn't match")).toContain("Refused");
  });

  it("closes the sheet when another device of the same user answered the sign-in", async () => {
    cli = new Cli();
    await cli.run("enroll", await server.enrollmentLink(user, "ada@example.com", "Acme"));
    const signIn = await server.signIn(user);
    const sheet = sheetOf(signIn.challengeId);
    expect(await session.waitForText(sheet, "Acme")).toContain("Acme");
    await cli.run("approve", signIn.challengeId);
    await session.waitGone(sheet);
    expect(await session.waitForText("[data-testid=flash]", "answered on another device")).toContain("Acme");
    expect(await server.state(user, signIn)).toBe("CHALLENGE_SUCCEEDED");
    await snapshotSizes("app-answered-elsewhere");
    await session.click(await session.waitFor("[data-testid=nav-history]"));
    expect(await session.waitForText(".history-list", "Answered on another device")).toContain("Acme");
    await snapshotSizes("app-history");
    await session.resize(1280, 800);
  });

  it("says what \"It wasn't me\" did and shows the pause on the account card", async () => {
    const signIn = await server.signIn(user);
    const sheet = sheetOf(signIn.challengeId);
    await session.click(await session.waitFor(`${sheet} [data-testid=not-me]`));
    await session.waitGone(sheet);
    expect(await session.waitForText("[data-testid=flash]", "We told Acme")).toContain(
      "Sign-ins for this account are paused for 5 minutes.",
    );
    await session.click(await session.waitFor("[data-testid=nav-accounts]"));
    expect(await session.waitForText("[data-testid=account-paused]", "Sign-ins paused for")).toMatch(/[45]:\d\d/);
    await snapshotSizes("app-not-me-paused");
    await expect(server.signIn(user)).rejects.toThrow(/429.*retryAfterSeconds/);
    await session.resize(1280, 800);
  });
});
