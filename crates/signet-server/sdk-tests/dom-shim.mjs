// The few browser globals @authsignal/browser touches when imported and constructed in
// Node: `window.btoa`, `document.cookie`/`location` (its anonymous-id cookie) and
// `document.querySelectorAll`/`readyState` (a11y-dialog's start-up scan). The SDK code
// itself runs unmodified; `fetch` is Node's own.
globalThis.window ??= globalThis;
globalThis.document ??= {
  cookie: "",
  readyState: "complete",
  location: { hostname: "127.0.0.1", protocol: "http:" },
  querySelectorAll: () => [],
  addEventListener: () => {},
};
