// One app page per test: a fresh Chromium page at a given size, in UTC and US English, with the
// page's clock set to T0 and paused, so countdowns and "5 minutes ago" don't depend on when the
// test runs, and the app opened against the shell mock.
import type { Browser, Page } from "playwright-core";
import { cspViolations, openApp, phone } from "./harness";
import { T0 } from "./fixtures";
import { shellMock, type ShellFixture } from "./shell-mock";

export interface AppPageOptions {
  viewport?: { width: number; height: number };
  colorScheme?: "light" | "dark";
}

/** Opens the app with `fixture` as the shell's state; the page's clock stands still at T0. */
export async function appPage(
  browser: Browser,
  url: string,
  fixture: ShellFixture,
  options: AppPageOptions = {},
): Promise<Page> {
  const page = await browser.newPage({
    viewport: options.viewport ?? phone,
    colorScheme: options.colorScheme ?? "light",
    timezoneId: "UTC",
    locale: "en-US",
    reducedMotion: "reduce",
  });
  await page.clock.install({ time: T0 - 10_000 });
  await openApp(page, url, shellMock, fixture);
  await page.clock.pauseAt(T0);
  return page;
}

/** Closes the page after checking the app broke none of its CSP rules. */
export async function closeChecked(page: Page): Promise<string[]> {
  const violations = await cspViolations(page);
  await page.close();
  return violations;
}
