/**
 * The experiment runner: preflight -> ramp -> iterations (inject, hold, revert) -> ramp -> verify.
 *
 * Restore is structural: every iteration's revert runs in a `finally`, whatever happened (success,
 * error, abort, timeout), and it is driven by what AWS says now rather than by what the run believes
 * it did, so a call whose answer was lost is undone too. Cleanup runs under its own signal, bounded by
 * the restore timeout: a second SIGINT does not skip it.
 */
import type {
  DeploymentConfiguration,
  RegisterTaskDefinitionCommandInput,
  Tag,
  Task,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { CloudTrailPort, CloudWatchPort, EcsPort, IamPort, StsPort } from '../aws/ports.js';
import { backoffMs, DEFAULT_RETRY_POLICY, isRetryable, type RetryPolicy } from '../aws/retry.js';
import type { ExperimentSpec } from '../config/spec.js';
import { ChaosError } from '../errors.js';
import { chaosTaskDefinitionInput } from '../faults/update-task-role/chaos-task-definition.js';
import { sameDeploymentLimits } from '../faults/update-task-role/deployment.js';
import type { IoHost, IoLevel } from '../io/io-host.js';
import type {
  ExperimentResult,
  IterationRecord,
  MutationRecord,
  ResidueItem,
  TimelineEntry,
} from '../report/result.js';
import { RESULT_SCHEMA_VERSION } from '../report/result.js';
import type { Clock } from './clock.js';
import { chaosRevisionMarkers, MARKER_KEYS, serviceMarkers } from './markers.js';
import type { ActionLookup } from '../iam/blast-radius.js';
import { findChaosRevisions } from './find-chaos-revisions.js';
import { predictBlastRadius } from './predict.js';
import { countTasks, describeCounts, serviceTasks, shortRevision } from './observe.js';
import { preflight, type PreflightResult } from './preflight.js';
import { recoverCommand } from './recover-command.js';
import type { ProbeRunFacts } from '../probes/context.js';
import { ProbeRunner, type Observer } from '../probes/runner.js';
import type { ProbeResult, ProbeSpec } from '../probes/types.js';
import { accessDeniedSummary, describeAccessDenied } from './signals.js';
import { iterationHolds } from './holds.js';
import { StopConditionWatcher, type StopTrigger } from './stop-conditions.js';

/** What the runner needs; nothing ambient. */
export interface EngineDeps {
  readonly ecs: EcsPort;
  readonly iam: IamPort;
  /** With STS, preflight checks the runner's permissions by simulation. */
  readonly sts?: StsPort;
  /**
   * With CloudTrail and OBSERVED_SINCE, the prediction marks the calls the tasks really made; the
   * result counts the AccessDenied events of the chaos window; cloudtrail probes read it.
   */
  readonly cloudtrail?: CloudTrailPort;
  /** Stop conditions and cloudwatch probes read CloudWatch. */
  readonly cloudwatch?: CloudWatchPort;
  /** The environment `cmd` probes inherit. @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Probe observers by type, replacing the real ones (tests). */
  readonly probeObservers?: Readonly<Record<ProbeSpec['type'], Observer>>;
  readonly io: IoHost;
  readonly clock: Clock;
  /** The version of ecs-chaos, for the result. */
  readonly version: string;
  /** How often tasks are polled during waits and holds. @default 1000 */
  readonly pollIntervalMs?: number;
  /** A fixed experiment id (tests); generated when absent. */
  readonly experimentId?: string;
  /** The retry policy of RegisterTaskDefinition and the cleanup. @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  /** The action catalog for the blast radius (wildcards, access levels), or a loader of the services needed. */
  readonly catalog?: ActionLookup | ((services: readonly string[]) => Promise<ActionLookup>);
}

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

/** The state of one iteration, as far as the run knows it. */
interface IterationState {
  readonly record: IterationRecord;
  /** Set when RegisterTaskDefinition answered. */
  chaosArn?: string;
  registerAttempted: boolean;
  tagAttempted: boolean;
  serviceTagged: boolean;
  serviceUpdateAttempted: boolean;
  mutations: { register?: MutationRecord; tag?: MutationRecord; update?: MutationRecord };
}

/**
 * Runs the update-task-role fault. Throws only before the first mutation (invalid input or failed
 * preflight, nothing changed); afterwards every outcome, errors included, is in the result.
 */
export async function runExperiment(
  spec: ExperimentSpec,
  deps: EngineDeps,
  signal: AbortSignal,
): Promise<ExperimentResult> {
  const run = new Run(spec, deps, signal);
  return run.execute();
}

class Run {
  readonly #spec: ExperimentSpec;
  readonly #deps: EngineDeps;
  /** The run's signal: the caller's, or a stop condition's, or a stopOnFailure probe's. */
  readonly #signal: AbortSignal;
  readonly #stop = new AbortController();
  /** Why the run stopped itself, when it did. */
  #stopCause: { kind: 'stop-condition'; trigger: StopTrigger } | { kind: 'probe'; probe: ProbeResult } | undefined;
  readonly #result: ExperimentResult;
  #probes!: ProbeRunner;
  #watcher: StopConditionWatcher | undefined;
  #chaosStartedAt: Date | undefined;
  #chaosEndedAt: Date | undefined;
  /** SOT probes that failed: the chaos was not started. */
  #steadyStateFailed: ProbeResult[] = [];
  readonly #pollMs: number;
  #pf!: PreflightResult;
  #mutationId = 0;
  readonly #chaosArns = new Set<string>();
  readonly #chaosTasksSeen = new Set<string>();
  #aborted = false;

  constructor(spec: ExperimentSpec, deps: EngineDeps, signal: AbortSignal) {
    this.#spec = spec;
    this.#deps = deps;
    this.#signal = AbortSignal.any([signal, this.#stop.signal]);
    // Every AWS call, sleep and probe in flight listens to the run's signal: dozens at once is normal.
    setMaxListeners(200, this.#signal);
    this.#pollMs = deps.pollIntervalMs ?? 1000;
    const now = deps.clock.now();
    const experimentId = deps.experimentId ?? newExperimentId(now);
    this.#result = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      experimentId,
      fault: spec.fault,
      tool: { name: 'ecs-chaos', version: deps.version },
      target: { cluster: spec.cluster, service: spec.service, region: spec.region },
      spec: {
        CLUSTER_NAME: spec.cluster,
        SERVICE_NAME: spec.service,
        REGION: spec.region,
        TASK_ROLE: spec.taskRoleArn ?? '',
        TASK_REPLICA_AFFECTED_PERC: spec.affectedPercent,
        TOTAL_CHAOS_DURATION: spec.durationSeconds,
        CHAOS_INTERVAL: spec.intervalSeconds,
        RAMP_TIME: spec.rampTimeSeconds,
        CHAOS_REQUIRE_TAG: spec.requireTag ? `${spec.requireTag.key}=${spec.requireTag.value}` : '',
        restoreTimeoutSeconds: spec.restoreTimeoutSeconds,
        rolloutTimeoutSeconds: spec.rolloutTimeoutSeconds,
        force: spec.force,
      },
      startedAt: now.toISOString(),
      verdict: 'Error',
      verdictReason: 'the run did not finish',
      timeline: [],
      mutations: [],
      iterations: [],
      effect: {
        originalTaskDefinitionArn: '',
        chaosTaskDefinitionArn: null,
        chaosTaskRoleArn: spec.taskRoleArn,
        originalTaskRoleArn: null,
        swapped: false,
        chaosTasksRan: false,
        restored: false,
        notes: [],
      },
      exposure: { peakChaosTasks: 0, desiredCount: 0, peakShare: 0, tasksThatRanChaos: 0 },
      residue: { clean: true, items: [] },
      conflicts: [],
      probes: [],
      probeSuccessPercentage: 100,
      stopConditions: { alarms: spec.stopConditions.map((c) => c.alarmName) },
      signals: {},
    };
  }

  // ---- messages and records ------------------------------------------------------------------

  #say(
    level: IoLevel,
    code: Parameters<IoHost['notify']>[0]['code'],
    message: string,
    data?: Record<string, unknown>,
  ): void {
    this.#deps.io.notify({ time: this.#deps.clock.now(), level, code, message, ...(data ? { data } : {}) });
  }

  #timeline(entry: Omit<TimelineEntry, 'time'>): void {
    this.#result.timeline.push({ time: this.#deps.clock.now().toISOString(), ...entry });
  }

  #phase(name: string, message: string, iteration?: number, seconds?: number): void {
    this.#timeline({ kind: 'phase', name, message, ...(iteration !== undefined ? { iteration } : {}) });
    this.#say('info', 'phase.start', message, {
      phase: name,
      ...(iteration !== undefined ? { iteration } : {}),
      ...(seconds !== undefined ? { seconds } : {}),
    });
  }

  #event(
    name: string,
    message: string,
    data?: Record<string, unknown>,
    level: IoLevel = 'info',
    iteration?: number,
  ): void {
    this.#timeline({
      kind: 'event',
      name,
      message,
      ...(iteration !== undefined ? { iteration } : {}),
      ...(data ? { data } : {}),
    });
    this.#say(
      level,
      name === 'tasks'
        ? 'tasks.observed'
        : name === 'conflict'
          ? 'conflict.detected'
          : level === 'warn'
            ? 'warning'
            : 'info',
      message,
      data,
    );
  }

  #mutation(operation: string, target: string, detail: string, iteration: number): MutationRecord {
    const record: MutationRecord = {
      id: ++this.#mutationId,
      operation,
      target,
      detail,
      at: this.#deps.clock.now().toISOString(),
      iteration,
      undone: false,
    };
    this.#result.mutations.push(record);
    this.#timeline({
      kind: 'event',
      name: 'mutation',
      message: `${operation} ${detail}`,
      iteration,
      data: { id: record.id, target },
    });
    this.#say('info', 'mutation.done', `${operation} ${detail}`, { id: record.id, operation, target });
    return record;
  }

  #undone(record: MutationRecord | undefined, by: string): void {
    if (!record || record.undone) return;
    record.undone = true;
    record.undoneAt = this.#deps.clock.now().toISOString();
    record.undoneBy = by;
    this.#timeline({
      kind: 'event',
      name: 'undo',
      message: `${by} undid ${record.operation} #${record.id}`,
      iteration: record.iteration,
      data: { id: record.id },
    });
    this.#say('info', 'mutation.undone', `${by} undid ${record.operation} (${record.detail})`, { id: record.id, by });
  }

  // ---- the lifecycle -------------------------------------------------------------------------

  async execute(): Promise<ExperimentResult> {
    const spec = this.#spec;
    const result = this.#result;
    this.#phase('preflight', `preflight of ${spec.fault} on ${spec.cluster}/${spec.service} in ${spec.region}`);
    // Throws before any mutation: invalid input or a failed check leaves AWS untouched.
    this.#pf = await preflight(spec, {
      ecs: this.#deps.ecs,
      iam: this.#deps.iam,
      ...(this.#deps.sts ? { sts: this.#deps.sts } : {}),
      ...(this.#deps.cloudwatch ? { cloudwatch: this.#deps.cloudwatch } : {}),
      io: this.#deps.io,
      now: () => this.#deps.clock.now(),
      signal: this.#signal,
    });
    const pf = this.#pf;
    result.target.serviceArn = pf.service.serviceArn;
    result.effect = {
      ...result.effect,
      originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
      originalTaskRoleArn: pf.original.taskRoleArn ?? null,
    };
    result.exposure = { ...result.exposure, desiredCount: pf.service.desiredCount ?? 0 };
    // The prediction is advice, not a gate: it is computed alongside the injection.
    const prediction = (async () => {
      const p = await predictBlastRadius(this.#deps.iam, {
        originalRoleArn: pf.original.taskRoleArn ?? null,
        chaosRoleArn: spec.taskRoleArn,
        ...(this.#deps.catalog ? { catalog: this.#deps.catalog } : {}),
        ...(this.#deps.cloudtrail && spec.observedSinceSeconds
          ? { cloudtrail: this.#deps.cloudtrail, observedSinceSeconds: spec.observedSinceSeconds }
          : {}),
      });
      this.#say('info', 'info', p.ok ? `blast radius: ${p.blastRadius.summary}` : `blast radius unknown: ${p.reason}`);
      result.prediction = p;
    })();

    const holds = iterationHolds(spec.durationSeconds, spec.intervalSeconds);
    const iterations = holds.length;
    this.#say(
      'info',
      'run.start',
      `experiment ${result.experimentId}: ${iterations} iteration(s), ${spec.durationSeconds}s of chaos`,
      {
        experimentId: result.experimentId,
        cluster: spec.cluster,
        service: spec.service,
        durationSeconds: spec.durationSeconds,
        intervalSeconds: spec.intervalSeconds,
        rampTimeSeconds: spec.rampTimeSeconds,
        iterations,
        plannedSeconds: spec.durationSeconds + 2 * spec.rampTimeSeconds,
        probes: spec.probes.length,
        stopConditions: spec.stopConditions.length,
      },
    );
    this.#probes = new ProbeRunner(spec.probes, {
      clock: this.#deps.clock,
      io: this.#deps.io,
      ecs: this.#deps.ecs,
      ...(this.#deps.cloudwatch ? { cloudwatch: this.#deps.cloudwatch } : {}),
      ...(this.#deps.cloudtrail ? { cloudtrail: this.#deps.cloudtrail } : {}),
      env: this.#deps.env ?? {},
      facts: () => this.#facts(),
      onStopOnFailure: (probe, evaluation) => {
        if (this.#stop.signal.aborted || this.#chaosEndedAt) return;
        this.#stopCause = { kind: 'probe', probe };
        this.#event(
          'probe-stop',
          `probe ${probe.name} failed (stopOnFailure): stopping the chaos and restoring the service`,
          { probe: probe.name, evidence: evaluation.evidence },
          'warn',
        );
        this.#stop.abort(abortReason(`probe ${probe.name} failed (stopOnFailure)`));
      },
      ...(this.#deps.probeObservers ? { observers: this.#deps.probeObservers } : {}),
    });
    if (spec.stopConditions.length > 0 && this.#deps.cloudwatch) {
      this.#watcher = new StopConditionWatcher({
        cloudwatch: this.#deps.cloudwatch,
        conditions: spec.stopConditions,
        clock: this.#deps.clock,
        io: this.#deps.io,
        intervalMs: this.#pollMs,
        onTrigger: (trigger) => this.#stopConditionFired(trigger),
      });
    }

    let failure: unknown;
    try {
      if (spec.probes.some((p) => p.mode === 'SOT' || p.mode === 'Edge')) {
        this.#phase('pre-chaos', 'pre-chaos probes: is the steady state met?');
        this.#steadyStateFailed = await this.#probes.atStart(this.#signal);
      }
      if (this.#steadyStateFailed.length > 0) {
        const names = this.#steadyStateFailed.map((p) => p.name).join(', ');
        this.#event(
          'steady-state',
          `the steady state was not met (probe ${names} failed): no chaos is injected`,
          {},
          'warn',
        );
        this.#probes.skip(
          ['EOT', 'Edge', 'Continuous', 'OnChaos'],
          'the steady state was not met, so the chaos never started',
        );
      } else {
        this.#probes.startLoops('Continuous', this.#signal);
        await this.#ramp('ramp-up', 'before');
        for (const [i, hold] of holds.entries()) await this.#iteration(i + 1, hold);
        await this.#endChaos();
        await this.#ramp('ramp-down', 'after');
      }
    } catch (error) {
      failure = error;
      const restoreFailed = error instanceof ChaosError && error.code === 'RESTORE_FAILED';
      if (isAbort(error) || this.#signal.aborted) this.#aborted = true;
      if (restoreFailed || !this.#aborted) {
        result.error = { code: errorCode(error), message: (error as Error).message };
        this.#event('error', `error: ${(error as Error).message}`, { code: errorCode(error) }, 'error');
      }
    }
    await this.#endChaos();

    // End-of-test probes: did the system come back? Not after an abort: the user asked to stop.
    if (this.#aborted) {
      this.#probes.skip(['EOT', 'Edge'], 'the run was stopped before its end-of-test point');
    } else if (this.#steadyStateFailed.length === 0 && spec.probes.some((p) => p.mode === 'EOT' || p.mode === 'Edge')) {
      this.#phase('post-chaos', 'post-chaos probes: did the system recover?');
      try {
        await this.#probes.atEnd(this.#signal);
      } catch (error) {
        if (!isAbort(error) && !this.#signal.aborted) throw error;
        this.#aborted = true;
      }
    }

    await prediction;
    await this.#verify();
    await this.#readSignals();
    result.probes = this.#probes.results;
    result.probeSuccessPercentage = this.#probes.finish();
    this.#decide(failure);
    result.endedAt = this.#deps.clock.now().toISOString();
    this.#say(
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

  /** RAMP_TIME, waited before the first change and after the last restore. */
  async #ramp(phase: 'ramp-up' | 'ramp-down', when: 'before' | 'after'): Promise<void> {
    const seconds = this.#spec.rampTimeSeconds;
    if (seconds <= 0) return;
    this.#phase(phase, `ramp time: waiting ${seconds}s ${when} the chaos`, undefined, seconds);
    await this.#deps.clock.sleep(seconds * 1000, this.#signal);
  }

  /** The facts probes see, as they are now. */
  #facts(): ProbeRunFacts {
    const spec = this.#spec;
    return {
      experimentId: this.#result.experimentId,
      cluster: spec.cluster,
      service: spec.service,
      region: spec.region,
      chaosRoleArn: spec.taskRoleArn,
      originalRoleArn: this.#result.effect.originalTaskRoleArn,
      originalTaskDefinitionArn: this.#result.effect.originalTaskDefinitionArn || undefined,
      chaosTaskDefinitionArns: [...this.#chaosArns],
      startedAt: new Date(this.#result.startedAt),
      chaosStartedAt: this.#chaosStartedAt,
      chaosEndedAt: this.#chaosEndedAt,
    };
  }

  /** The chaos window opens at the first injection: OnChaos probes and stop conditions start. */
  #beginChaos(): void {
    if (this.#chaosStartedAt) return;
    this.#chaosStartedAt = this.#deps.clock.now();
    this.#probes.startLoops('OnChaos', this.#signal);
    this.#watcher?.start(this.#signal);
  }

  /** The chaos window closes after the last revert: the loops and the stop conditions stop. */
  async #endChaos(): Promise<void> {
    if (this.#chaosStartedAt && !this.#chaosEndedAt) this.#chaosEndedAt = this.#deps.clock.now();
    await this.#probes.stopLoops();
    await this.#watcher?.stop();
  }

  #stopConditionFired(trigger: StopTrigger): void {
    if (this.#stop.signal.aborted || this.#chaosEndedAt) return;
    const at = this.#deps.clock.now().toISOString();
    this.#result.stopConditions.triggered = { ...trigger, at };
    this.#stopCause = { kind: 'stop-condition', trigger };
    const message = `stop condition: alarm ${trigger.alarmName} is ${trigger.state}${trigger.reason ? ` (${trigger.reason})` : ''}: stopping the chaos and restoring the service`;
    this.#timeline({ kind: 'event', name: 'stop-condition', message, data: { ...trigger } });
    this.#say('warn', 'stop.triggered', message, { ...trigger });
    this.#stop.abort(abortReason(`stop condition: alarm ${trigger.alarmName} is ${trigger.state}`));
  }

  /** The AccessDenied events of the chaos identity in the chaos window, when CloudTrail can be read. */
  async #readSignals(): Promise<void> {
    const cloudtrail = this.#deps.cloudtrail;
    const start = this.#chaosStartedAt;
    // Skipped when the user stopped the run: they want it over, and the chaos window is partial.
    if (!cloudtrail || !start || (this.#aborted && !this.#stopCause)) return;
    this.#result.signals.accessDenied = await accessDeniedSummary(cloudtrail, {
      principal: this.#spec.taskRoleArn,
      start,
      end: this.#chaosEndedAt ?? this.#deps.clock.now(),
      signal: AbortSignal.timeout(30_000),
    });
    const summary = this.#result.signals.accessDenied;
    this.#say('info', 'info', `CloudTrail: ${describeAccessDenied(summary)}`);
  }

  async #iteration(index: number, holdSeconds: number): Promise<void> {
    const record: IterationRecord = { index, peakChaosTasks: 0 };
    this.#result.iterations.push(record);
    const state: IterationState = {
      record,
      registerAttempted: false,
      tagAttempted: false,
      serviceTagged: false,
      serviceUpdateAttempted: false,
      mutations: {},
    };
    try {
      this.#beginChaos();
      await this.#inject(state);
      await this.#hold(state, holdSeconds);
    } finally {
      if (this.#signal.aborted) {
        this.#say(
          'warn',
          'cleanup.running',
          'aborted: cleanup is running and will not be skipped; a second signal will not stop it',
          {},
        );
      }
      await this.#revert(state);
    }
  }

  async #inject(state: IterationState): Promise<void> {
    const spec = this.#spec;
    const pf = this.#pf;
    const index = state.record.index;
    // Mutations are not cut short by an abort: a call in flight completes, so the run knows what it
    // changed, and the abort is honoured right after it.
    const mutate = {};
    // A stop between iterations (a signal, a stop condition, a failed probe) starts no new injection.
    this.#signal.throwIfAborted();
    this.#phase(
      'inject',
      `iteration ${index}: inject (task role ${pf.original.taskRoleArn ?? '(none)'} -> ${spec.taskRoleArn ?? '(removed)'})`,
      index,
    );
    const markers = chaosRevisionMarkers({
      experimentId: this.#result.experimentId,
      fault: spec.fault,
      originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
      originalDeployment: pf.originalDeployment,
      serviceArn: pf.service.serviceArn!,
      startedAt: this.#deps.clock.now(),
      iteration: index,
    });
    const keptTags = pf.originalTags.filter((t) => !MARKER_KEYS.includes(t.key ?? ''));
    const input = chaosTaskDefinitionInput(pf.original, {
      taskRoleArn: spec.taskRoleArn,
      tags: [...keptTags, ...markers],
    });

    state.registerAttempted = true;
    const chaos = await this.#register(input, index);
    state.chaosArn = chaos.taskDefinitionArn!;
    this.#chaosArns.add(state.chaosArn);
    state.record.chaosTaskDefinitionArn = state.chaosArn;
    this.#result.effect.chaosTaskDefinitionArn = state.chaosArn;
    state.mutations.register = this.#mutation(
      'RegisterTaskDefinition',
      state.chaosArn,
      `${shortRevision(state.chaosArn)} (copy of ${shortRevision(pf.original.taskDefinitionArn!)}, task role ${chaos.taskRoleArn ?? 'removed'})`,
      index,
    );

    const tags: Tag[] = serviceMarkers({
      experimentId: this.#result.experimentId,
      originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
      originalDeployment: pf.originalDeployment,
      chaosTaskDefinitionArn: state.chaosArn,
    });
    this.#signal.throwIfAborted();
    // The chaos revision already carries the markers, so the service's tag and the update go out
    // together: recover finds the experiment from either.
    state.tagAttempted = true;
    state.serviceUpdateAttempted = true;
    const [tagged, updated] = await Promise.allSettled([
      this.#deps.ecs.tagResource({ resourceArn: pf.service.serviceArn!, tags }, mutate),
      this.#deps.ecs.updateService(
        {
          cluster: spec.cluster,
          service: spec.service,
          taskDefinition: state.chaosArn,
          deploymentConfiguration: pf.chaosDeployment,
        },
        mutate,
      ),
    ]);
    if (tagged.status === 'fulfilled') {
      state.serviceTagged = true;
      state.mutations.tag = this.#mutation(
        'TagResource',
        pf.service.serviceArn!,
        `service ${spec.service} marked as under chaos`,
        index,
      );
    }
    if (updated.status === 'fulfilled') {
      state.record.injectedAt = this.#deps.clock.now().toISOString();
      state.mutations.update = this.#mutation(
        'UpdateService',
        pf.service.serviceArn!,
        `${spec.service} -> ${shortRevision(state.chaosArn)} (maximumPercent ${pf.chaosDeployment.maximumPercent}, minimumHealthyPercent ${pf.chaosDeployment.minimumHealthyPercent})`,
        index,
      );
    }
    if (tagged.status === 'rejected') throw tagged.reason;
    if (updated.status === 'rejected') throw updated.reason;
    this.#signal.throwIfAborted();

    await this.#checkSwap(state.chaosArn, chaos);
    await this.#waitForChaosTasks(state);
  }

  /**
   * RegisterTaskDefinition with the one retry policy, made safe to repeat: a call whose answer was
   * lost may have registered the revision, so before each retry the revision is looked for by its
   * experiment and iteration markers, and a retry never leaves a second chaos revision behind.
   */
  async #register(input: RegisterTaskDefinitionCommandInput, iteration: number): Promise<TaskDefinition> {
    const policy = this.#deps.retry ?? DEFAULT_RETRY_POLICY;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#deps.ecs.registerTaskDefinition(input)).taskDefinition!;
      } catch (error) {
        if (!isRetryable(error) || attempt >= policy.maxAttempts) throw error;
        const delayMs = backoffMs(policy, attempt);
        this.#say(
          'warn',
          'aws.retry',
          `RegisterTaskDefinition failed (${(error as Error).name}); looking for the revision by its markers, then retry ${attempt} in ${delayMs} ms`,
          { attempt, delayMs },
        );
        await this.#deps.clock.sleep(delayMs);
        const found = await findChaosRevisions(this.#deps.ecs, input.family!, {
          experimentId: this.#result.experimentId,
          iteration,
          limit: 10,
        });
        if (found[0]) {
          this.#event(
            'cleanup',
            `RegisterTaskDefinition had been applied: found ${shortRevision(found[0].taskDefinition.taskDefinitionArn!)} by its markers`,
            {},
            'info',
            iteration,
          );
          return found[0].taskDefinition;
        }
      }
    }
  }

  /**
   * Runs a cleanup call, retrying transient errors until the cleanup deadline (the restore timeout):
   * a restore should not give up on a throttled API while it has time.
   */
  async #persist<T>(what: string, call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const policy = this.#deps.retry ?? DEFAULT_RETRY_POLICY;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error) || signal.aborted) throw error;
        const delayMs = Math.min(2_000, backoffMs({ ...policy, maxDelayMs: 2_000 }, Math.min(attempt, 8)) + 50);
        this.#say(
          'warn',
          'aws.retry',
          `${what} failed (${(error as Error).name}); the cleanup retries until its deadline (retry ${attempt} in ${delayMs} ms)`,
          { attempt, delayMs },
        );
        await this.#deps.clock.sleep(delayMs, signal);
      }
    }
  }

  /** Effect verification right after injection: the primary deployment and the chaos role. */
  async #checkSwap(chaosArn: string, chaos: TaskDefinition): Promise<void> {
    const effect = this.#result.effect;
    const described = await this.#deps.ecs.describeServices(
      { cluster: this.#spec.cluster, services: [this.#spec.service] },
      { abortSignal: this.#signal },
    );
    const primary = described.services?.[0]?.deployments?.find((d) => d.status === 'PRIMARY');
    const roleAsExpected = (chaos.taskRoleArn ?? null) === this.#spec.taskRoleArn;
    const swapped = primary?.taskDefinition === chaosArn && roleAsExpected;
    effect.swapped = effect.swapped || swapped;
    if (!swapped) {
      effect.notes.push(
        primary?.taskDefinition !== chaosArn
          ? `after injection the primary deployment runs ${primary?.taskDefinition ?? 'nothing'}, not ${chaosArn}`
          : `the chaos revision's task role is ${chaos.taskRoleArn ?? 'absent'}, expected ${this.#spec.taskRoleArn ?? 'absent'}`,
      );
    }
  }

  /** Waits until a task of the chaos revision is RUNNING, bounded by the rollout timeout. */
  async #waitForChaosTasks(state: IterationState): Promise<void> {
    const chaosArn = state.chaosArn!;
    const limitMs = this.#spec.rolloutTimeoutSeconds * 1000;
    const deadline = this.#deps.clock.now().getTime() + limitMs;
    this.#say(
      'info',
      'wait.start',
      `waiting for tasks of ${shortRevision(chaosArn)} to run (at most ${this.#spec.rolloutTimeoutSeconds}s)`,
      { limitSeconds: this.#spec.rolloutTimeoutSeconds },
    );
    for (;;) {
      const { running } = await this.#observe(state);
      if (running > 0) {
        state.record.chaosRunningAt = this.#deps.clock.now().toISOString();
        this.#result.effect.chaosTasksRan = true;
        this.#event(
          'chaos-running',
          `tasks of ${shortRevision(chaosArn)} are RUNNING under task role ${this.#spec.taskRoleArn ?? '(none)'}`,
          { running },
          'info',
          state.record.index,
        );
        return;
      }
      const conflict = await this.#foreignRevision(state);
      if (conflict) {
        this.#result.conflicts.push(conflict);
        this.#event('conflict', conflict, {}, 'warn', state.record.index);
        throw new ChaosError('CONFLICT', conflict, { fault: 'user' });
      }
      const failedReason = await this.#chaosStartFailure(chaosArn);
      if (failedReason) {
        this.#result.effect.notes.push(`tasks of the chaos revision failed to start: ${failedReason}`);
        throw new ChaosError(
          'CHAOS_TASKS_FAILED',
          `tasks of ${shortRevision(chaosArn)} failed to start: ${failedReason}`,
          { fault: 'user' },
        );
      }
      if (this.#deps.clock.now().getTime() >= deadline) {
        this.#result.effect.notes.push(
          `no task of the chaos revision was RUNNING within the rollout timeout (${this.#spec.rolloutTimeoutSeconds}s)`,
        );
        throw new ChaosError(
          'ROLLOUT_TIMEOUT',
          `no task of ${shortRevision(chaosArn)} was RUNNING within ${this.#spec.rolloutTimeoutSeconds}s (--rollout-timeout)`,
          { fault: 'aws' },
        );
      }
      await this.#deps.clock.sleep(this.#pollMs, this.#signal);
    }
  }

  /** The stopped reason of a chaos task that failed to start, if any. */
  async #chaosStartFailure(chaosArn: string): Promise<string | undefined> {
    const stopped = await this.#deps.ecs.listTasks(
      { cluster: this.#spec.cluster, serviceName: this.#spec.service, desiredStatus: 'STOPPED' },
      { abortSignal: this.#signal },
    );
    const arns = (stopped.taskArns ?? []).slice(0, 100);
    if (arns.length === 0) return undefined;
    const tasks =
      (await this.#deps.ecs.describeTasks({ cluster: this.#spec.cluster, tasks: arns }, { abortSignal: this.#signal }))
        .tasks ?? [];
    const failed = tasks.find((t) => t.taskDefinitionArn === chaosArn && t.stopCode === 'TaskFailedToStart');
    return failed?.stoppedReason ?? (failed ? 'TaskFailedToStart' : undefined);
  }

  /** Counts the service's tasks, updates exposure, and returns the chaos revision's RUNNING count. */
  async #observe(
    state: IterationState,
    signal: AbortSignal = this.#signal,
  ): Promise<{ running: number; tasks: Task[] }> {
    const tasks = await serviceTasks(this.#deps.ecs, this.#spec.cluster, this.#spec.service, { abortSignal: signal });
    const chaosArn = state.chaosArn;
    const running = tasks.filter((t) => t.taskDefinitionArn === chaosArn && t.lastStatus === 'RUNNING');
    for (const t of running) if (t.taskArn) this.#chaosTasksSeen.add(t.taskArn);
    state.record.peakChaosTasks = Math.max(state.record.peakChaosTasks, running.length);
    const exposure = this.#result.exposure;
    exposure.peakChaosTasks = Math.max(exposure.peakChaosTasks, running.length);
    exposure.peakShare = exposure.desiredCount > 0 ? exposure.peakChaosTasks / exposure.desiredCount : 0;
    exposure.tasksThatRanChaos = this.#chaosTasksSeen.size;
    const counts = countTasks(tasks);
    const labels: Record<string, string> = { [this.#pf.original.taskDefinitionArn!]: 'original' };
    if (chaosArn) labels[chaosArn] = 'chaos';
    const line = describeCounts(counts, labels);
    if (line !== this.#lastCounts) {
      this.#lastCounts = line;
      this.#event('tasks', `tasks: ${line}`, { counts, labels }, 'info', state.record.index);
    }
    return { running: running.length, tasks };
  }

  #lastCounts = '';

  async #hold(state: IterationState, holdSeconds: number): Promise<void> {
    const index = state.record.index;
    this.#phase('hold', `iteration ${index}: holding the chaos for ${holdSeconds}s`, index, holdSeconds);
    state.record.holdSeconds = holdSeconds;
    const end = this.#deps.clock.now().getTime() + holdSeconds * 1000;
    for (;;) {
      const left = end - this.#deps.clock.now().getTime();
      if (left <= 0) return;
      await this.#deps.clock.sleep(Math.min(this.#pollMs, left), this.#signal);
      await this.#observe(state);
      const conflict = await this.#foreignRevision(state);
      if (conflict) {
        this.#result.conflicts.push(conflict);
        this.#event('conflict', conflict, {}, 'warn', index);
        return;
      }
    }
  }

  /** Someone else's revision on the service, described; undefined when it is ours or the original. */
  async #foreignRevision(state: IterationState, signal: AbortSignal = this.#signal): Promise<string | undefined> {
    const svc = (
      await this.#deps.ecs.describeServices(
        { cluster: this.#spec.cluster, services: [this.#spec.service] },
        { abortSignal: signal },
      )
    ).services?.[0];
    if (!svc || svc.status !== 'ACTIVE') {
      return `the service ${this.#spec.service} was deleted during the chaos window (status ${svc?.status ?? 'MISSING'})`;
    }
    const current = svc.taskDefinition;
    if (!current || current === state.chaosArn || current === this.#pf.original.taskDefinitionArn) return undefined;
    return `someone deployed ${current} during the chaos window; ecs-chaos will not overwrite it`;
  }

  /**
   * Undoes the iteration from AWS's present state. Idempotent; runs under its own signal so an
   * abort does not cut it short; bounded by the restore timeout.
   */
  async #revert(state: IterationState): Promise<void> {
    const index = state.record.index;
    const spec = this.#spec;
    const pf = this.#pf;
    const limitMs = spec.restoreTimeoutSeconds * 1000;
    const cleanup = AbortSignal.timeout(limitMs);
    const opts = { abortSignal: cleanup };
    this.#phase('revert', `iteration ${index}: revert to ${shortRevision(pf.original.taskDefinitionArn!)}`, index);
    try {
      // 1. The service: back to the original revision and deployment configuration, unless someone
      //    else deployed in the meantime.
      if (state.serviceUpdateAttempted) {
        const svc = (
          await this.#persist(
            'DescribeServices',
            () => this.#deps.ecs.describeServices({ cluster: spec.cluster, services: [spec.service] }, opts),
            cleanup,
          )
        ).services?.[0];
        if (!svc || svc.status !== 'ACTIVE') {
          this.#result.conflicts.push(
            `the service ${spec.service} is ${svc?.status ?? 'gone'}: nothing to restore on it`,
          );
          this.#event('conflict', `the service is ${svc?.status ?? 'gone'}; skipping its restore`, {}, 'warn', index);
        } else if (svc.taskDefinition === state.chaosArn || svc.taskDefinition === pf.original.taskDefinitionArn) {
          await this.#restoreService(pf.original.taskDefinitionArn, cleanup);
          this.#undone(state.mutations.update, 'UpdateService');
          this.#event(
            'restore',
            `${spec.service} -> ${shortRevision(pf.original.taskDefinitionArn!)} with its original deployment configuration`,
            {},
            'info',
            index,
          );
          await this.#waitForOriginal(state, cleanup);
        } else {
          const conflict = `the service runs ${svc.taskDefinition}, deployed by someone else during the run: ecs-chaos did not overwrite it`;
          if (!this.#result.conflicts.includes(conflict)) this.#result.conflicts.push(conflict);
          this.#event('conflict', conflict, {}, 'warn', index);
          // Their revision stays; the deployment configuration of the chaos window does not.
          if (
            sameDeploymentLimits(svc.deploymentConfiguration, pf.chaosDeployment) &&
            !sameDeploymentLimits(svc.deploymentConfiguration, pf.originalDeployment)
          ) {
            await this.#restoreService(undefined, cleanup);
            this.#event(
              'restore',
              'restored the original deployment configuration, keeping their revision',
              {},
              'info',
              index,
            );
          }
          this.#undone(state.mutations.update, 'UpdateService');
        }
      }
      // 2. The chaos revision: deregistered (only if unused when someone else owns the service now).
      //    When RegisterTaskDefinition's answer was lost (abort, network), find it by its markers.
      if (state.registerAttempted && !state.chaosArn) {
        const found = await this.#persist(
          'finding the chaos revision',
          () =>
            findChaosRevisions(this.#deps.ecs, pf.original.family!, {
              experimentId: this.#result.experimentId,
              iteration: index,
              limit: 10,
              abortSignal: cleanup,
            }),
          cleanup,
        );
        for (const revision of found) {
          const arn = revision.taskDefinition.taskDefinitionArn!;
          this.#chaosArns.add(arn);
          state.record.chaosTaskDefinitionArn ??= arn;
          if (state.chaosArn === undefined) {
            state.chaosArn = arn;
            state.mutations.register = this.#mutation(
              'RegisterTaskDefinition',
              arn,
              `${shortRevision(arn)} (its answer was lost; found by its markers)`,
              index,
            );
          } else {
            await this.#persist(
              'DeregisterTaskDefinition',
              () => this.#deps.ecs.deregisterTaskDefinition({ taskDefinition: arn }, opts),
              cleanup,
            );
            this.#event(
              'cleanup',
              `deregistered ${shortRevision(arn)}, registered by this run but unanswered`,
              {},
              'info',
              index,
            );
          }
        }
      }
      if (state.chaosArn) {
        const chaosArn = state.chaosArn;
        // When someone else owns the service now, their deployment replaces the chaos tasks: wait
        // (within the restore timeout) until none uses the chaos revision before deregistering it.
        const inUse =
          this.#result.conflicts.length > 0 &&
          (await this.#waitUnused(chaosArn, AbortSignal.any([cleanup, AbortSignal.timeout(limitMs / 2)])));
        if (inUse) {
          this.#event(
            'conflict',
            `${shortRevision(chaosArn)} is still used by tasks: left ACTIVE ('ecs-chaos recover' deregisters it later)`,
            {},
            'warn',
            index,
          );
        } else {
          await this.#persist(
            'DeregisterTaskDefinition',
            () => this.#deps.ecs.deregisterTaskDefinition({ taskDefinition: chaosArn }, opts),
            cleanup,
          );
          this.#undone(state.mutations.register, 'DeregisterTaskDefinition');
          state.record.revertedAt = this.#deps.clock.now().toISOString();
        }
      }
      // 3. The service markers.
      if (state.tagAttempted) {
        await this.#persist('UntagResource', () => this.#untagService(opts), cleanup);
        this.#undone(state.mutations.tag, 'UntagResource');
      }
    } catch (error) {
      const message =
        isAbort(error) || cleanup.aborted
          ? `the restore did not finish within ${spec.restoreTimeoutSeconds}s (--restore-timeout)`
          : `the restore failed: ${(error as Error).message}`;
      this.#result.effect.notes.push(message);
      this.#event('restore-failed', message, {}, 'error', index);
      throw new ChaosError('RESTORE_FAILED', message, { cause: error, fault: 'aws' });
    }
  }

  /**
   * UpdateService back to the original deployment configuration and, when given, the original
   * revision; retried until the cleanup deadline.
   */
  async #restoreService(taskDefinition: string | undefined, cleanup: AbortSignal): Promise<void> {
    const spec = this.#spec;
    await this.#persist(
      'UpdateService',
      () =>
        this.#deps.ecs.updateService(
          {
            cluster: spec.cluster,
            service: spec.service,
            ...(taskDefinition ? { taskDefinition } : {}),
            deploymentConfiguration: restoreConfiguration(this.#pf.originalDeployment),
          },
          { abortSignal: cleanup },
        ),
      cleanup,
    );
  }

  async #untagService(opts: { abortSignal: AbortSignal }): Promise<void> {
    await this.#deps.ecs.untagResource({ resourceArn: this.#pf.service.serviceArn!, tagKeys: [...MARKER_KEYS] }, opts);
  }

  /** Waits until no task uses a revision; true when some still does at the deadline. */
  async #waitUnused(arn: string, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      const inUse = await this.#persist('ListTasks', () => this.#revisionInUse(arn, signal), signal).catch(() => true);
      if (!inUse || signal.aborted) return inUse;
      await this.#deps.clock.sleep(this.#pollMs, signal).catch(() => undefined);
    }
  }

  async #revisionInUse(arn: string, signal: AbortSignal): Promise<boolean> {
    const tasks = await serviceTasks(this.#deps.ecs, this.#spec.cluster, this.#spec.service, {
      abortSignal: signal,
    }).catch((error: unknown) => {
      // A service deleted meanwhile runs nothing any more.
      if ((error as { name?: string }).name === 'ServiceNotFoundException') return [];
      throw error;
    });
    return tasks.some((t) => t.taskDefinitionArn === arn && t.lastStatus !== 'STOPPED');
  }

  /** Waits until a task of the original revision is RUNNING. */
  async #waitForOriginal(state: IterationState, signal: AbortSignal): Promise<void> {
    const original = this.#pf.original.taskDefinitionArn!;
    this.#say(
      'info',
      'wait.start',
      `waiting for a task of ${shortRevision(original)} to be RUNNING (at most ${this.#spec.restoreTimeoutSeconds}s)`,
      { limitSeconds: this.#spec.restoreTimeoutSeconds },
    );
    for (;;) {
      const { tasks } = await this.#persist('ListTasks/DescribeTasks', () => this.#observe(state, signal), signal);
      if (tasks.some((t) => t.taskDefinitionArn === original && t.lastStatus === 'RUNNING')) return;
      await this.#deps.clock.sleep(this.#pollMs, signal);
    }
  }

  /** The end state: restored? anything left? */
  async #verify(): Promise<void> {
    const spec = this.#spec;
    const result = this.#result;
    const items: ResidueItem[] = [];
    const deadline = AbortSignal.timeout(Math.max(30_000, spec.restoreTimeoutSeconds * 1000));
    const opts = { abortSignal: deadline };
    this.#phase('verify', 'verify: the service restored, nothing left behind');
    try {
      const svc = (
        await this.#persist(
          'DescribeServices',
          () =>
            this.#deps.ecs.describeServices(
              { cluster: spec.cluster, services: [spec.service], include: ['TAGS'] },
              opts,
            ),
          deadline,
        )
      ).services?.[0];
      const original = this.#pf.original.taskDefinitionArn!;
      if (svc && svc.status === 'ACTIVE') {
        if (svc.taskDefinition && this.#chaosArns.has(svc.taskDefinition)) {
          items.push({
            kind: 'service-on-chaos-revision',
            resource: svc.serviceArn!,
            detail: `the service runs ${svc.taskDefinition}`,
          });
        }
        const markers = (svc.tags ?? []).filter((t) => MARKER_KEYS.includes(t.key ?? ''));
        if (markers.length > 0) {
          items.push({
            kind: 'service-markers',
            resource: svc.serviceArn!,
            detail: `tags ${markers.map((t) => t.key).join(', ')}`,
          });
        }
        const cfg = svc.deploymentConfiguration;
        const want = this.#pf.originalDeployment;
        if (svc.taskDefinition === original && !sameDeploymentLimits(cfg, want)) {
          items.push({
            kind: 'deployment-configuration',
            resource: svc.serviceArn!,
            detail: `maximumPercent ${cfg?.maximumPercent}/minimumHealthyPercent ${cfg?.minimumHealthyPercent}, was ${want?.maximumPercent}/${want?.minimumHealthyPercent}`,
          });
        }
      }
      for (const arn of this.#chaosArns) {
        const td = (
          await this.#persist(
            'DescribeTaskDefinition',
            () => this.#deps.ecs.describeTaskDefinition({ taskDefinition: arn }, opts),
            deadline,
          )
        ).taskDefinition;
        if (td?.status === 'ACTIVE')
          items.push({ kind: 'active-chaos-revision', resource: arn, detail: `${shortRevision(arn)} is still ACTIVE` });
      }
      const onOriginal = svc?.taskDefinition === original;
      result.effect.restored = onOriginal && !items.some((i) => i.kind === 'active-chaos-revision');
      if (!onOriginal && svc)
        result.effect.notes.push(`at the end the service runs ${svc.taskDefinition}, not the original ${original}`);
    } catch (error) {
      items.push({
        kind: 'service-on-chaos-revision',
        resource: result.target.serviceArn ?? spec.service,
        detail: `the end state could not be read: ${(error as Error).message}`,
      });
    }
    if (this.#chaosArns.size === 0 && result.mutations.length === 0) result.effect.restored = true;
    result.residue = {
      clean: items.length === 0,
      items,
      ...(items.length > 0 ? { recoverCommand: recoverCommand(spec) } : {}),
    };
  }

  #decide(failure: unknown): void {
    const result = this.#result;
    const effect = result.effect;
    const restored = result.residue.clean ? 'the service was restored' : 'the service was NOT fully restored';
    const failedProbe = result.probes.find((p) => p.status === 'Failed');
    const unevaluated = result.probes.find((p) => p.status === 'N/A');
    if (this.#aborted && this.#stopCause?.kind === 'stop-condition') {
      const t = this.#stopCause.trigger;
      result.verdict = 'Stopped';
      result.verdictReason = `stop condition: alarm ${t.alarmName} was ${t.state}${t.reason ? ` (${t.reason})` : ''}; the chaos was stopped and ${restored}`;
    } else if (this.#aborted && this.#stopCause?.kind === 'probe') {
      const p = this.#stopCause.probe;
      result.verdict = 'Fail';
      result.verdictReason = `probe ${p.name} failed during the chaos (stopOnFailure): ${firstFailure(p)}; the chaos was stopped and ${restored}`;
    } else if (this.#aborted) {
      result.verdict = 'Stopped';
      const reason: unknown = this.#signal.reason;
      const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
      result.verdictReason = `aborted (${why}); ${result.residue.clean ? 'restored' : 'NOT fully restored'}`;
    } else if (this.#steadyStateFailed.length > 0) {
      const p = this.#steadyStateFailed[0]!;
      result.verdict = 'Fail';
      result.verdictReason = `the steady state was not met before the chaos: probe ${p.name} failed (${firstFailure(p)}); nothing was injected`;
    } else if (failure !== undefined) {
      result.verdict =
        failure instanceof ChaosError && (failure.code === 'CHAOS_TASKS_FAILED' || failure.code === 'CONFLICT')
          ? 'Fail'
          : 'Error';
      result.verdictReason = (failure as Error).message;
    } else if (!effect.swapped || !effect.chaosTasksRan) {
      result.verdict = 'Fail';
      result.verdictReason = effect.notes[0] ?? 'the chaos did not take effect';
    } else if (result.conflicts.length > 0) {
      result.verdict = 'Fail';
      result.verdictReason = result.conflicts[0]!;
    } else if (!effect.restored || !result.residue.clean) {
      result.verdict = 'Fail';
      result.verdictReason = 'the service was not fully restored';
    } else if (failedProbe) {
      result.verdict = 'Fail';
      result.verdictReason = `probe ${failedProbe.name} failed: ${failedProbe.statusReason}`;
    } else if (unevaluated) {
      result.verdict = 'Fail';
      result.verdictReason = `probe ${unevaluated.name} was never evaluated (is its initialDelay longer than its window?): the run has no evidence from it`;
    } else {
      result.verdict = 'Pass';
      const probes =
        result.probes.length > 0
          ? `; ${result.probes.filter((p) => p.status === 'Passed').length} of ${result.probes.length} probes passed`
          : '';
      result.verdictReason = `the task role was swapped on ${result.exposure.peakChaosTasks} of ${result.exposure.desiredCount} tasks at peak and restored; nothing left behind${probes}`;
    }
  }
}

/** What a probe's first failed evaluation saw. */
function firstFailure(probe: ProbeResult): string {
  const first = probe.evaluations.find((e) => !e.passed);
  return first?.error ?? first?.evidence ?? probe.statusReason;
}

/** An abort reason that reads as an AbortError, as a signal's does. */
function abortReason(message: string): Error {
  const reason = new Error(message);
  reason.name = 'AbortError';
  return reason;
}

/** The original deployment configuration to restore (ECS defaults when the service showed none). */
function restoreConfiguration(original: DeploymentConfiguration | undefined): DeploymentConfiguration {
  return original ?? { maximumPercent: 200, minimumHealthyPercent: 100 };
}
