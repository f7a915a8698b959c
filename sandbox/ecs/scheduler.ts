/**
 * The ECS service scheduler of the sandbox, run on a clock: moves tasks through their states and
 * drives rolling deployments the way ECS does, honouring minimumHealthyPercent and maximumPercent,
 * counting failed tasks, tripping the deployment circuit breaker, and writing service events in
 * ECS's wording.
 */
import { hexId } from '../core/ids.js';
import type { PaceTimings } from '../core/clock.js';
import type { Cluster, Deployment, Service, Task } from './model.js';
import { addEvent, type EcsRegion, type RoleTrust } from './store.js';

/** What ECS says when it cannot assume a task's role. */
export function unableToAssumeRole(roleArn: string): string {
  return `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`;
}

const ALIVE_STATES = new Set(['PROVISIONING', 'PENDING', 'RUNNING']);

/** A task the scheduler counts: it should be running and has not begun to stop. */
export function isAlive(task: Task): boolean {
  return task.desiredStatus === 'RUNNING' && ALIVE_STATES.has(task.lastStatus);
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

export interface SchedulerDeps {
  readonly pace: PaceTimings;
  readonly trust: RoleTrust;
}

export class Scheduler {
  readonly #deps: SchedulerDeps;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  /** Advances one region's world to `nowMs`. */
  tick(region: EcsRegion, nowMs: number): void {
    for (const cluster of region.clusters.values()) {
      for (const task of cluster.tasks.values()) this.#advanceTask(region, cluster, task, nowMs);
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
  stopTask(task: Task, nowMs: number, stopCode: string, reason: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    task.stoppingAt = new Date(nowMs);
    task.version++;
    if (task.lastStatus === 'RUNNING') {
      task.lastStatus = 'DEACTIVATING';
      task.nextAt = nowMs + this.#deps.pace.deactivatingMs;
    } else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING') {
      task.lastStatus = 'STOPPING';
      task.nextAt = nowMs + this.#deps.pace.stoppingMs;
    }
  }

  #advanceTask(region: EcsRegion, cluster: Cluster, task: Task, nowMs: number): void {
    while (task.lastStatus !== 'STOPPED' && task.nextAt <= nowMs) {
      const at = new Date(task.nextAt);
      task.version++;
      switch (task.lastStatus) {
        case 'PROVISIONING':
          task.lastStatus = 'PENDING';
          task.pullStartedAt = at;
          task.nextAt += this.#deps.pace.pendingMs;
          break;
        case 'PENDING': {
          const failure = this.#credentialFailure(region, task);
          if (failure) {
            this.#failToStart(cluster, task, at, failure);
            break;
          }
          task.lastStatus = 'RUNNING';
          task.pullStoppedAt = at;
          task.startedAt = at;
          task.connectivityAt = at;
          task.nextAt = Number.POSITIVE_INFINITY;
          break;
        }
        case 'DEACTIVATING':
          task.lastStatus = 'STOPPING';
          task.nextAt += this.#deps.pace.stoppingMs;
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

  /** The reason a task cannot get its credentials, or undefined when it can. */
  #credentialFailure(region: EcsRegion, task: Task): string | undefined {
    const def = region.findTaskDefinition(task.taskDefinitionArn)?.def;
    for (const field of ['executionRoleArn', 'taskRoleArn'] as const) {
      const roleArn = def?.[field];
      if (typeof roleArn === 'string' && !this.#deps.trust.ecsTasksCanAssume(roleArn))
        return unableToAssumeRole(roleArn);
    }
    return undefined;
  }

  #failToStart(cluster: Cluster, task: Task, at: Date, reason: string): void {
    task.desiredStatus = 'STOPPED';
    task.lastStatus = 'STOPPED';
    task.stopCode = 'TaskFailedToStart';
    task.stoppedReason = reason;
    task.stoppingAt = at;
    task.executionStoppedAt = at;
    task.stoppedAt = at;
    task.nextAt = Number.POSITIVE_INFINITY;
    const service = task.serviceArn
      ? [...cluster.services.values()].find((s) => s.serviceArn === task.serviceArn)
      : undefined;
    const deployment = service?.deployments.find((d) => d.id === task.startedBy);
    if (service && deployment) {
      deployment.failedTasks++;
      deployment.consecutiveFailures++;
      deployment.updatedAt = at;
      // ECS backs off launching after repeated failures.
      const backoff = Math.min(
        30_000,
        (this.#deps.pace.provisioningMs + this.#deps.pace.pendingMs) *
          2 ** Math.min(deployment.consecutiveFailures - 1, 6),
      );
      deployment.nextLaunchAt = at.getTime() + backoff;
      addEvent(service, at, `failed to launch a task with (error ${reason}).`);
    }
  }

  #driveService(region: EcsRegion, cluster: Cluster, service: Service, nowMs: number): void {
    const now = new Date(nowMs);
    const tasks = [...cluster.tasks.values()].filter((t) => t.serviceArn === service.serviceArn);
    const alive = tasks.filter(isAlive);

    if (service.status !== 'ACTIVE') {
      for (const task of alive) this.stopTask(task, nowMs, 'ServiceSchedulerInitiated', 'Service is being deleted');
      if (service.status === 'DRAINING' && tasks.every((t) => t.lastStatus === 'STOPPED')) {
        service.status = 'INACTIVE';
        for (const d of service.deployments) d.status = 'INACTIVE';
      }
      return;
    }

    const primary = service.deployments[0];
    if (!primary) return;
    this.#checkCircuitBreaker(service, primary, now);
    const current = service.deployments[0]!;
    const desired = service.desiredCount;
    const { maximumPercent, minimumHealthyPercent } = service.deploymentConfiguration;
    const maxTotal = Math.floor((desired * maximumPercent) / 100);
    const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    const ofPrimary = alive.filter((t) => t.startedBy === current.id);
    const old = alive.filter((t) => t.startedBy !== current.id);

    // Scale in: a primary with more tasks than desired stops the extra ones, pending ones first.
    if (ofPrimary.length > desired) {
      const extra = [...ofPrimary].sort((a, b) => rank(a) - rank(b)).slice(0, ofPrimary.length - desired);
      for (const task of extra)
        this.stopTask(
          task,
          nowMs,
          'ServiceSchedulerInitiated',
          `Scaling activity initiated by (deployment ${current.id})`,
        );
      if (extra.length > 0)
        addEvent(
          service,
          now,
          `has stopped ${extra.length} running tasks: ${extra.map((t) => `(task ${t.id})`).join(' ')}.`,
        );
    }

    // Launch for the primary, within maximumPercent while older deployments still have tasks.
    const counted = alive.filter((t) => t.desiredStatus === 'RUNNING').length;
    const need = desired - Math.min(ofPrimary.length, desired);
    const room = old.length > 0 ? maxTotal - counted : need;
    const launchable =
      current.rolloutState === 'FAILED' && !service.deploymentConfiguration.deploymentCircuitBreaker.rollback
        ? 0
        : Math.max(0, Math.min(need, room));
    if (launchable > 0 && nowMs >= current.nextLaunchAt) {
      const started: Task[] = [];
      for (let i = 0; i < launchable; i++) {
        const task = this.#launch(region, cluster, service, current, nowMs);
        if (!task) break;
        started.push(task);
      }
      if (started.length > 0) {
        addEvent(
          service,
          now,
          `has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
        );
      }
    }

    // Stop tasks of older deployments while enough healthy tasks remain: non-running ones first.
    const running = alive.filter((t) => t.lastStatus === 'RUNNING').length;
    let stoppableRunning = Math.max(0, running - minHealthy);
    const stopped: Task[] = [];
    for (const task of [...old].sort((a, b) => rank(a) - rank(b))) {
      if (task.lastStatus === 'RUNNING') {
        if (stoppableRunning === 0) continue;
        stoppableRunning--;
      }
      this.stopTask(
        task,
        nowMs,
        'ServiceSchedulerInitiated',
        `Scaling activity initiated by (deployment ${current.id})`,
      );
      stopped.push(task);
    }
    if (stopped.length > 0) {
      addEvent(
        service,
        now,
        `has stopped ${stopped.length} running tasks: ${stopped.map((t) => `(task ${t.id})`).join(' ')}.`,
      );
    }

    this.#settleDeployments(service, cluster, current, now);
  }

  #checkCircuitBreaker(service: Service, primary: Deployment, now: Date): void {
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (!breaker.enable || primary.rolloutState !== 'IN_PROGRESS') return;
    if (primary.failedTasks < circuitBreakerThreshold(primary.desiredCount)) return;
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    primary.updatedAt = now;
    addEvent(service, now, `(deployment ${primary.id}) deployment failed: tasks failed to start.`);
    const target = service.lastCompletedTaskDefinition;
    if (!breaker.rollback || target === undefined || target === primary.taskDefinition) return;
    const rollback: Deployment = {
      id: newDeploymentId(),
      status: 'PRIMARY',
      taskDefinition: target,
      desiredCount: service.desiredCount,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back from deployment ${primary.id}.`,
      launchType: service.launchType,
      networkConfiguration: service.networkConfiguration,
      nextLaunchAt: 0,
      consecutiveFailures: 0,
    };
    primary.status = 'ACTIVE';
    service.deployments.unshift(rollback);
    service.taskDefinition = target;
    addEvent(service, now, `rolling back to deployment ${rollback.id}.`);
  }

  #settleDeployments(service: Service, cluster: Cluster, primary: Deployment, now: Date): void {
    const tasks = [...cluster.tasks.values()].filter((t) => t.serviceArn === service.serviceArn);
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
    const runningPrimary = tasks.filter((t) => t.startedBy === primary.id && isAlive(t) && t.lastStatus === 'RUNNING');
    const settled =
      service.deployments.every((d) => d === primary || d.rolloutState === 'FAILED') &&
      runningPrimary.length === service.desiredCount &&
      tasks.every((t) => t.startedBy === primary.id || t.lastStatus === 'STOPPED') &&
      tasks.filter((t) => t.startedBy === primary.id && isAlive(t)).length === service.desiredCount;
    if (settled && primary.rolloutState === 'IN_PROGRESS') {
      service.deployments = [primary];
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = 'ECS deployment completed.';
      primary.updatedAt = now;
      primary.consecutiveFailures = 0;
      service.lastCompletedTaskDefinition = primary.taskDefinition;
      addEvent(service, now, `(deployment ${primary.id}) deployment completed.`);
      addEvent(service, now, 'has reached a steady state.');
    }
  }

  #launch(
    region: EcsRegion,
    cluster: Cluster,
    service: Service,
    deployment: Deployment,
    nowMs: number,
  ): Task | undefined {
    const record = region.findTaskDefinition(deployment.taskDefinition);
    if (!record) return undefined;
    const def = record.def;
    const containers = (def.containerDefinitions as Array<Record<string, unknown>>).map((c) => ({
      name: String(c.name),
      image: String(c.image),
      containerArn: region.arn(`container/${cluster.clusterName}/${hexId()}/${hexId()}`.slice(0, 120)),
    }));
    let containerInstanceArn: string | undefined;
    let zone = `${region.region}${'abc'[cluster.tasks.size % 3]}`;
    if (service.launchType === 'EC2') {
      const placed = this.#place(cluster, def);
      if (!placed) {
        if (nowMs - service.lastPlacementEventAt > 60_000) {
          service.lastPlacementEventAt = nowMs;
          const reason =
            cluster.containerInstances.size === 0
              ? 'No Container Instances were found in your cluster.'
              : 'The closest matching container-instance has insufficient CPU or memory available.';
          addEvent(
            service,
            new Date(nowMs),
            `was unable to place a task because no container instance met all of its requirements. Reason: ${reason}`,
          );
        }
        return undefined;
      }
      containerInstanceArn = placed.containerInstanceArn;
      zone = placed.availabilityZone;
    }
    const id = hexId();
    const awsvpc = def.networkMode === 'awsvpc';
    const subnets = (service.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined)
      ?.awsvpcConfiguration?.subnets;
    const task: Task = {
      taskArn: region.arn(`task/${cluster.clusterName}/${id}`),
      id,
      clusterArn: cluster.clusterArn,
      taskDefinitionArn: record.arn,
      group: `service:${service.serviceName}`,
      startedBy: deployment.id,
      launchType: service.launchType,
      cpu: def.cpu as string | undefined,
      memory: def.memory as string | undefined,
      containerInstanceArn,
      availabilityZone: zone,
      createdAt: new Date(nowMs),
      containers,
      reserved: taskSize(def),
      eni: awsvpc
        ? {
            id: `eni-${hexId(9).slice(0, 17)}`,
            subnetId: subnets?.[0] ?? 'subnet-00000000',
            privateIp: `10.0.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`,
          }
        : undefined,
      serviceArn: service.serviceArn,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      nextAt: nowMs + this.#deps.pace.provisioningMs,
      version: 1,
      tags: [],
    };
    cluster.tasks.set(id, task);
    return task;
  }

  /** EC2 placement: the instance with the most room that fits the task (spread), or none. */
  #place(
    cluster: Cluster,
    def: Record<string, unknown>,
  ): { containerInstanceArn: string; availabilityZone: string } | undefined {
    const need = taskSize(def);
    let best: { arn: string; zone: string; free: number } | undefined;
    for (const instance of cluster.containerInstances.values()) {
      const onIt = [...cluster.tasks.values()].filter(
        (t) => t.containerInstanceArn === instance.containerInstanceArn && t.lastStatus !== 'STOPPED',
      );
      const used = onIt.reduce(
        (acc, t) => {
          return { cpu: acc.cpu + t.reserved.cpu, memory: acc.memory + t.reserved.memory };
        },
        { cpu: 0, memory: 0 },
      );
      const freeCpu = instance.cpu - used.cpu;
      const freeMemory = instance.memory - used.memory;
      if (freeCpu < need.cpu || freeMemory < need.memory) continue;
      if (!best || freeMemory > best.free)
        best = { arn: instance.containerInstanceArn, zone: instance.availabilityZone, free: freeMemory };
    }
    return best ? { containerInstanceArn: best.arn, availabilityZone: best.zone } : undefined;
  }
}

/** CPU units and MiB a task reserves: task-level values, else the sum of its containers'. */
export function taskSize(def: Record<string, unknown>): { cpu: number; memory: number } {
  const containers = def.containerDefinitions as Array<Record<string, unknown>>;
  const cpu = def.cpu !== undefined ? Number(def.cpu) : containers.reduce((n, c) => n + Number(c.cpu ?? 0), 0);
  const memory =
    def.memory !== undefined
      ? Number(def.memory)
      : containers.reduce((n, c) => n + Number(c.memoryReservation ?? c.memory ?? 0), 0);
  return { cpu, memory };
}

/** Which tasks to stop first: those not yet running, then the newest. */
function rank(task: Task): number {
  return task.lastStatus === 'RUNNING' ? 1 : 0;
}
