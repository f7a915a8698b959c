/**
 * The record of a run as it happens: the result being built, its timeline and mutations, and the
 * coded messages that go to the IoHost. Every part of the engine writes through one of these.
 */
import type { ExperimentSpec } from '../config/spec.js';
import type { IoHost, IoLevel } from '../io/io-host.js';
import type { ExperimentResult, MutationRecord, TimelineEntry } from '../report/result.js';
import { RESULT_SCHEMA_VERSION } from '../report/result.js';
import type { Clock } from './clock.js';
import { backoffMs, DEFAULT_RETRY_POLICY, isRetryable, type RetryPolicy } from '../aws/retry.js';
import { describeError } from './describe-error.js';

type Code = Parameters<IoHost['notify']>[0]['code'];

/** The first result of a run, before anything happened. */
export function initialResult(
  spec: ExperimentSpec,
  experimentId: string,
  version: string,
  now: Date,
): ExperimentResult {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    experimentId,
    fault: spec.fault,
    tool: { name: 'ecs-chaos', version },
    target: { cluster: spec.cluster, service: spec.service, region: spec.region },
    spec: {
      CLUSTER_NAME: spec.cluster,
      SERVICE_NAME: spec.service,
      REGION: spec.region,
      ...(spec.taskRoleArn !== undefined ? { TASK_ROLE: spec.taskRoleArn ?? '' } : {}),
      ...faultParamsRecord(spec),
      TASK_REPLICA_AFFECTED_PERC: spec.affectedPercent,
      TOTAL_CHAOS_DURATION: spec.durationSeconds,
      CHAOS_INTERVAL: spec.intervalSeconds,
      RAMP_TIME: spec.rampTimeSeconds,
      CHAOS_REQUIRE_TAG: spec.requireTag ? `${spec.requireTag.key}=${spec.requireTag.value}` : '',
      EXPOSURE_MODE: spec.exposureMode,
      RESTORE_WAIT: spec.restoreWait,
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
      chaosTaskRoleArn: spec.taskRoleArn ?? null,
      originalTaskRoleArn: null,
      swapped: false,
      chaosTasksRan: false,
      restored: false,
      notes: [],
    },
    exposure: {
      mode: spec.exposureMode,
      peakChaosTasks: 0,
      desiredCount: 0,
      peakShare: 0,
      peakServingTasks: 0,
      tasksThatRanChaos: 0,
      byRevision: [],
    },
    reactions: [],
    residue: { clean: true, items: [] },
    conflicts: [],
    probes: [],
    probeSuccessPercentage: 100,
    stopConditions: { alarms: spec.stopConditions.map((c) => c.alarmName) },
    signals: {},
  };
}

/** Writes the timeline, the mutations and the messages of one run. */
export class RunRecord {
  readonly result: ExperimentResult;
  readonly #io: IoHost;
  readonly #clock: Clock;
  readonly #retry: RetryPolicy;
  #mutationId = 0;

  constructor(result: ExperimentResult, io: IoHost, clock: Clock, retry: RetryPolicy = DEFAULT_RETRY_POLICY) {
    this.result = result;
    this.#io = io;
    this.#clock = clock;
    this.#retry = retry;
  }

  now(): Date {
    return this.#clock.now();
  }

  say(level: IoLevel, code: Code, message: string, data?: Record<string, unknown>): void {
    this.#io.notify({ time: this.#clock.now(), level, code, message, ...(data ? { data } : {}) });
  }

  timeline(entry: Omit<TimelineEntry, 'time'>): void {
    this.result.timeline.push({ time: this.#clock.now().toISOString(), ...entry });
  }

  phase(name: string, message: string, iteration?: number, seconds?: number): void {
    this.timeline({ kind: 'phase', name, message, ...(iteration !== undefined ? { iteration } : {}) });
    this.say('info', 'phase.start', message, {
      phase: name,
      ...(iteration !== undefined ? { iteration } : {}),
      ...(seconds !== undefined ? { seconds } : {}),
    });
  }

  event(
    name: string,
    message: string,
    data?: Record<string, unknown>,
    level: IoLevel = 'info',
    iteration?: number,
  ): void {
    this.timeline({
      kind: 'event',
      name,
      message,
      ...(iteration !== undefined ? { iteration } : {}),
      ...(data ? { data } : {}),
    });
    const code: Code =
      name === 'tasks'
        ? 'tasks.observed'
        : name === 'conflict'
          ? 'conflict.detected'
          : name === 'reaction'
            ? 'reaction.observed'
            : name === 'lease'
              ? 'lease.changed'
              : level === 'warn'
                ? 'warning'
                : 'info';
    this.say(level, code, message, data);
  }

  /** Records a conflict once (a foreign deployment, a service deleted...). */
  conflict(text: string, iteration?: number): void {
    if (this.result.conflicts.includes(text)) return;
    this.result.conflicts.push(text);
    this.event('conflict', text, {}, 'warn', iteration);
  }

  mutation(operation: string, target: string, detail: string, iteration: number): MutationRecord {
    const record: MutationRecord = {
      id: ++this.#mutationId,
      operation,
      target,
      detail,
      at: this.#clock.now().toISOString(),
      iteration,
      undone: false,
    };
    this.result.mutations.push(record);
    this.timeline({
      kind: 'event',
      name: 'mutation',
      message: `${operation} ${detail}`,
      iteration,
      data: { id: record.id, target },
    });
    this.say('info', 'mutation.done', `${operation} ${detail}`, { id: record.id, operation, target });
    return record;
  }

  undone(record: MutationRecord | undefined, by: string): void {
    if (!record || record.undone) return;
    record.undone = true;
    record.undoneAt = this.#clock.now().toISOString();
    record.undoneBy = by;
    this.timeline({
      kind: 'event',
      name: 'undo',
      message: `${by} undid ${record.operation} #${record.id}`,
      iteration: record.iteration,
      data: { id: record.id },
    });
    this.say('info', 'mutation.undone', `${by} undid ${record.operation} (${record.detail})`, { id: record.id, by });
  }

  /**
   * Runs a cleanup call, retrying transient errors until the cleanup deadline (the restore timeout):
   * a restore should not give up on a throttled API while it has time.
   */
  async persist<T>(what: string, call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error) || signal.aborted) throw error;
        const delayMs = Math.min(2_000, backoffMs({ ...this.#retry, maxDelayMs: 2_000 }, Math.min(attempt, 8)) + 50);
        this.say(
          'warn',
          'aws.retry',
          `${what} failed (${describeError(error)}); the cleanup retries until its deadline (retry ${attempt} in ${delayMs} ms)`,
          { attempt, delayMs },
        );
        await this.#clock.sleep(delayMs, signal);
      }
    }
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#clock.sleep(ms, signal);
  }
}

/** The fault tunables of a run (other than TASK_ROLE), by their env var names, for the result. */
function faultParamsRecord(spec: ExperimentSpec): Record<string, unknown> {
  const p = spec.faultParams;
  if (!p) return {};
  return {
    ...(p.executionRoleArn !== undefined ? { EXECUTION_ROLE: p.executionRoleArn ?? '' } : {}),
    ...(p.cpuLimit !== undefined ? { CPU_LIMIT: p.cpuLimit } : {}),
    ...(p.memoryLimit !== undefined ? { MEMORY_LIMIT: p.memoryLimit } : {}),
    ...(p.startTimeout !== undefined ? { START_TIMEOUT: p.startTimeout } : {}),
    ...(p.stopTimeout !== undefined ? { STOP_TIMEOUT: p.stopTimeout } : {}),
    ...(p.image !== undefined ? { IMAGE: p.image } : {}),
    ...(p.containerNames !== undefined ? { CONTAINER_NAMES: p.containerNames.join(',') } : {}),
    ...(p.taskCount !== undefined ? { TASK_COUNT: p.taskCount } : {}),
    ...(p.taskIds !== undefined ? { TASK_REPLICA_ID: p.taskIds.join(',') } : {}),
    ...(p.sequence !== undefined ? { SEQUENCE: p.sequence } : {}),
    ...(p.denyActions !== undefined && !p.denyAll ? { DENY_ACTIONS: p.denyActions.join(',') } : {}),
    ...(p.denyResources !== undefined ? { DENY_RESOURCES: p.denyResources.join(',') } : {}),
    ...(p.denyAll ? { DENY_ALL: true } : {}),
    ...(p.allowSharedRole ? { ALLOW_SHARED_ROLE: true } : {}),
  };
}
