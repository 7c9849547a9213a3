// Countdown and "when" formatting.

/** Whole seconds left until `expiresAt` at `now` (never negative; rounds up). */
export function secondsLeft(expiresAt: number, now: number): number {
  return Math.max(0, Math.ceil((expiresAt - now) / 1000));
}

/** A countdown like "0:45", "2:05" or "1:00:00" for a number of seconds. */
export function formatCountdown(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A countdown in words for screen readers: "1 minute 5 seconds left", "Expired". */
export function countdownWords(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total === 0) return "Expired";
  const m = Math.floor(total / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (m > 0) parts.push(`${m} ${m === 1 ? "minute" : "minutes"}`);
  if (s > 0) parts.push(`${s} ${s === 1 ? "second" : "seconds"}`);
  return `${parts.join(" ")} left`;
}

// Made on first use: a screen with no dates (the first screen, with no account) never loads
// the locale data behind it.
let relative: Intl.RelativeTimeFormat | undefined;
function ago(value: number, unit: Intl.RelativeTimeFormatUnit): string {
  relative ??= new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  return relative.format(-value, unit);
}

/** "just now", "5 minutes ago", "yesterday", "3 days ago"; dates further back in full. */
export function formatAgo(at: number, now: number, timeZone?: string): string {
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return ago(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 24) return ago(hours, "hour");
  const days = Math.round(hours / 24);
  if (days < 7) return ago(days, "day");
  return formatDateTime(at, timeZone);
}

/** A full date and time, e.g. "Jan 15, 2026, 10:00 AM". */
export function formatDateTime(at: number, timeZone?: string): string {
  return new Intl.DateTimeFormat("en", {
    dateStyle: "medium",
    timeStyle: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(at);
}
