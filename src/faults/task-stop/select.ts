/**
 * task-stop's choice of tasks: how many (a share of the desired count rounded down, a count, or ids),
 * which (RUNNING tasks of the service's current deployment, at random or by id), and the reason
 * StopTask is given.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import { FIELDS, FAULT_FIELDS, fieldName } from '../../config/fields.js';
import type { ExperimentSpec } from '../../config/spec.js';

/** How many tasks one iteration stops, or why none. */
export type PlannedStops =
  | {
      readonly ok: true;
      readonly k: number;
      readonly selection: 'percent' | 'count' | 'ids';
      readonly rounding: string;
    }
  | { readonly ok: false; readonly reason: string };

/** The tasks one iteration stops, from the tunables and the service's desired count. */
export function plannedStops(desired: number, spec: ExperimentSpec): PlannedStops {
  const p = spec.faultParams ?? {};
  if (p.taskIds) {
    const n = p.taskIds.length;
    return { ok: true, k: n, selection: 'ids', rounding: `${n} task${n === 1 ? '' : 's'} named by TASK_REPLICA_ID` };
  }
  if (p.taskCount !== undefined) {
    return {
      ok: true,
      k: p.taskCount,
      selection: 'count',
      rounding: `TASK_COUNT ${p.taskCount} of ${desired} desired task${desired === 1 ? '' : 's'}`,
    };
  }
  const percent = spec.affectedPercent;
  const k = Math.floor((desired * percent) / 100 + 1e-9);
  if (k < 1) {
    const least = Math.ceil(100 / Math.max(1, desired));
    return {
      ok: false,
      reason: `${fieldName(FIELDS.affectedPercent)} ${percent}% of ${desired} desired task${desired === 1 ? '' : 's'} rounds down to no task (floor(${desired} × ${percent} / 100) = 0). Fix: set it to at least ${least}, or pass ${fieldName(FAULT_FIELDS.taskCount)} 1`,
    };
  }
  return {
    ok: true,
    k,
    selection: 'percent',
    rounding: `${percent}% of ${desired} desired task${desired === 1 ? '' : 's'}, rounded down: floor(${desired} × ${percent} / 100) = ${k}`,
  };
}

/** The service's deployment whose tasks are chosen: the PRIMARY one. */
function primaryId(service: Service): string | undefined {
  return service.deployments?.find((d) => d.status === 'PRIMARY')?.id;
}

/** Whether a task is a RUNNING task of the service's current deployment, not on its way out. */
export function isCurrentRunning(service: Service, task: Task): boolean {
  if (task.group !== `service:${service.serviceName}`) return false;
  if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
  const primary = primaryId(service);
  return task.startedBy !== undefined && primary !== undefined
    ? task.startedBy === primary
    : task.taskDefinitionArn === service.taskDefinition;
}

/** The service's tasks not yet STOPPED (ListTasks lists desired RUNNING by default), described. */
export { serviceTasks } from '../../engine/observe.js';

/** A task's id: the last part of its ARN. */
export function taskIdOf(task: Task | string): string {
  const arn = typeof task === 'string' ? task : (task.taskArn ?? '');
  return arn.split('/').pop() ?? arn;
}

/**
 * The tasks an iteration stops: the named ones (those still RUNNING), or `k` chosen at random among
 * the RUNNING tasks of the current deployment. `random` returns a number in [0, 1).
 */
export function chooseTasks(
  running: readonly Task[],
  spec: ExperimentSpec,
  k: number,
  random: () => number = Math.random,
): Task[] {
  const ids = spec.faultParams?.taskIds;
  if (ids) return running.filter((t) => ids.includes(taskIdOf(t)));
  const pool = [...running];
  // Fisher-Yates, the first k.
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

/** StopTask's reason (ECS allows up to 255 characters): the experiment and the fault. */
export function stopReason(experimentId: string, index: number): string {
  return `ecs-chaos experiment ${experimentId}: task-stop, iteration ${index}`.slice(0, 255);
}
