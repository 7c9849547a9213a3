// A shared, reactive "now" for countdowns and "5 minutes ago", ticking only while used.

class Clock {
  /** Unix ms, updated a few times a second while at least one component uses the clock. */
  now = $state(Date.now());
}

/** The shared clock; read `clock.now` inside reactive code. */
export const clock = new Clock();

let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/**
 * Starts the clock for one user and returns the function that stops it again; call it from a
 * component's `$effect` so it stops when the component goes away.
 */
export function useClock(): () => void {
  users += 1;
  clock.now = Date.now();
  timer ??= setInterval(() => (clock.now = Date.now()), 250);
  return () => {
    users -= 1;
    if (users === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
