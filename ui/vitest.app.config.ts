import { defineConfig } from "vitest/config";

// End-to-end tests of the real app binary (target/debug/signet) through tauri-driver and
// WebKitWebDriver. Run under xvfb-run; scripts/test does.
export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/app/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
