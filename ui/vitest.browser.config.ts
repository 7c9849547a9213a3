import { defineConfig } from "vitest/config";

// Playwright tests: the built UI (run `npm run build` first) in Debian's Chromium.
export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/browser/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
