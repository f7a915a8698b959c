/**
 * How a rolling deployment ends, as ECS decides it: the deployment circuit breaker and the
 * deployment alarms fail it (one rollback routine for both), the service throttle logic spaces out
 * launches after failures, and a deployment completes once its tasks are all healthy, no task of an
 * older deployment is left and, with alarms, the bake time has passed.
 */
import { AWS_SECONDS, awsDelayMs, type PaceTimings } from '../core/clock.js';
import { countsHealthy } from './health.js';
import type { Deployment, LoadBalancerTarget, Service, Task } from './model.js';
import { addEvent } from './store.js';

/** What the scheduler reads of CloudWatch: alarm states and the bake time they ask for. */
export interface AlarmReader {
  /** The alarm's state, or undefined when there is no such alarm in the region. */
  state(region: string, alarmName: string): 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | undefined;
  /**
   * The bake time of a deployment watched by these alarms, in milliseconds. AWS computes it "based
   * on the alarm configuration" without publishing the formula; the sandbox waits the longest
   * evaluation window (Period × EvaluationPeriods) of the alarms, unscaled, since the sandbox's
   * CloudWatch evaluates on the unscaled clock.
   */
  bakeMs(region: string, alarmNames: readonly string[]): number;
}

/** The failed-task threshold of the deployment circuit breaker: half the desired count, 3 to 200. */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));
}

/** A new deployment id, `ecs-svc/` and 19 digits. */
export function newDeploymentId(): string {
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 19) digits += String(Math.floor(Math.random() * 10));
  return `ecs-svc/${digits}`;
}

/** A new PRIMARY deployment of a task definition, IN_PROGRESS. */
export function newDeployment(
  service: Service,
  taskDefinition: string,
  loadBalancers: readonly LoadBalancerTarget[],
  now: Date,
  reason?: (id: string) => string,
): Deployment {
  const id = newDeploymentId();
  return {
    id,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: reason ? reason(id) : `ECS deployment ${id} in progress.`,
    launchType: service.launchType,
    networkConfiguration: service.networkConfiguration,
    loadBalancers,
    nextLaunchAt: 0,
    consecutiveFailures: 0,
    throttled: false,
  };
}

/**
 * Counts a task of a deployment that failed: it did not reach RUNNING, it stopped before it was
 * ever counted healthy, or it failed its health checks and was stopped (the circuit breaker's
 * failedTasks, which a task that becomes healthy resets).
 */
export function countFailedTask(deployment: Deployment, at: Date): void {
  deployment.failedTasks++;
  deployment.updatedAt = at;
}

/**
 * The service throttle logic for a task that went from PENDING to STOPPED: launches of the
 * deployment back off, doubling up to 15 minutes (scaled), and after three failures in a row the
 * service says it "is unable to consistently start tasks successfully".
 */
export function throttleLaunches(service: Service, deployment: Deployment, at: Date, pace: PaceTimings): void {
  deployment.consecutiveFailures++;
  const backoff = Math.min(
    awsDelayMs(pace, AWS_SECONDS.launchThrottleMax),
    (pace.provisioningMs + pace.pendingMs) * 2 ** Math.min(deployment.consecutiveFailures - 1, 16),
  );
  deployment.nextLaunchAt = at.getTime() + backoff;
  if (deployment.consecutiveFailures >= 3 && !deployment.throttled) {
    deployment.throttled = true;
    addEvent(service, at, 'is unable to consistently start tasks successfully.');
  }
}

/** A deployment failure: the reason ECS gives, the event's words, and whether to roll back. */
interface Failure {
  readonly rolloutStateReason: string;
  /** The end of `(deployment ID) deployment failed: ...`. */
  readonly event: string;
  readonly rollback: boolean;
  /** The rollback deployment's rolloutStateReason, given the id of the deployment rolled back to. */
  readonly rollbackReason: (toDeploymentId: string) => string;
}

/** Deployment failure detection and rollback, and the end of a rollout. */
export class Rollouts {
  readonly #pace: PaceTimings;
  readonly #alarms: AlarmReader;

  constructor(deps: { readonly pace: PaceTimings; readonly alarms: AlarmReader }) {
    this.#pace = deps.pace;
    this.#alarms = deps.alarms;
  }

  /**
   * Fails the primary deployment when the circuit breaker's threshold is reached or, once one of its
   * tasks has run, when one of its deployment alarms is in ALARM; then rolls back if asked.
   */
  checkFailure(region: string, service: Service, tasks: readonly Task[], now: Date): void {
    const primary = service.deployments[0];
    if (!primary || primary.rolloutState !== 'IN_PROGRESS') return;
    const config = service.deploymentConfiguration;
    const breaker = config.deploymentCircuitBreaker;
    if (breaker.enable && primary.failedTasks >= circuitBreakerThreshold(primary.desiredCount)) {
      this.#fail(service, primary, now, {
        rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        event: 'tasks failed to start',
        rollback: breaker.rollback,
        rollbackReason: (to) => `ECS deployment circuit breaker: rolling back to deploymentId ${to}.`,
      });
      return;
    }
    const alarms = config.alarms;
    // ECS watches the alarms as soon as one task of the deployment is running.
    if (!alarms?.enable || !tasks.some((t) => t.startedBy === primary.id && t.startedAt !== undefined)) return;
    const firing = alarms.alarmNames.filter((name) => this.#alarms.state(region, name) === 'ALARM');
    if (firing.length === 0) return;
    this.#fail(service, primary, now, {
      rolloutStateReason: `ECS deployment failed: alarm(s) detected: ${firing.join(', ')}.`,
      event: 'alarm detected',
      rollback: alarms.rollback,
      rollbackReason: (to) => `ECS deployment alarms: rolling back to deploymentId ${to}.`,
    });
  }

  /** Marks a deployment FAILED and, with rollback, starts a deployment of the last completed one's task definition. */
  #fail(service: Service, deployment: Deployment, now: Date, failure: Failure): void {
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = failure.rolloutStateReason;
    deployment.updatedAt = now;
    delete deployment.bakeUntil;
    addEvent(service, now, `(deployment ${deployment.id}) deployment failed: ${failure.event}.`);
    const target = service.lastCompletedTaskDefinition;
    const targetId = service.lastCompletedDeploymentId;
    // Without a completed deployment to return to, the deployment stalls: it launches nothing more.
    if (!failure.rollback || target === undefined || targetId === undefined || target === deployment.taskDefinition)
      return;
    const rollback = newDeployment(service, target, deployment.loadBalancers, now, () =>
      failure.rollbackReason(targetId),
    );
    for (const d of service.deployments) d.status = 'ACTIVE';
    service.deployments.unshift(rollback);
    service.taskDefinition = target;
    addEvent(service, now, `rolling back to deployment ${rollback.id}.`);
  }

  /**
   * Drops older deployments without tasks and completes the primary: `desiredCount` tasks of it
   * running and counted healthy, none being replaced, no task of another deployment left (all
   * STOPPED) and, with deployment alarms, the bake time passed.
   */
  settle(region: string, service: Service, tasks: readonly Task[], now: Date): void {
    const primary = service.deployments[0];
    if (!primary) return;
    const nowMs = now.getTime();
    // Older deployments with no task left leave the list, as ECS drops them; a failed one stays
    // visible until the deployment that replaced it completes.
    const before = service.deployments.length;
    service.deployments = service.deployments.filter(
      (d) =>
        d === primary ||
        tasks.some((t) => t.startedBy === d.id && t.lastStatus !== 'STOPPED') ||
        (d.rolloutState === 'FAILED' && primary.rolloutState === 'IN_PROGRESS'),
    );
    if (service.deployments.length !== before) primary.updatedAt = now;
    if (primary.rolloutState !== 'IN_PROGRESS') return;
    const mine = tasks.filter((t) => t.startedBy === primary.id && t.desiredStatus === 'RUNNING');
    const steady =
      service.deployments.every((d) => d === primary || d.rolloutState === 'FAILED') &&
      mine.length === service.desiredCount &&
      mine.every((t) => countsHealthy(t, nowMs, this.#pace) && !t.health?.failing) &&
      tasks.every((t) => t.startedBy === primary.id || t.lastStatus === 'STOPPED');
    if (!steady) {
      delete primary.bakeUntil;
      return;
    }
    const alarms = service.deploymentConfiguration.alarms;
    if (alarms?.enable) {
      primary.bakeUntil ??= nowMs + this.#alarms.bakeMs(region, alarms.alarmNames);
      if (nowMs < primary.bakeUntil) return;
    }
    service.deployments = [primary];
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    primary.updatedAt = now;
    primary.consecutiveFailures = 0;
    delete primary.bakeUntil;
    service.lastCompletedTaskDefinition = primary.taskDefinition;
    service.lastCompletedDeploymentId = primary.id;
    addEvent(service, now, `(deployment ${primary.id}) deployment completed.`);
    addEvent(service, now, 'has reached a steady state.');
  }
}
