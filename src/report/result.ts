/**
 * The experiment result: the JSON written by `--result-file` and printed by `--output json`.
 * Versioned; docs/result-schema.md documents every field.
 */
import type { FaultName } from '../config/spec.js';
import type { Prediction } from '../engine/predict.js';
import type { ProbeResult } from '../probes/types.js';
import type { PredictedExposure, RevisionExposure } from '../engine/exposure.js';
import type { EcsReaction } from '../engine/reactions.js';

/** The result's schema version. Bump on any incompatible change. */
export const RESULT_SCHEMA_VERSION = 1;

/** The verdicts, as Litmus names them. */
export const VERDICTS = ['Pass', 'Fail', 'Stopped', 'Error'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface TimelineEntry {
  /** ISO 8601. */
  readonly time: string;
  readonly kind: 'phase' | 'event';
  /** For phases: preflight, ramp-up, inject, hold, revert, ramp-down, verify. */
  readonly name: string;
  readonly message: string;
  readonly iteration?: number;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface MutationRecord {
  readonly id: number;
  /** The AWS operation, e.g. RegisterTaskDefinition. */
  readonly operation: string;
  /** What it changed: an ARN. */
  readonly target: string;
  readonly detail: string;
  readonly at: string;
  readonly iteration: number;
  /** Whether it has been undone (or needs no undo). */
  undone: boolean;
  undoneAt?: string;
  /** The operation that undid it. */
  undoneBy?: string;
}

export interface IterationRecord {
  readonly index: number;
  chaosTaskDefinitionArn?: string;
  injectedAt?: string;
  /** When the first task of the chaos revision was RUNNING. */
  chaosRunningAt?: string;
  /** Exact mode: the sibling service that ran the chaos revision. */
  siblingService?: string;
  /** When the restore condition held (no chaos task left, the service steady on the original). */
  restoredAt?: string;
  holdSeconds?: number;
  /**
   * Seconds the hold ended after its planned end (a paused or starved runner), when at least one:
   * the revert started that much late.
   */
  holdOverrunSeconds?: number;
  revertedAt?: string;
  peakChaosTasks: number;
}

export interface EffectVerification {
  readonly originalTaskDefinitionArn: string;
  /** The last chaos revision registered (all of them are in `iterations`). */
  chaosTaskDefinitionArn: string | null;
  /** The chaos task role, null when the fault removes the task role. */
  readonly chaosTaskRoleArn: string | null;
  readonly originalTaskRoleArn: string | null;
  /** After injection the primary deployment used the chaos revision, whose task role was as expected. */
  swapped: boolean;
  /** Tasks of the chaos revision reached RUNNING. */
  chaosTasksRan: boolean;
  /** At the end the service is on the original revision and every chaos revision is INACTIVE. */
  restored: boolean;
  /** Why a check is false, one line each. */
  notes: string[];
}

export interface Exposure {
  /** How the chaos reached the tasks (absent in results of 0.1: rolling). */
  mode?: 'exact' | 'rolling';
  /** What preflight predicted for the mode (absent when the run stopped before). */
  predicted?: PredictedExposure;
  /** The most tasks of any chaos revision serving (RUNNING, draining or stopping) at once. */
  peakChaosTasks: number;
  /** The service's desired count at the start. */
  readonly desiredCount: number;
  /**
   * The highest share of the serving tasks (the service's and the sibling's) on a chaos revision,
   * 0..1. Results of 0.1 divided the peak by the desired count instead.
   */
  peakShare: number;
  /** All tasks serving at the peak. */
  peakServingTasks?: number;
  /** Distinct tasks that ran a chaos revision. */
  tasksThatRanChaos: number;
  /** Per chaos revision, labelled with its iteration. */
  byRevision?: RevisionExposure[];
}

export interface ResidueItem {
  readonly kind:
    | 'service-on-chaos-revision'
    | 'service-markers'
    | 'active-chaos-revision'
    | 'deployment-configuration'
    | 'chaos-tasks-running'
    | 'sibling-service'
    | 'lease'
    /** A revision someone else deployed that carries the chaos change (e.g. cloned from the chaos revision). */
    | 'foreign-revision-with-chaos-change'
    /** deny-task-permissions: its Deny policy or role marker still on the task role. */
    | 'deny-policy'
    /** deny-task-permissions: the task role's policies or tags differ from the start (someone else's change). */
    | 'role-changed'
    /** The end state could not be read: nothing is known about what is left (the detail says what to run). */
    | 'not-checked';
  readonly resource: string;
  readonly detail: string;
}

export interface Residue {
  clean: boolean;
  items: ResidueItem[];
  /** The exact command that repairs what is left, when something is. */
  recoverCommand?: string;
}

/** What the stop conditions saw. */
export interface StopConditionsRecord {
  /** The CloudWatch alarms watched during the chaos. */
  readonly alarms: readonly string[];
  /** The alarm whose ALARM state stopped the experiment, if one did. */
  triggered?: { readonly alarmName: string; readonly state: string; readonly reason: string; readonly at: string };
}

/** CloudTrail AccessDenied events of the chaos identity during the chaos window. */
export type AccessDeniedSummary =
  | {
      readonly ok: true;
      /** The identity counted: the chaos role (sessions of it), or the task identity when the role was removed. */
      readonly principal: string;
      readonly window: { readonly start: string; readonly end: string };
      readonly total: number;
      /** Per action, e.g. `s3:PutObject`: count. */
      readonly byAction: Readonly<Record<string, number>>;
      /** Counts per time bucket over the window, for the report's timeline. */
      readonly buckets: ReadonlyArray<{ readonly start: string; readonly count: number }>;
      readonly bucketSeconds: number;
      /** The scan hit its page limit: the counts are a lower bound. */
      readonly truncated: boolean;
      /** E.g. that CloudTrail delivers events minutes late on AWS. */
      readonly note?: string;
    }
  | { readonly ok: false; readonly reason: string };

/** The signals gathered around the fault besides probes. */
export interface SignalsRecord {
  accessDenied?: AccessDeniedSummary;
}

export interface ExperimentResult {
  readonly schemaVersion: typeof RESULT_SCHEMA_VERSION;
  readonly experimentId: string;
  readonly fault: FaultName;
  readonly tool: { readonly name: 'ecs-chaos'; readonly version: string };
  readonly target: { readonly cluster: string; readonly service: string; readonly region: string; serviceArn?: string };
  /** The tunables, as run (no secrets). */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  endedAt?: string;
  verdict: Verdict;
  /** One line on why the verdict is what it is. */
  verdictReason: string;
  readonly timeline: TimelineEntry[];
  readonly mutations: MutationRecord[];
  readonly iterations: IterationRecord[];
  effect: EffectVerification;
  exposure: Exposure;
  residue: Residue;
  /** ECS's own reactions to the chaos: rollbacks, launch failures, crashes (absent in results of 0.1). */
  reactions?: EcsReaction[];
  /** deny-task-permissions: the Deny put on the task role, per iteration, and its propagation. */
  deny?: DenyRecord;
  /** Someone else's change detected during the run. */
  conflicts: string[];
  /** The prediction made before injection: what the chaos role refuses that the original role allows. */
  prediction?: Prediction;
  /** The probes, in declaration order, with their outcomes and evidence. */
  probes: ProbeResult[];
  /** Passed probes / all probes x 100, rounded; 100 with no probes. */
  probeSuccessPercentage: number;
  stopConditions: StopConditionsRecord;
  /** AccessDenied counts and other signals read after the chaos. */
  signals: SignalsRecord;
  /** The error that ended the run, if any. */
  error?: { code: string; message: string };
  /** task-stop: the tasks it stopped, their replacements and the time to recovery. */
  taskStop?: TaskStopRecord;
}

/** A task task-stop stopped. */
export interface StoppedTaskRecord {
  readonly taskArn: string;
  readonly taskId: string;
  /** The revision the task ran. */
  readonly taskDefinitionArn: string;
  /** When StopTask answered (ISO 8601). */
  readonly stoppedAt: string;
  /** The reason given to StopTask (ECS shows it as the task's stoppedReason). */
  readonly reason: string;
  /** Serial: the tasks ECS started after this stop, RUNNING when the service had recovered. */
  replacements?: string[];
  /** Serial: seconds from this StopTask to the service's recovery. */
  recoverySeconds?: number;
}

/** One iteration of task-stop. */
export interface TaskStopIteration {
  readonly index: number;
  readonly stopped: StoppedTaskRecord[];
  /** Tasks of the service started during the iteration and RUNNING at its recovery (ARNs). */
  replacements: string[];
  /** The service had the desired count RUNNING (and healthy) again within the restore timeout. */
  recovered: boolean;
  /** When it had (ISO 8601). */
  recoveredAt?: string;
  /** Seconds from the first StopTask to the recovery. */
  recoverySeconds?: number;
  /** Why it did not recover, one line. */
  notRecovered?: string;
  /**
   * Load-balanced services: whether the recovery condition included target health (ELB v2
   * DescribeTargetHealth on each target group of the service), and why not when it could not.
   */
  targetHealth?: TaskStopTargetHealth;
}

/** Target health in task-stop's recovery condition, for one iteration. */
export interface TaskStopTargetHealth {
  /** The target groups of the service (`loadBalancers[].targetGroupArn`). */
  readonly targetGroups: string[];
  /** Target health was read and the recovery waited for the replacements' targets to be healthy. */
  checked: boolean;
  /** Why target health was not part of the condition (AccessDenied...): the recovery is ECS's alone. */
  fallback?: string;
}

/** What task-stop did. */
export interface TaskStopRecord {
  readonly sequence: 'serial' | 'parallel';
  /** How the tasks were chosen: a share, a count, or ids. */
  readonly selection: 'percent' | 'count' | 'ids';
  /** Tasks stopped per iteration, as planned (the rounding stated in `exposure.predicted.note`). */
  readonly perIteration: number;
  readonly iterations: TaskStopIteration[];
  /** Every iteration's service recovered (and it was so at the end). */
  recovered: boolean;
  /** The longest time to recovery of the iterations, in seconds. */
  longestRecoverySeconds?: number;
}

/** deny-task-permissions: what was denied on which role, and what was seen of it. */
export interface DenyRecord {
  readonly roleArn: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Other services, standalone tasks and principals the Deny reached (the run had --allow-shared-role). */
  readonly sharedWith: readonly string[];
  readonly iterations: DenyIteration[];
  /** The role's policies (names, documents, attachments) and tags after the run are as before it. */
  roleUnchanged?: boolean;
  /** How they differ, one line each. */
  roleDifferences?: string[];
}

/** One iteration's Deny. */
export interface DenyIteration {
  readonly index: number;
  /** `inline` (PutRolePolicy) or `managed` (CreatePolicy + AttachRolePolicy). */
  readonly form: 'inline' | 'managed';
  readonly policyName: string;
  /** The `DateLessThan aws:CurrentTime` end: the Deny stops applying then even if nothing removes it. */
  readonly plannedEnd: string;
  /** When IAM answered the attach, and the removal. */
  attachedAt?: string;
  removedAt?: string;
  /** Attach -> first denied call seen, in seconds, and where it was seen. */
  deniedAfterSeconds?: number;
  deniedSeenBy?: string;
  /** Removal -> first allowed call seen, in seconds, and where it was seen. */
  allowedAfterSeconds?: number;
  allowedSeenBy?: string;
  /** What could not be measured, and why. */
  notes: string[];
}
