// The app's screens (no router: the shell has one window and the UI switches screens itself).

/** One of the screens the navigation switches between. */
export type Screen = "accounts" | "enroll" | "history" | "settings";
