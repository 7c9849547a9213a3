import { describe, expect, it } from "vitest";
import { callsOf, desktop, emitEvent, screenshot, useBrowser } from "./harness";
import { acme, bank } from "./fixtures";
import { appPage, closeChecked } from "./session";

const ctx = useBrowser();

const noBiometric = { available: false, reason: "This computer has no fingerprint reader or face camera." };

describe("the accounts screen", () => {
  it("lists each account with its server, last use and connection", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme, bank], biometric: noBiometric });
    await page.locator("#accounts-title").getByText("Accounts").waitFor();
    const cards = page.getByRole("main").getByRole("listitem");
    expect(await cards.count()).toBe(2);
    const first = page.getByRole("listitem", { name: "Acme" });
    expect(await first.textContent()).toContain("alice@example.com");
    expect(await first.textContent()).toContain("login.acme.example");
    expect(await first.textContent()).toContain("Last used 5 minutes ago");
    expect(await first.textContent()).toContain("Connected");
    const second = page.getByRole("listitem", { name: "Northwind Bank" });
    expect(await second.textContent()).toContain("auth.northwind.example:8443");
    expect(await second.textContent()).toContain("Not used yet");
    expect(await second.textContent()).toContain("Offline");
    expect(await page.locator("[style]").count()).toBe(0);
    await screenshot(page, "ui-accounts-phone");
    expect(await closeChecked(page)).toEqual([]);
  });

  it("shows no biometric switch on a card when the device has none", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme], biometric: noBiometric });
    await page.getByText(acme.userLabel).waitFor();
    expect(await page.getByRole("switch").count()).toBe(0);
    expect(await page.getByText(noBiometric.reason ?? "", { exact: false }).count()).toBe(0);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("turns the biometric requirement on when the device has it", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme] });
    const toggle = page.getByRole("switch", { name: "Require fingerprint or face to approve" });
    await toggle.click();
    await page.waitForFunction(() =>
      (document.querySelector("[role=switch]") as HTMLInputElement | null)?.checked === true,
    );
    expect(await callsOf(page, "set_require_biometric")).toEqual([{ accountId: acme.id, required: true }]);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("removes an account after confirmation, by keyboard", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme] });
    await page.getByRole("button", { name: "Remove Acme (alice@example.com)" }).click();
    const confirm = page.getByRole("button", { name: "Remove account" });
    await confirm.waitFor();
    expect(await confirm.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await callsOf(page, "remove_account")).toEqual([]);
    await screenshot(page, "ui-accounts-remove-phone");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "No accounts yet" }).waitFor();
    expect(await callsOf(page, "remove_account")).toEqual([{ accountId: acme.id }]);
    expect(await closeChecked(page)).toEqual([]);
  });

  it("follows connection changes from the shell", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [{ ...acme, connection: "connecting" }] });
    await page.getByText("Connecting…").waitFor();
    await emitEvent(page, "connection-changed", { accountId: acme.id, connection: "offline" });
    await page.getByRole("listitem", { name: "Acme" }).getByText("Offline").waitFor();
    expect(await closeChecked(page)).toEqual([]);
  });

  it("puts the navigation in a side column on a wide window", async () => {
    const page = await appPage(ctx.browser, ctx.url, { accounts: [acme, bank] }, { viewport: desktop });
    await page.locator("#accounts-title").getByText("Accounts").waitFor();
    const nav = await page.getByRole("navigation", { name: "Main" }).boundingBox();
    const main = await page.getByRole("main").boundingBox();
    expect(nav && main && nav.x + nav.width <= main.x).toBe(true);
    await screenshot(page, "ui-accounts-desktop");
    expect(await closeChecked(page)).toEqual([]);
  });
});
