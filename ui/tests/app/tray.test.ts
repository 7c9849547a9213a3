// The desktop app stays reachable with its window closed: it runs on in the tray, a sign-in
// raises a desktop notification (shown by a real notification server, dunst, and read back
// from it), clicking that notification brings the window back with the request, a second
// launch hands its signet:// link to the running app and exits, and with "keep running in the
// tray" off, closing the window quits. The window is closed the way a window manager closes
// it (WM_DELETE_WINDOW, through x11.py). The tray menu itself is not driven: Xvfb has no tray
// host, so the notification is the path back to the window here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, TauriDriver } from "./webdriver";
import { Server } from "./server";

const root = resolve(import.meta.dirname, "../../..");
const application = realpathSync(process.env.SIGNET_APP ?? resolve(root, "target/debug/signet"));
const docsScreenshots = resolve(root, "docs/screenshots");
const x11Script = resolve(import.meta.dirname, "x11.py");
/** The window's title (tauri.conf.json). */
const TITLE = "Signet";
const user = "lin";

let driver: TauriDriver;
let session: Session;
let server: Server;
let dunst: ChildProcess | undefined;
/** The app's home folder: where starting at login writes its autostart entry. */
const home = mkdtempSync(join(tmpdir(), "signet-app-home-"));

function x11(...args: string[]): string {
  return execFileSync("python3", [x11Script, ...args], { encoding: "utf8" }).trim();
}

function dunstctl(...args: string[]): string {
  return execFileSync("dunstctl", args, { encoding: "utf8" }).trim();
}

/** What dunst shows in its history: each closed notification's title and text. */
function notificationHistory(): { summary: string; body: string; appname: string }[] {
  const history = JSON.parse(dunstctl("history")) as { data: Record<string, { data: unknown }>[][] };
  return (history.data[0] ?? []).map((n) => ({
    summary: String(n.summary?.data ?? ""),
    body: String(n.body?.data ?? ""),
    appname: String(n.appname?.data ?? ""),
  }));
}

/** Running processes of the app binary. */
function appProcesses(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] === application;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Waits (bounded) until `read` gives a value `ok` accepts, and returns it. */
async function until<T>(what: string, read: () => T, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
    value = read();
  }
  return value;
}

const shownNotifications = () => Number(dunstctl("count", "displayed"));

beforeAll(async () => {
  // dunst on this display and session bus, keeping notifications until they are acted on.
  const config = join(mkdtempSync(join(tmpdir(), "signet-dunst-")), "dunstrc");
  writeFileSync(
    config,
    "[global]\n  follow = none\n  width = 360\n  origin = top-right\n  font = Sans 11\n" +
      ["low", "normal", "critical"].map((u) => `[urgency_${u}]\n  timeout = 0\n`).join(""),
  );
  dunst = spawn("dunst", ["-config", config], { stdio: ["ignore", "ignore", "inherit"] });
  await until(
    "dunst answering on the session bus",
    () => {
      try {
        return dunstctl("is-paused");
      } catch {
        return "";
      }
    },
    (answer) => answer === "false",
  );
  server = await Server.start();
  driver = await TauriDriver.start({ HOME: home });
  session = await Session.start(driver, application);
});

afterAll(async () => {
  await session?.end();
  driver?.stop();
  server?.stop();
  dunst?.kill("SIGTERM");
});

describe("the desktop app with its window closed", () => {
  it("keeps running in the tray when the window is closed, and says so the first time", async () => {
    await session.click(await session.waitFor("[data-testid=nav-enroll]"));
    await session.type(await session.waitFor("#enroll-link"), await server.enrollmentLink(user, "lin@example.com", "Acme"));
    await session.click(await session.find("[data-testid=enroll-check]"));
    await session.click(await session.waitFor("[data-testid=enroll-add]"));
    await session.waitForText(".account-list", "lin@example.com");
    expect(x11("state", TITLE)).toBe("shown");

    x11("close", TITLE);
    await until("the window", () => x11("state", TITLE), (s) => s === "hidden");
    expect(appProcesses()).toHaveLength(1);
    expect(await session.execute<string>("return document.title")).toBe("Signet");

    await until("the tray notice on screen", shownNotifications, (n) => n === 1);
    x11("shot", "Dunst", resolve(docsScreenshots, "app-xvfb-tray-notice.png"));
    dunstctl("close-all");
    const [notice] = notificationHistory();
    expect(notice?.summary).toBe("Signet is still running in the tray");
    expect(notice?.body).toContain("Quit");
  });

  it("notifies of a sign-in while the window is hidden, and the notification brings the window back with it", async () => {
    expect(shownNotifications()).toBe(0);
    const signIn = await server.signIn(user);
    await until("the sign-in's notification on screen", shownNotifications, (n) => n === 1);
    expect(x11("state", TITLE)).toBe("hidden");
    dunstctl("action", "0"); // a click on the notification
    await until("the window", () => x11("state", TITLE), (s) => s === "shown");
    const sheet = `.sheet[role=dialog][data-challenge-id="${signIn.challengeId}"]`;
    expect(await session.waitForText(sheet, "Acme")).toContain("lin@example.com");

    dunstctl("close-all");
    const notification = notificationHistory().find((n) => n.summary === "Sign-in request");
    expect(notification?.body).toBe("Open Signet to approve or deny it.");
    // No login details outside the app.
    expect(JSON.stringify(notification)).not.toMatch(/lin@|Acme/);
    await session.click(await session.find(`${sheet} [data-testid=approve]`));
    await session.waitGone(sheet);

    // Closed again: hidden again, and the notice is not repeated (checked after the next step).
    x11("close", TITLE);
    await until("the window", () => x11("state", TITLE), (s) => s === "hidden");
  });

  it("brings the running window forward with a second launch's signet://enroll link, and the second launch exits", async () => {
    const link = await server.enrollmentLink("grace", "grace@example.com", "Acme");
    const second = spawn(application, [link], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, HOME: home, XDG_DATA_HOME: mkdtempSync(join(tmpdir(), "signet-app-data-")) },
    });
    const code = await new Promise<number | null>((done, fail) => {
      const timer = setTimeout(() => fail(new Error("the second launch did not exit within 30 s")), 30_000);
      second.once("exit", (exitCode) => {
        clearTimeout(timer);
        done(exitCode);
      });
    });
    expect(code).toBe(0);
    await until("the window", () => x11("state", TITLE), (s) => s === "shown");
    await session.waitForText("#enroll-title", "Add account");
    const field = await session.waitFor("#enroll-link");
    expect(await session.execute<string>("return arguments[0].value", [{ "element-6066-11e4-a52e-4f735466cecf": field }])).toBe(
      link,
    );
    await session.waitForText("[aria-labelledby=preview-title]", "grace@example.com");
    expect(appProcesses()).toHaveLength(1);
    expect(shownNotifications()).toBe(0); // the second close said nothing
  });

  it("starts at login, in the tray, when Settings says so", async () => {
    await session.click(await session.waitFor("[data-testid=nav-settings]"));
    await session.click(await session.waitFor("#start-at-login"));
    await session.resize(420, 780);
    // The screen from its title, without the confirmation of the approval above (gone in 6 s).
    await session.waitGone(".toast");
    await session.execute("document.querySelector('#settings-title').scrollIntoView({ block: 'start' });");
    await new Promise((r) => setTimeout(r, 300));
    mkdirSync(docsScreenshots, { recursive: true });
    writeFileSync(resolve(docsScreenshots, "app-xvfb-settings-tray.png"), await session.screenshot());
    await session.click(await session.find("button[type=submit]"));
    await session.waitForText(".saved", "Settings saved.");
    const entry = join(home, ".config/autostart/Signet.desktop");
    expect(existsSync(entry)).toBe(true);
    expect(readFileSync(entry, "utf8")).toMatch(new RegExp(`^Exec=.*${application.replaceAll("/", "\\/")}.*--in-tray`, "m"));
  });

  it("quits when the window is closed with keeping in the tray turned off", async () => {
    await session.click(await session.waitFor("#keep-in-tray"));
    await session.click(await session.find("button[type=submit]"));
    await session.waitForText(".saved", "Settings saved.");
    x11("close", TITLE);
    await until("the app's processes", appProcesses, (pids) => pids.length === 0);
    expect(shownNotifications()).toBe(0);
  });
});
