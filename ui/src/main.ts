import { flushSync, mount } from "svelte";
import App from "./App.svelte";
import "./styles.css";

const target = document.getElementById("app");
if (!target) {
  throw new Error("index.html has no #app element");
}

const app = mount(App, { target });
// Run the first screen's effects now, while this script runs: its requests to the shell (the
// accounts, pending sign-ins, the version) then go out at once. Left to Svelte's microtask,
// WebKitGTK ran them only after the page's load event, 30 to 60 ms later.
flushSync();

export default app;
