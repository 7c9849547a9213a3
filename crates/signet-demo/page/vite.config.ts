import { defineConfig } from "vite";

// signet-server --demo serves the built page (dist/) at /demo/, so every asset URL starts there.
export default defineConfig({
  base: "/demo/",
  clearScreen: false,
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
