import { afterAll, beforeAll } from "vitest";
// Playwright harness: Debian's Chromium, the built UI (ui/dist) served by Vite's preview
// server with the app's own Content-Security-Policy (from tauri.conf.json), and Tauri's real
// mockIPC injected before the app's own scripts run.
import { resolve } from "node:path";
import { mkdirSync, readFileSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { preview, type PreviewServer } from "vite";
import type { RecordedCall } from "./tauri-mocks";
import type { EventName, EventPayloads } from "../../src/lib/api";

const uiRoot = resolve(import.meta.dirname, "../..");

/** The CSP the Tauri app enforces, as one header value. */
export function appCsp(): string {
  const config = JSON.parse(readFileSync(resolve(uiRoot, "../tauri.conf.json"), "utf8")) as {
    app: { security: { csp: Record<string, string> } };
  };
  return Object.entries(config.app.security.csp)
    .map(([directive, value]) => `${directive} ${value}`)
    .join("; ");
}
export const screenshotDir = resolve(uiRoot, "../target/screenshots");
/** The screenshots kept in the repository (docs/screenshots/app-*.png), retaken by the tests. */
export const docsScreenshotDir = resolve(uiRoot, "../docs/screenshots");

/** Chromium's flags for a closed network, as root, with a fresh profile. */
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: chromiumArgs,
  });
}

/**
 * For one test file: serves the built UI and launches Chromium before its tests, closes both
 * after them. Read `browser` and `url` inside tests (they are set once the hooks ran).
 */
export function useBrowser(): { browser: Browser; url: string } {
  const context = {} as { browser: Browser; url: string; server?: PreviewServer };
  beforeAll(async () => {
    const served = await serveDist();
    context.url = served.url;
    context.server = served.server;
    context.browser = await launchBrowser();
  });
  afterAll(async () => {
    await context.browser?.close();
    await context.server?.close();
  });
  return context;
}

/** Serves ui/dist on a free loopback port. */
export async function serveDist(): Promise<{ url: string; server: PreviewServer }> {
  const server = await preview({
    root: uiRoot,
    configFile: false,
    logLevel: "silent",
    preview: {
      host: "127.0.0.1",
      port: 0,
      strictPort: false,
      headers: { "Content-Security-Policy": appCsp() },
    },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite preview did not report a URL");
  return { url, server };
}

/**
 * A command handler run inside the page by mockIPC. It is serialised with `toString()`, so it
 * must not close over anything; data it needs comes in as `fixture`.
 */
export type PageHandler = (cmd: string, args: unknown, fixture: unknown) => unknown;

/**
 * Opens the app in `page` with `handler` answering every `invoke` (Tauri's event mocking on,
 * every call recorded). The handler is injected as source text, not evaluated: the app's CSP
 * forbids eval. Like the app (tauri.conf.json `freezePrototype`), Object.prototype is frozen.
 */
export async function openApp(
  page: Page,
  url: string,
  handler: PageHandler,
  fixture: unknown = null,
): Promise<void> {
  await page.addInitScript({ path: resolve(uiRoot, "tests/.build/tauri-mocks.js") });
  await page.addInitScript({
    content: `(() => {
      const handler = (${handler.toString()});
      const fixture = ${JSON.stringify(fixture)};
      window.TauriMocks.install((cmd, args) => handler(cmd, args, fixture));
      Object.freeze(Object.prototype);
    })();`,
  });
  await page.goto(url);
}

/** The commands the app has invoked so far, in order. */
export async function calls(page: Page): Promise<RecordedCall[]> {
  return page.evaluate(() => window.TauriMocks.calls);
}

/** The commands named `cmd` the app has invoked so far. */
export async function callsOf(page: Page, cmd: string): Promise<unknown[]> {
  return (await calls(page)).filter((c) => c.cmd === cmd).map((c) => c.args);
}

/** Emits an event to the app as the shell would. */
export async function emitEvent<E extends EventName>(page: Page, event: E, payload: EventPayloads[E]): Promise<void> {
  // The generic pair does not survive Playwright's serialisation types: the signature above
  // already checked it.
  await page.evaluate(([name, data]) => window.TauriMocks.emit(name, data as never), [event, payload] as const);
}

/** CSP violations the page reported. */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => window.TauriMocks.violations);
}

/** A screenshot of the whole page in target/screenshots (or, with `docs`, in docs/screenshots). */
export async function screenshot(page: Page, name: string, { docs = false } = {}): Promise<string> {
  const dir = docs ? docsScreenshotDir : screenshotDir;
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, `${name}.png`);
  // Chromium's full-page capture keeps the window's height for fixed and sticky elements (the
  // tab bar would land mid-page), so grow the window to the page for the shot instead.
  const size = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (size && height > size.height) await page.setViewportSize({ width: size.width, height });
  await page.screenshot({ path, fullPage: true });
  if (size && height > size.height) await page.setViewportSize(size);
  return path;
}

/** Phone-sized viewport (a common 6.1" phone in CSS pixels). */
export const phone = { width: 390, height: 844 };

/** A laptop-sized window. */
export const desktop = { width: 1280, height: 800 };

/** The app window's smallest size (tauri.conf.json minWidth x minHeight). */
export const smallest = { width: 360, height: 560 };

/** The app window's default size (tauri.conf.json width x height). */
export const defaultWindow = { width: 420, height: 680 };

/** A screenshot of the window only (what the user sees without scrolling), in docs/screenshots. */
export async function windowShot(page: Page, name: string): Promise<string> {
  mkdirSync(docsScreenshotDir, { recursive: true });
  const path = resolve(docsScreenshotDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
