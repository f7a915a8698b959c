/**
 * task-stop's recovery condition: the service has its desired count RUNNING again, none of them a
 * task the run stopped, each passing its container health checks where the task definition has
 * one (HEALTHY), and, for a load-balanced service, each `healthy` in every target group of the
 * service (targets.ts). Waited for on the run's clock, bounded by the restore timeout, whatever the
 * run's signal says: a stopped run still waits for the service to come back before its verdict.
 */
import type { Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { deadlineAfter } from '../../engine/deadline.js';
import { describeError } from '../../engine/describe-error.js';
import type { RunContext } from '../../engine/run-context.js';
import type { TaskStopTargetHealth } from '../../report/result.js';
import {
  healthyInTargets,
  readTargetHealth,
  targetGroupName,
  targetGroupsOf,
  type TargetHealthByGroup,
} from './targets.js';

/** Where the service stands after a stop. */
export interface RecoveryState {
  readonly done: boolean;
  /** What is still missing, one line (empty when done). */
  readonly waitingFor: string;
  /** Tasks of the service serving now (RUNNING, desired RUNNING, not stopped by the run). */
  readonly serving: readonly Task[];
  /** Replacements that failed to start, with ECS's reason. */
  readonly failedToStart: readonly string[];
}

/** Whether the task definition has an essential container with a health check. */
export function hasHealthCheck(td: TaskDefinition): boolean {
  return (td.containerDefinitions ?? []).some((c) => c.healthCheck !== undefined && c.essential !== false);
}

/**
 * Judges recovery from one look. `stopped`: the tasks the run stopped; `before`: the service's tasks
 * before the first stop (a task not among them is a replacement).
 */
export function recoveryState(
  service: Service | undefined,
  tasks: readonly Task[],
  stopped: ReadonlySet<string>,
  before: ReadonlySet<string>,
  healthChecked: boolean,
  targets?: TargetHealthByGroup,
): RecoveryState {
  if (!service || service.status !== 'ACTIVE') return { done: true, waitingFor: '', serving: [], failedToStart: [] };
  const own = tasks.filter((t) => t.group === `service:${service.serviceName}`);
  const serving = own.filter(
    (t) =>
      t.lastStatus === 'RUNNING' &&
      t.desiredStatus === 'RUNNING' &&
      !stopped.has(t.taskArn ?? '') &&
      (!healthChecked || t.healthStatus === 'HEALTHY'),
  );
  const failedToStart = own
    .filter((t) => !before.has(t.taskArn ?? '') && t.stopCode === 'TaskFailedToStart')
    .map((t) => `task ${(t.taskArn ?? '').split('/').pop()}: ${t.stoppedReason ?? 'TaskFailedToStart'}`);
  const desired = service.desiredCount ?? 0;
  const failed =
    failedToStart.length > 0 ? `; replacements failed to start: ${failedToStart.slice(0, 3).join('; ')}` : '';
  const ecsDone = serving.length >= desired;
  if (!ecsDone || targets === undefined)
    return {
      done: ecsDone,
      waitingFor: ecsDone
        ? ''
        : `${desired} tasks RUNNING${healthChecked ? ' and HEALTHY' : ''} (${serving.length} now)${failed}`,
      serving,
      failedToStart,
    };
  // ECS's part holds: each serving task must also be healthy in every target group.
  const groups = targetGroupsOf(service);
  const { healthy, notYet } = healthyInTargets(serving, desired, groups, targets);
  const done = healthy.length >= desired;
  return {
    done,
    waitingFor: done
      ? ''
      : `${desired} tasks RUNNING${healthChecked ? ' and HEALTHY' : ''} and healthy in target group${groups.length === 1 ? '' : 's'} ${groups.map((g) => targetGroupName(g.targetGroupArn)).join(', ')} (${healthy.length} now; ${notYet.slice(0, 3).join('; ')})${failed}`,
    serving,
    failedToStart,
  };
}

/** The outcome of a wait for recovery. */
export interface RecoveryOutcome {
  readonly recovered: boolean;
  /** When the condition held (ISO 8601). */
  readonly at?: string;
  readonly state: RecoveryState | undefined;
}

/** The target groups of the service, for an iteration's record (undefined without any). */
export function targetHealthRecord(service: Service): TaskStopTargetHealth | undefined {
  const groups = targetGroupsOf(service).map((g) => g.targetGroupArn);
  return groups.length > 0 ? { targetGroups: groups, checked: false } : undefined;
}

/** Waits until the service has recovered, at most the restore timeout from now. */
export async function waitRecovered(
  ctx: RunContext,
  index: number,
  stopped: ReadonlySet<string>,
  before: ReadonlySet<string>,
  targetHealth?: TaskStopTargetHealth,
): Promise<RecoveryOutcome> {
  const { record, spec } = ctx;
  const healthChecked = hasHealthCheck(ctx.pf.original);
  const elb = ctx.deps.elb;
  if (targetHealth && !targetHealth.fallback && !elb) {
    fallBack(ctx, targetHealth, 'no Elastic Load Balancing client was given to the engine (EngineDeps.elb)');
  }
  const readsTargets = (): boolean => targetHealth !== undefined && targetHealth.fallback === undefined;
  record.say(
    'info',
    'wait.start',
    `waiting for ${spec.service} to recover: ${ctx.pf.service.desiredCount} tasks RUNNING${healthChecked ? ' and HEALTHY' : ''}${readsTargets() ? ` and healthy in target group${targetHealth!.targetGroups.length === 1 ? '' : 's'} ${targetHealth!.targetGroups.map(targetGroupName).join(', ')}` : ''} (at most ${spec.restoreTimeoutSeconds}s)`,
    { limitSeconds: spec.restoreTimeoutSeconds },
  );
  // Not the run's signal: an abort stops no wait for a service the run has already hit.
  const bound = deadlineAfter(record, spec.restoreTimeoutSeconds * 1000, new AbortController().signal);
  let state: RecoveryState | undefined;
  try {
    for (;;) {
      try {
        const look = await ctx.look(bound.signal, index);
        state = recoveryState(look.service, look.tasks, stopped, before, healthChecked);
        if (state.done && readsTargets() && elb) {
          // ECS's part holds: the replacements must also be healthy in their target groups.
          const groups = targetGroupsOf(look.service);
          const read = await readTargetHealth(elb, groups, bound.signal);
          if (read.ok) {
            targetHealth!.checked = true;
            state = recoveryState(look.service, look.tasks, stopped, before, healthChecked, read.health);
          } else if (read.fatal) fallBack(ctx, targetHealth!, read.reason);
          else {
            state = { ...state, done: false, waitingFor: `target health (${read.reason})` };
            if (!bound.passed()) record.say('warn', 'warning', `${spec.service}: ${read.reason}`);
          }
        }
        if (state.done) return { recovered: true, at: record.now().toISOString(), state };
      } catch (error) {
        // A read that failed for good (after the SDK's retries): the next poll tries again.
        if (!bound.passed()) record.say('warn', 'warning', `reading ${spec.service} failed: ${describeError(error)}`);
      }
      if (bound.passed()) return { recovered: false, state };
      try {
        await record.sleep(ctx.pollMs, bound.signal);
      } catch {
        // The deadline passed during the sleep: one last look above would be late; report.
        return { recovered: false, state };
      }
    }
  } finally {
    bound.dispose();
  }
}

/** Target health cannot be read: the condition is ECS's alone from now on, and the result says so. */
function fallBack(ctx: RunContext, targetHealth: TaskStopTargetHealth, reason: string): void {
  targetHealth.fallback = reason;
  targetHealth.checked = false;
  const words = `target health not read, recovery judged from ECS alone (RUNNING; whether the replacements are healthy in the target groups is unknown): ${reason}`;
  ctx.record.say('warn', 'warning', `${ctx.spec.service}: ${words}`);
  // Once per reason, whatever the number of iterations.
  if (!ctx.record.result.effect.notes.includes(words)) ctx.record.result.effect.notes.push(words);
}
