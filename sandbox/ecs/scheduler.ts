/**
 * The ECS service scheduler of the sandbox, run on a clock: it moves tasks through their states,
 * watches their health, and drives rolling deployments the way ECS does: within maximumPercent,
 * keeping minimumHealthyPercent of the desired count healthy (a task counts once ECS deems it
 * healthy, see health.ts), replacing tasks that fail their health checks (a replacement first when
 * maximumPercent leaves room), failing deployments by circuit breaker or alarm and rolling them
 * back (rollout.ts), and writing service events in ECS's wording.
 */
import { awsDelayMs } from '../core/clock.js';
import { countsHealthy, failedHealthCheck, runChecks } from './health.js';
import { launchTask } from './launch.js';
import { deploymentOf, isAlive, Lifecycle, type LifecycleDeps } from './lifecycle.js';
import type { Cluster, Service, Task } from './model.js';
import { countFailedTask, Rollouts, type AlarmReader } from './rollout.js';
import { addEvent, type EcsRegion } from './store.js';

export { isAlive, unableToAssumeRole } from './lifecycle.js';
export { circuitBreakerThreshold, newDeploymentId } from './rollout.js';

export interface SchedulerDeps extends LifecycleDeps {
  /** CloudWatch's alarm states, for deployment alarms. */
  readonly alarms: AlarmReader;
  /** Whether a task's app answers its health checks (the workload's verdict; true without a workload). */
  readonly appHealthy: (task: Task, nowMs: number) => boolean;
}

const SCALING = 'ServiceSchedulerInitiated';

export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #lifecycle: Lifecycle;
  readonly #rollouts: Rollouts;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    this.#lifecycle = new Lifecycle(deps);
    this.#rollouts = new Rollouts(deps);
  }

  /** Advances one region's world to `nowMs`. */
  tick(region: EcsRegion, nowMs: number): void {
    for (const cluster of region.clusters.values()) {
      for (const task of cluster.tasks.values()) {
        this.#lifecycle.advance(region, cluster, task, nowMs);
        this.#lifecycle.checkMemory(region, cluster, task, nowMs);
      }
      for (const service of cluster.services.values()) this.#driveService(region, cluster, service, nowMs);
      for (const [id, task] of cluster.tasks) {
        if (
          task.lastStatus === 'STOPPED' &&
          task.stoppedAt &&
          nowMs - task.stoppedAt.getTime() > this.#deps.pace.stoppedRetentionMs
        ) {
          cluster.tasks.delete(id);
        }
      }
    }
  }

  /** Asks a task to stop; it drains and stops on the clock. */
  stopTask(cluster: Cluster, task: Task, nowMs: number, stopCode: string, reason: string): void {
    this.#lifecycle.stop(cluster, task, nowMs, stopCode, reason);
  }

  /** A task's essential container exited (the simulated app crashed): the task stops. */
  containerExited(region: EcsRegion, task: Task, nowMs: number, exitCode: number): void {
    const cluster = region.clusters.get(task.clusterArn.slice(task.clusterArn.indexOf('/') + 1));
    if (cluster) this.#lifecycle.containerExited(cluster, task, nowMs, exitCode);
  }

  #driveService(region: EcsRegion, cluster: Cluster, service: Service, nowMs: number): void {
    const now = new Date(nowMs);
    const pace = this.#deps.pace;
    const serviceTasks = (): Task[] => [...cluster.tasks.values()].filter((t) => t.serviceArn === service.serviceArn);
    const alive = serviceTasks().filter(isAlive);

    if (service.status !== 'ACTIVE') {
      for (const task of alive) this.#lifecycle.stop(cluster, task, nowMs, SCALING, 'Service is being deleted');
      if (service.status === 'DRAINING' && serviceTasks().every((t) => t.lastStatus === 'STOPPED')) {
        service.status = 'INACTIVE';
        for (const d of service.deployments) d.status = 'INACTIVE';
      }
      return;
    }
    if (!service.deployments[0]) return;
    this.#watchHealth(service, alive, nowMs);
    this.#rollouts.checkFailure(region.region, service, serviceTasks(), now);

    const current = service.deployments[0];
    const desired = service.desiredCount;
    const { maximumPercent, minimumHealthyPercent } = service.deploymentConfiguration;
    const maxTotal = Math.floor((desired * maximumPercent) / 100);
    const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    const healthy = (t: Task): boolean => countsHealthy(t, nowMs, pace);
    const failing = (t: Task): boolean => t.health?.failing !== undefined;
    const rank = (t: Task): number => (t.lastStatus !== 'RUNNING' ? 0 : healthy(t) ? 2 : 1);
    const stopped: Task[] = [];
    const stop = (task: Task, reason: string): void => {
      this.#lifecycle.stop(cluster, task, nowMs, SCALING, reason);
      stopped.push(task);
    };
    const scaling = `Scaling activity initiated by (deployment ${current.id})`;

    // Scale in: a primary with more tasks than desired stops the extra ones, the least healthy first.
    const ofPrimary = alive.filter((t) => t.startedBy === current.id && !failing(t));
    if (ofPrimary.length > desired) {
      const extra = [...ofPrimary].sort((a, b) => rank(a) - rank(b)).slice(0, ofPrimary.length - desired);
      for (const task of extra) stop(task, scaling);
    }

    // Launch for the primary, within maximumPercent; tasks failing their health checks are replaced.
    const live = (): Task[] => alive.filter(isAlive);
    const replacing = live().filter(failing).length;
    const need = desired - Math.min(live().filter((t) => t.startedBy === current.id && !failing(t)).length, desired);
    const launchable = current.rolloutState === 'FAILED' ? 0 : Math.max(0, Math.min(need, maxTotal - live().length));
    const started: Task[] = [];
    if (launchable > 0 && nowMs >= current.nextLaunchAt) {
      for (let i = 0; i < launchable; i++) {
        const task = launchTask(region, cluster, service, current, nowMs, pace.provisioningMs);
        if (!task) break;
        started.push(task);
      }
      if (started.length > 0) {
        const replaced = Math.min(started.length, replacing);
        addEvent(
          service,
          now,
          `has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.` +
            (replaced > 0 ? ` Amazon ECS replaced ${replaced} tasks due to an unhealthy status.` : ''),
        );
      }
    }

    // Stop tasks failing their health checks once their replacements are healthy, or one at a time
    // when maximumPercent leaves no room for a replacement.
    let healthyCount = live().filter(healthy).length;
    let aliveCount = live().length + started.length;
    let oneByOne = false;
    for (const task of live().filter(failing)) {
      const noRoom = aliveCount >= maxTotal && !oneByOne;
      if (healthyCount < desired && !noRoom) continue;
      if (healthyCount < desired) oneByOne = true;
      stop(task, task.health!.failing!.stoppedReason);
      aliveCount--;
      const deployment = deploymentOf(service, task);
      if (deployment) countFailedTask(deployment, now);
    }

    // Stop tasks of older deployments while minimumHealthyPercent stays healthy: the least healthy first.
    healthyCount = live().filter(healthy).length;
    let stoppableHealthy = Math.max(0, healthyCount - minHealthy);
    const old = live().filter((t) => t.startedBy !== current.id && !failing(t));
    for (const task of [...old].sort((a, b) => rank(a) - rank(b))) {
      if (healthy(task)) {
        if (stoppableHealthy === 0) continue;
        stoppableHealthy--;
      }
      stop(task, scaling);
    }
    if (stopped.length > 0) {
      addEvent(
        service,
        now,
        `has stopped ${stopped.length} running tasks: ${stopped.map((t) => `(task ${t.id})`).join(' ')}.`,
      );
    }

    this.#rollouts.settle(region.region, service, serviceTasks(), now);
  }

  /**
   * Runs the health checks of a service's RUNNING tasks: a task counted healthy for the first time
   * resets its deployment's failed-task count; one failing a check past the grace period is marked
   * for replacement, with ECS's event.
   */
  #watchHealth(service: Service, alive: readonly Task[], nowMs: number): void {
    const pace = this.#deps.pace;
    const graceMs = awsDelayMs(pace, Number(service.extra.healthCheckGracePeriodSeconds ?? 0));
    for (const task of alive) {
      const health = task.health;
      if (task.lastStatus !== 'RUNNING' || !health) continue;
      runChecks(health, nowMs, this.#deps.appHealthy(task, nowMs), this.#deps);
      if (health.healthyAt === undefined && countsHealthy(task, nowMs, pace)) {
        health.healthyAt = nowMs;
        const deployment = deploymentOf(service, task);
        if (deployment) deployment.failedTasks = 0;
      }
      if (health.failing) continue;
      const failed = failedHealthCheck(task, nowMs, graceMs);
      if (failed) {
        health.failing = { stoppedReason: failed.stoppedReason };
        addEvent(service, new Date(nowMs), failed.event);
      }
    }
  }
}
