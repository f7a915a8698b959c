/**
 * ECS's own reactions to the chaos, as results: a deployment circuit breaker or a deployment alarm
 * that fails the chaos deployment (and rolls it back), chaos tasks that fail to launch, chaos tasks
 * that crash (an essential container exited) or fail their health checks. Each is reported with its
 * evidence (the deployment's rolloutStateReason, the service events, the tasks' stop codes and
 * reasons) and none of them ends in Pass.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import { shortRevision } from '../aws/arn.js';

export const REACTION_KINDS = [
  'circuit-breaker-rollback',
  'alarm-rollback',
  'deployment-failed',
  'launch-failure',
  'task-crash',
  'health-check-failure',
] as const;
export type ReactionKind = (typeof REACTION_KINDS)[number];

/** One reaction of ECS, aggregated over the tasks or deployments it concerns. */
export interface EcsReaction {
  readonly kind: ReactionKind;
  /** When it was first seen (ISO 8601). */
  readonly at: string;
  /** One line for people. */
  summary: string;
  /** The evidence: reasons, events, task ids (at most 10 lines). */
  readonly evidence: string[];
  /** Tasks or deployments concerned. */
  count: number;
}

/** What a reaction means, for the verdict and the reports. */
export const REACTION_TEXT: Readonly<Record<ReactionKind, string>> = {
  'circuit-breaker-rollback': "ECS's deployment circuit breaker failed the chaos deployment",
  'alarm-rollback': 'a deployment alarm failed the chaos deployment',
  'deployment-failed': 'ECS failed the chaos deployment',
  'launch-failure': 'chaos tasks failed to launch',
  'task-crash': 'chaos tasks crashed (an essential container exited)',
  'health-check-failure': 'chaos tasks failed their health checks',
};

const MAX_EVIDENCE = 10;

/** Collects reactions across observations, each deployment and task counted once. */
export class ReactionLog {
  readonly #byKind = new Map<ReactionKind, EcsReaction>();
  readonly #counted = new Set<string>();
  readonly #eventsSeen = new Set<string>();
  /** Called with each reaction the first time it is seen. */
  readonly #onNew: (reaction: EcsReaction) => void;

  constructor(onNew: (reaction: EcsReaction) => void = () => undefined) {
    this.#onNew = onNew;
  }

  get reactions(): EcsReaction[] {
    return [...this.#byKind.values()];
  }

  /** Whether ECS rolled the chaos deployment back (circuit breaker or alarm). */
  get rolledBack(): boolean {
    return this.#byKind.has('circuit-breaker-rollback') || this.#byKind.has('alarm-rollback');
  }

  #add(kind: ReactionKind, key: string, at: Date, evidence: string[]): void {
    if (this.#counted.has(`${kind}:${key}`)) return;
    this.#counted.add(`${kind}:${key}`);
    const existing = this.#byKind.get(kind);
    if (existing) {
      existing.count++;
      for (const line of evidence) if (existing.evidence.length < MAX_EVIDENCE) existing.evidence.push(line);
      existing.summary = `${REACTION_TEXT[kind]} (${existing.count})`;
      return;
    }
    const reaction: EcsReaction = {
      kind,
      at: at.toISOString(),
      summary: `${REACTION_TEXT[kind]} (1)`,
      evidence: evidence.slice(0, MAX_EVIDENCE),
      count: 1,
    };
    this.#byKind.set(kind, reaction);
    this.#onNew(reaction);
  }

  /** The chaos deployments of a service: failed ones, and the events that explain them. */
  observeService(service: Service | undefined, chaosArns: ReadonlySet<string>, since: Date, now: Date): void {
    if (!service) return;
    const events = (service.events ?? []).filter((e) => e.createdAt && e.createdAt.getTime() >= since.getTime());
    for (const d of service.deployments ?? []) {
      if (!chaosArns.has(d.taskDefinition ?? '') || d.rolloutState !== 'FAILED') continue;
      const reason = d.rolloutStateReason ?? '';
      const kind: ReactionKind = /circuit breaker/i.test(reason)
        ? 'circuit-breaker-rollback'
        : /alarm/i.test(reason)
          ? 'alarm-rollback'
          : 'deployment-failed';
      const rolledBack = service.taskDefinition !== d.taskDefinition;
      const related = events
        .filter((e) => /deployment failed|rolling back|alarm|circuit breaker/i.test(e.message ?? ''))
        .map((e) => `event ${e.createdAt!.toISOString()}: ${e.message}`);
      this.#add(
        kind === 'deployment-failed' && !rolledBack ? 'deployment-failed' : kind,
        d.id ?? d.taskDefinition!,
        now,
        [
          `deployment ${d.id} of ${shortRevision(d.taskDefinition ?? '')}: rolloutState FAILED: ${reason || '(no reason given)'}${rolledBack ? `; the service was rolled back to ${shortRevision(service.taskDefinition ?? '')}` : ''}`,
          `failedTasks ${d.failedTasks ?? 0}`,
          ...related,
        ],
      );
    }
    for (const e of events) {
      const message = e.message ?? '';
      const id = e.id ?? `${e.createdAt?.toISOString()}:${message}`;
      if (this.#eventsSeen.has(id)) continue;
      if (/failed to launch a task|unable to place a task/i.test(message)) {
        this.#eventsSeen.add(id);
        // Launch failures are counted from the tasks; the events are their evidence.
        const existing = this.#byKind.get('launch-failure');
        if (existing && existing.evidence.length < MAX_EVIDENCE) existing.evidence.push(`event: ${message}`);
      }
    }
  }

  /** Stopped chaos tasks, by why they stopped. */
  observeTasks(tasks: readonly Task[], chaosArns: ReadonlySet<string>, now: Date): void {
    for (const t of tasks) {
      if (!chaosArns.has(t.taskDefinitionArn ?? '') || t.desiredStatus !== 'STOPPED' || !t.stopCode) continue;
      const id = (t.taskArn ?? '').split('/').pop() ?? '';
      const reason = t.stoppedReason ?? '';
      const container = (t.containers ?? []).find((c) => c.exitCode !== undefined && c.exitCode !== 0);
      if (t.stopCode === 'TaskFailedToStart') {
        this.#add('launch-failure', id, now, [`task ${id}: TaskFailedToStart: ${reason}`]);
      } else if (t.stopCode === 'EssentialContainerExited') {
        const exit = container
          ? `; container ${container.name} exit code ${container.exitCode}${container.reason ? ` (${container.reason})` : ''}`
          : '';
        this.#add('task-crash', id, now, [`task ${id}: EssentialContainerExited: ${reason}${exit}`]);
      } else if (/health check/i.test(reason)) {
        this.#add('health-check-failure', id, now, [`task ${id}: ${t.stopCode}: ${reason}`]);
      }
    }
  }
}

/** The verdict's words for a set of reactions. */
export function describeReactions(reactions: readonly EcsReaction[]): string {
  return reactions.map((r) => r.summary).join('; ');
}
