// The headless device `signet-cli` as the user's phone: enrolls with the page's link, watches
// for challenges (JSON lines), approves or denies them in separate runs, like a person would.
// Keys live in the platform keystore (a Secret Service; test.sh starts a private one).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { binary } from "./harness";

/** A challenge as `signet-cli watch` prints it. */
export interface DeviceChallenge {
  id: string;
  accountId: string;
  actionCode: string | null;
  userAgent: string | null;
  custom: Record<string, unknown> | null;
  verificationCodeRequired: boolean;
  expiresAt: number;
}

/** One JSON line of `signet-cli` output. */
type Line = { type: string; [field: string]: unknown };

/** How long the device may take to see a challenge. */
const SEE_TIMEOUT_MS = 20_000;

export class Device {
  readonly dataDir = mkdtempSync(join(tmpdir(), "signet-demo-device-"));
  readonly keyringService = `signet-demo-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private watcher: ChildProcess | undefined;
  private events: Line[] = [];
  private waiters: (() => void)[] = [];
  private log = "";

  /** Runs one `signet-cli` command; resolves with its JSON lines, rejects with its words. */
  run(args: string[], timeoutMs = 30_000): Promise<Line[]> {
    const all = ["--data-dir", this.dataDir, "--keyring-service", this.keyringService, ...args];
    return new Promise((resolve, reject) => {
      execFile(binary("signet-cli"), all, { timeout: timeoutMs }, (error, stdout, stderr) => {
        this.log += `$ signet-cli ${args[0]}\n${stdout}${stderr}`;
        if (error) {
          reject(new Error(`signet-cli ${args.join(" ").slice(0, 60)} failed: ${stderr || error.message}`));
          return;
        }
        resolve(parseLines(stdout));
      });
    });
  }

  /** Enrolls with a `signet://enroll?...` link. */
  async enroll(link: string): Promise<Line> {
    const [account] = await this.run(["enroll", link]);
    if (!account || account.type !== "account") throw new Error(`enroll printed no account:\n${this.log}`);
    return account;
  }

  /** Starts `signet-cli watch`, collecting its events. */
  startWatching(): void {
    const all = ["--data-dir", this.dataDir, "--keyring-service", this.keyringService, "watch"];
    const child = spawn(binary("signet-cli"), all, { stdio: ["ignore", "pipe", "pipe"] });
    this.watcher = child;
    child.stderr?.on("data", (chunk: Buffer) => (this.log += chunk.toString()));
    if (child.stdout) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        this.log += `${line}\n`;
        for (const event of parseLines(line)) {
          this.events.push(event);
          for (const wake of this.waiters.splice(0)) wake();
        }
      });
    }
  }

  /** The next challenge the watching device receives (bounded). */
  async nextChallenge(): Promise<DeviceChallenge> {
    const deadline = Date.now() + SEE_TIMEOUT_MS;
    for (;;) {
      const index = this.events.findIndex((event) => event.type === "challengeReceived");
      if (index >= 0) {
        const [event] = this.events.splice(index, 1);
        return (event as unknown as { challenge: DeviceChallenge }).challenge;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the device saw no challenge within ${SEE_TIMEOUT_MS / 1000} s:\n${this.log}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Forgets events seen so far. */
  clearEvents(): void {
    this.events = [];
  }

  approve(challengeId: string, code?: string): Promise<Line[]> {
    return this.run(code === undefined ? ["approve", challengeId] : ["approve", challengeId, "--code", code]);
  }

  deny(challengeId: string): Promise<Line[]> {
    return this.run(["deny", challengeId]);
  }

  /** What the device printed, for failure messages. */
  output(): string {
    return this.log;
  }

  /** Stops watching, removes the accounts (and their keys), deletes the data folder. */
  async close(): Promise<void> {
    if (this.watcher && this.watcher.exitCode === null) {
      const exited = new Promise((resolve) => this.watcher?.once("exit", resolve));
      this.watcher.kill("SIGTERM");
      await exited;
    }
    try {
      const accounts = await this.run(["accounts"]);
      for (const account of accounts) {
        if (typeof account.id === "string") await this.run(["remove", account.id]).catch(() => undefined);
      }
    } catch {
      // nothing enrolled
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function parseLines(text: string): Line[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("{"))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Line];
      } catch {
        return [];
      }
    });
}
