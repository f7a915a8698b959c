/**
 * One look at the experiment: the service and the run's sibling services, and every task of the
 * family (stopped ones included, described once), counting the exposure and ECS's reactions and
 * saying when the tasks per revision change.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import { countTasks, describeCounts } from './observe.js';
import { familyTasks } from './restore-state.js';
import type { Look, RunContext } from './run-context.js';

export class Looker {
  readonly #ctx: RunContext;
  /** Since when service events count as reactions: the chaos window's start. */
  readonly #since: () => Date;
  /** STOPPED tasks never change: described once. */
  readonly #stopped = new Map<string, Task>();
  #lastCounts = '';

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
    const counts = countTasks(relevant.filter((t) => t.lastStatus !== 'STOPPED'));
    const labels = ctx.exposure.labels;
    const line = describeCounts(counts, labels);
    if (line !== this.#lastCounts) {
      this.#lastCounts = line;
      ctx.record.event('tasks', `tasks: ${line}`, { counts, labels }, 'info', iteration);
    }
    return { service, siblings, tasks: relevant };
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
