// Bundled into a classic script (vite.mocks.config.ts) that Playwright injects before the app
// loads, so the built UI runs in Chromium against Tauri's own mockIPC.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

declare global {
  interface Window {
    TauriMocks: { mockIPC: typeof mockIPC; clearMocks: typeof clearMocks };
  }
}

window.TauriMocks = { mockIPC, clearMocks };
