/** Time, injected: the engine never reads the wall clock or sets timers by itself. */
import { abortableSleep } from '../aws/retry.js';

export interface Clock {
  /** The current time. */
  now(): Date;
  /** Waits at least `ms` milliseconds; rejects with an AbortError when the signal fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => new Date(),
  // Timers may fire a millisecond early by the wall clock; a ramp or a hold never ends short.
  sleep: async (ms, signal) => {
    const end = Date.now() + ms;
    for (let left = ms; left > 0; left = end - Date.now()) await abortableSleep(left, signal);
  },
};
