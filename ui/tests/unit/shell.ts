// Unit tests' stand-in for the shell: the same command mock the browser tests run in the page,
// behind Tauri's mockIPC, recording every command; events go through the UI's channel.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { EventName, EventPayloads } from "../../src/lib/api";
import { shellMock, type ShellFixture } from "../browser/shell-mock";

export type { ShellFixture };

/** A command the UI invoked, with its arguments. */
export interface Call {
  cmd: string;
  args: unknown;
}

/** Mocks the shell with `fixture` as its state; returns the list every command is added to. */
export function mockShell(fixture: ShellFixture = {}): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    keepEventChannel(cmd, args);
    return shellMock(cmd, args, fixture);
  });
  return calls;
}

/**
 * The channel the UI opened with `watch_events`. The UI opens it once per page (api.ts keeps
 * it for the module's life), so it outlives any one test's mock: each mock hands the command
 * here.
 */
let events: { onmessage: (message: unknown) => void } | null = null;

/** Keeps the channel if `cmd` is `watch_events`; call it from every mock of the shell. */
export function keepEventChannel(cmd: string, args: unknown): void {
  if (cmd === "watch_events") events = (args as { channel: typeof events }).channel;
}

/** The arguments of every call to `cmd`. */
export function argsOf(calls: Call[], cmd: string): unknown[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

/** Emits a shell event with the payload the contract (src/lib/bindings.ts) gives it. */
export async function emitShell<E extends EventName>(name: E, payload: EventPayloads[E]): Promise<void> {
  if (!events) throw new Error(`the UI does not watch events yet (sending ${name})`);
  events.onmessage({ event: name, payload });
  await Promise.resolve();
}
