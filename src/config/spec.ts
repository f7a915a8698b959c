/**
 * The experiment specification: what every source of configuration (CLI flags, the seed's env
 * vars, an experiment file) is parsed into. Frozen; every field validated.
 */

import type { ProbeSpec, StopCondition } from '../probes/types.js';

/** The faults ecs-chaos knows. */
export const FAULTS = [
  'update-task-role',
  'update-execution-role',
  'update-container-resource-limit',
  'update-container-timeout',
  'invalid-container-image',
  'task-stop',
  'deny-task-permissions',
] as const;
/** The name of a fault ecs-chaos knows, one of {@link FAULTS}. */
export type FaultName = (typeof FAULTS)[number];

/** How the chaos reaches the tasks: a sibling service of k tasks (exact) or the service's own rollout. */
export type ExposureMode = 'exact' | 'rolling';

/**
 * The largest percentage exact mode takes: k = N there (as many chaos tasks as the service's own).
 * Beyond it the sibling would outnumber the service (k = 12 beside 4 for 75 %, 198 beside 2 for
 * 99 %), a cost no one expects from a percentage; rolling mode covers those shares.
 */
export const EXACT_MAX_PERCENT = 50;

/** How the runner authenticates to AWS. Secrets never appear here: only where to find them. */
export interface AuthSpec {
  /** A credentials file in `~/.aws/credentials` format (AWS_AUTHENTICATION_SECRET). */
  readonly authSecretFile: string | undefined;
  /** The profile to read from the credentials file or the SDK's config (AWS_PROFILE). */
  readonly profile: string | undefined;
  /** A role to assume on top of the base credentials (ASSUME_ROLE_ARN). */
  readonly assumeRoleArn: string | undefined;
  /** An endpoint for every AWS client (AWS_ENDPOINT_URL), e.g. the sandbox. */
  readonly endpointUrl: string | undefined;
}

/**
 * A tag the target service must carry (CHAOS_REQUIRE_TAG), as ECS stores tags: case-sensitive,
 * compared exactly.
 */
export interface RequiredTag {
  /** The tag key, 1..128 characters. */
  readonly key: string;
  /** The tag value, 0..256 characters; empty requires the key with an empty value. */
  readonly value: string;
}

/** A parsed, validated experiment. */
export interface ExperimentSpec {
  readonly fault: FaultName;
  /** CLUSTER_NAME */
  readonly cluster: string;
  /** SERVICE_NAME */
  readonly service: string;
  /** REGION (falls back to AWS_REGION / AWS_DEFAULT_REGION) */
  readonly region: string;
  /**
   * CHAOS_REQUIRE_TAG: preflight refuses a service that does not carry this tag, a guard against
   * pointing the tool at the wrong service. `undefined`: no guard. @default undefined
   */
  readonly requireTag: RequiredTag | undefined;
  /**
   * TASK_ROLE: the chaos task role ARN, or null to remove the task role; undefined for a fault that
   * does not change the task role (TASK_ROLE is then refused).
   */
  readonly taskRoleArn: string | null | undefined;
  /** The tunables of faults other than update-task-role (config/fault-params.ts); absent for it. */
  readonly faultParams?: FaultParams;
  /** TASK_REPLICA_AFFECTED_PERC, 1..100. @default 100 */
  readonly affectedPercent: number;
  /** TOTAL_CHAOS_DURATION in seconds. @default 30 */
  readonly durationSeconds: number;
  /** CHAOS_INTERVAL in seconds. @default 30 */
  readonly intervalSeconds: number;
  /** RAMP_TIME in seconds. @default 0 */
  readonly rampTimeSeconds: number;
  /**
   * How long a revert may wait until no chaos task is left and the service is steady on the original
   * revision (health grace, target-group health and deregistration delay included). @default 900
   */
  readonly restoreTimeoutSeconds: number;
  /**
   * EXPOSURE_MODE, resolved: `exact` runs k chaos tasks in a temporary sibling service (the service is
   * untouched); `rolling` rolls the service itself (the seed's way). Auto: exact up to 50% (EXACT_MAX_PERCENT), rolling above.
   */
  readonly exposureMode: ExposureMode;
  /** RESTORE_WAIT: `complete` (the default) or the seed's weaker `first-task`. */
  readonly restoreWait: 'complete' | 'first-task';
  /** LEASE_HEARTBEAT in seconds: how often the lease is refreshed; stale after 4 times this. @default 15 */
  readonly leaseHeartbeatSeconds: number;
  /** How long injection may wait for a task of the chaos revision to run. @default 300 */
  readonly rolloutTimeoutSeconds: number;
  /** Skip the "no deployment in progress" preflight check. @default false */
  readonly force: boolean;
  readonly auth: AuthSpec;
  /** Where to write the result JSON. */
  readonly resultFile: string | undefined;
  /** Look back this many seconds in CloudTrail for the calls the tasks made (blast radius). */
  readonly observedSinceSeconds: number | undefined;
  /** Output on stdout: a readable timeline, or the result JSON. @default 'text' */
  readonly output: 'text' | 'json';
  /** Probes: the experiment file's `probes:`, then one per `--http-probe`. @default [] */
  readonly probes: readonly ProbeSpec[];
  /** CloudWatch alarms polled during the chaos: the file's, `--stop-alarm` and STOP_ALARMS. @default [] */
  readonly stopConditions: readonly StopCondition[];
}

/** The tunables of the task-definition faults beyond TASK_ROLE; each is set only for its faults. */
export interface FaultParams {
  /** EXECUTION_ROLE: the chaos execution role ARN, or null to remove it (update-execution-role). */
  readonly executionRoleArn?: string | null;
  /** CPU_LIMIT: container cpu in CPU units. */
  readonly cpuLimit?: number;
  /** MEMORY_LIMIT: container memory in MiB. */
  readonly memoryLimit?: number;
  /** START_TIMEOUT in seconds. */
  readonly startTimeout?: number;
  /** STOP_TIMEOUT in seconds. */
  readonly stopTimeout?: number;
  /** IMAGE: the chaos image reference. */
  readonly image?: string;
  /** CONTAINER_NAMES: the containers to change; undefined = all. */
  readonly containerNames?: readonly string[];
  /** TASK_COUNT: how many RUNNING tasks task-stop stops per iteration (instead of a percentage). */
  readonly taskCount?: number;
  /** TASK_REPLICA_ID: the task ids task-stop stops (instead of tasks chosen at random). */
  readonly taskIds?: readonly string[];
  /** SEQUENCE: task-stop stops its tasks one after another (serial) or all at once (parallel). */
  readonly sequence?: 'serial' | 'parallel';
  /** DENY_ACTIONS: the IAM actions (or patterns) deny-task-permissions denies; `['*']` with DENY_ALL. */
  readonly denyActions?: readonly string[];
  /** DENY_RESOURCES: the resources the Deny applies to. @default ['*'] */
  readonly denyResources?: readonly string[];
  /** DENY_ALL: deny every action (`*`). */
  readonly denyAll?: boolean;
  /** ALLOW_SHARED_ROLE: run though other services, tasks or principals use the role. */
  readonly allowSharedRole?: boolean;
}
