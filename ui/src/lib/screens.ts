// The app's screens (no router: the shell has one window and the UI switches screens itself).

/** One of the screens the navigation switches between. */
export type Screen = "accounts" | "enroll" | "history" | "settings";

/** Each screen's title, used for the window title and focus after navigation. */
export const screenTitles: Record<Screen, string> = {
  accounts: "Accounts",
  enroll: "Add account",
  history: "History",
  settings: "Settings",
};
