/** Time, injected: the engine never reads the wall clock or sets timers by itself. */
import { abortableSleep } from '../aws/retry.js';

export interface Clock {
  /** The current time. */
  now(): Date;
  /** Waits `ms` milliseconds; rejects with an AbortError when the signal fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => new Date(),
  sleep: abortableSleep,
};
