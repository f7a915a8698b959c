/**
 * The experiment runner: preflight -> lease -> ramp -> iterations (inject, hold, revert) -> ramp ->
 * verify -> lease released.
 *
 * Restore is structural: every iteration's revert runs in a `finally`, whatever happened (success,
 * error, abort, timeout), and it is driven by what AWS says now (revert.ts). A revert is done when
 * no chaos task is left and the service is steady on the original revision (restore-state.ts).
 * Cleanup runs under its own deadline, bounded by the restore timeout: a second SIGINT does not
 * skip it. One lease per service (lease.ts) keeps a second experiment off it.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ExperimentSpec } from '../config/spec.js';
import { ChaosError } from '../errors.js';
import type { ProbeRunFacts } from '../probes/context.js';
import type { ProbeResult } from '../probes/types.js';
import type { ExperimentResult, IterationRecord } from '../report/result.js';
import type { EngineDeps } from './engine-deps.js';
import { ExposureTracker } from './exposure.js';
import { guardedIo } from '../io/io-host.js';
import { describeError } from './describe-error.js';
import { faultModule } from '../faults/registry.js';
import type { RoleSwap } from '../faults/types.js';
import { iterationHolds } from './holds.js';
import { hold, inject } from './iteration.js';
import { runnerName } from './lease.js';
import { LeaseKeeper } from './lease-keeper.js';
import { predictBlastRadius } from './predict.js';
import { preflight, type PreflightResult } from './preflight.js';
import { ReactionLog } from './reactions.js';
import { Looker } from './look.js';
import { recoverCommand } from './recover-command.js';
import { revertIteration } from './revert.js';
import { initialResult, RunRecord } from './run-record.js';
import { newIterationState, type RunContext } from './run-context.js';
import { ChaosWindow } from './chaos-window.js';
import { decideVerdict, verifyEnd } from './verify.js';

export type { EngineDeps } from './engine-deps.js';

/** A new experiment id: `ecs-chaos-20261121T073000Z-1a2b3c`. */
export function newExperimentId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `ecs-chaos-${stamp}-${randomBytes(3).toString('hex')}`;
}

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}

function errorCode(error: unknown): string {
  if (error instanceof ChaosError) return error.code;
  return (error as { name?: string } | undefined)?.name ?? 'Error';
}

/**
 * Runs an experiment of any fault. Throws only before the first mutation (invalid input, failed
 * preflight, or another experiment holding the service: nothing changed); afterwards every outcome,
 * errors included, is in the result.
 */
export async function runExperiment(
  spec: ExperimentSpec,
  deps: EngineDeps,
  signal: AbortSignal,
): Promise<ExperimentResult> {
  // The run's messages are a report: a host that fails (a closed pipe, a full disk) never stops a restore.
  const run = new Run(spec, { ...deps, io: guardedIo(deps.io) }, signal);
  return run.execute();
}

class Run {
  readonly #spec: ExperimentSpec;
  readonly #deps: EngineDeps;
  /** The run's signal: the caller's, or a stop condition's, or a stopOnFailure probe's. */
  readonly #signal: AbortSignal;
  /** The chaos window: the probes, the stop conditions, and the signal they stop the run with. */
  readonly #window: ChaosWindow;
  readonly #record: RunRecord;
  /** SOT probes that failed: the chaos was not started. */
  #steadyStateFailed: ProbeResult[] = [];
  readonly #pollMs: number;
  #ctx!: RunContext;
  #aborted = false;

  constructor(spec: ExperimentSpec, deps: EngineDeps, signal: AbortSignal) {
    this.#spec = spec;
    this.#deps = deps;
    this.#pollMs = deps.pollIntervalMs ?? 1000;
    const now = deps.clock.now();
    const experimentId = deps.experimentId ?? newExperimentId(now);
    this.#record = new RunRecord(initialResult(spec, experimentId, deps.version, now), deps.io, deps.clock, deps.retry);
    this.#window = new ChaosWindow(spec, deps, this.#record, signal);
    this.#signal = this.#window.signal;
    // Every AWS call, sleep and probe in flight listens to the run's signal: dozens at once is normal.
    setMaxListeners(200, this.#signal);
  }

  get #result(): ExperimentResult {
    return this.#record.result;
  }

  async execute(): Promise<ExperimentResult> {
    const spec = this.#spec;
    const result = this.#result;
    const record = this.#record;
    record.phase('preflight', `preflight of ${spec.fault} on ${spec.cluster}/${spec.service} in ${spec.region}`);
    // Throws before any mutation: invalid input or a failed check leaves AWS untouched.
    const pf = await preflight(spec, {
      ecs: this.#deps.ecs,
      iam: this.#deps.iam,
      ...(this.#deps.sts ? { sts: this.#deps.sts } : {}),
      ...(this.#deps.cloudwatch ? { cloudwatch: this.#deps.cloudwatch } : {}),
      io: this.#deps.io,
      now: () => this.#deps.clock.now(),
      signal: this.#signal,
    });
    this.#ctx = this.#context(pf);
    result.target.serviceArn = pf.service.serviceArn;
    result.effect = {
      ...result.effect,
      originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
      originalTaskRoleArn: pf.original.taskRoleArn ?? null,
    };
    result.exposure = { ...result.exposure, desiredCount: pf.service.desiredCount ?? 0, predicted: pf.exposure };

    const holds = iterationHolds(spec.durationSeconds, spec.intervalSeconds);
    // One experiment per service: the lease is taken after the steady-state check (a failed one
    // changes nothing) and before anything else changes (exit 2 when another experiment wins).
    const lease = new LeaseKeeper({
      ecs: this.#deps.ecs,
      clock: this.#deps.clock,
      record,
      cluster: spec.cluster,
      service: spec.service,
      serviceArn: pf.service.serviceArn!,
      experimentId: result.experimentId,
      runner: this.#deps.runner ?? runnerName(),
      heartbeatSeconds: spec.leaseHeartbeatSeconds,
      plannedEnd: new Date(this.#deps.clock.now().getTime() + (spec.durationSeconds + 2 * spec.rampTimeSeconds) * 1000),
    });

    // The prediction is advice, not a gate: it is computed alongside the injection, for a fault that
    // swaps a role.
    const swap = faultModule(spec.fault).identity?.(pf.original, spec);
    const prediction = (async () => {
      if (!swap) return;
      // Advice never fails the run: an error is the prediction's own "unknown".
      const p = await predictBlastRadius(this.#deps.iam, {
        originalRoleArn: swap.original,
        chaosRoleArn: swap.chaos,
        ...(this.#deps.catalog ? { catalog: this.#deps.catalog } : {}),
        ...(this.#deps.cloudtrail && spec.observedSinceSeconds
          ? { cloudtrail: this.#deps.cloudtrail, observedSinceSeconds: spec.observedSinceSeconds }
          : {}),
      }).catch((error: unknown) => ({ ok: false as const, reason: `the prediction failed: ${describeError(error)}` }));
      record.say('info', 'info', p.ok ? `blast radius: ${p.blastRadius.summary}` : `blast radius unknown: ${p.reason}`);
      result.prediction = p;
    })();
    record.say(
      'info',
      'run.start',
      `experiment ${result.experimentId}: ${holds.length} iteration(s), ${spec.durationSeconds}s of chaos, ${spec.exposureMode} mode: ${pf.exposure.note}`,
      {
        experimentId: result.experimentId,
        cluster: spec.cluster,
        service: spec.service,
        durationSeconds: spec.durationSeconds,
        intervalSeconds: spec.intervalSeconds,
        rampTimeSeconds: spec.rampTimeSeconds,
        iterations: holds.length,
        plannedSeconds: spec.durationSeconds + 2 * spec.rampTimeSeconds,
        probes: spec.probes.length,
        stopConditions: spec.stopConditions.length,
        exposureMode: spec.exposureMode,
        predictedChaosTasks: pf.exposure.chaosTasks,
      },
    );
    if (pf.exposure.warning) record.say('warn', 'warning', pf.exposure.warning);
    this.#window.watch(() => this.#facts(), this.#pollMs);

    let failure: unknown;
    let leased = false;
    try {
      if (spec.probes.some((p) => p.mode === 'SOT' || p.mode === 'Edge')) {
        record.phase('pre-chaos', 'pre-chaos probes: is the steady state met?');
        this.#steadyStateFailed = await this.#window.probes.atStart(this.#signal);
      }
    } catch (error) {
      failure = error;
    }
    if (failure === undefined && this.#steadyStateFailed.length === 0) {
      try {
        await lease.acquire(pf.checks, this.#signal);
        leased = true;
      } catch (error) {
        // Nothing was changed: another experiment holds the service, or the run was stopped.
        await prediction.catch(() => undefined);
        throw error;
      }
    }
    if (failure === undefined) {
      try {
        if (this.#steadyStateFailed.length > 0) {
          const names = this.#steadyStateFailed.map((p) => p.name).join(', ');
          record.event(
            'steady-state',
            `the steady state was not met (probe ${names} failed): no chaos is injected`,
            {},
            'warn',
          );
          this.#window.probes.skip(
            ['EOT', 'Edge', 'Continuous', 'OnChaos'],
            'the steady state was not met, so the chaos never started',
          );
        } else {
          this.#window.probes.startLoops('Continuous', this.#signal);
          await this.#ramp('ramp-up', 'before');
          for (const [i, seconds] of holds.entries()) await this.#iteration(i + 1, seconds);
          await this.#window.end();
          await this.#ramp('ramp-down', 'after');
        }
      } catch (error) {
        failure = error;
      }
    }
    if (failure !== undefined) {
      const restoreFailed = failure instanceof ChaosError && failure.code === 'RESTORE_FAILED';
      if (isAbort(failure) || this.#signal.aborted) this.#aborted = true;
      if (restoreFailed || !this.#aborted) {
        result.error = { code: errorCode(failure), message: (failure as Error).message };
        // An AWS call that failed for good: its name and cause (ECONNREFUSED, HTTP 503...), not only its message.
        const said = failure instanceof ChaosError ? failure.message : describeError(failure);
        record.event('error', `error: ${said}`, { code: errorCode(failure) }, 'error');
      }
    }
    await this.#window.end();

    // End-of-test probes: did the system come back? Not after an abort: the user asked to stop.
    if (this.#aborted) {
      this.#window.probes.skip(['EOT', 'Edge'], 'the run was stopped before its end-of-test point');
    } else if (this.#steadyStateFailed.length === 0 && spec.probes.some((p) => p.mode === 'EOT' || p.mode === 'Edge')) {
      record.phase('post-chaos', 'post-chaos probes: did the system recover?');
      try {
        await this.#window.probes.atEnd(this.#signal);
      } catch (error) {
        if (!isAbort(error) && !this.#signal.aborted) throw error;
        this.#aborted = true;
      }
    }

    await prediction;
    await verifyEnd(this.#ctx);
    result.exposure = { ...result.exposure, ...this.#ctx.exposure.measured };
    result.reactions = this.#ctx.reactions.reactions;
    if (leased && !(await lease.release(!result.residue.clean))) {
      result.residue = {
        clean: false,
        items: [
          ...result.residue.items,
          {
            kind: 'lease',
            resource: pf.service.serviceArn!,
            detail: `the lease ecs-chaos:lease:${result.experimentId} could not be removed; it is ABANDONED after ${4 * spec.leaseHeartbeatSeconds}s`,
          },
        ],
        recoverCommand: recoverCommand(spec),
      };
    }
    await this.#window.readSignals(this.#swap(), this.#aborted);
    result.probes = this.#window.probes.results;
    result.probeSuccessPercentage = this.#window.probes.finish();
    decideVerdict(this.#ctx, {
      aborted: this.#aborted,
      stopCause: this.#window.stopCause,
      abortReason: this.#signal.reason,
      steadyStateFailed: this.#steadyStateFailed,
      failure,
    });
    result.endedAt = this.#deps.clock.now().toISOString();
    record.say(
      result.verdict === 'Pass' ? 'info' : 'warn',
      'verdict.reached',
      `verdict: ${result.verdict}: ${result.verdictReason}`,
      {
        verdict: result.verdict,
        probeSuccessPercentage: result.probeSuccessPercentage,
      },
    );
    return result;
  }

  #context(pf: PreflightResult): RunContext {
    const record = this.#record;
    const ctx: RunContext = {
      spec: this.#spec,
      deps: this.#deps,
      pf,
      record,
      exposure: new ExposureTracker(pf.original.taskDefinitionArn!),
      reactions: new ReactionLog((r) =>
        record.event(
          'reaction',
          `ECS reacted: ${r.summary}: ${r.evidence[0] ?? ''}`,
          { kind: r.kind, evidence: r.evidence },
          'warn',
        ),
      ),
      pollMs: this.#pollMs,
      siblings: new Set(),
      restoreArn: pf.original.taskDefinitionArn!,
      look: (signal, iteration) => looker.look(signal, iteration),
      // The probe runner is set up after the context: read it when asked.
      probeResults: () => this.#window.probeResults(),
    };
    const looker = new Looker(ctx, () => this.#window.startedAt ?? new Date(this.#result.startedAt));
    return ctx;
  }

  /** RAMP_TIME, waited before the first change and after the last restore. */
  async #ramp(phase: 'ramp-up' | 'ramp-down', when: 'before' | 'after'): Promise<void> {
    const seconds = this.#spec.rampTimeSeconds;
    if (seconds <= 0) return;
    this.#record.phase(phase, `ramp time: waiting ${seconds}s ${when} the chaos`, undefined, seconds);
    await this.#deps.clock.sleep(seconds * 1000, this.#signal);
  }

  /** The role the fault swaps, once preflight has read the original (none for other faults). */
  #swap(): RoleSwap | undefined {
    return this.#ctx ? faultModule(this.#spec.fault).identity?.(this.#ctx.pf.original, this.#spec) : undefined;
  }

  /** The facts probes see, as they are now. */
  #facts(): ProbeRunFacts {
    const spec = this.#spec;
    return {
      experimentId: this.#result.experimentId,
      cluster: spec.cluster,
      service: spec.service,
      region: spec.region,
      chaosRoleArn: this.#swap()?.chaos ?? null,
      originalRoleArn: this.#swap()?.original ?? null,
      originalTaskDefinitionArn: this.#result.effect.originalTaskDefinitionArn || undefined,
      chaosTaskDefinitionArns: this.#ctx ? this.#ctx.exposure.chaosArns : [],
      startedAt: new Date(this.#result.startedAt),
      chaosStartedAt: this.#window.startedAt,
      chaosEndedAt: this.#window.endedAt,
    };
  }

  async #iteration(index: number, holdSeconds: number): Promise<void> {
    const iterationRecord: IterationRecord = { index, peakChaosTasks: 0 };
    this.#result.iterations.push(iterationRecord);
    const state = newIterationState(iterationRecord);
    const fault = faultModule(this.#spec.fault);
    if (fault.kind === 'episode') {
      // The fault's own change, hold and undo; its undo runs in its own finally.
      this.#window.begin();
      try {
        await fault.iteration(this.#ctx, state, holdSeconds, this.#signal);
      } finally {
        if (this.#signal.aborted) this.#record.say('warn', 'cleanup.running', CLEANUP_RUNNING, {});
      }
      return;
    }
    try {
      this.#window.begin();
      await inject(this.#ctx, state, this.#signal);
      await hold(this.#ctx, state, holdSeconds, this.#signal);
    } finally {
      if (this.#signal.aborted) {
        this.#record.say('warn', 'cleanup.running', CLEANUP_RUNNING, {});
      }
      try {
        await revertIteration(this.#ctx, state);
      } finally {
        const peak = this.#ctx.exposure.measured.byRevision.find((r) => r.taskDefinitionArn === state.chaosArn);
        iterationRecord.peakChaosTasks = peak?.peakTasks ?? 0;
      }
    }
  }
}

const CLEANUP_RUNNING = 'aborted: cleanup is running and will not be skipped; a second signal will not stop it';
