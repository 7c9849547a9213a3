// Unit tests' stand-in for the shell: the same command mock the browser tests run in the page,
// behind Tauri's mockIPC with event mocking on, recording every command.
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
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
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      return shellMock(cmd, args, fixture);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** The arguments of every call to `cmd`. */
export function argsOf(calls: Call[], cmd: string): unknown[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

/** Emits a shell event with the payload the contract (src/lib/bindings.ts) gives it. */
export function emitShell<E extends EventName>(name: E, payload: EventPayloads[E]): Promise<void> {
  return emit(name, payload);
}
