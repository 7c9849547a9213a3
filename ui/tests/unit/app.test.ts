import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../../src/App.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("the first screen", () => {
  it("says there are no accounts yet and shows the version the shell reports", async () => {
    mockIPC((cmd) => (cmd === "app_version" ? "9.8.7" : undefined));
    render(App);
    expect(screen.getByRole("heading", { name: "No accounts yet" })).toBeTruthy();
    expect((await screen.findByTestId("app-version")).textContent).toBe("Version 9.8.7");
  });

  it("says the version is unavailable when the shell call fails", async () => {
    mockIPC(() => {
      throw new Error("no such command");
    });
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("Version unavailable");
  });
});
