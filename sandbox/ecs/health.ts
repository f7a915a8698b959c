/**
 * Task health as ECS counts it (botocore's DeploymentConfiguration.minimumHealthyPercent, HealthCheck,
 * Task.healthStatus):
 *
 * - No essential container health check and no load balancer: a task counts as healthy 40 seconds
 *   (scaled) after it reached RUNNING; its healthStatus stays UNKNOWN.
 * - Essential containers with a `healthCheck`: each runs Docker's HEALTHCHECK: a first check
 *   `interval` after the start, then one every `interval`; a pass makes the container HEALTHY, a
 *   failure outside `startPeriod` counts, and `retries` counted failures in a row make it UNHEALTHY.
 *   The task is UNHEALTHY if one essential container is, else UNKNOWN if one is, else HEALTHY.
 * - A load balancer: the task's target in each target group is checked every `intervalSeconds` from
 *   registration (RUNNING); `healthyThresholdCount` passes in a row make it healthy,
 *   `unhealthyThresholdCount` failures unhealthy.
 * - The task counts as healthy when its essential containers are HEALTHY (if any check) and all its
 *   targets are healthy (if any). A check passes when the simulated app is healthy.
 * - Past the service's `healthCheckGracePeriodSeconds` (from RUNNING), an UNHEALTHY task or an
 *   unhealthy target makes the scheduler replace the task.
 */
import { AWS_SECONDS, awsDelayMs, type PaceTimings } from '../core/clock.js';
import type { ContainerCheck, HealthStatus, LoadBalancerTarget, Target, Task, TaskHealth } from './model.js';
import type { TargetGroups } from './targets.js';

/** ECS's defaults of a container health check, in seconds (botocore's HealthCheck). */
export const HEALTH_CHECK_DEFAULTS = { interval: 30, timeout: 5, retries: 3 } as const;

/** At most this many checks are run per check and tick, when the clock jumps far. */
const MAX_CHECKS_PER_TICK = 1_000;

export interface HealthDeps {
  readonly pace: PaceTimings;
  readonly targetGroups: TargetGroups;
}

/** The health state of a task that reaches RUNNING at `runningAt`. */
export function startHealth(
  def: Record<string, unknown>,
  loadBalancers: readonly LoadBalancerTarget[],
  runningAt: number,
  deps: HealthDeps,
): TaskHealth {
  const checks: ContainerCheck[] = [];
  for (const c of (def.containerDefinitions as Array<Record<string, unknown>>) ?? []) {
    const hc = c.healthCheck as { interval?: number; retries?: number; startPeriod?: number } | undefined;
    if (!hc) continue;
    const intervalMs = awsDelayMs(deps.pace, hc.interval ?? HEALTH_CHECK_DEFAULTS.interval);
    checks.push({
      container: String(c.name),
      essential: c.essential !== false,
      intervalMs,
      retries: hc.retries ?? HEALTH_CHECK_DEFAULTS.retries,
      startPeriodMs: awsDelayMs(deps.pace, hc.startPeriod ?? 0),
      status: 'UNKNOWN',
      nextAt: runningAt + intervalMs,
      failures: 0,
    });
  }
  const targets: Target[] = loadBalancers.map((lb) => ({
    ...lb,
    state: 'initial',
    nextAt: runningAt + awsDelayMs(deps.pace, deps.targetGroups.get(lb.targetGroupArn).intervalSeconds),
    successes: 0,
    failures: 0,
  }));
  return { runningAt, checks, targets };
}

/** Runs the container and target health checks due up to `nowMs`; `appHealthy` is the app's answer. */
export function runChecks(health: TaskHealth, nowMs: number, appHealthy: boolean, deps: HealthDeps): void {
  for (const check of health.checks) {
    for (let n = 0; check.nextAt <= nowMs && n < MAX_CHECKS_PER_TICK; n++) {
      if (appHealthy) {
        check.status = 'HEALTHY';
        check.failures = 0;
      } else if (check.nextAt >= health.runningAt + check.startPeriodMs) {
        check.failures++;
        if (check.failures >= check.retries) check.status = 'UNHEALTHY';
      }
      check.nextAt += check.intervalMs;
    }
  }
  for (const target of health.targets) {
    if (target.state === 'draining') continue;
    const settings = deps.targetGroups.get(target.targetGroupArn);
    const intervalMs = awsDelayMs(deps.pace, settings.intervalSeconds);
    for (let n = 0; target.nextAt <= nowMs && n < MAX_CHECKS_PER_TICK; n++) {
      if (appHealthy) {
        target.successes++;
        target.failures = 0;
        if (target.successes >= settings.healthyThresholdCount) target.state = 'healthy';
      } else {
        target.failures++;
        target.successes = 0;
        if (target.failures >= settings.unhealthyThresholdCount) target.state = 'unhealthy';
      }
      target.nextAt += intervalMs;
    }
  }
}

/** The task's healthStatus: from its essential containers' checks; UNKNOWN without any. */
export function taskHealthStatus(task: Task): HealthStatus {
  const essential = task.health?.checks.filter((c) => c.essential) ?? [];
  if (essential.length === 0) return 'UNKNOWN';
  if (essential.some((c) => c.status === 'UNHEALTHY')) return 'UNHEALTHY';
  if (essential.some((c) => c.status === 'UNKNOWN')) return 'UNKNOWN';
  return 'HEALTHY';
}

/** A container's healthStatus: UNKNOWN without a health check or before the task ran. */
export function containerHealthStatus(task: Task, container: string): HealthStatus {
  return task.health?.checks.find((c) => c.container === container)?.status ?? 'UNKNOWN';
}

/** Whether the scheduler counts a task as healthy (towards minimumHealthyPercent and a rollout's end). */
export function countsHealthy(task: Task, nowMs: number, pace: PaceTimings): boolean {
  const health = task.health;
  if (!health || task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
  const essential = health.checks.some((c) => c.essential);
  if (!essential && health.targets.length === 0) {
    return nowMs >= health.runningAt + awsDelayMs(pace, AWS_SECONDS.runningGrace);
  }
  if (essential && taskHealthStatus(task) !== 'HEALTHY') return false;
  return health.targets.every((t) => t.state === 'healthy');
}

/**
 * Why the scheduler replaces a RUNNING task: a health check that failed after the grace period
 * (`graceMs` from RUNNING). Undefined while the task is healthy, unknown, or in its grace period.
 */
export function failedHealthCheck(
  task: Task,
  nowMs: number,
  graceMs: number,
): { stoppedReason: string; event: string } | undefined {
  const health = task.health;
  if (!health || task.lastStatus !== 'RUNNING' || nowMs < health.runningAt + graceMs) return undefined;
  if (taskHealthStatus(task) === 'UNHEALTHY') {
    return {
      stoppedReason: 'Task failed container health checks',
      event: `(task ${task.id}) failed container health checks.`,
    };
  }
  const target = health.targets.find((t) => t.state === 'unhealthy');
  if (!target) return undefined;
  return {
    stoppedReason: `Task failed ELB health checks in (target-group ${target.targetGroupArn})`,
    event: `(task ${task.id}) (port ${target.containerPort}) is unhealthy in (target-group ${target.targetGroupArn}) due to (reason Health checks failed).`,
  };
}

/**
 * Starts deregistering a task's targets: each drains for its target group's deregistration delay
 * (scaled). Returns how long the task stays DEACTIVATING (the longest delay; undefined without
 * targets) and the target groups it left.
 */
export function deregisterTargets(
  task: Task,
  deps: HealthDeps,
): { drainMs: number; targetGroups: string[] } | undefined {
  const targets = task.health?.targets.filter((t) => t.state !== 'draining') ?? [];
  if (targets.length === 0) return undefined;
  let drainMs = 0;
  for (const target of targets) {
    target.state = 'draining';
    const delay = deps.targetGroups.get(target.targetGroupArn).deregistrationDelaySeconds;
    drainMs = Math.max(drainMs, awsDelayMs(deps.pace, delay));
  }
  return { drainMs, targetGroups: [...new Set(targets.map((t) => t.targetGroupArn))] };
}
