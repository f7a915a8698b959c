/**
 * One look at the experiment: the service and the run's sibling services, and every task of the
 * family (stopped ones included, described once), counting the exposure and ECS's reactions and
 * saying when the tasks per revision change, and when a chaos task's container was killed at its
 * stopTimeout as the task stopped.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import { countTasks, describeCounts, shortRevision } from './observe.js';
import { familyTasks } from './restore-state.js';
import type { Look, RunContext } from './run-context.js';

export class Looker {
  readonly #ctx: RunContext;
  /** Since when service events count as reactions: the chaos window's start. */
  readonly #since: () => Date;
  /** STOPPED tasks never change: described once. */
  readonly #stopped = new Map<string, Task>();
  #lastCounts = '';
  /** Chaos tasks whose kill at stop was told. */
  readonly #killedTold = new Set<string>();

  constructor(ctx: RunContext, since: () => Date) {
    this.#ctx = ctx;
    this.#since = since;
  }

  async look(signal: AbortSignal, iteration?: number): Promise<Look> {
    const ctx = this.#ctx;
    const { spec } = ctx;
    const names = [spec.service, ...ctx.siblings];
    const [services, tasks] = await Promise.all([this.#services(names, signal), this.#tasks(signal)]);
    const service = services.find((s) => s.serviceName === spec.service);
    const siblings = new Map(
      services.filter((s) => ctx.siblings.has(s.serviceName ?? '')).map((s) => [s.serviceName!, s]),
    );
    const groups = new Set(names.map((n) => `service:${n}`));
    const relevant = tasks.filter((t) => groups.has(t.group ?? ''));
    ctx.exposure.observe(relevant);
    const chaos = new Set(ctx.exposure.chaosArns);
    const now = ctx.record.now();
    const since = this.#since();
    ctx.reactions.observeService(service, chaos, since, now);
    for (const sibling of siblings.values()) ctx.reactions.observeService(sibling, chaos, since, now);
    ctx.reactions.observeTasks(relevant, chaos, now);
    this.#tellKilledAtStop(relevant, chaos, iteration);
    const counts = countTasks(relevant.filter((t) => t.lastStatus !== 'STOPPED'));
    const labels = ctx.exposure.labels;
    const line = describeCounts(counts, labels);
    if (line !== this.#lastCounts) {
      this.#lastCounts = line;
      ctx.record.event('tasks', `tasks: ${line}`, { counts, labels }, 'info', iteration);
    }
    return { service, siblings, tasks: relevant };
  }

  /**
   * A chaos task that was stopped (not one that crashed or failed to start) with a container that
   * exited 137 and no OOM reason: SIGKILL at its stopTimeout, the app had not finished after SIGTERM.
   * Information, not a reaction: it is what a short stopTimeout shows, never a failure by itself.
   */
  #tellKilledAtStop(tasks: readonly Task[], chaos: ReadonlySet<string>, iteration?: number): void {
    for (const t of tasks) {
      if (t.lastStatus !== 'STOPPED' || !chaos.has(t.taskDefinitionArn ?? '') || !t.taskArn) continue;
      if (this.#killedTold.has(t.taskArn) || t.stopCode === 'TaskFailedToStart') continue;
      if (t.stopCode === 'EssentialContainerExited') continue;
      const killed = (t.containers ?? []).filter((c) => c.exitCode === 137 && !/OutOfMemory/i.test(c.reason ?? ''));
      if (killed.length === 0) continue;
      this.#killedTold.add(t.taskArn);
      const id = t.taskArn.split('/').pop() ?? '';
      const names = killed.map((c) => c.name).join(', ');
      this.#ctx.record.event(
        'chaos-killed-at-stop',
        `task ${id} of ${shortRevision(t.taskDefinitionArn ?? '')} stopped (${t.stopCode ?? 'no stop code'}): container ${names} exit code 137, killed at its stopTimeout before it finished after SIGTERM`,
        { task: id, stopCode: t.stopCode, containers: killed.map((c) => c.name), exitCode: 137 },
        'info',
        iteration,
      );
    }
  }

  async #services(names: readonly string[], signal: AbortSignal): Promise<Service[]> {
    const { spec, deps } = this.#ctx;
    const services: Service[] = [];
    for (let i = 0; i < names.length; i += 10) {
      const out = await deps.ecs.describeServices(
        { cluster: spec.cluster, services: names.slice(i, i + 10) },
        { abortSignal: signal },
      );
      services.push(...(out.services ?? []));
    }
    return services;
  }

  async #tasks(signal: AbortSignal): Promise<Task[]> {
    const { spec, deps, pf } = this.#ctx;
    const tasks = await familyTasks(
      deps.ecs,
      spec.cluster,
      pf.original.family!,
      { abortSignal: signal },
      this.#stopped,
    );
    for (const t of tasks) if (t.lastStatus === 'STOPPED' && t.taskArn) this.#stopped.set(t.taskArn, t);
    return tasks;
  }
}
