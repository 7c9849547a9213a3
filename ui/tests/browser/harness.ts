// Playwright harness: Debian's Chromium, the built UI (ui/dist) served by Vite's preview
// server, and Tauri's real mockIPC injected before the app's own scripts run.
import { resolve } from "node:path";
import { mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { preview, type PreviewServer } from "vite";

const uiRoot = resolve(import.meta.dirname, "../..");
export const screenshotDir = resolve(uiRoot, "../target/screenshots");

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

/** Serves ui/dist on a free loopback port. */
export async function serveDist(): Promise<{ url: string; server: PreviewServer }> {
  const server = await preview({
    root: uiRoot,
    configFile: false,
    logLevel: "silent",
    preview: { host: "127.0.0.1", port: 0, strictPort: false },
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

/** Opens the app in `page` with `handler` answering every `invoke`. */
export async function openApp(
  page: Page,
  url: string,
  handler: PageHandler,
  fixture: unknown = null,
): Promise<void> {
  await page.addInitScript({ path: resolve(uiRoot, "tests/.build/tauri-mocks.js") });
  await page.addInitScript(
    ([source, data]) => {
      // eslint-disable-next-line no-new-func
      const fn = new Function(`return (${source});`)() as PageHandler;
      window.TauriMocks.mockIPC((cmd, args) => fn(cmd, args, data));
    },
    [handler.toString(), fixture] as const,
  );
  await page.goto(url);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = resolve(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Phone-sized viewport (a common 6.1" phone in CSS pixels). */
export const phone = { width: 390, height: 844 };
