/**
 * What ECS does to a task's containers by their limits (botocore ContainerDefinition):
 *
 * - `stopTimeout`: a stopping task sends SIGTERM to its containers and waits up to the container's
 *   stopTimeout (default 30 s; at most 120 s on Fargate; on EC2 the agent's ECS_CONTAINER_STOP_TIMEOUT,
 *   30 s by default) before SIGKILL. An app that exits sooner ends the wait; one that is killed exits
 *   with 137 (128 + SIGKILL).
 * - `memory` (the container's hard limit) and the task-level `memory`: a container whose process
 *   uses more is killed by the kernel's OOM killer: exit code 137, reason
 *   "OutOfMemoryError: Container killed due to memory usage". `memoryReservation` (the soft limit)
 *   kills nothing. CPU limits only throttle: they kill nothing either.
 */
import type { Task } from './model.js';

/** ECS's stopTimeout when the container sets none, and Fargate's maximum, in seconds. */
export const STOP_TIMEOUT = { default: 30, fargateMax: 120 } as const;

/** The reason ECS gives to a container the OOM killer stopped. */
export const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';

/** The exit code of a container killed by SIGKILL (by the OOM killer or after its stopTimeout). */
export const SIGKILL_EXIT_CODE = 137;

type Container = Record<string, unknown>;

function containersOf(def: Record<string, unknown> | undefined): Container[] {
  return Array.isArray(def?.containerDefinitions) ? (def.containerDefinitions as Container[]) : [];
}

/** A container's stop timeout in seconds, as ECS applies it on the task's launch type. */
export function stopTimeoutSeconds(container: Container, launchType: 'FARGATE' | 'EC2'): number {
  const set = typeof container.stopTimeout === 'number' ? container.stopTimeout : undefined;
  const seconds = set ?? STOP_TIMEOUT.default;
  return launchType === 'FARGATE' ? Math.min(seconds, STOP_TIMEOUT.fargateMax) : seconds;
}

/**
 * How long a RUNNING task's containers take to stop after SIGTERM, in AWS seconds, and the
 * containers killed at their stopTimeout. `sigtermSeconds` is how long the app keeps running after
 * SIGTERM; a container that already exited (`exited`) is not waited for.
 */
export function shutdown(
  def: Record<string, unknown> | undefined,
  task: Task,
  sigtermSeconds: number,
  exited: string | undefined,
): { seconds: number; killed: string[] } {
  let seconds = 0;
  const killed: string[] = [];
  for (const c of containersOf(def)) {
    const name = String(c.name);
    if (name === exited) continue;
    const timeout = stopTimeoutSeconds(c, task.launchType);
    if (sigtermSeconds > timeout) killed.push(name);
    seconds = Math.max(seconds, Math.min(sigtermSeconds, timeout));
  }
  return { seconds, killed };
}

/**
 * The container the OOM killer stops, or undefined when every container fits: first a container
 * using more than its own hard `memory`, else, when the containers together use more than the
 * task-level `memory`, the one using the most. `use` is a container's memory use in MiB.
 */
export function oomVictim(
  def: Record<string, unknown> | undefined,
  use: (container: string) => number,
): string | undefined {
  const containers = containersOf(def);
  for (const c of containers) {
    const limit = typeof c.memory === 'number' ? c.memory : undefined;
    if (limit !== undefined && use(String(c.name)) > limit) return String(c.name);
  }
  const taskMemory = def?.memory === undefined ? undefined : Number(def.memory);
  if (taskMemory === undefined || !Number.isFinite(taskMemory)) return undefined;
  const uses = containers.map((c) => ({ name: String(c.name), mib: use(String(c.name)) }));
  if (uses.reduce((n, u) => n + u.mib, 0) <= taskMemory) return undefined;
  return uses.sort((a, b) => b.mib - a.mib)[0]?.name;
}

/** ECS's health check interval when the container sets none, in seconds (botocore HealthCheck). */
const DEFAULT_HEALTH_INTERVAL = 30;

/**
 * A container ordering dependency that runs out of its `startTimeout` (botocore ContainerDependency,
 * the ECS agent's dependency graph): a container that depends on another reaching COMPLETE, SUCCESS
 * or HEALTHY gives up when the dependency's startTimeout passes first (START has no timeout). In
 * the sandbox a dependency is HEALTHY at its first health check (`interval` after it starts) when
 * the app is healthy, never otherwise; the apps never exit, so COMPLETE and SUCCESS are never met.
 * Returns the first such dependency and after how many AWS seconds the task gives up.
 */
export function dependencyTimeout(
  def: Record<string, unknown> | undefined,
  appHealthy: boolean,
): { target: string; dependency: string; seconds: number } | undefined {
  const containers = containersOf(def);
  const byName = new Map(containers.map((c) => [String(c.name), c]));
  for (const target of containers) {
    const dependsOn = Array.isArray(target.dependsOn)
      ? (target.dependsOn as Array<{ containerName?: unknown; condition?: unknown }>)
      : [];
    for (const dep of dependsOn) {
      const dependency = byName.get(String(dep.containerName));
      const timeout = typeof dependency?.startTimeout === 'number' ? dependency.startTimeout : undefined;
      if (!dependency || timeout === undefined || timeout <= 0) continue;
      let readyAfter = Number.POSITIVE_INFINITY;
      if (dep.condition === 'HEALTHY' && appHealthy) {
        const hc = dependency.healthCheck as { interval?: number } | undefined;
        if (hc) readyAfter = hc.interval ?? DEFAULT_HEALTH_INTERVAL;
      } else if (dep.condition !== 'COMPLETE' && dep.condition !== 'SUCCESS' && dep.condition !== 'HEALTHY') {
        continue;
      }
      if (readyAfter > timeout)
        return { target: String(target.name), dependency: String(dependency.name), seconds: timeout };
    }
  }
  return undefined;
}
