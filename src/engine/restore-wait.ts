/**
 * A revert's wait for the restore condition (restore-state.ts), watching for someone else's change
 * while it waits, and reading AWS once more after the deadline before it gives up.
 */
import type { Service } from '@aws-sdk/client-ecs';
import { describeError } from './describe-error.js';
import { shortRevision } from './observe.js';
import { restoreState } from './restore-state.js';
import type { IterationState, RunContext } from './run-context.js';

/** After the restore deadline, a restore seen done gets this long to finish its cleanup. */
export const GRACE_MS = 30_000;

export function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}

/** Where a wait for the restore condition ended. */
export interface WaitOutcome {
  readonly done: boolean;
  readonly waitingFor: readonly string[];
  readonly chaosTasksLeft: number;
  /** Someone else's change to the service was seen during the wait. */
  readonly conflicted?: boolean;
}

/**
 * Waits for the restore condition. Someone else's deployment (or the service deleted) during the
 * wait is a conflict: from then on only the chaos tasks are waited for. On the deadline, reads AWS
 * once more before giving up: a runner that was paused past its deadline may find the restore done.
 */
export async function waitRestored(
  ctx: RunContext,
  state: IterationState,
  signal: AbortSignal,
  waitOnService: boolean,
): Promise<WaitOutcome> {
  const { spec, record } = ctx;
  const index = state.record.index;
  const original = ctx.restoreArn;
  if (spec.exposureMode === 'exact' && spec.restoreWait === 'first-task') {
    return { done: true, waitingFor: [], chaosTasksLeft: 0 };
  }
  record.say(
    'info',
    'wait.start',
    spec.restoreWait === 'first-task'
      ? `waiting for a task of ${shortRevision(original)} to be RUNNING (--restore-wait first-task; chaos tasks may still serve; at most ${spec.restoreTimeoutSeconds}s)`
      : `waiting until no chaos task is left and ${spec.service} is steady on ${shortRevision(original)} (at most ${spec.restoreTimeoutSeconds}s)`,
    { limitSeconds: spec.restoreTimeoutSeconds },
  );
  let last: WaitOutcome = { done: false, waitingFor: ['a first look at the service'], chaosTasksLeft: 0 };
  let onService = waitOnService;
  const check = async (s: AbortSignal): Promise<WaitOutcome> => {
    const look = await record.persist('ListTasks/DescribeTasks', () => ctx.look(s, index), s);
    const conflict = onService ? foreignDuringRestore(ctx, look.service) : undefined;
    if (conflict) {
      record.conflict(conflict, index);
      onService = false;
    }
    // A scale to 0 is someone's choice, kept: the service is still ours to put on the original.
    if (look.service?.desiredCount === 0 && (ctx.pf.service.desiredCount ?? 0) > 0) {
      record.conflict(`someone scaled ${spec.service} to 0 during the run; ecs-chaos keeps their desired count`, index);
    }
    const state = restoreState(
      onService ? look.service : undefined,
      look.tasks,
      original,
      new Set(ctx.exposure.chaosArns),
      spec.restoreWait,
    );
    return { ...state, conflicted: !onService && waitOnService };
  };
  let shown = '';
  try {
    for (;;) {
      last = await check(signal);
      if (last.done) break;
      const line = last.waitingFor.join('; ');
      if (line !== shown) {
        shown = line;
        record.say('info', 'info', `restore: waiting for ${line}`, { waitingFor: last.waitingFor });
      }
      await record.sleep(ctx.pollMs, signal);
    }
  } catch (error) {
    if (!signal.aborted && !isAbort(error)) throw error;
    try {
      last = await check(AbortSignal.timeout(GRACE_MS));
    } catch (again) {
      record.say('warn', 'warning', `the last look after the restore deadline failed (${describeError(again)})`);
    }
    if (!last.done) return last;
  }
  state.record.restoredAt = record.now().toISOString();
  record.event(
    'restored',
    spec.restoreWait === 'first-task'
      ? `a task of ${shortRevision(original)} is RUNNING (first-task rule)`
      : `restored: no chaos task left${onService ? `; ${spec.service} steady on ${shortRevision(original)}` : ''}`,
    {},
    'info',
    index,
  );
  return last;
}

/** Someone else's change to the service seen while the restore waits; undefined when none. */
function foreignDuringRestore(ctx: RunContext, svc: Service | undefined): string | undefined {
  const { spec } = ctx;
  if (!svc || svc.status !== 'ACTIVE') {
    return `the service ${spec.service} was deleted while the restore waited (status ${svc?.status ?? 'MISSING'})`;
  }
  const current = svc.taskDefinition;
  if (!current || current === ctx.restoreArn || ctx.exposure.isChaos(current)) return undefined;
  return `someone deployed ${current} on ${spec.service} while the restore waited: ecs-chaos did not overwrite it`;
}
