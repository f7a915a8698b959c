/** What a probe's observer gets: its ports, the run's facts, and one attempt's cancellation. */
import type { CallOptions, CloudTrailPort, CloudWatchPort, EcsPort } from '../aws/ports.js';
import type { ProbeWindow } from './types.js';

/** The facts of the run a probe may refer to. */
export interface ProbeRunFacts {
  readonly experimentId: string;
  readonly cluster: string;
  readonly service: string;
  readonly region: string;
  /** The chaos task role; null when the fault removes the task role. */
  readonly chaosRoleArn: string | null;
  /** The service's task role before the chaos; null when it had none or before preflight. */
  readonly originalRoleArn: string | null;
  readonly originalTaskDefinitionArn: string | undefined;
  /** The chaos revisions registered so far. */
  readonly chaosTaskDefinitionArns: readonly string[];
  /** When the run started. */
  readonly startedAt: Date;
  /** When the first injection started; undefined before it. */
  readonly chaosStartedAt: Date | undefined;
  /** When the last revert ended; undefined before it. */
  readonly chaosEndedAt: Date | undefined;
}

/** The context of one attempt of one probe. */
export interface ProbeContext {
  /** Fires at the attempt's timeout or when the run stops. Pass it to every call. */
  readonly signal: AbortSignal;
  readonly now: () => Date;
  readonly facts: ProbeRunFacts;
  /** The span of a window now: chaos is first injection -> last revert end (or now while in chaos). */
  window(window: ProbeWindow): { start: Date; end: Date };
  readonly ecs: EcsPort;
  /** Absent when the runner has no CloudWatch client (the probe then errors, naming it). */
  readonly cloudwatch: CloudWatchPort | undefined;
  readonly cloudtrail: CloudTrailPort | undefined;
  /** The environment a `cmd` probe inherits. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What one attempt observed. Throw instead when nothing could be observed (refused, timeout, bad answer). */
export interface Observation {
  readonly passed: boolean;
  /** The value compared (a status, a count, a statistic, an alarm state, stdout...). */
  readonly actual?: string | number;
  /** What was expected, in words. */
  readonly expected: string;
  /** What was seen, in words, enough to believe the outcome: e.g. `GET http://x/health -> 503 {"status":"unhealthy"...}`. */
  readonly evidence: string;
}

/** Per-call options from a context. */
export function callOptions(ctx: ProbeContext): CallOptions {
  return { abortSignal: ctx.signal };
}
