/**
 * The restore condition: when is a revert done? Not when the first original task runs (untouched
 * original tasks satisfy that at once, and chaos tasks keep serving), but when
 *
 * 1. no task of any chaos revision of the run is left (desired RUNNING, or STOPPED but still
 *    draining or stopping), and
 * 2. the service's deployment is steady on the original revision: one deployment, PRIMARY on the
 *    original, rolloutState COMPLETED where ECS reports one, otherwise running = desired; or, when
 *    ECS still shows deployments, every one of them and every task on the original revision with
 *    as many RUNNING as desired (a restore whose rollout ECS cannot finish for capacity). A service
 *    scaled to 0 needs only to be on the original revision: no task is to run.
 *
 * ECS counts a new task as healthy only 40 s after RUNNING (no health check), or when its container
 * and target-group health checks pass, and a stopping task drains for the target group's
 * deregistration delay: all of that is inside this condition. The seed's weaker rule stays as an
 * explicit option (`--restore-wait first-task`), never the default.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import type { CallOptions, EcsPort } from '../aws/ports.js';
import { shortRevision } from '../aws/arn.js';
import { isLeft } from './exposure.js';

/** Where a revert stands. */
export interface RestoreState {
  readonly done: boolean;
  /** What is still missing, one line each (empty when done). */
  readonly waitingFor: readonly string[];
  /** Chaos tasks not yet STOPPED. */
  readonly chaosTasksLeft: number;
}

/**
 * Tasks of a family in a cluster: desired RUNNING, and desired STOPPED (still draining or stopping,
 * or stopped and still listed, with their stop codes). Tasks already known as STOPPED are taken from
 * `stopped` rather than described again.
 */
export async function familyTasks(
  ecs: EcsPort,
  cluster: string,
  family: string,
  options: CallOptions = {},
  stopped: ReadonlyMap<string, Task> = new Map(),
): Promise<Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await ecs.listTasks({ cluster, family, desiredStatus, nextToken }, options);
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const tasks: Task[] = [];
  const unique: string[] = [];
  for (const arn of new Set(arns)) {
    const known = stopped.get(arn);
    if (known) tasks.push(known);
    else unique.push(arn);
  }
  for (let i = 0; i < unique.length; i += 100) {
    const out = await ecs.describeTasks({ cluster, tasks: unique.slice(i, i + 100) }, options);
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

/** The service's tasks among a family's, by their group `service:NAME`. */
export function tasksOfService(tasks: readonly Task[], serviceName: string): Task[] {
  return tasks.filter((t) => t.group === `service:${serviceName}`);
}

/**
 * Judges the restore condition.
 *
 * @param service the service as DescribeServices shows it now
 * @param tasks tasks of the family, the stopped ones included ({@link familyTasks})
 */
export function restoreState(
  service: Service | undefined,
  tasks: readonly Task[],
  originalArn: string,
  chaosArns: ReadonlySet<string>,
  rule: 'complete' | 'first-task' = 'complete',
): RestoreState {
  const own = service ? tasksOfService(tasks, service.serviceName ?? '') : [];
  if (rule === 'first-task') {
    const running = own.some((t) => t.taskDefinitionArn === originalArn && t.lastStatus === 'RUNNING');
    return {
      done: running,
      waitingFor: running ? [] : [`a task of ${shortRevision(originalArn)} RUNNING`],
      chaosTasksLeft: tasks.filter((t) => chaosArns.has(t.taskDefinitionArn ?? '') && isLeft(t)).length,
    };
  }
  const waitingFor: string[] = [];
  const left = tasks.filter((t) => chaosArns.has(t.taskDefinitionArn ?? '') && isLeft(t));
  if (left.length > 0) {
    const states = new Map<string, number>();
    for (const t of left) states.set(t.lastStatus ?? 'UNKNOWN', (states.get(t.lastStatus ?? 'UNKNOWN') ?? 0) + 1);
    waitingFor.push(
      `${left.length} chaos task${left.length === 1 ? '' : 's'} still up (${[...states].map(([s, n]) => `${n} ${s}`).join(', ')})`,
    );
  }
  if (service && service.status === 'ACTIVE') {
    const deployments = service.deployments ?? [];
    const primary = deployments.find((d) => d.status === 'PRIMARY');
    // Every task of the service runs the original revision, as many as desired: the chaos is gone even
    // when ECS still shows a deployment (one that replaces original tasks with original tasks, e.g.
    // stuck for capacity), which is ECS's business, not the experiment's.
    const serving = own.filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus !== 'STOPPED');
    const allOriginal =
      deployments.every((d) => d.taskDefinition === originalArn) &&
      own.every((t) => t.lastStatus === 'STOPPED' || t.taskDefinitionArn === originalArn) &&
      serving.length >= (service.desiredCount ?? 0);
    if (service.taskDefinition !== originalArn || primary?.taskDefinition !== originalArn) {
      waitingFor.push(
        `the service on ${shortRevision(originalArn)} (it runs ${shortRevision(service.taskDefinition ?? '?')})`,
      );
    } else if (service.desiredCount === 0) {
      // Scaled to 0 (someone's choice): no task is to run, so no rollout completes; the service on
      // the original revision and no chaos task left is all there is to wait for.
    } else if (deployments.length > 1 && !allOriginal) {
      waitingFor.push(`the older deployments to finish (${deployments.length} deployments)`);
    } else if (primary.rolloutState !== undefined && primary.rolloutState !== 'COMPLETED' && !allOriginal) {
      waitingFor.push(
        `the rollout of ${shortRevision(originalArn)} to complete (rolloutState ${primary.rolloutState}, ${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} running)`,
      );
    } else if (
      primary.rolloutState === undefined &&
      (primary.runningCount ?? 0) !== (primary.desiredCount ?? 0) &&
      !allOriginal
    ) {
      waitingFor.push(
        `${primary.desiredCount ?? 0} tasks of ${shortRevision(originalArn)} running (${primary.runningCount ?? 0} now)`,
      );
    }
  }
  return { done: waitingFor.length === 0, waitingFor, chaosTasksLeft: left.length };
}
