// A small W3C WebDriver client for tauri-driver: enough to find elements, read text, click,
// type and take screenshots of the real app.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolvePort(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = (await response.json()) as { value: T & { error?: string; message?: string } };
  if (!response.ok) {
    throw new Error(`WebDriver ${method} ${url}: ${json.value?.error ?? response.status} ${json.value?.message ?? ""}`);
  }
  return json.value;
}

/** A running tauri-driver process (which starts WebKitWebDriver). */
export class TauriDriver {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  /**
   * Starts tauri-driver; the app it launches gets a fresh, empty data folder of its own, and
   * `env` besides (tauri-driver passes its own environment on to the app).
   */
  static async start(env: Record<string, string> = {}): Promise<TauriDriver> {
    const port = await freePort();
    const nativePort = await freePort();
    const binary = process.env.TAURI_DRIVER ?? `${process.env.HOME}/.cargo/bin/tauri-driver`;
    const child = spawn(
      binary,
      ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"],
      {
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, XDG_DATA_HOME: mkdtempSync(join(tmpdir(), "signet-app-data-")), ...env },
        // Its own process group, with WebKitWebDriver and the app it launches: `stop` ends them
        // all (a closed window only hides the app in the tray, and one instance only runs).
        detached: true,
      },
    );
    const url = `http://127.0.0.1:${port}`;
    const driver = new TauriDriver(url, child);
    // Bounded wait for the driver to listen.
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
      try {
        await fetch(`${url}/status`, { signal: AbortSignal.timeout(1_000) });
        return driver;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    driver.stop();
    throw new Error("tauri-driver did not start listening within 10 s");
  }

  /** Ends tauri-driver, WebKitWebDriver and the app: the whole process group. */
  stop(): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** One WebDriver session: one running instance of the app. */
export class Session {
  private constructor(
    private readonly base: string,
  ) {}

  static async start(driver: TauriDriver, application: string, env?: Record<string, string>): Promise<Session> {
    const options: Record<string, unknown> = { application };
    if (env) options.env = env;
    const value = await call<{ sessionId: string }>("POST", `${driver.url}/session`, {
      capabilities: { alwaysMatch: { "tauri:options": options } },
    });
    return new Session(`${driver.url}/session/${value.sessionId}`);
  }

  async find(css: string): Promise<string> {
    const value = await call<Record<string, string>>("POST", `${this.base}/element`, {
      using: "css selector",
      value: css,
    });
    const id = value[ELEMENT_KEY];
    if (!id) throw new Error(`no element id for ${css}`);
    return id;
  }

  /** Waits (bounded) until `css` matches an element, and returns it. */
  async waitFor(css: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        return await this.find(css);
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`element ${css} did not appear within ${timeoutMs} ms: ${String(lastError)}`);
  }

  /** Waits (bounded) until nothing matches `css`. */
  async waitGone(css: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = await call<unknown[]>("POST", `${this.base}/elements`, { using: "css selector", value: css });
      if (found.length === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`element ${css} was still there after ${timeoutMs} ms`);
  }

  async text(element: string): Promise<string> {
    return call<string>("GET", `${this.base}/element/${element}/text`);
  }

  /**
   * Waits (bounded) until the element matching `css` shows `expected` and returns its text.
   * A sheet sliding in, or a screen still rendering, shows no text for a moment.
   */
  async waitForText(css: string, expected: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let shown = "";
    while (Date.now() < deadline) {
      try {
        shown = await this.text(await this.find(css));
        if (shown.includes(expected)) return shown;
      } catch {
        // Not there yet.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`element ${css} did not show "${expected}" within ${timeoutMs} ms (it showed "${shown}")`);
  }

  /** Scrolls the element to the middle of the window (clear of sticky bars), then clicks it. */
  async click(element: string): Promise<void> {
    await call("POST", `${this.base}/execute/sync`, {
      script: "arguments[0].scrollIntoView({ block: 'center' });",
      args: [{ [ELEMENT_KEY]: element }],
    });
    await call("POST", `${this.base}/element/${element}/click`, {});
  }

  async type(element: string, text: string): Promise<void> {
    await call("POST", `${this.base}/element/${element}/value`, { text });
  }

  /** Runs `script` in the page (its `return` value comes back). */
  async execute<T>(script: string, args: unknown[] = []): Promise<T> {
    return call<T>("POST", `${this.base}/execute/sync`, { script, args });
  }

  /** Resizes the window (outer size, as the window manager sees it). */
  async resize(width: number, height: number): Promise<void> {
    await call("POST", `${this.base}/window/rect`, { width, height });
  }

  /** A PNG screenshot of the window. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from(await call<string>("GET", `${this.base}/screenshot`), "base64");
  }

  async end(): Promise<void> {
    await call("DELETE", this.base).catch(() => undefined);
  }
}
