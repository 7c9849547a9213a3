// Bundled into a classic script (vite.mocks.config.ts) that Playwright injects before the app
// loads, so the built UI runs in Chromium against Tauri's own mockIPC (events included).
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { EventName, EventPayloads } from "../../src/lib/api";

/** One command the UI invoked (event-plugin calls are not recorded). */
export interface RecordedCall {
  cmd: string;
  args: unknown;
}

/** Answers one command; may return a promise or throw `{code, message}` to fail it. */
export type MockHandler = (cmd: string, args: unknown) => unknown;

declare global {
  interface Window {
    TauriMocks: {
      mockIPC: typeof mockIPC;
      clearMocks: typeof clearMocks;
      /** Sends an event to the app as the shell would, through the app's `watch_events` channel. */
      emit: <E extends EventName>(name: E, payload: EventPayloads[E]) => void;
      /** Mocks the shell with `handler`, recording every call and keeping the event channel. */
      install: (handler: MockHandler) => void;
      calls: RecordedCall[];
      /** Content-Security-Policy violations seen by the page. */
      violations: string[];
    };
  }
}

/** The channel the app opened with `watch_events`. */
let events: { onmessage: (message: unknown) => void } | null = null;

window.TauriMocks = {
  mockIPC,
  clearMocks,
  emit(name, payload) {
    if (!events) throw new Error(`the app does not watch events yet (sending ${name})`);
    events.onmessage({ event: name, payload });
  },
  calls: [],
  violations: [],
  install(handler) {
    mockIPC((cmd, args) => {
      window.TauriMocks.calls.push({ cmd, args: JSON.parse(JSON.stringify(args ?? null)) });
      if (cmd === "watch_events") events = (args as { channel: typeof events }).channel;
      return handler(cmd, args);
    });
  },
};

document.addEventListener("securitypolicyviolation", (event) => {
  window.TauriMocks.violations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
