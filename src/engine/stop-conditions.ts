/**
 * Stop conditions, as AWS FIS has them: CloudWatch alarms polled during the chaos. An alarm in
 * ALARM stops the chaos, the service is restored, and the verdict is Stopped. Alarms that cannot be
 * read several times in a row stop it too: a guard that cannot see is no guard.
 */
import { alarmStates } from '../aws/alarms.js';
import type { CloudWatchPort } from '../aws/ports.js';

export { alarmStates };
import type { IoHost } from '../io/io-host.js';
import type { StopCondition } from '../probes/types.js';
import type { Clock } from './clock.js';

/** Consecutive failed reads after which the chaos is stopped. */
export const MAX_UNREADABLE_POLLS = 3;

/** Why the watcher stopped the chaos. */
export interface StopTrigger {
  readonly alarmName: string;
  readonly state: string;
  readonly reason: string;
}

/** Polls the alarms until stopped; calls `onTrigger` once, at the first alarm in ALARM. */
export class StopConditionWatcher {
  readonly #controller = new AbortController();
  #done: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      readonly cloudwatch: CloudWatchPort;
      readonly conditions: readonly StopCondition[];
      readonly clock: Clock;
      readonly io: IoHost;
      readonly intervalMs: number;
      readonly onTrigger: (trigger: StopTrigger) => void;
    },
  ) {}

  start(signal: AbortSignal): void {
    if (this.#done || this.deps.conditions.length === 0) return;
    this.#done = this.#poll(AbortSignal.any([signal, this.#controller.signal])).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#done;
  }

  async #poll(signal: AbortSignal): Promise<void> {
    const { cloudwatch, conditions, clock, io, intervalMs, onTrigger } = this.deps;
    const names = conditions.map((c) => c.alarmName);
    let unreadable = 0;
    for (;;) {
      signal.throwIfAborted();
      try {
        const states = await alarmStates(cloudwatch, names, signal);
        unreadable = 0;
        const firing = names.find((n) => states.get(n)?.state === 'ALARM');
        if (firing) {
          onTrigger({ alarmName: firing, state: 'ALARM', reason: states.get(firing)!.reason });
          return;
        }
      } catch (error) {
        if (signal.aborted) throw error;
        unreadable++;
        io.notify({
          time: clock.now(),
          level: 'warn',
          code: 'warning',
          message: `the stop-condition alarms could not be read (${(error as Error).name}: ${(error as Error).message}); ${unreadable} of ${MAX_UNREADABLE_POLLS} failed reads before the chaos is stopped`,
        });
        if (unreadable >= MAX_UNREADABLE_POLLS) {
          onTrigger({
            alarmName: names.join(', '),
            state: 'UNREADABLE',
            reason: `the alarms could not be read ${MAX_UNREADABLE_POLLS} times in a row: ${(error as Error).message}`,
          });
          return;
        }
      }
      await clock.sleep(intervalMs, signal);
    }
  }
}
