import { defineConfig } from "vitest/config";

// Playwright tests: the built page (npm run build) served by the real signet-server, in
// Debian's Chromium, with the headless device `signet-cli` answering challenges.
export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
