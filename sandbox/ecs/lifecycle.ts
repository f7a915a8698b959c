/**
 * A task's life on the clock: PROVISIONING -> PENDING -> RUNNING, and DEACTIVATING -> STOPPING ->
 * STOPPED once asked to stop (a task behind a load balancer stays DEACTIVATING for its target
 * groups' deregistration delay). A task whose roles ECS cannot assume, or whose image cannot be
 * pulled, stops from PENDING with `TaskFailedToStart`; a task whose essential container exits stops
 * with `EssentialContainerExited`.
 */
import { awsDelayMs, type PaceTimings } from '../core/clock.js';
import { dependencyTimeout, OOM_REASON, oomVictim, shutdown, SIGKILL_EXIT_CODE } from './containers.js';
import { deregisterTargets, startHealth, type HealthDeps } from './health.js';
import type { Cluster, ContainerFailure, Deployment, Service, Task } from './model.js';
import { countFailedTask, throttleLaunches } from './rollout.js';
import { addEvent, type EcsRegion, type RoleTrust } from './store.js';

/** What ECS says when it cannot assume a task's role. */
export function unableToAssumeRole(roleArn: string): string {
  return `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`;
}

/** The registry hosts no image can be pulled from: RFC 2606's `.invalid` top-level domain never resolves. */
const UNRESOLVABLE_HOST = /\.invalid(:\d+)?$/i;

/**
 * The CannotPullContainerError of an image the sandbox cannot pull (its registry host ends in
 * `.invalid`), in the words of Fargate's containerd or, on EC2, of the Docker daemon; undefined for
 * any other image.
 */
export function pullFailure(image: string, launchType: 'FARGATE' | 'EC2' = 'FARGATE'): string | undefined {
  const slash = image.indexOf('/');
  const host = slash < 0 ? '' : image.slice(0, slash);
  if (!UNRESOLVABLE_HOST.test(host)) return undefined;
  const rest = image.slice(slash + 1);
  const at = rest.indexOf('@');
  const colon = rest.lastIndexOf(':');
  const [repository, reference] =
    at >= 0
      ? [rest.slice(0, at), rest.slice(at + 1)]
      : colon >= 0
        ? [rest.slice(0, colon), rest.slice(colon + 1)]
        : [rest, 'latest'];
  const ref = `${host}/${repository}${at >= 0 ? '@' : ':'}${reference}`;
  const hostname = host.replace(/:\d+$/, '');
  if (launchType === 'EC2') {
    return `CannotPullContainerError: Error response from daemon: Get "https://${host}/v2/": dial tcp: lookup ${hostname}: no such host`;
  }
  return `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ref}: failed to do request: Head "https://${host}/v2/${repository}/manifests/${reference}": dial tcp: lookup ${hostname}: no such host`;
}

const ALIVE_STATES = new Set(['PROVISIONING', 'PENDING', 'RUNNING']);

/** A task the scheduler counts: it should be running and has not begun to stop. */
export function isAlive(task: Task): boolean {
  return task.desiredStatus === 'RUNNING' && ALIVE_STATES.has(task.lastStatus);
}

/** The service a task belongs to, if any. */
export function serviceOf(cluster: Cluster, task: Task): Service | undefined {
  if (!task.serviceArn) return undefined;
  return [...cluster.services.values()].find((s) => s.serviceArn === task.serviceArn);
}

/** The deployment that started a task, if it is still listed. */
export function deploymentOf(service: Service | undefined, task: Task): Deployment | undefined {
  return service?.deployments.find((d) => d.id === task.startedBy);
}

/** What the simulated apps ask of their containers (the workload's app profiles). */
export interface AppNeeds {
  /** How long the task's app keeps running after SIGTERM, in AWS seconds (Infinity: until SIGKILL). */
  sigtermSeconds(task: Task): number;
  /** The memory a container of the task uses once it runs, in MiB. */
  memoryUse(task: Task, container: string): number;
}

/** What ECS's execution role does for a task before it starts: the reason it fails, if it does. */
export type ExecutionCheck = (
  def: Record<string, unknown>,
  task: Task,
  cluster: Cluster,
) => { readonly reason: string; readonly container?: string } | undefined;

/** How long after RUNNING a container's process has grown to its memory use (AWS seconds). */
export const MEMORY_GROWTH_SECONDS = 5;

export interface LifecycleDeps extends HealthDeps {
  readonly pace: PaceTimings;
  readonly trust: RoleTrust;
  /** Without it, apps exit at SIGTERM and fit in their memory. */
  readonly app?: AppNeeds;
  /** Without it, the execution role's permissions are not checked. */
  readonly execution?: ExecutionCheck;
  /** Whether a task's app answers its health checks (a HEALTHY dependency's readiness); true without it. */
  readonly appHealthy?: (task: Task, nowMs: number) => boolean;
}

/** Moves tasks through their states. */
export class Lifecycle {
  readonly #deps: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  /** Moves a task through every state change due up to `nowMs`. */
  advance(region: EcsRegion, cluster: Cluster, task: Task, nowMs: number): void {
    const pace = this.#deps.pace;
    while (task.lastStatus !== 'STOPPED' && task.nextAt <= nowMs) {
      const at = new Date(task.nextAt);
      task.version++;
      switch (task.lastStatus) {
        case 'PROVISIONING':
          task.lastStatus = 'PENDING';
          task.pullStartedAt = at;
          task.nextAt += pace.pendingMs;
          break;
        case 'PENDING':
          this.#start(region, cluster, task, at);
          break;
        case 'DEACTIVATING':
          task.lastStatus = 'STOPPING';
          task.nextAt += pace.stoppingMs + this.#shutdownMs(region, task);
          break;
        case 'STOPPING':
          task.lastStatus = 'STOPPED';
          task.executionStoppedAt = at;
          task.stoppedAt = at;
          task.nextAt = Number.POSITIVE_INFINITY;
          break;
        default:
          task.nextAt = Number.POSITIVE_INFINITY;
      }
    }
  }

  /** PENDING -> RUNNING, or STOPPED when the roles or the image fail it. */
  #start(region: EcsRegion, cluster: Cluster, task: Task, at: Date): void {
    const def = region.findTaskDefinition(task.taskDefinitionArn)?.def;
    const roleFailure = this.#credentialFailure(def, task.taskArn);
    if (roleFailure) {
      this.#failToStart(cluster, task, at, roleFailure, undefined);
      return;
    }
    const execution = def ? this.#deps.execution?.(def, task, cluster) : undefined;
    if (execution) {
      task.pullStoppedAt = at;
      const { reason, container } = execution;
      this.#failToStart(cluster, task, at, reason, container ? { name: container, reason } : undefined, false);
      return;
    }
    // A dependency that does not get ready within its startTimeout: the task waits that long, then gives up.
    if (task.dependencyFailure) {
      const { target, reason } = task.dependencyFailure;
      this.#failToStart(cluster, task, at, reason, { name: target, reason }, false);
      return;
    }
    const late = dependencyTimeout(def, this.#deps.appHealthy?.(task, at.getTime()) ?? true);
    if (late) {
      task.pullStoppedAt = at;
      task.dependencyFailure = {
        target: late.target,
        reason: `dependency graph: container ordering dependency [${late.dependency}] for target [${late.target}] has timed out.`,
      };
      task.nextAt = at.getTime() + awsDelayMs(this.#deps.pace, late.seconds);
      return;
    }
    for (const container of task.containers) {
      const pull = pullFailure(container.image, task.launchType);
      if (pull) {
        task.pullStoppedAt = at;
        this.#failToStart(cluster, task, at, pull, { name: container.name, reason: pull });
        return;
      }
    }
    task.lastStatus = 'RUNNING';
    task.pullStoppedAt = at;
    task.startedAt = at;
    task.connectivityAt = at;
    task.nextAt = Number.POSITIVE_INFINITY;
    const service = serviceOf(cluster, task);
    const deployment = deploymentOf(service, task);
    task.health = startHealth(def ?? {}, deployment?.loadBalancers ?? [], at.getTime(), this.#deps);
    if (deployment) {
      deployment.consecutiveFailures = 0;
      deployment.throttled = false;
    }
    if (service) {
      for (const arn of new Set(task.health.targets.map((t) => t.targetGroupArn)))
        addEvent(service, at, `registered 1 targets in (target-group ${arn})`);
    }
  }

  /**
   * SIGTERM to SIGKILL: how long the task's containers take to stop (the app's SIGTERM delay, at most
   * each container's stopTimeout), scaled; containers still running at their stopTimeout are killed.
   */
  #shutdownMs(region: EcsRegion, task: Task): number {
    if (!task.startedAt || !this.#deps.app) return 0;
    const def = region.findTaskDefinition(task.taskDefinitionArn)?.def;
    const { seconds, killed } = shutdown(def, task, this.#deps.app.sigtermSeconds(task), task.failedContainer?.name);
    if (killed.length > 0) task.killedAtStop = killed;
    return awsDelayMs(this.#deps.pace, seconds);
  }

  /**
   * The OOM killer: once a RUNNING task's containers have grown to their memory use, a container
   * over its hard limit (or the task over its memory) is killed; an essential one stops the task.
   */
  checkMemory(region: EcsRegion, cluster: Cluster, task: Task, nowMs: number): void {
    const app = this.#deps.app;
    const health = task.health;
    if (!app || !health || task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return;
    if (nowMs < health.runningAt + awsDelayMs(this.#deps.pace, MEMORY_GROWTH_SECONDS)) return;
    const def = region.findTaskDefinition(task.taskDefinitionArn)?.def;
    const victim = oomVictim(def, (container) => app.memoryUse(task, container));
    const container = task.containers.find((c) => c.name === victim);
    if (!container?.essential) return;
    this.containerExited(cluster, task, nowMs, SIGKILL_EXIT_CODE, { container: container.name, reason: OOM_REASON });
  }

  /** The reason a task cannot get its credentials, or undefined when it can. */
  #credentialFailure(def: Record<string, unknown> | undefined, taskArn: string): string | undefined {
    for (const field of ['executionRoleArn', 'taskRoleArn'] as const) {
      const roleArn = def?.[field];
      if (typeof roleArn === 'string' && !this.#deps.trust.ecsTasksCanAssume(roleArn, taskArn))
        return unableToAssumeRole(roleArn);
    }
    return undefined;
  }

  /**
   * PENDING -> STOPPED with `TaskFailedToStart`: the deployment counts a failed task and backs off.
   * A role ECS cannot assume is also a launch failure in the service's events.
   */
  #failToStart(
    cluster: Cluster,
    task: Task,
    at: Date,
    reason: string,
    failed: ContainerFailure | undefined,
    launchEvent = !failed,
  ): void {
    task.desiredStatus = 'STOPPED';
    task.lastStatus = 'STOPPED';
    task.stopCode = 'TaskFailedToStart';
    task.stoppedReason = reason;
    if (failed) task.failedContainer = failed;
    task.stoppingAt = at;
    task.executionStoppedAt = at;
    task.stoppedAt = at;
    task.nextAt = Number.POSITIVE_INFINITY;
    const service = serviceOf(cluster, task);
    const deployment = deploymentOf(service, task);
    if (!service || !deployment) return;
    countFailedTask(deployment, at);
    throttleLaunches(service, deployment, at, this.#deps.pace);
    if (launchEvent) addEvent(service, at, `failed to launch a task with (error ${reason}).`);
  }

  /**
   * Asks a task to stop. A RUNNING task deregisters from its target groups and stays DEACTIVATING
   * for the longest deregistration delay (the pace's `deactivatingMs` without a load balancer).
   */
  stop(cluster: Cluster, task: Task, nowMs: number, stopCode: string, reason: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    task.stoppingAt = new Date(nowMs);
    task.version++;
    if (task.lastStatus === 'RUNNING') {
      const drained = deregisterTargets(task, this.#deps);
      task.lastStatus = 'DEACTIVATING';
      task.nextAt = nowMs + (drained ? drained.drainMs : this.#deps.pace.deactivatingMs);
      const service = serviceOf(cluster, task);
      if (service && drained) {
        for (const arn of drained.targetGroups)
          addEvent(service, new Date(nowMs), `deregistered 1 targets in (target-group ${arn})`);
      }
    } else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING') {
      task.lastStatus = 'STOPPING';
      task.nextAt = nowMs + this.#deps.pace.stoppingMs;
    }
  }

  /**
   * The task's essential container exited with `exitCode`: the task stops with
   * `EssentialContainerExited`. A task that never counted as healthy is a failed task of its
   * deployment (the circuit breaker counts it).
   */
  containerExited(
    cluster: Cluster,
    task: Task,
    nowMs: number,
    exitCode: number,
    how?: { readonly container: string; readonly reason: string },
  ): void {
    if (task.desiredStatus === 'STOPPED' || task.lastStatus !== 'RUNNING') return;
    const essential = task.containers.find((c) => c.essential) ?? task.containers[0];
    task.failedContainer = how
      ? { name: how.container, exitCode, reason: how.reason }
      : { name: essential?.name ?? 'app', exitCode };
    const neverHealthy = task.health?.healthyAt === undefined;
    this.stop(cluster, task, nowMs, 'EssentialContainerExited', 'Essential container in task exited');
    const deployment = deploymentOf(serviceOf(cluster, task), task);
    if (deployment && neverHealthy) countFailedTask(deployment, new Date(nowMs));
  }
}
