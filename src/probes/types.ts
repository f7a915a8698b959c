/**
 * Probes: checks of the system under chaos, declared in the experiment file (`probes:`) or by a few
 * flags. The vocabulary is Litmus's: a probe has a type, a mode (when it runs) and run properties
 * (how each evaluation is attempted); its outcome is Passed, Failed or N/A.
 */

/** The probe types. */
export const PROBE_TYPES = ['http', 'cmd', 'prometheus', 'cloudwatch', 'cloudtrail', 'ecs'] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

/**
 * When a probe runs:
 * - `SOT`: once before the chaos (start of test); a failure means the steady state was not met, and
 *   nothing is injected.
 * - `EOT`: once after the chaos is reverted (end of test).
 * - `Edge`: both, before and after.
 * - `Continuous`: repeatedly from before the chaos until it is reverted.
 * - `OnChaos`: repeatedly during the chaos window only (first injection to last revert).
 */
export const PROBE_MODES = ['SOT', 'EOT', 'Edge', 'Continuous', 'OnChaos'] as const;
export type ProbeMode = (typeof PROBE_MODES)[number];

/** A probe's outcome: every evaluation passed, one failed, or it never ran (the run ended first). */
export const PROBE_STATUSES = ['Passed', 'Failed', 'N/A'] as const;
export type ProbeStatus = (typeof PROBE_STATUSES)[number];

/** Where in the run an evaluation happened. */
export const PROBE_PHASES = ['pre-chaos', 'chaos', 'post-chaos'] as const;
export type ProbePhase = (typeof PROBE_PHASES)[number];

/** How each evaluation of a probe is run. */
export interface RunProperties {
  /** One attempt may take this long. @default 10 */
  readonly timeoutSeconds: number;
  /** The wait between failed attempts of one evaluation. @default 2 */
  readonly intervalSeconds: number;
  /** Continuous and OnChaos: the wait between evaluations. @default intervalSeconds */
  readonly pollingIntervalSeconds: number;
  /** Attempts per evaluation: it passes when one attempt passes. @default 1 */
  readonly attempts: number;
  /** Waited before the probe's first evaluation. @default 0 */
  readonly initialDelaySeconds: number;
  /** A failed evaluation stops the experiment (the service is restored) and the verdict is Fail. @default false */
  readonly stopOnFailure: boolean;
}

/** Comparison of numbers. */
export const NUMBER_CRITERIA = ['==', '!=', '>', '<', '>=', '<=', 'oneOf', 'between'] as const;
/** Comparison of text. */
export const TEXT_CRITERIA = [
  'equal',
  'notEqual',
  'contains',
  'notContains',
  'matches',
  'notMatches',
  'oneOf',
] as const;
export type NumberCriteria = (typeof NUMBER_CRITERIA)[number];
export type TextCriteria = (typeof TEXT_CRITERIA)[number];

/** What an observed value must satisfy. */
export type Comparator =
  | {
      readonly type: 'number';
      readonly criteria: NumberCriteria;
      /** One number; two for `between` (inclusive); a list for `oneOf`. */
      readonly value: number | readonly number[];
    }
  | {
      readonly type: 'text';
      readonly criteria: TextCriteria;
      /** The text, a regular expression (`matches`), or a list (`oneOf`). */
      readonly value: string | readonly string[];
    };

/** The span of time a CloudWatch statistic or a CloudTrail count covers. */
export type ProbeWindow =
  /** From the first injection to now (or to the end of the last revert, once reverted). */
  | { readonly kind: 'chaos' }
  /** From the start of the run to now. */
  | { readonly kind: 'experiment' }
  /** The last N seconds before the evaluation. */
  | { readonly kind: 'last'; readonly seconds: number };

interface ProbeBase {
  /** Unique within the experiment. */
  readonly name: string;
  readonly mode: ProbeMode;
  readonly runProperties: RunProperties;
}

/** An HTTP request; the status (and optionally the body) is compared. */
export interface HttpProbeSpec extends ProbeBase {
  readonly type: 'http';
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** @default between 200 and 299 */
  readonly status: Comparator & { readonly type: 'number' };
  readonly responseBody: (Comparator & { readonly type: 'text' }) | undefined;
}

/** A command; its exit code (and optionally its stdout) is compared. */
export interface CmdProbeSpec extends ProbeBase {
  readonly type: 'cmd';
  /** argv: run directly, without a shell, unless `shell` is true (then one string for `sh -c`). */
  readonly command: readonly string[];
  readonly shell: boolean;
  readonly env: Readonly<Record<string, string>>;
  /** @default == 0 */
  readonly exitCode: Comparator & { readonly type: 'number' };
  /** The trimmed stdout, compared as a number or as text. */
  readonly stdout: Comparator | undefined;
}

/** An instant PromQL query against a Prometheus server; the one resulting value is compared. */
export interface PrometheusProbeSpec extends ProbeBase {
  readonly type: 'prometheus';
  /** The Prometheus server, e.g. http://prometheus:9090. */
  readonly endpoint: string;
  readonly query: string;
  readonly comparator: Comparator & { readonly type: 'number' };
}

/** CloudWatch statistics. */
export const CLOUDWATCH_STATISTICS = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'] as const;
export type CloudWatchStatistic = (typeof CLOUDWATCH_STATISTICS)[number];
/** CloudWatch alarm states. */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** A CloudWatch metric statistic over a window, or an alarm's state. */
export interface CloudWatchProbeSpec extends ProbeBase {
  readonly type: 'cloudwatch';
  readonly metric:
    | {
        readonly namespace: string;
        readonly metricName: string;
        readonly dimensions: ReadonlyArray<{ readonly name: string; readonly value: string }>;
        readonly statistic: CloudWatchStatistic;
        readonly window: ProbeWindow;
        /** The statistic of the whole window, one number, is compared; no datapoint counts as 0 for Sum and SampleCount. */
        readonly comparator: Comparator & { readonly type: 'number' };
      }
    | undefined;
  readonly alarm: { readonly name: string; readonly states: readonly AlarmState[] } | undefined;
}

/** A count of CloudTrail events in a window, filtered. */
export interface CloudTrailProbeSpec extends ProbeBase {
  readonly type: 'cloudtrail';
  readonly eventName: string | undefined;
  readonly eventSource: string | undefined;
  /** Events whose errorCode starts with this (AccessDenied matches AccessDeniedException too). */
  readonly errorCode: string | undefined;
  /**
   * The identity: a role or user ARN or name, matched against the event's user identity (an
   * assumed-role session matches its role). `${CHAOS_ROLE}` and `${ORIGINAL_ROLE}` stand for the
   * experiment's roles.
   */
  readonly principal: string | undefined;
  readonly window: ProbeWindow;
  readonly comparator: Comparator & { readonly type: 'number' };
}

/** The ECS service's deployments and tasks. */
export interface EcsProbeSpec extends ProbeBase {
  readonly type: 'ecs';
  /** @default the experiment's cluster and service */
  readonly cluster: string | undefined;
  readonly service: string | undefined;
  /** The primary deployment's rolloutState. */
  readonly rolloutState: 'COMPLETED' | 'IN_PROGRESS' | 'FAILED' | undefined;
  /** One deployment only, with runningCount == desiredCount. */
  readonly steady: boolean | undefined;
  /** The service's runningCount. */
  readonly runningCount: (Comparator & { readonly type: 'number' }) | undefined;
  /** Which revision the primary deployment runs. */
  readonly revision: 'original' | 'chaos' | undefined;
}

export type ProbeSpec =
  HttpProbeSpec | CmdProbeSpec | PrometheusProbeSpec | CloudWatchProbeSpec | CloudTrailProbeSpec | EcsProbeSpec;

/** A CloudWatch alarm that stops the experiment when it is in ALARM during the chaos (AWS FIS's stop condition). */
export interface StopCondition {
  readonly alarmName: string;
}

/** One evaluation of a probe, with its evidence. */
export interface ProbeEvaluation {
  /** ISO 8601, when the evaluation ended. */
  readonly at: string;
  /** Where the evaluation started: before the first injection, during the chaos, or after the last revert. */
  readonly phase: ProbePhase;
  readonly passed: boolean;
  /** Attempts made (at most the run property). */
  readonly attempts: number;
  /** The observed value of the last attempt, when there was one (a status, a count, a statistic, stdout...). */
  readonly actual?: string | number;
  /** What was expected, in words, e.g. `status between 200 and 299`. */
  readonly expected: string;
  /** What was seen, in words: enough for a person to believe the outcome. */
  readonly evidence: string;
  /** The last attempt could not observe anything (timeout, refused, bad answer). */
  readonly error?: string;
}

/** A probe's outcome in the result. */
export interface ProbeResult {
  readonly name: string;
  readonly type: ProbeType;
  readonly mode: ProbeMode;
  /** What the probe asserts, in one line. */
  readonly description: string;
  status: ProbeStatus;
  /** Why the status is what it is, one line. */
  statusReason: string;
  /** Evaluations made; a Continuous probe keeps the first and last ones and every failure (see `evaluationCount`). */
  readonly evaluations: ProbeEvaluation[];
  evaluationCount: number;
  failedCount: number;
  /** This probe's failure stopped the experiment (stopOnFailure). */
  stoppedExperiment?: boolean;
}
