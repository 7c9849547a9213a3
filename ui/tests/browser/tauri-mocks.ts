// Bundled into a classic script (vite.mocks.config.ts) that Playwright injects before the app
// loads, so the built UI runs in Chromium against Tauri's own mockIPC (events included).
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";

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
      /** Emits an event to the app as if the shell had (needs `install`'s event mocking). */
      emit: typeof emit;
      /** Mocks the shell with `handler`, recording every call, with Tauri's event mocking on. */
      install: (handler: MockHandler) => void;
      calls: RecordedCall[];
      /** Content-Security-Policy violations seen by the page. */
      violations: string[];
    };
  }
}

window.TauriMocks = {
  mockIPC,
  clearMocks,
  emit,
  calls: [],
  violations: [],
  install(handler) {
    mockIPC(
      (cmd, args) => {
        window.TauriMocks.calls.push({ cmd, args: JSON.parse(JSON.stringify(args ?? null)) });
        return handler(cmd, args);
      },
      { shouldMockEvents: true },
    );
  },
};

document.addEventListener("securitypolicyviolation", (event) => {
  window.TauriMocks.violations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
