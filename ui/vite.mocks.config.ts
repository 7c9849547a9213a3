import { defineConfig } from "vite";

// Builds tests/browser/tauri-mocks.ts into one classic script for Playwright's addInitScript.
export default defineConfig({
  build: {
    outDir: "tests/.build",
    emptyOutDir: true,
    lib: {
      entry: "tests/browser/tauri-mocks.ts",
      formats: ["iife"],
      name: "SignetTauriMocks",
      fileName: () => "tauri-mocks.js",
    },
  },
});
