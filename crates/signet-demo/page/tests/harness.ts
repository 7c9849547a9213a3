// Test harness: the real signet-server binary (with --demo) on a free loopback port with a
// temporary database, serving the built demo page (dist/); Debian's Chromium through
// playwright-core.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const demoDir = resolve(import.meta.dirname, "..");
export const repoRoot = resolve(demoDir, "../../..");
export const screenshotDir = resolve(repoRoot, "target/screenshots");
/** Screenshots that are committed: the page at the window sizes people use. */
export const docsScreenshotDir = resolve(repoRoot, "docs/screenshots");
const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(repoRoot, "target");

/** A built binary of the workspace: `$NAME_BIN` (e.g. SIGNET_SERVER_BIN) or target/debug. */
export function binary(name: string): string {
  const variable = `${name.toUpperCase().replace(/-/g, "_")}_BIN`;
  return process.env[variable] ?? join(targetDir, "debug", name);
}

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

export function launchBrowser(): Promise<Browser> {
  // The D-Bus session is for the device's keystore; Chromium would only wake desktop portals.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0] !== "DBUS_SESSION_BUS_ADDRESS" && entry[1] !== undefined,
    ),
  );
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: chromiumArgs,
    env,
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === "object") resolvePort(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/** A running signet-server. */
export interface RunningServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The demo page, e.g. http://127.0.0.1:41234/demo/ */
  demoUrl: string;
  /** The base URL for devices, ending in /v1. */
  baseUrl: string;
  tenantId: string;
  secretKey: string;
  /** Everything the server printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

export interface ServerOptions {
  /** Seconds a push challenge stays open (the server's default when absent). */
  challengeLifetimeSeconds?: number;
  /** A plain server that ignores `wait` (no long-poll), like one without extension 8.2. */
  plain?: boolean;
  /** Most open challenges per user (the server's default when absent). */
  maxOpenChallenges?: number;
  /**
   * Most demo requests per minute from one address. Every test's browser is 127.0.0.1, so the
   * default here is high; a test of the limit sets a low one.
   */
  demoRequestsPerMinute?: number;
}

const secretKey = "demo-test-secret-key";
const tenantId = "demo-test-tenant";

/** Starts signet-server on a free port with a fresh database; waits until the demo answers. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "signet-demo-test-"));
  const origin = `http://127.0.0.1:${port}`;
  const args = [
    "--listen",
    `127.0.0.1:${port}`,
    "--db",
    join(dataDir, "signet.db"),
    "--tenant-id",
    tenantId,
    "--secret-key",
    secretKey,
    "--demo",
    "--demo-dir",
    join(demoDir, "dist"),
    "--demo-requests-per-minute",
    String(options.demoRequestsPerMinute ?? 10_000),
  ];
  if (options.challengeLifetimeSeconds !== undefined) {
    args.push("--challenge-seconds", String(options.challengeLifetimeSeconds));
  }
  if (options.plain) args.push("--no-long-poll");
  if (options.maxOpenChallenges !== undefined) {
    args.push("--max-open-challenges", String(options.maxOpenChallenges));
  }
  const child = spawn(binary("signet-server"), args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    // SIGNET_DEMO_SERVER_LOG=<file>: keep what the server printed (RUST_LOG=info for requests).
    if (process.env.SIGNET_DEMO_SERVER_LOG) appendFileSync(process.env.SIGNET_DEMO_SERVER_LOG, output);
  };
  try {
    await waitUntilUp(`${origin}/demo/api/config`, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    origin,
    demoUrl: `${origin}/demo/`,
    baseUrl: `${origin}/v1`,
    tenantId,
    secretKey,
    output: () => output,
    stop,
  };
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`signet-server exited with ${child.exitCode}:\n${output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`signet-server did not answer ${url} within 30 s:\n${output()}`);
}

/** A fresh page on the demo, with the user id typed in (a 900×1100 window unless given). */
export async function openDemo(
  browser: Browser,
  server: RunningServer,
  userId: string,
  viewport = { width: 900, height: 1100 },
): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(server.demoUrl);
  await page.getByLabel("User id").fill(userId);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** A user id no other test uses. */
let counter = 0;
export function uniqueUser(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}@example.com`;
}
