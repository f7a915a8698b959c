/**
 * One pace for every CloudTrail reader. LookupEvents is limited to two requests per second, per
 * account, per region; past it AWS answers ThrottlingException. The observed calls of the blast
 * radius, the `cloudtrail` probe and the AccessDenied summary all page through LookupEvents, possibly
 * at once: they share one {@link CallPacer} per endpoint and region, which spaces the requests' starts
 * by {@link LOOKUP_EVENTS_INTERVAL_MS}, a margin under the limit. A throttled request is still
 * retried with backoff by the retry policy, each attempt waiting for its own slot.
 */

/** Two requests a second on AWS; 550 ms between starts keeps a margin for requests that arrive closer than they left. */
export const LOOKUP_EVENTS_INTERVAL_MS = 550;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Spaces the starts of calls by at least `intervalMs`, in the order they asked. */
export class CallPacer {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #next = -Infinity;

  constructor(
    intervalMs: number,
    options: {
      readonly now?: () => number;
      readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    } = {},
  ) {
    this.#intervalMs = intervalMs;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? abortableSleep;
  }

  /** Runs `call` in its turn: at least the interval after the previous call's start. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const now = this.#now();
    const at = Math.max(now, this.#next);
    this.#next = at + this.#intervalMs;
    if (at > now) await this.#sleep(at - now, signal);
    return call();
  }
}

const pacers = new Map<string, CallPacer>();

/**
 * The process's pacer of LookupEvents for an endpoint (undefined: AWS's) and a region: every client
 * built for them shares it, so readers running side by side never exceed the limit together.
 */
export function lookupEventsPacer(region: string, endpoint?: string): CallPacer {
  const key = `${endpoint ?? 'aws'}|${region}`;
  let pacer = pacers.get(key);
  if (!pacer) pacers.set(key, (pacer = new CallPacer(LOOKUP_EVENTS_INTERVAL_MS)));
  return pacer;
}
