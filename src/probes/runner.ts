/**
 * Runs probes at their points of the run (Litmus modes) with their run properties, and keeps their
 * outcomes and evidence for the result. The engine calls {@link ProbeRunner.atStart} before the chaos,
 * {@link ProbeRunner.startLoops} for Continuous (before the chaos) and OnChaos (at the first injection),
 * {@link ProbeRunner.stopLoops} when the chaos is reverted, {@link ProbeRunner.atEnd} after it, and
 * {@link ProbeRunner.finish} last.
 */
import type { CloudTrailPort, CloudWatchPort, EcsPort } from '../aws/ports.js';
import type { IoHost } from '../io/io-host.js';
import { observeCloudTrail } from './cloudtrail.js';
import { observeCloudWatch } from './cloudwatch.js';
import { observeCmd } from './cmd.js';
import type { Observation, ProbeContext, ProbeRunFacts } from './context.js';
import { observeEcs } from './ecs.js';
import { observeHttp } from './http.js';
import { describeProbe } from './parse.js';
import { observePrometheus } from './prometheus.js';
import type { ProbeEvaluation, ProbePhase, ProbeResult, ProbeSpec, ProbeWindow } from './types.js';

/** Observes one probe once. */
export type Observer = (probe: ProbeSpec, ctx: ProbeContext) => Promise<Observation>;

/** The observer of each probe type. */
export const OBSERVERS: Readonly<Record<ProbeSpec['type'], Observer>> = {
  http: (p, c) => observeHttp(p as Extract<ProbeSpec, { type: 'http' }>, c),
  cmd: (p, c) => observeCmd(p as Extract<ProbeSpec, { type: 'cmd' }>, c),
  prometheus: (p, c) => observePrometheus(p as Extract<ProbeSpec, { type: 'prometheus' }>, c),
  cloudwatch: (p, c) => observeCloudWatch(p as Extract<ProbeSpec, { type: 'cloudwatch' }>, c),
  cloudtrail: (p, c) => observeCloudTrail(p as Extract<ProbeSpec, { type: 'cloudtrail' }>, c),
  ecs: (p, c) => observeEcs(p as Extract<ProbeSpec, { type: 'ecs' }>, c),
};

/** Evaluations kept per probe; beyond, only failures are kept (the counts stay exact). */
const KEEP_EVALUATIONS = 300;

/** The time a runner reads and waits on (the engine's clock fits). */
export interface ProbeClock {
  now(): Date;
  /** Rejects with an AbortError when the signal fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface ProbeRunnerDeps {
  readonly clock: ProbeClock;
  readonly io: IoHost;
  readonly ecs: EcsPort;
  readonly cloudwatch?: CloudWatchPort;
  readonly cloudtrail?: CloudTrailPort;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The run's facts now (they grow as the run goes). */
  readonly facts: () => ProbeRunFacts;
  /** Called when a stopOnFailure probe fails during the run, to stop the chaos. */
  readonly onStopOnFailure: (probe: ProbeResult, evaluation: ProbeEvaluation) => void;
  /** Observers by type; tests may replace them. @default OBSERVERS */
  readonly observers?: Readonly<Record<ProbeSpec['type'], Observer>>;
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}

export class ProbeRunner {
  readonly #probes: readonly ProbeSpec[];
  readonly #deps: ProbeRunnerDeps;
  readonly results: ProbeResult[];
  readonly #loops: Array<{ controller: AbortController; done: Promise<void> }> = [];
  /** Evaluations per probe and phase (the kept evaluations may be fewer). */
  readonly #byPhase = new Map<ProbeResult, Record<ProbePhase, number>>();

  constructor(probes: readonly ProbeSpec[], deps: ProbeRunnerDeps) {
    this.#probes = probes;
    this.#deps = deps;
    this.results = probes.map((p) => ({
      name: p.name,
      type: p.type,
      mode: p.mode,
      description: describeProbe(p),
      status: 'N/A',
      statusReason: 'not evaluated',
      evaluations: [],
      evaluationCount: 0,
      failedCount: 0,
    }));
  }

  /** SOT and Edge probes, before the chaos. Resolves to the failed ones' results (the chaos must not start). */
  async atStart(signal: AbortSignal): Promise<ProbeResult[]> {
    return this.#once(['SOT', 'Edge'], signal);
  }

  /** EOT and Edge probes, after the chaos. Resolves to the failed ones' results. */
  async atEnd(signal: AbortSignal): Promise<ProbeResult[]> {
    return this.#once(['EOT', 'Edge'], signal);
  }

  /** Starts the loops of the probes of `mode`: they run until {@link stopLoops} or the signal. */
  startLoops(mode: 'Continuous' | 'OnChaos', signal: AbortSignal): void {
    this.#probes.forEach((probe, i) => {
      if (probe.mode !== mode) return;
      const link = attemptSignal(signal);
      const done = this.#loop(probe, this.results[i]!, link.signal)
        .catch(() => undefined)
        .finally(() => link.dispose());
      this.#loops.push({ controller: link.controller, done });
    });
  }

  /** Stops every loop; an evaluation in flight is cancelled and not counted. */
  async stopLoops(): Promise<void> {
    const loops = this.#loops.splice(0);
    for (const loop of loops) loop.controller.abort();
    await Promise.all(loops.map((l) => l.done));
  }

  /** Sets every probe's status from its evaluations; returns the success percentage (100 with no probes). */
  finish(): number {
    for (const r of this.results) {
      if (r.failedCount > 0) {
        r.status = 'Failed';
        const first = r.evaluations.find((e) => !e.passed);
        r.statusReason = `${r.failedCount} of ${r.evaluationCount} evaluations failed${this.#phases(r)}${first ? `; first at ${first.phase} ${first.at}: ${first.error ?? first.evidence}` : ''}`;
      } else if (r.evaluationCount > 0) {
        r.status = 'Passed';
        r.statusReason = `${r.evaluationCount} of ${r.evaluationCount} evaluations passed${this.#phases(r)}`;
      } else {
        r.status = 'N/A';
        r.statusReason =
          r.statusReason === 'not evaluated' ? 'not evaluated: the run ended before its point' : r.statusReason;
      }
    }
    if (this.results.length === 0) return 100;
    return Math.round((this.results.filter((r) => r.status === 'Passed').length / this.results.length) * 100);
  }

  /** Where a probe's evaluations happened, e.g. ` (1 before the chaos, 12 during, 1 after)`. */
  #phases(r: ProbeResult): string {
    const counts = this.#byPhase.get(r);
    if (!counts) return '';
    const parts = [
      counts['pre-chaos'] > 0 && `${counts['pre-chaos']} before the chaos`,
      counts.chaos > 0 && `${counts.chaos} during${counts['pre-chaos'] > 0 ? '' : ' the chaos'}`,
      counts['post-chaos'] > 0 &&
        `${counts['post-chaos']} after${counts['pre-chaos'] + counts.chaos > 0 ? '' : ' the chaos'}`,
    ].filter((x): x is string => typeof x === 'string');
    return ` (${parts.join(', ')})`;
  }

  /** Marks the probes of some modes as not evaluated, with a reason (e.g. the chaos never started). */
  skip(modes: readonly ProbeSpec['mode'][], reason: string): void {
    this.#probes.forEach((p, i) => {
      const r = this.results[i]!;
      if (modes.includes(p.mode) && r.evaluationCount === 0) r.statusReason = `not evaluated: ${reason}`;
    });
  }

  async #once(modes: readonly ProbeSpec['mode'][], signal: AbortSignal): Promise<ProbeResult[]> {
    const chosen = this.#probes.map((p, i) => [p, this.results[i]!] as const).filter(([p]) => modes.includes(p.mode));
    const outcomes = await Promise.all(
      chosen.map(async ([probe, result]) => {
        if (probe.runProperties.initialDelaySeconds > 0 && result.evaluationCount === 0)
          await this.#deps.clock.sleep(probe.runProperties.initialDelaySeconds * 1000, signal);
        const evaluation = await this.#evaluate(probe, result, signal);
        return evaluation.passed ? undefined : result;
      }),
    );
    return outcomes.filter((r): r is ProbeResult => r !== undefined);
  }

  async #loop(probe: ProbeSpec, result: ProbeResult, signal: AbortSignal): Promise<void> {
    const props = probe.runProperties;
    if (props.initialDelaySeconds > 0) await this.#deps.clock.sleep(props.initialDelaySeconds * 1000, signal);
    for (;;) {
      signal.throwIfAborted();
      await this.#evaluate(probe, result, signal);
      await this.#deps.clock.sleep(props.pollingIntervalSeconds * 1000, signal);
    }
  }

  /** One evaluation: up to `attempts` attempts, each bounded by the timeout, `interval` apart. */
  async #evaluate(probe: ProbeSpec, result: ProbeResult, signal: AbortSignal): Promise<ProbeEvaluation> {
    const props = probe.runProperties;
    const observe = (this.#deps.observers ?? OBSERVERS)[probe.type];
    // The phase an evaluation belongs to is where it started: a check begun before the injection
    // observed the system before the chaos.
    const phase = this.#phase();
    let last: Observation | undefined;
    let error: string | undefined;
    let attempts = 0;
    for (attempts = 1; attempts <= props.attempts; attempts++) {
      signal.throwIfAborted();
      const attempt = attemptSignal(signal, props.timeoutSeconds * 1000);
      try {
        last = await observe(probe, this.#context(attempt.signal));
        error = undefined;
        if (last.passed) break;
      } catch (e) {
        if (signal.aborted) throw e;
        last = undefined;
        error =
          attempt.timedOut() || isAbort(e) || (e as Error).name === 'TimeoutError'
            ? `no answer within ${props.timeoutSeconds}s (timeout)`
            : (e as Error).message;
      } finally {
        attempt.dispose();
      }
      if (attempts < props.attempts) await this.#deps.clock.sleep(props.intervalSeconds * 1000, signal);
    }
    attempts = Math.min(attempts, props.attempts);
    const passed = last?.passed === true;
    const evaluation: ProbeEvaluation = {
      at: this.#deps.clock.now().toISOString(),
      phase,
      passed,
      attempts,
      ...(last?.actual !== undefined ? { actual: last.actual } : {}),
      expected: last?.expected ?? result.description,
      evidence: last?.evidence ?? `could not evaluate: ${error ?? 'unknown error'}`,
      ...(error !== undefined ? { error } : {}),
    };
    result.evaluationCount++;
    const counts = this.#byPhase.get(result) ?? { 'pre-chaos': 0, chaos: 0, 'post-chaos': 0 };
    counts[phase]++;
    this.#byPhase.set(result, counts);
    if (!passed) result.failedCount++;
    if (result.evaluations.length < KEEP_EVALUATIONS || (!passed && result.evaluations.length < 2 * KEEP_EVALUATIONS))
      result.evaluations.push(evaluation);
    this.#deps.io.notify({
      time: this.#deps.clock.now(),
      level: passed ? 'info' : 'warn',
      code: 'probe.evaluated',
      message: `probe ${probe.name} (${probe.type}, ${probe.mode}) ${passed ? 'passed' : 'FAILED'}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${evaluation.evidence}`,
      data: { probe: probe.name, type: probe.type, mode: probe.mode, ...evaluation },
    });
    if (!passed && probe.runProperties.stopOnFailure && evaluation.phase !== 'post-chaos') {
      result.stoppedExperiment = true;
      this.#deps.onStopOnFailure(result, evaluation);
    }
    return evaluation;
  }

  #phase(): ProbePhase {
    const facts = this.#deps.facts();
    if (facts.chaosEndedAt) return 'post-chaos';
    return facts.chaosStartedAt ? 'chaos' : 'pre-chaos';
  }

  #context(signal: AbortSignal): ProbeContext {
    const deps = this.#deps;
    const facts = deps.facts();
    const now = (): Date => deps.clock.now();
    return {
      signal,
      now,
      facts,
      window: (window: ProbeWindow) => windowSpan(window, facts, now()),
      ecs: deps.ecs,
      cloudwatch: deps.cloudwatch,
      cloudtrail: deps.cloudtrail,
      env: deps.env,
    };
  }
}

/**
 * A signal that fires with `parent` or after `timeoutMs`, and lets go of the parent when disposed:
 * probes make an attempt a second for hours, and each must not leave a listener behind.
 */
function attemptSignal(
  parent: AbortSignal,
  timeoutMs?: number,
): { signal: AbortSignal; controller: AbortController; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          const reason = new Error(`no answer within ${timeoutMs} ms`);
          reason.name = 'TimeoutError';
          controller.abort(reason);
        }, timeoutMs);
  return {
    signal: controller.signal,
    controller,
    timedOut: () => timedOut,
    dispose: () => {
      if (timer) clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** A window's span now. Before the chaos, the chaos window is empty at now. */
export function windowSpan(window: ProbeWindow, facts: ProbeRunFacts, now: Date): { start: Date; end: Date } {
  if (window.kind === 'experiment') return { start: facts.startedAt, end: now };
  if (window.kind === 'last') return { start: new Date(now.getTime() - window.seconds * 1000), end: now };
  return { start: facts.chaosStartedAt ?? now, end: facts.chaosEndedAt ?? now };
}
