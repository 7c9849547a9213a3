// A real signet-server for the app's end-to-end tests (the built binary, a temporary
// database, a free loopback port), and a relying party that drives it through its HTTP API
// (docs/protocol.md sections 4 and 5) the way a website's backend and page would.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { freePort } from "./webdriver";

const root = resolve(import.meta.dirname, "../../..");
const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(root, "target");

export interface SignIn {
  action: string;
  token: string;
  idempotencyKey: string;
  challengeId: string;
  verificationCode: string | null;
}

/** A headless device (signet-cli, the binary of crates/signet-cli) with its own data folder
 * and keystore service name, so its keys never mix with the app's. */
export class Cli {
  private readonly dir = mkdtempSync(join(tmpdir(), "signet-cli-e2e-"));

  /** Runs one signet-cli command; resolves with its stdout, rejects with its stderr. */
  run(...args: string[]): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      execFile(
        process.env.SIGNET_CLI ?? join(targetDir, "debug/signet-cli"),
        ["--data-dir", this.dir, "--keyring-service", "signet-cli-e2e", ...args],
        { timeout: 30_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`signet-cli ${args[0]}: ${stderr}`)) : resolvePromise(stdout)),
      );
    });
  }

  stop(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Server {
  private constructor(
    readonly baseUrl: string,
    readonly tenantId: string,
    private readonly secretKey: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<Server> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "signet-app-e2e-"));
    const tenantId = `app-e2e-${randomBytes(4).toString("hex")}`;
    const secretKey = randomBytes(16).toString("hex");
    const child = spawn(
      process.env.SIGNET_SERVER ?? join(targetDir, "debug/signet-server"),
      ["--db", join(dir, "signet.db"), "--listen", `127.0.0.1:${port}`, "--tenant-id", tenantId, "--secret-key", secretKey, "--demo"],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const server = new Server(`http://127.0.0.1:${port}/v1`, tenantId, secretKey, child, dir);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) throw new Error(`signet-server exited with ${child.exitCode}`);
      try {
        await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
        return server;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    server.stop();
    throw new Error("signet-server did not start within 10 s");
  }

  stop(): void {
    this.child.kill("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async call<T>(method: string, path: string, auth: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: auth, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  private secret(): string {
    return `Basic ${Buffer.from(`${this.secretKey}:`).toString("base64")}`;
  }

  /** The enrollment link (protocol 8.1) a website would show as a QR code. */
  async enrollmentLink(userId: string, user: string, issuer: string): Promise<string> {
    const { token } = await this.call<{ token: string }>("POST", `/users/${userId}/actions/enroll`, this.secret(), {
      scope: "add:authenticators",
    });
    const query = new URLSearchParams({ v: "1", url: this.baseUrl, tenant: this.tenantId, token, user, issuer });
    return `signet://enroll?${query.toString()}`;
  }

  /**
   * A sign-in (or another action, e.g. `approvePayment` with `custom: {amount, merchant}`)
   * started the way a website does: track, then the page starts the push challenge.
   */
  async signIn(
    userId: string,
    options: { numberMatching?: boolean; action?: string; custom?: Record<string, unknown> } = {},
  ): Promise<SignIn> {
    const action = options.action ?? "signIn";
    const custom = { ...options.custom, ...(options.numberMatching ? { numberMatching: true } : {}) };
    const tracked = await this.call<{ token: string; idempotencyKey: string }>(
      "POST",
      `/users/${userId}/actions/${action}`,
      this.secret(),
      Object.keys(custom).length > 0 ? { custom } : {},
    );
    const started = await this.call<{ challengeId: string; verificationCode?: string }>(
      "POST",
      "/client/challenge/push",
      `Bearer ${tracked.token}`,
      { action },
    );
    return { ...tracked, action, challengeId: started.challengeId, verificationCode: started.verificationCode ?? null };
  }

  /** The action's state as the website's backend sees it. */
  async state(userId: string, signIn: SignIn): Promise<string> {
    const action = await this.call<{ state: string }>(
      "GET",
      `/users/${userId}/actions/${signIn.action}/${signIn.idempotencyKey}`,
      this.secret(),
    );
    return action.state;
  }
}
