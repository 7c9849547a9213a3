// Checking what the user typed on the settings screen.

/** The poll interval's bounds, in seconds. */
export const pollIntervalMin = 1;
export const pollIntervalMax = 60;

/** A checked poll interval, or the reason it is not one. */
export type PollIntervalCheck = { ok: true; value: number } | { ok: false; error: string };

/** Checks a poll interval typed as text: a whole number of seconds from 1 to 60. */
export function checkPollInterval(input: string): PollIntervalCheck {
  const text = input.trim();
  if (text === "") return { ok: false, error: "Enter a number of seconds from 1 to 60." };
  if (!/^\d+$/.test(text)) return { ok: false, error: "Use a whole number of seconds, from 1 to 60." };
  const value = Number(text);
  if (value < pollIntervalMin || value > pollIntervalMax) {
    return { ok: false, error: "Choose between 1 and 60 seconds." };
  }
  return { ok: true, value };
}
