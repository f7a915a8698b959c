/**
 * A deadline on the run's clock, as an AbortSignal: polls and reads bounded by what is left of a hold
 * or a wait abort when it passes, so a hung API call never stretches it.
 */
import type { Clock } from './clock.js';

export interface Deadline {
  /** Aborts when the deadline passes or the parent signal aborts. */
  readonly signal: AbortSignal;
  /** Whether the deadline itself has passed (not the parent's abort). */
  readonly passed: () => boolean;
  /** Stops the timer; call when done with the deadline. */
  readonly dispose: () => void;
}

/** A deadline `ms` from now on `clock`, under `parent`. */
export function deadlineAfter(clock: Clock, ms: number, parent: AbortSignal): Deadline {
  const over = new AbortController();
  const stop = new AbortController();
  clock.sleep(Math.max(0, ms), AbortSignal.any([parent, stop.signal])).then(
    () => {
      const reason = new Error('the deadline passed');
      reason.name = 'AbortError';
      over.abort(reason);
    },
    () => undefined,
  );
  return {
    signal: AbortSignal.any([parent, over.signal]),
    passed: () => over.signal.aborted,
    dispose: () => stop.abort(),
  };
}
