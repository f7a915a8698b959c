/**
 * The chaos window of a run and what watches it: the probes, the stop conditions, and the signal
 * they stop the run with. The window opens at the first injection (OnChaos probes and the alarms
 * start) and closes after the last restore (the loops stop); a stop condition or a stopOnFailure
 * probe that fires inside it aborts the run's signal with its cause.
 */
import type { ExperimentSpec } from '../config/spec.js';
import type { RoleSwap } from '../faults/types.js';
import type { ProbeRunFacts } from '../probes/context.js';
import { ProbeRunner } from '../probes/runner.js';
import type { EngineDeps } from './engine-deps.js';
import type { RunRecord } from './run-record.js';
import { accessDeniedSummary, describeAccessDenied } from './signals.js';
import { StopConditionWatcher, type StopTrigger } from './stop-conditions.js';
import type { StopCause } from './verify.js';

export class ChaosWindow {
  readonly #spec: ExperimentSpec;
  readonly #deps: EngineDeps;
  readonly #record: RunRecord;
  readonly #stop = new AbortController();
  /** The run's signal: the caller's, or a stop condition's, or a stopOnFailure probe's. */
  readonly signal: AbortSignal;
  /** Why the run stopped itself, when it did. */
  stopCause: StopCause | undefined;
  #probes: ProbeRunner | undefined;
  #watcher: StopConditionWatcher | undefined;
  startedAt: Date | undefined;
  endedAt: Date | undefined;

  constructor(spec: ExperimentSpec, deps: EngineDeps, record: RunRecord, signal: AbortSignal) {
    this.#spec = spec;
    this.#deps = deps;
    this.#record = record;
    this.signal = AbortSignal.any([signal, this.#stop.signal]);
  }

  /** The probes; there from {@link watch} on. */
  get probes(): ProbeRunner {
    if (!this.#probes) throw new Error('the chaos window is not watched yet');
    return this.#probes;
  }

  /** The probes' results so far; none before {@link watch}. */
  probeResults(): ProbeRunner['results'] {
    return this.#probes?.results ?? [];
  }

  /** Sets up the probes and the stop conditions (once preflight has read what probes are told). */
  watch(facts: () => ProbeRunFacts, pollMs: number): void {
    const spec = this.#spec;
    const deps = this.#deps;
    this.#probes = new ProbeRunner(spec.probes, {
      clock: deps.clock,
      io: deps.io,
      ecs: deps.ecs,
      ...(deps.cloudwatch ? { cloudwatch: deps.cloudwatch } : {}),
      ...(deps.cloudtrail ? { cloudtrail: deps.cloudtrail } : {}),
      env: deps.env ?? {},
      facts,
      onStopOnFailure: (probe, evaluation) => {
        if (this.#stop.signal.aborted || this.endedAt) return;
        this.stopCause = { kind: 'probe', probe };
        this.#record.event(
          'probe-stop',
          `probe ${probe.name} failed (stopOnFailure): stopping the chaos and restoring the service`,
          { probe: probe.name, evidence: evaluation.evidence },
          'warn',
        );
        this.#stop.abort(abortReason(`probe ${probe.name} failed (stopOnFailure)`));
      },
      ...(deps.probeObservers ? { observers: deps.probeObservers } : {}),
    });
    if (spec.stopConditions.length > 0 && deps.cloudwatch) {
      this.#watcher = new StopConditionWatcher({
        cloudwatch: deps.cloudwatch,
        conditions: spec.stopConditions,
        clock: deps.clock,
        io: deps.io,
        intervalMs: pollMs,
        onTrigger: (trigger) => this.#stopConditionFired(trigger),
      });
    }
  }

  /** The window opens at the first injection: OnChaos probes and stop conditions start. */
  begin(): void {
    if (this.startedAt) return;
    this.startedAt = this.#deps.clock.now();
    this.probes.startLoops('OnChaos', this.signal);
    this.#watcher?.start(this.signal);
  }

  /** The window closes after the last revert: the loops and the stop conditions stop. */
  async end(): Promise<void> {
    if (this.startedAt && !this.endedAt) this.endedAt = this.#deps.clock.now();
    await this.#probes?.stopLoops();
    await this.#watcher?.stop();
  }

  #stopConditionFired(trigger: StopTrigger): void {
    if (this.#stop.signal.aborted || this.endedAt) return;
    const at = this.#deps.clock.now().toISOString();
    this.#record.result.stopConditions.triggered = { ...trigger, at };
    this.stopCause = { kind: 'stop-condition', trigger };
    const message = `stop condition: alarm ${trigger.alarmName} is ${trigger.state}${trigger.reason ? ` (${trigger.reason})` : ''}: stopping the chaos and restoring the service`;
    this.#record.timeline({ kind: 'event', name: 'stop-condition', message, data: { ...trigger } });
    this.#record.say('warn', 'stop.triggered', message, { ...trigger });
    this.#stop.abort(abortReason(`stop condition: alarm ${trigger.alarmName} is ${trigger.state}`));
  }

  /**
   * The AccessDenied events of the chaos identity in the window, when CloudTrail can be read.
   * Skipped when the user stopped the run: they want it over, and the window is partial.
   */
  async readSignals(swap: RoleSwap | undefined, userStopped: boolean): Promise<void> {
    const cloudtrail = this.#deps.cloudtrail;
    const start = this.startedAt;
    if (!cloudtrail || !start || !swap || (userStopped && !this.stopCause)) return;
    const result = this.#record.result;
    result.signals.accessDenied = await accessDeniedSummary(cloudtrail, {
      principal: swap.chaos,
      start,
      end: this.endedAt ?? this.#deps.clock.now(),
      signal: AbortSignal.timeout(30_000),
    });
    this.#record.say('info', 'info', `CloudTrail: ${describeAccessDenied(result.signals.accessDenied)}`);
  }
}

/** An abort reason that reads as an AbortError, as a signal's does. */
function abortReason(message: string): Error {
  const reason = new Error(message);
  reason.name = 'AbortError';
  return reason;
}
