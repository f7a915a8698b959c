/**
 * The tunables of an experiment: the one table the CLI builds its flags and `--help` from, and the
 * loader reads flags, env vars and experiment files by. A tunable's names (flag, env var, file
 * keys) are a contract with users of the original fault; add a field here and nowhere else.
 */

/**
 * How a field's value is parsed and validated.
 *
 * - `name`: an ECS cluster or service name (or its ARN), `^[a-zA-Z0-9_-]{1,255}$`
 * - `region`: an AWS region such as `us-east-1`
 * - `roleArn`: an IAM role ARN in the region's partition
 * - `percent`: a whole number 1..100
 * - `duration`: whole seconds, or `90s` / `5m` / `1h`
 * - `path`: a file path, resolved against the working directory (or the experiment file's folder)
 * - `url`: an http(s) URL
 * - `tag`: an ECS tag written `key=value` (the first `=` splits; the value may be empty)
 * - `choice`: one of `choices`
 * - `boolean`: a switch
 * - `string`: any non-empty text
 */
export type FieldType =
  'name' | 'region' | 'roleArn' | 'percent' | 'duration' | 'path' | 'url' | 'tag' | 'choice' | 'boolean' | 'string';

/** The shape of one row of {@link FIELDS}. */
export interface FieldDefinition {
  /** The camelCase key: the commander option key, and a file key. */
  readonly key: string;
  /** The long flag, e.g. `--cluster`. */
  readonly flag: string;
  /** The flag's value placeholder for help, e.g. `<name>`; absent for a boolean switch. */
  readonly valueName?: string;
  /** The env var the seed uses, or `undefined` when the field has none. */
  readonly env: string | undefined;
  /** Env vars read, in order, after the experiment file when nothing else set the field. */
  readonly envFallbacks?: readonly string[];
  /** The keys an experiment file accepts for the field: the camelCase key and the env var name. */
  readonly fileKeys: readonly string[];
  /** How the value is parsed. */
  readonly type: FieldType;
  /** One line for `--help`. */
  readonly description: string;
  /** The default, as shown in `--help`; `undefined` when there is none. */
  readonly default: string | number | boolean | undefined;
  /** Whether the experiment cannot run without it. */
  readonly required: boolean;
  /** Whether an empty value means "none" (rather than being an error). */
  readonly emptyMeansNone: boolean;
  /** For `duration`: the smallest value allowed, in seconds. */
  readonly minSeconds?: number;
  /** For `choice`: the values allowed. */
  readonly choices?: readonly string[];
}

/**
 * The tunables, keyed by their camelCase key, in the order `--help` lists them.
 *
 * @example
 * for (const field of FIELD_LIST) program.option(`${field.flag} ${field.valueName ?? ''}`.trim(), field.description);
 */
export const FIELDS = {
  cluster: {
    key: 'cluster',
    flag: '--cluster',
    valueName: '<name>',
    env: 'CLUSTER_NAME',
    fileKeys: ['cluster', 'CLUSTER_NAME'],
    type: 'name',
    description: 'target ECS cluster (name or ARN)',
    default: undefined,
    required: true,
    emptyMeansNone: false,
  },
  service: {
    key: 'service',
    flag: '--service',
    valueName: '<name>',
    env: 'SERVICE_NAME',
    fileKeys: ['service', 'SERVICE_NAME'],
    type: 'name',
    description: 'target ECS service (name or ARN)',
    default: undefined,
    required: true,
    emptyMeansNone: false,
  },
  region: {
    key: 'region',
    flag: '--region',
    valueName: '<region>',
    env: 'REGION',
    envFallbacks: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    fileKeys: ['region', 'REGION'],
    type: 'region',
    description: 'AWS region of the cluster (falls back to AWS_REGION, then AWS_DEFAULT_REGION)',
    default: undefined,
    required: true,
    emptyMeansNone: false,
  },
  requireTag: {
    key: 'requireTag',
    flag: '--require-tag',
    valueName: '<key=value>',
    env: 'CHAOS_REQUIRE_TAG',
    fileKeys: ['requireTag', 'CHAOS_REQUIRE_TAG'],
    type: 'tag',
    description: 'refuse a service that does not carry this tag, e.g. chaos-allowed=true',
    default: undefined,
    required: false,
    emptyMeansNone: true,
  },
  taskRole: {
    key: 'taskRole',
    flag: '--task-role',
    valueName: '<arn>',
    env: 'TASK_ROLE',
    fileKeys: ['taskRole', 'TASK_ROLE'],
    type: 'roleArn',
    description: "update-task-role: ARN of the chaos task role (required); an empty value ('') removes the task role",
    default: undefined,
    required: true,
    emptyMeansNone: true,
  },
  affectedPercent: {
    key: 'affectedPercent',
    flag: '--affected-percent',
    valueName: '<percent>',
    env: 'TASK_REPLICA_AFFECTED_PERC',
    fileKeys: ['affectedPercent', 'TASK_REPLICA_AFFECTED_PERC'],
    type: 'percent',
    description:
      'share of the tasks under chaos, 1..100: exact mode bounds it (chaos tasks at most this share of the serving tasks); rolling mode uses it as the deployment batch (maximumPercent = 100 + this)',
    default: 100,
    required: false,
    emptyMeansNone: false,
  },
  exposure: {
    key: 'exposure',
    flag: '--exposure',
    valueName: '<mode>',
    env: 'EXPOSURE_MODE',
    fileKeys: ['exposure', 'EXPOSURE_MODE'],
    type: 'choice',
    choices: ['auto', 'exact', 'rolling'],
    description:
      'exact: a temporary sibling service runs the chaos on k tasks, the service is untouched (up to 50%); rolling: the service itself rolls onto the chaos revision (every task, if the hold outlasts the rollout); auto: exact up to 50%, rolling above',
    default: 'auto',
    required: false,
    emptyMeansNone: false,
  },
  duration: {
    key: 'duration',
    flag: '--duration',
    valueName: '<duration>',
    env: 'TOTAL_CHAOS_DURATION',
    fileKeys: ['duration', 'TOTAL_CHAOS_DURATION'],
    type: 'duration',
    description: 'how long the chaos lasts in all: seconds, or 90s / 5m / 1h',
    default: 30,
    required: false,
    emptyMeansNone: false,
    minSeconds: 1,
  },
  interval: {
    key: 'interval',
    flag: '--interval',
    valueName: '<duration>',
    env: 'CHAOS_INTERVAL',
    fileKeys: ['interval', 'CHAOS_INTERVAL'],
    type: 'duration',
    description: 'how long each iteration holds the chaos: seconds, or 90s / 5m / 1h',
    default: 30,
    required: false,
    emptyMeansNone: false,
    minSeconds: 1,
  },
  rampTime: {
    key: 'rampTime',
    flag: '--ramp-time',
    valueName: '<duration>',
    env: 'RAMP_TIME',
    fileKeys: ['rampTime', 'RAMP_TIME'],
    type: 'duration',
    description: 'wait before the chaos and after the restore: seconds, or 90s / 5m / 1h; 0 for none',
    default: 0,
    required: false,
    emptyMeansNone: false,
    minSeconds: 0,
  },
  restoreTimeout: {
    key: 'restoreTimeout',
    flag: '--restore-timeout',
    valueName: '<duration>',
    env: 'RESTORE_TIMEOUT',
    fileKeys: ['restoreTimeout', 'RESTORE_TIMEOUT'],
    type: 'duration',
    description:
      'how long a restore may wait until no chaos task is left and the service is steady on the original revision',
    default: 900,
    required: false,
    emptyMeansNone: false,
    minSeconds: 1,
  },
  restoreWait: {
    key: 'restoreWait',
    flag: '--restore-wait',
    valueName: '<condition>',
    env: 'RESTORE_WAIT',
    fileKeys: ['restoreWait', 'RESTORE_WAIT'],
    type: 'choice',
    choices: ['complete', 'first-task'],
    description:
      "when a revert is done: complete (no chaos task left, the rollout steady on the original) or first-task (the seed's weaker rule: one original task RUNNING; chaos tasks may still serve)",
    default: 'complete',
    required: false,
    emptyMeansNone: false,
  },
  leaseHeartbeat: {
    key: 'leaseHeartbeat',
    flag: '--lease-heartbeat',
    valueName: '<duration>',
    env: 'LEASE_HEARTBEAT',
    fileKeys: ['leaseHeartbeat', 'LEASE_HEARTBEAT'],
    type: 'duration',
    description:
      'how often the run refreshes its lease on the service; a lease not refreshed for 4 times this is ABANDONED',
    default: 15,
    required: false,
    emptyMeansNone: false,
    minSeconds: 1,
  },
  rolloutTimeout: {
    key: 'rolloutTimeout',
    flag: '--rollout-timeout',
    valueName: '<duration>',
    env: 'ROLLOUT_TIMEOUT',
    fileKeys: ['rolloutTimeout', 'ROLLOUT_TIMEOUT'],
    type: 'duration',
    description: 'how long injection may wait for a task of the chaos revision to run',
    default: 300,
    required: false,
    emptyMeansNone: false,
    minSeconds: 1,
  },
  assumeRoleArn: {
    key: 'assumeRoleArn',
    flag: '--assume-role-arn',
    valueName: '<arn>',
    env: 'ASSUME_ROLE_ARN',
    fileKeys: ['assumeRoleArn', 'ASSUME_ROLE_ARN'],
    type: 'roleArn',
    description: 'role ecs-chaos assumes on top of its base credentials',
    default: '',
    required: false,
    emptyMeansNone: true,
  },
  authSecretFile: {
    key: 'authSecretFile',
    flag: '--auth-secret-file',
    valueName: '<path>',
    env: 'AWS_AUTHENTICATION_SECRET',
    fileKeys: ['authSecretFile', 'AWS_AUTHENTICATION_SECRET'],
    type: 'path',
    description: 'credentials file (~/.aws/credentials format) holding the base credentials',
    default: '',
    required: false,
    emptyMeansNone: true,
  },
  profile: {
    key: 'profile',
    flag: '--profile',
    valueName: '<name>',
    env: 'AWS_PROFILE',
    fileKeys: ['profile', 'AWS_PROFILE'],
    type: 'string',
    description: 'profile of the credentials file, or of the SDK configuration',
    default: undefined,
    required: false,
    emptyMeansNone: true,
  },
  endpointUrl: {
    key: 'endpointUrl',
    flag: '--endpoint-url',
    valueName: '<url>',
    env: 'AWS_ENDPOINT_URL',
    fileKeys: ['endpointUrl', 'AWS_ENDPOINT_URL'],
    type: 'url',
    description: 'endpoint of every AWS call, e.g. the sandbox at http://127.0.0.1:4599',
    default: undefined,
    required: false,
    emptyMeansNone: true,
  },
  observedSince: {
    key: 'observedSince',
    flag: '--observed-since',
    valueName: '<duration>',
    env: undefined,
    fileKeys: ['observedSince'],
    type: 'duration',
    description: "also mark the calls the service's tasks made in this window (CloudTrail), e.g. 24h",
    default: undefined,
    required: false,
    emptyMeansNone: true,
    minSeconds: 1,
  },
  resultFile: {
    key: 'resultFile',
    flag: '--result-file',
    valueName: '<path>',
    env: undefined,
    fileKeys: ['resultFile'],
    type: 'path',
    description: 'write the result JSON to this file',
    default: undefined,
    required: false,
    emptyMeansNone: true,
  },
  output: {
    key: 'output',
    flag: '--output',
    valueName: '<format>',
    env: undefined,
    fileKeys: ['output'],
    type: 'choice',
    choices: ['text', 'json'],
    description: 'stdout format: a readable timeline (text) or the result JSON (json)',
    default: 'text',
    required: false,
    emptyMeansNone: false,
  },
  force: {
    key: 'force',
    flag: '--force',
    env: undefined,
    fileKeys: ['force'],
    type: 'boolean',
    description: 'skip the "no deployment in progress" preflight check',
    default: false,
    required: false,
    emptyMeansNone: false,
  },
} as const satisfies Record<string, FieldDefinition>;

/** A tunable's camelCase key. */
export type FieldKey = keyof typeof FIELDS;

/** The tunables in `--help` order. */
export const FIELD_LIST: readonly FieldDefinition[] = Object.values(FIELDS);

/**
 * The name errors use for a field: its env var (the seed's contract), or its flag when it has none.
 *
 * @example fieldName(FIELDS.duration) // 'TOTAL_CHAOS_DURATION'
 */
export function fieldName(field: FieldDefinition): string {
  return field.env ?? field.flag;
}

export { FAULT_FIELDS, FAULT_FIELD_LIST, type FaultFieldDefinition, type FaultFieldKey } from './fault-fields.js';
