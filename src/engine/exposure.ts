/**
 * Exposure: how many tasks run a chaos revision, predicted before the run and measured during it.
 *
 * Two modes. `rolling` (the seed's): the service itself rolls onto the chaos revision with
 * maximumPercent = 100 + percent, so the percentage is only the deployment batch; a hold longer than
 * the rollout puts every task under chaos. `exact`: a temporary sibling service runs the chaos
 * revision on k tasks beside the service's untouched ones, k chosen so that the chaos tasks are at
 * most the chosen share of all the tasks serving: k = floor(N × p / (100 − p)).
 */
import type { Task } from '@aws-sdk/client-ecs';
import { EXACT_MAX_PERCENT, type ExposureMode } from '../config/spec.js';
import { shortRevision } from '../aws/arn.js';

/** A task whose containers may still run: it serves (or works) under its revision's role. */
export const SERVING_STATES: ReadonlySet<string> = new Set(['RUNNING', 'DEACTIVATING', 'STOPPING']);

/** Whether a task is not yet STOPPED (provisioning, pending, running or on its way out). */
export function isLeft(task: Task): boolean {
  return task.lastStatus !== 'STOPPED';
}

/** What `plan` and the run predict. */
export interface PredictedExposure {
  readonly mode: ExposureMode;
  /** Chaos tasks at peak. */
  readonly chaosTasks: number;
  /** All tasks serving at that peak (the service's and the sibling's). */
  readonly ofTasks: number;
  /** chaosTasks / ofTasks, 0..1. */
  readonly share: number;
  /** How the figure was reached, the rounding stated. */
  readonly note: string;
  /** Rolling mode below 100 %: the exposure will reach every task if the hold outlasts the rollout. */
  readonly warning?: string;
}

/** k for exact mode, or the reason there is none. */
export type ExactCount =
  | { readonly ok: true; readonly k: number; readonly share: number }
  | { readonly ok: false; readonly reason: string; readonly leastPercent: number };

/**
 * The number of chaos tasks of exact mode: the most tasks that keep the chaos share of all serving
 * tasks at or below `percent`, rounded down; refused when that is none.
 *
 * @example exactChaosTasks(4, 25) // { ok: true, k: 1, share: 0.2 }: 1 chaos task beside 4
 */
export function exactChaosTasks(desired: number, percent: number): ExactCount {
  if (percent > EXACT_MAX_PERCENT) {
    const k = Math.floor((desired * percent) / (100 - percent) + 1e-9);
    return {
      ok: false,
      reason: `exact mode runs the chaos tasks beside the service's own: ${percent}% of ${desired} would take ${Number.isFinite(k) ? k : 'unbounded'} chaos tasks, more than the service has; exact mode goes up to ${EXACT_MAX_PERCENT}% (as many chaos tasks as the service's)`,
      leastPercent: 1,
    };
  }
  const k = Math.floor((desired * percent) / (100 - percent) + 1e-9);
  // The least percentage giving one chaos task: 1 / (N + 1), rounded up.
  const leastPercent = Math.ceil(100 / (desired + 1));
  if (k < 1) {
    return {
      ok: false,
      reason: `${percent}% of ${desired} task${desired === 1 ? '' : 's'} rounds down to no chaos task (one chaos task beside ${desired} would be ${Math.round(100 / (desired + 1))}% of the serving tasks)`,
      leastPercent,
    };
  }
  return { ok: true, k, share: k / (desired + k) };
}

/** The predicted exposure of a run on a service of `desired` tasks. */
export function predictExposure(mode: ExposureMode, desired: number, percent: number): PredictedExposure {
  if (mode === 'exact') {
    const exact = exactChaosTasks(desired, percent);
    if (!exact.ok) {
      return { mode, chaosTasks: 0, ofTasks: desired, share: 0, note: `${exact.reason}: refused` };
    }
    return {
      mode,
      chaosTasks: exact.k,
      ofTasks: desired + exact.k,
      share: exact.share,
      note: `${exact.k} chaos task${exact.k === 1 ? '' : 's'} in a temporary sibling service beside the ${desired} untouched tasks: ${percentText(exact.share)} of the serving tasks (k = floor(${desired} × ${percent} / ${100 - percent}), at most ${percent}%)`,
    };
  }
  const batch = Math.floor((desired * Math.min(200, 100 + percent)) / 100) - desired;
  const note =
    percent >= 100
      ? `every task is replaced by a chaos task (maximumPercent ${Math.min(200, 100 + percent)})`
      : `the service rolls onto the chaos revision ${batch} task${batch === 1 ? '' : 's'} per batch (maximumPercent ${100 + percent}); the percentage is the batch size, not a bound`;
  return {
    mode,
    chaosTasks: desired,
    ofTasks: desired,
    share: 1,
    note,
    ...(percent < 100
      ? {
          warning: `rolling mode: exposure reaches ${desired} of ${desired} tasks (100%) once the rollout completes, which a hold longer than a few batches allows; use --exposure exact to bound it to ${percent}%`,
        }
      : {}),
  };
}

/** A percentage for people: `20%`, `33.3%`. */
export function percentText(share: number): string {
  const p = Math.round(share * 1000) / 10;
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** One chaos revision's part of the exposure. */
export interface RevisionExposure {
  readonly taskDefinitionArn: string;
  readonly label: string;
  readonly iteration: number;
  /** The most tasks of this revision serving at once. */
  peakTasks: number;
  /** Distinct tasks that served this revision. */
  tasksThatRan: number;
}

/** The measured exposure over every chaos revision of every iteration. */
export interface MeasuredExposure {
  /** The most tasks of any chaos revision serving at once. */
  peakChaosTasks: number;
  /** All serving tasks (service and sibling) at that peak. */
  peakServingTasks: number;
  /** The highest chaos share of the serving tasks seen, 0..1. */
  peakShare: number;
  /** Distinct tasks that ran a chaos revision. */
  tasksThatRanChaos: number;
  readonly byRevision: RevisionExposure[];
}

/**
 * Measures the exposure from observations of the tasks (the service's and the sibling's), counting
 * every chaos revision the run registered, each labelled, so a task left from an earlier iteration
 * still counts.
 */
export class ExposureTracker {
  readonly #labels = new Map<string, string>();
  readonly #revisions = new Map<string, RevisionExposure>();
  readonly #seen = new Map<string, Set<string>>();
  readonly #measured: MeasuredExposure = {
    peakChaosTasks: 0,
    peakServingTasks: 0,
    peakShare: 0,
    tasksThatRanChaos: 0,
    byRevision: [],
  };

  constructor(originalArn: string) {
    this.#labels.set(originalArn, 'original');
  }

  /** Registers a chaos revision of an iteration. */
  addChaosRevision(arn: string, iteration: number): void {
    if (this.#revisions.has(arn)) return;
    const entry: RevisionExposure = {
      taskDefinitionArn: arn,
      label: `chaos, iteration ${iteration}`,
      iteration,
      peakTasks: 0,
      tasksThatRan: 0,
    };
    this.#labels.set(arn, entry.label);
    this.#revisions.set(arn, entry);
    this.#seen.set(arn, new Set());
    this.#measured.byRevision.push(entry);
  }

  /** Whether an ARN is one of the run's chaos revisions. */
  isChaos(arn: string | undefined): boolean {
    return arn !== undefined && this.#revisions.has(arn);
  }

  get chaosArns(): string[] {
    return [...this.#revisions.keys()];
  }

  /** Labels for task count lines: original, and each chaos revision with its iteration. */
  get labels(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.#labels);
  }

  /** Counts one observation; returns the chaos tasks serving now. */
  observe(tasks: readonly Task[]): { chaosServing: number; serving: number } {
    const serving = tasks.filter((t) => SERVING_STATES.has(t.lastStatus ?? ''));
    let chaosServing = 0;
    const perRevision = new Map<string, number>();
    for (const t of serving) {
      const arn = t.taskDefinitionArn;
      if (!arn || !this.#revisions.has(arn)) continue;
      chaosServing++;
      perRevision.set(arn, (perRevision.get(arn) ?? 0) + 1);
      if (t.taskArn) this.#seen.get(arn)!.add(t.taskArn);
    }
    for (const [arn, n] of perRevision) {
      const entry = this.#revisions.get(arn)!;
      entry.peakTasks = Math.max(entry.peakTasks, n);
      entry.tasksThatRan = this.#seen.get(arn)!.size;
    }
    const m = this.#measured;
    if (chaosServing > m.peakChaosTasks || (chaosServing === m.peakChaosTasks && serving.length < m.peakServingTasks)) {
      if (chaosServing > 0) {
        m.peakChaosTasks = chaosServing;
        m.peakServingTasks = serving.length;
      }
    }
    if (serving.length > 0) m.peakShare = Math.max(m.peakShare, chaosServing / serving.length);
    m.tasksThatRanChaos = [...this.#seen.values()].reduce((n, s) => n + s.size, 0);
    return { chaosServing, serving: serving.length };
  }

  get measured(): MeasuredExposure {
    return this.#measured;
  }
}

/** `orders:7 (chaos, iteration 2)` */
export function labelled(arn: string, labels: Readonly<Record<string, string>>): string {
  return labels[arn] ? `${shortRevision(arn)} (${labels[arn]})` : shortRevision(arn);
}
