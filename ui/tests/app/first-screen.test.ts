import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Session, TauriDriver } from "./webdriver";

const root = resolve(import.meta.dirname, "../../..");
const application = process.env.SIGNET_APP ?? resolve(root, "target/debug/signet");
const screenshots = resolve(root, "target/screenshots");

function workspaceVersion(): string {
  const manifest = readFileSync(resolve(root, "Cargo.toml"), "utf8");
  const match = /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/s.exec(manifest);
  if (!match?.[1]) throw new Error("no [workspace.package] version in Cargo.toml");
  return match[1];
}

let driver: TauriDriver;
let session: Session;

beforeAll(async () => {
  driver = await TauriDriver.start();
  session = await Session.start(driver, application);
});

afterAll(async () => {
  await session?.end();
  driver?.stop();
});

describe("the real app under Xvfb", () => {
  it("shows the first screen with the version reported by the Rust shell", async () => {
    const heading = await session.waitFor("#accounts-title");
    expect(await session.text(heading)).toBe("No accounts yet");
    const version = await session.waitFor("[data-testid=app-version]");
    expect(await session.text(version)).toBe(`Version ${workspaceVersion()}`);
    mkdirSync(screenshots, { recursive: true });
    writeFileSync(resolve(screenshots, "app-first-screen.png"), await session.screenshot());
  });
});
