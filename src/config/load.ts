/**
 * Loads an experiment from its sources (CLI flags, env vars, an experiment file) into one frozen,
 * validated {@link ExperimentSpec}. Precedence: flag > env > file > default. Every invalid value is
 * an {@link InvalidInputError} naming the field, the value, where it came from and the fix, raised
 * before any AWS call.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { PARTITIONS, parseArn, parseRoleArn } from '../aws/arn.js';
import { readCredentialsFile } from '../aws/credentials.js';
import { InvalidInputError } from '../errors.js';
import { parseDuration } from './duration.js';
import { deepFreeze, editDistance } from './shared.js';
import { parseProbes, parseStopConditions, shownValue } from '../probes/parse.js';
import { FAULT_GUIDANCE, loadFaultParams } from './fault-params.js';
import {
  FAULT_FIELD_LIST,
  FIELDS,
  FIELD_LIST,
  fieldName,
  type FaultFieldKey,
  type FieldDefinition,
  type FieldKey,
} from './fields.js';
import {
  EXACT_MAX_PERCENT,
  FAULTS,
  type AuthSpec,
  type ExperimentSpec,
  type ExposureMode,
  type FaultName,
  type RequiredTag,
} from './spec.js';

/** Where an experiment's configuration comes from. */
export interface ConfigSources {
  /**
   * The flags the user typed, keyed by camelCase field key (as commander gives them). Keys that are
   * not tunables (e.g. `file`) are ignored; `undefined` means not typed.
   */
  readonly flags: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  /** The environment, e.g. `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An experiment file (`-f experiment.yaml` or `.json`), relative to `cwd`. */
  readonly file?: string;
  /** The fault named on the command line (`ecs-chaos run update-task-role`). */
  readonly fault?: string;
  /** The directory relative paths are resolved against. @default process.cwd() */
  readonly cwd?: string;
}

/** A value as found in one source, before validation. */
interface RawValue {
  /** A string from a flag or env var; any YAML/JSON value from a file; `true` from a switch. */
  readonly value: unknown;
  /** e.g. `flag --duration`, `env TOTAL_CHAOS_DURATION`, `experiment.yaml line 4` */
  readonly source: string;
  readonly origin: 'flag' | 'env' | 'file';
  /** The directory a relative path in this value is resolved against. */
  readonly baseDir: string;
  /** The key an experiment file used for the value. */
  readonly fileKey?: string;
}

/** An experiment file, read and checked for structure. */
interface ExperimentFile {
  readonly fault: RawValue | undefined;
  readonly values: ReadonlyMap<FieldKey | FaultFieldKey, RawValue>;
  /** `probes:` and `stopConditions:` as plain data, and the file line of every key path in them. */
  readonly probes: unknown;
  readonly stopConditions: unknown;
  readonly sourceOf: (path: string) => string | undefined;
}

/** The field name of errors about the experiment file itself. */
const FILE_FIELD = '--file';
const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** `us-east-1`, `ap-southeast-5`, `us-gov-west-1`, `eusc-de-east-1` (the European Sovereign Cloud). */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
/** One character of an ECS tag key or value: a letter, a digit, a space or one of `+ - = . _ : / @`. */
const TAG_CHARACTER = /^[\p{L}\p{Z}\p{N}+\-=._:/@]$/u;
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;
const TARGET_KEYS = ['cluster', 'service', 'region'] as const satisfies readonly FieldKey[];

/** How to fix each field, and an example value. */
const GUIDANCE: Record<FieldKey, { readonly fix: string; readonly example: string }> = {
  cluster: {
    fix: 'pass the cluster name (letters, digits, - and _, at most 255) or its ARN arn:aws:ecs:REGION:ACCOUNT:cluster/NAME',
    example: 'prod',
  },
  service: {
    fix: 'pass the service name (letters, digits, - and _, at most 255) or its ARN arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME',
    example: 'orders',
  },
  region: { fix: 'pass an AWS region such as us-east-1', example: 'us-east-1' },
  requireTag: {
    fix:
      'pass the tag the service must carry as key=value (a key of 1 to 128 and a value of up to 256 letters, ' +
      'digits, spaces and + - = . _ : / @), or leave it empty for no guard',
    example: 'chaos-allowed=true',
  },
  taskRole: {
    fix: "pass the ARN of the chaos task role, or an empty value (--task-role '' or TASK_ROLE=) to remove the task role",
    example: 'arn:aws:iam::123456789012:role/orders-chaos-role',
  },
  affectedPercent: { fix: 'pass a whole number from 1 to 100', example: '50' },
  exposure: { fix: 'pass auto, exact or rolling', example: 'exact' },
  restoreWait: { fix: 'pass complete or first-task', example: 'complete' },
  leaseHeartbeat: { fix: 'pass whole seconds or a duration like 15s or 1m, from 1 s to 24h', example: '15s' },
  duration: { fix: 'pass whole seconds or a duration like 90s, 5m or 1h, from 1 s to 24h', example: '60' },
  interval: { fix: 'pass whole seconds or a duration like 90s, 5m or 1h, from 1 s to 24h', example: '30' },
  rampTime: { fix: 'pass whole seconds or a duration like 90s, 5m or 1h, at most 24h; 0 for no ramp', example: '0' },
  restoreTimeout: { fix: 'pass whole seconds or a duration like 90s, 5m or 1h, from 1 s to 24h', example: '5m' },
  rolloutTimeout: { fix: 'pass whole seconds or a duration like 90s, 5m or 1h, from 1 s to 24h', example: '5m' },
  assumeRoleArn: {
    fix: 'pass the ARN of the role ecs-chaos should assume, or leave it empty to use the base credentials',
    example: 'arn:aws:iam::123456789012:role/chaos-runner',
  },
  authSecretFile: {
    fix: 'pass the path of a credentials file in ~/.aws/credentials format, or leave it empty',
    example: '/etc/ecs-chaos/credentials',
  },
  profile: { fix: 'pass a profile name', example: 'default' },
  endpointUrl: {
    fix: 'pass an http(s) URL such as http://127.0.0.1:4599, or leave it unset to call AWS',
    example: 'http://127.0.0.1:4599',
  },
  resultFile: { fix: 'pass the path of a file in an existing, writable directory', example: 'result.json' },
  observedSince: { fix: 'pass a look-back window like 24h, 90m or 3600, at most 24h', example: '24h' },
  output: { fix: 'pass text or json', example: 'json' },
  force: { fix: 'pass true or false (or the --force switch)', example: 'true' },
};

/**
 * Loads and validates an experiment. Throws {@link InvalidInputError} for the first invalid value
 * (fields are checked in the order of {@link FIELDS}, the region first since ARNs are checked
 * against it). The result is deeply frozen.
 *
 * - A flag wins over its env var, which wins over the experiment file, which wins over the default.
 *   The region falls back to AWS_REGION, then AWS_DEFAULT_REGION, after the file.
 * - An env var set to the empty string counts as set: for CHAOS_REQUIRE_TAG, TASK_ROLE,
 *   ASSUME_ROLE_ARN, AWS_AUTHENTICATION_SECRET, AWS_PROFILE and AWS_ENDPOINT_URL it means "none"; for
 *   the others it is an error.
 * - The experiment file is a mapping of field keys (camelCase or env var names), an optional
 *   `fault`, and an optional `target: {cluster, service, region}`; numbers are seconds for
 *   durations; relative paths in it are resolved against its own directory.
 * - With AWS_AUTHENTICATION_SECRET set, the credentials file is read now so that a missing or
 *   malformed one is bad input, not an AWS error.
 *
 * @example
 * const spec = loadExperimentSpec({ flags: { cluster: 'prod', duration: '2m' }, env: process.env, file: 'experiment.yaml' });
 */
export function loadExperimentSpec(sources: ConfigSources): ExperimentSpec {
  const cwd = sources.cwd ?? process.cwd();
  const { flags, env } = sources;
  const file = sources.file === undefined ? undefined : readExperimentFile(sources.file, cwd);

  const hasFile = file !== undefined;
  const fault = resolveFault(sources.fault, file?.fault);

  const pick = (field: FieldDefinition): RawValue | undefined => pickValue(field, { flags, env, cwd, file });
  const raw = Object.fromEntries(FIELD_LIST.map((field) => [field.key, pick(field)])) as Record<
    FieldKey,
    RawValue | undefined
  >;

  // Report a missing required field in table order before judging any value.
  const serviceIsArn = typeof raw.service?.value === 'string' && raw.service.value.trim().startsWith('arn:');
  for (const key of ['cluster', 'service', 'region'] as const) {
    if (raw[key] === undefined && !(key === 'cluster' && serviceIsArn)) throw missingError(FIELDS[key], hasFile);
  }
  const region = requireValue(FIELDS.region, raw.region, parseRegion, hasFile);
  const service = requireValue(FIELDS.service, raw.service, (f, r) => parseEcsName(f, r, 'service', region), hasFile);
  const cluster =
    raw.cluster === undefined && service.cluster !== undefined
      ? { name: service.cluster, cluster: undefined }
      : requireValue(FIELDS.cluster, raw.cluster, (f, r) => parseEcsName(f, r, 'cluster', region), hasFile);
  if (service.cluster !== undefined && service.cluster !== cluster.name) {
    const serviceRaw = raw.service!;
    throw new InvalidInputError(
      fieldName(FIELDS.service),
      serviceRaw.value,
      `is a service of cluster '${service.cluster}', but ${fieldName(FIELDS.cluster)} is '${cluster.name}'` +
        (raw.cluster ? ` (from ${raw.cluster.source})` : ''),
      `pass the service name alone, or set ${fieldName(FIELDS.cluster)} to the cluster of the service ARN`,
      { source: serviceRaw.source },
    );
  }

  const requireTag = optionalValue(FIELDS.requireTag, raw.requireTag, parseTag);
  // Removing the task role is the most destructive form of the fault: it must be asked for with an
  // empty value, never implied by a forgotten flag. Other faults leave the task role alone.
  const swapsTaskRole = fault === 'update-task-role';
  if (raw.taskRole === undefined && swapsTaskRole) throw missingError(FIELDS.taskRole, hasFile);
  if (raw.taskRole !== undefined && !swapsTaskRole)
    throw invalid(
      FIELDS.taskRole,
      raw.taskRole,
      `is a tunable of update-task-role, not of ${fault}`,
      'remove it, or run update-task-role',
    );
  const taskRoleArn = optionalValue(FIELDS.taskRole, raw.taskRole, (f, r) => parseRole(f, r, region));
  const faultParams = loadFaultParams(fault, pick, (f, r, text) => parseRole(f, { ...r, baseDir: cwd, text }, region));
  const affectedPercent =
    optionalValue(FIELDS.affectedPercent, raw.affectedPercent, parsePercent) ?? FIELDS.affectedPercent.default;
  const durationSeconds = optionalValue(FIELDS.duration, raw.duration, parseSeconds) ?? FIELDS.duration.default;
  const intervalSeconds = optionalValue(FIELDS.interval, raw.interval, parseSeconds) ?? FIELDS.interval.default;
  const rampTimeSeconds = optionalValue(FIELDS.rampTime, raw.rampTime, parseSeconds) ?? FIELDS.rampTime.default;
  const restoreTimeoutSeconds =
    optionalValue(FIELDS.restoreTimeout, raw.restoreTimeout, parseSeconds) ?? FIELDS.restoreTimeout.default;
  const rolloutTimeoutSeconds =
    optionalValue(FIELDS.rolloutTimeout, raw.rolloutTimeout, parseSeconds) ?? FIELDS.rolloutTimeout.default;
  const exposureChoice = (optionalValue(FIELDS.exposure, raw.exposure, parseChoice) ?? FIELDS.exposure.default) as
    'auto' | 'exact' | 'rolling';
  const exposureMode: ExposureMode =
    exposureChoice === 'auto' ? (affectedPercent <= EXACT_MAX_PERCENT ? 'exact' : 'rolling') : exposureChoice;
  if (exposureMode === 'exact' && affectedPercent > EXACT_MAX_PERCENT) {
    throw new InvalidInputError(
      fieldName(FIELDS.exposure),
      raw.exposure!.value,
      `is exact with ${fieldName(FIELDS.affectedPercent)} ${affectedPercent}: exact mode adds chaos tasks beside the untouched ones, at most as many as the service has (${EXACT_MAX_PERCENT}%), so it cannot reach ${affectedPercent}%`,
      `lower ${fieldName(FIELDS.affectedPercent)} to ${EXACT_MAX_PERCENT} or less, or use --exposure rolling (the service itself rolls; every task if the hold outlasts the rollout)`,
      { source: raw.exposure!.source },
    );
  }
  const restoreWait = (optionalValue(FIELDS.restoreWait, raw.restoreWait, parseChoice) ??
    FIELDS.restoreWait.default) as 'complete' | 'first-task';
  const leaseHeartbeatSeconds =
    optionalValue(FIELDS.leaseHeartbeat, raw.leaseHeartbeat, parseSeconds) ?? FIELDS.leaseHeartbeat.default;
  const assumeRoleArn = optionalValue(FIELDS.assumeRoleArn, raw.assumeRoleArn, (f, r) => parseRole(f, r, region));
  const authSecretFile = optionalValue(FIELDS.authSecretFile, raw.authSecretFile, parsePath);
  const profile = optionalValue(FIELDS.profile, raw.profile, parseText);
  const endpointUrl = optionalValue(FIELDS.endpointUrl, raw.endpointUrl, parseUrl);
  const resultFile = optionalValue(FIELDS.resultFile, raw.resultFile, parseResultFile);
  const observedSinceSeconds = optionalValue(FIELDS.observedSince, raw.observedSince, parseSeconds);
  const output = (optionalValue(FIELDS.output, raw.output, parseChoice) ?? FIELDS.output.default) as 'text' | 'json';
  const force = optionalValue(FIELDS.force, raw.force, parseBoolean) ?? FIELDS.force.default;
  const list = (v: unknown): string[] | undefined =>
    Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : undefined;
  const probeSources = {
    probes: file?.probes,
    stopConditions: file?.stopConditions,
    ...(file ? { sourceOf: file.sourceOf } : {}),
    httpProbeFlags: list(flags.httpProbe),
    ...(typeof flags.httpProbeChecks === 'string' ? { httpProbeChecks: flags.httpProbeChecks } : {}),
    stopAlarmFlags: list(flags.stopAlarm),
    stopAlarmsEnv: env.STOP_ALARMS,
  };
  const probes = parseProbes(probeSources, sources.file);
  const stopConditions = parseStopConditions(probeSources, sources.file);

  if (assumeRoleArn !== undefined && faultParams?.executionRoleArn === assumeRoleArn) {
    throw new InvalidInputError(
      fieldName(FIELDS.assumeRoleArn),
      raw.assumeRoleArn!.value,
      'is the chaos execution role EXECUTION_ROLE itself: ecs-chaos would run as the role the fault gives the tasks',
      'pass the role ecs-chaos runs as, not the chaos role',
      { source: raw.assumeRoleArn!.source },
    );
  }
  if (assumeRoleArn !== undefined && assumeRoleArn === taskRoleArn) {
    throw new InvalidInputError(
      fieldName(FIELDS.assumeRoleArn),
      raw.assumeRoleArn!.value,
      `is the chaos task role ${fieldName(FIELDS.taskRole)} (from ${raw.taskRole!.source}) itself: ecs-chaos would ` +
        'run as the role whose permissions the fault takes away',
      'pass the role ecs-chaos runs as (allowed the ECS calls and iam:PassRole of the fault), not the chaos role',
      { source: raw.assumeRoleArn!.source },
    );
  }
  if (authSecretFile !== undefined) {
    readCredentialsFile(authSecretFile, profile ?? 'default', { source: raw.authSecretFile!.source });
  }

  return deepFreeze({
    fault,
    cluster: cluster.name,
    service: service.name,
    region,
    requireTag,
    taskRoleArn: swapsTaskRole ? (taskRoleArn ?? null) : undefined,
    ...(faultParams ? { faultParams } : {}),
    affectedPercent,
    durationSeconds,
    intervalSeconds,
    rampTimeSeconds,
    restoreTimeoutSeconds,
    rolloutTimeoutSeconds,
    exposureMode,
    restoreWait,
    leaseHeartbeatSeconds,
    force,
    auth: { authSecretFile, profile, assumeRoleArn, endpointUrl },
    resultFile,
    observedSinceSeconds,
    output,
    probes,
    stopConditions,
  });
}

/**
 * A field's raw value by precedence: flag > env var > experiment file > fallback env vars (for the
 * region: AWS_REGION, AWS_DEFAULT_REGION; like the SDK, an empty one counts as unset).
 */
function pickValue(
  field: FieldDefinition,
  sources: {
    readonly flags: ConfigSources['flags'];
    readonly env: ConfigSources['env'];
    readonly cwd: string;
    readonly file: ExperimentFile | undefined;
  },
): RawValue | undefined {
  const { flags, env, cwd, file } = sources;
  const flag = flags[field.key];
  if (flag !== undefined) return { value: flag, source: `flag ${field.flag}`, origin: 'flag', baseDir: cwd };
  if (field.env !== undefined) {
    const value = env[field.env];
    if (value !== undefined) return { value, source: `env ${field.env}`, origin: 'env', baseDir: cwd };
  }
  const fromFile = file?.values.get(field.key as FieldKey | FaultFieldKey);
  if (fromFile) return fromFile;
  for (const fallback of field.envFallbacks ?? []) {
    const value = env[fallback];
    if (value !== undefined && value.trim() !== '')
      return { value, source: `env ${fallback}`, origin: 'env', baseDir: cwd };
  }
  return undefined;
}

/** Parses one present, non-empty value; throws InvalidInputError. */
type Parser<T> = (field: FieldDefinition, raw: RawValue & { readonly text: string }) => T;

/**
 * Builds the error of a field's value. The fix is the field's guidance with an example in the syntax
 * of the value's source, or `fix` as given when the problem needs a specific one.
 */
function invalid(field: FieldDefinition, raw: RawValue, problem: string, fix?: string): InvalidInputError {
  const guidance = GUIDANCE[field.key as FieldKey] ?? FAULT_GUIDANCE[field.key as FaultFieldKey];
  const fullFix = fix ?? `${guidance.fix}, e.g. ${exampleFor(field, raw.origin, raw.fileKey, guidance.example)}`;
  // A value is echoed at most 300 characters long (a 50 MB value made a 50 MB line).
  return new InvalidInputError(fieldName(field), shownValue(raw.value), problem, fullFix, { source: raw.source });
}

function exampleFor(
  field: FieldDefinition,
  origin: RawValue['origin'],
  fileKey: string | undefined,
  value: string,
): string {
  if (origin === 'env' && field.env) return `${field.env}=${value}`;
  if (origin === 'file') return `${fileKey ?? field.key}: ${value}`;
  return field.type === 'boolean' ? field.flag : `${field.flag} ${value}`;
}

/**
 * Turns a raw value into trimmed text, or `undefined` when it is empty; refuses wrong types (a
 * number where text is expected, a list, a mapping, a switch without a value).
 */
function textOf(field: FieldDefinition, raw: RawValue): string | undefined {
  const { value } = raw;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    return text === '' ? undefined : text;
  }
  if (typeof value === 'boolean' && raw.origin === 'flag') throw invalid(field, raw, 'needs a value');
  throw invalid(field, raw, `must be ${describeExpected(field)}, not ${describeType(value)}`);
}

function describeExpected(field: FieldDefinition): string {
  switch (field.type) {
    case 'duration':
      return 'seconds or a duration text';
    case 'percent':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return 'text';
  }
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return 'a number (quote it)';
  return `a ${typeof value}`;
}

function emptyError(field: FieldDefinition, raw: RawValue): InvalidInputError {
  return invalid(field, raw, 'is empty');
}

/** A required field: absent is an error, empty is an error. */
function requireValue<T>(field: FieldDefinition, raw: RawValue | undefined, parse: Parser<T>, hasFile: boolean): T {
  if (raw === undefined) throw missingError(field, hasFile);
  const value = parsePresent(field, raw, parse);
  if (value === undefined) throw emptyError(field, raw);
  return value;
}

function missingError(field: FieldDefinition, hasFile: boolean): InvalidInputError {
  const { fix, example } = GUIDANCE[field.key as FieldKey];
  const sources = [
    `flag ${field.flag}`,
    ...[field.env, ...(field.envFallbacks ?? [])].filter(Boolean).map((e) => `env ${e}`),
  ];
  if (hasFile) sources.push('experiment file');
  const ways = [
    `${field.flag} ${example}`,
    field.env && `${field.env}=${example}`,
    `${field.key}: ${example} in the experiment file`,
  ];
  return new InvalidInputError(
    fieldName(field),
    undefined,
    'is required, but none of these sources sets it',
    `${fix}: ${ways.filter(Boolean).join(', or ')}`,
    {
      source: sources.join(', '),
    },
  );
}

/** An optional field: absent means the default; empty means "none" or is an error, per the field. */
function optionalValue<T>(field: FieldDefinition, raw: RawValue | undefined, parse: Parser<T>): T | undefined {
  if (raw === undefined) return undefined;
  const value = parsePresent(field, raw, parse);
  if (value === undefined && !field.emptyMeansNone) throw emptyError(field, raw);
  // An empty TASK_ROLE removes the task role, which must be meant: whitespace alone is a mistake
  // (other fields keep taking whitespace as none, e.g. an AWS_ENDPOINT_URL of ' ').
  if (value === undefined && field.key === 'taskRole' && typeof raw.value === 'string' && raw.value !== '')
    throw invalid(
      field,
      raw,
      'is only whitespace',
      `pass the value, or an empty value (${field.env ? `${field.env}=` : `${field.flag} ''`}) to mean none`,
    );
  return value;
}

/** Parses a present value; `undefined` when it is empty. Numbers and booleans go to their parsers. */
function parsePresent<T>(field: FieldDefinition, raw: RawValue, parse: Parser<T>): T | undefined {
  const takesNumbers = field.type === 'duration' || field.type === 'percent';
  const takesBooleans = field.type === 'boolean';
  if ((takesNumbers && typeof raw.value === 'number') || (takesBooleans && typeof raw.value === 'boolean')) {
    return parse(field, { ...raw, text: String(raw.value) });
  }
  const text = textOf(field, raw);
  return text === undefined ? undefined : parse(field, { ...raw, text });
}

function parseRegion(field: FieldDefinition, raw: RawValue & { text: string }): string {
  if (!REGION.test(raw.text)) throw invalid(field, raw, 'is not an AWS region name');
  return raw.text;
}

/** The partition a region belongs to. */
function partitionOf(region: string): (typeof PARTITIONS)[number] {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

function parseRole(field: FieldDefinition, raw: RawValue & { text: string }, region: string): string {
  const parsed = parseRoleArn(raw.text);
  if (!parsed.ok) throw invalid(field, raw, `is not an IAM role ARN: ${parsed.reason}`);
  const expected = partitionOf(region);
  if (parsed.arn.partition !== expected) {
    throw invalid(
      field,
      raw,
      `is an ARN of partition '${parsed.arn.partition}', but region ${region} is in partition '${expected}'`,
      `pass a role ARN starting arn:${expected}:iam::, or a region of partition ${parsed.arn.partition}`,
    );
  }
  return raw.text;
}

/** Parses a cluster or service given by name or by ARN. A service ARN also names its cluster. */
function parseEcsName(
  field: FieldDefinition,
  raw: RawValue & { text: string },
  kind: 'cluster' | 'service',
  region: string,
): { name: string; cluster: string | undefined } {
  const { text } = raw;
  if (!text.startsWith('arn:')) {
    if (!NAME.test(text)) throw invalid(field, raw, `is not a valid ${kind} name`);
    return { name: text, cluster: undefined };
  }
  const expectedForm =
    kind === 'cluster' ? 'arn:aws:ecs:REGION:ACCOUNT:cluster/NAME' : 'arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME';
  const arn = parseArn(text);
  if (!arn) throw invalid(field, raw, `is not a valid ARN (expected ${expectedForm})`);
  if (arn.service !== 'ecs') throw invalid(field, raw, `is an ARN of service '${arn.service}', not an ECS ${kind} ARN`);
  const partition = partitionOf(region);
  if (arn.partition !== partition)
    throw invalid(
      field,
      raw,
      `is an ARN of partition '${arn.partition}', but region ${region} is in partition '${partition}'`,
    );
  if (arn.region !== region)
    throw invalid(
      field,
      raw,
      `is an ARN of region '${arn.region}', but the experiment's region is ${region}`,
      `pass the ${kind} name alone, an ARN of region ${region}, or set REGION to ${arn.region || 'the region of the ARN'}`,
    );
  if (!/^\d{12}$/.test(arn.accountId)) throw invalid(field, raw, `'${arn.accountId}' is not a 12-digit account id`);
  const parts = arn.resource.split('/');
  if (kind === 'cluster') {
    const [type, name, ...rest] = parts;
    if (type !== 'cluster' || name === undefined || rest.length > 0 || !NAME.test(name))
      throw invalid(field, raw, `is not an ECS cluster ARN (expected ${expectedForm})`);
    return { name, cluster: undefined };
  }
  // Service ARNs are service/CLUSTER/NAME, or service/NAME in the old format.
  const [type, first, second, ...rest] = parts;
  const clusterName = second === undefined ? undefined : first;
  const name = second ?? first;
  if (
    type !== 'service' ||
    name === undefined ||
    rest.length > 0 ||
    !NAME.test(name) ||
    (clusterName !== undefined && !NAME.test(clusterName))
  )
    throw invalid(field, raw, `is not an ECS service ARN (expected ${expectedForm})`);
  return { name, cluster: clusterName };
}

function parsePercent(field: FieldDefinition, raw: RawValue & { text: string }): number {
  if (!/^\d+$/.test(raw.text)) throw invalid(field, raw, 'is not a whole number from 1 to 100');
  const percent = Number(raw.text);
  if (percent < 1 || percent > 100) throw invalid(field, raw, 'is outside 1..100');
  return percent;
}

/**
 * Parses `key=value` into a tag as ECS checks tags: the first `=` splits, the key has 1..128 and
 * the value 0..256 characters, both only letters, digits, spaces and `+ - = . _ : / @`.
 */
function parseTag(field: FieldDefinition, raw: RawValue & { text: string }): RequiredTag {
  const split = raw.text.indexOf('=');
  if (split < 0) throw invalid(field, raw, "has no '=': a tag is written key=value");
  const key = raw.text.slice(0, split);
  const value = raw.text.slice(split + 1);
  if (key === '') throw invalid(field, raw, "has an empty key (nothing before '=')");
  // Spaces are legal in tags, but around '=' they are almost always a typo for key=value.
  if (/\s$/.test(key) || /^\s/.test(value))
    throw invalid(
      field,
      raw,
      "has spaces around '='",
      `write the tag as key=value without spaces around '=', e.g. ${exampleFor(field, raw.origin, raw.fileKey, GUIDANCE.requireTag.example)}`,
    );
  for (const [part, text, max] of [
    ['key', key, TAG_KEY_MAX],
    ['value', value, TAG_VALUE_MAX],
  ] as const) {
    const characters = [...text];
    if (characters.length > max)
      throw invalid(field, raw, `has a ${part} of ${characters.length} characters; ECS allows at most ${max}`);
    const bad = characters.find((c) => !TAG_CHARACTER.test(c));
    if (bad !== undefined)
      throw invalid(field, raw, `has ${JSON.stringify(bad)} in its ${part}, a character ECS tags do not allow`);
  }
  return { key, value };
}

function parseSeconds(field: FieldDefinition, raw: RawValue & { text: string }): number {
  const input = typeof raw.value === 'number' ? raw.value : raw.text;
  const parsed = parseDuration(input, { minSeconds: field.minSeconds ?? 1 });
  if (!parsed.ok) throw invalid(field, raw, parsed.reason);
  return parsed.seconds;
}

function parsePath(_field: FieldDefinition, raw: RawValue & { text: string }): string {
  return resolve(raw.baseDir, raw.text);
}

function parseResultFile(field: FieldDefinition, raw: RawValue & { text: string }): string {
  const path = resolve(raw.baseDir, raw.text);
  // Found out now, not after the experiment has run.
  const stat = statOrUndefined(path);
  if (stat?.isDirectory()) throw invalid(field, raw, 'is a directory');
  const dir = dirname(path);
  const dirStat = statOrUndefined(dir);
  if (!dirStat?.isDirectory()) throw invalid(field, raw, `its directory ${dir} does not exist`);
  try {
    accessSync(stat ? path : dir, constants.W_OK);
  } catch {
    throw invalid(field, raw, `${stat ? 'the file' : `its directory ${dir}`} is not writable`);
  }
  return path;
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function parseText(_field: FieldDefinition, raw: RawValue & { text: string }): string {
  return raw.text;
}

function parseUrl(field: FieldDefinition, raw: RawValue & { text: string }): string {
  let url: URL;
  try {
    url = new URL(raw.text);
  } catch {
    throw invalid(field, raw, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(
      field,
      raw,
      raw.text.includes('://')
        ? `has scheme ${url.protocol.replace(/:$/, '')}; only http and https are supported`
        : 'has no http:// or https:// scheme',
    );
  if (url.username !== '' || url.password !== '') {
    // Never echo what may be a password.
    const redacted = { ...raw, value: `${url.protocol}//***@${url.host}${url.pathname}` };
    throw invalid(field, redacted, 'must not contain a user name or password');
  }
  return raw.text;
}

function parseChoice(field: FieldDefinition, raw: RawValue & { text: string }): string {
  const choices = field.choices ?? [];
  if (!choices.includes(raw.text)) throw invalid(field, raw, `is not one of ${choices.join(', ')}`);
  return raw.text;
}

function parseBoolean(field: FieldDefinition, raw: RawValue & { text: string }): boolean {
  if (raw.text === 'true') return true;
  if (raw.text === 'false') return false;
  throw invalid(field, raw, 'is not true or false');
}

/**
 * The fault to run: the command line's, else the experiment file's, else the only one. Both are
 * validated whenever they are given, so a file naming an unknown fault is never silently overridden
 * by the command line.
 */
function resolveFault(fromCommandLine: string | undefined, fromFile: RawValue | undefined): FaultName {
  const known = `known faults: ${FAULTS.join(', ')}`;
  const isFault = (text: string): text is FaultName => (FAULTS as readonly string[]).includes(text);
  if (fromCommandLine !== undefined && !isFault(fromCommandLine))
    throw new InvalidInputError(
      'fault',
      fromCommandLine,
      `is not a fault ecs-chaos knows (${known})`,
      `run ecs-chaos run ${FAULTS[0]}`,
      { source: 'command line' },
    );
  let fileFault: FaultName | undefined;
  if (fromFile !== undefined) {
    const value = fromFile.value;
    const text = typeof value === 'string' ? value.trim() : undefined;
    if (text === undefined || !isFault(text))
      throw new InvalidInputError(
        'fault',
        value,
        `is not a fault ecs-chaos knows (${known})`,
        `write fault: ${FAULTS[0]}, or remove the fault key`,
        { source: fromFile.source },
      );
    fileFault = text;
  }
  if (fromCommandLine !== undefined && fileFault !== undefined && fromCommandLine !== fileFault)
    throw new InvalidInputError(
      'fault',
      fileFault,
      `is the experiment file's fault, but the command line runs ${fromCommandLine}`,
      `run ecs-chaos run ${fileFault}, or change the file's fault to ${fromCommandLine}`,
      { source: fromFile!.source },
    );
  return fromCommandLine ?? fileFault ?? FAULTS[0];
}

/** The cap of an experiment file's size: 1 MiB, far above any real experiment (a few KiB). */
const MAX_EXPERIMENT_FILE_BYTES = 1024 * 1024;

/**
 * The cap of the nodes YAML aliases may expand to (the `yaml` library's maxAliasCount): a few
 * aliases of small anchors are fine; a billion-laughs document (anchors of aliases of anchors)
 * would expand to billions of nodes and is refused before anything walks it.
 */
const MAX_ALIAS_COUNT = 100;

function refuseAliasBomb(
  doc: Document,
  path: string,
  fileError: (problem: string, fix: string) => InvalidInputError,
): void {
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (/excessive alias/i.test((err as Error).message))
      throw fileError(
        `its YAML aliases expand too much (${(err as Error).message.split('\n')[0]}): a YAML alias bomb is refused`,
        `write the values out in ${path} instead of nesting aliases of anchors (at most ${MAX_ALIAS_COUNT} expanded nodes)`,
      );
    throw err;
  }
}

/** Reads an experiment file and checks its structure: a mapping of known keys, each given once. */
function readExperimentFile(path: string, cwd: string): ExperimentFile {
  const absolute = resolve(cwd, path);
  const baseDir = dirname(absolute);
  const fileError = (problem: string, fix: string, source = `flag ${FILE_FIELD}`, value: unknown = path) =>
    new InvalidInputError(FILE_FIELD, value, problem, fix, { source });
  const fixFile = 'pass the path of a YAML or JSON experiment file';
  let text: string;
  try {
    // The size is checked before the file is read: an experiment file is a few KiB.
    const size = statSync(absolute).isFile() ? statSync(absolute).size : 0;
    if (size > MAX_EXPERIMENT_FILE_BYTES)
      throw fileError(
        `the experiment file is ${size} bytes, over the cap of 1 MiB (${MAX_EXPERIMENT_FILE_BYTES} bytes)`,
        `pass an experiment file of at most 1 MiB; ${path} is not one`,
      );
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fileError('the experiment file does not exist', fixFile);
    if (code === 'EISDIR') throw fileError('is a directory, not an experiment file', fixFile);
    if (code === 'EACCES' || code === 'EPERM')
      throw fileError(
        'the experiment file cannot be read (permission denied)',
        'make the file readable by the user running ecs-chaos',
      );
    throw fileError(`the experiment file cannot be read (${code ?? 'unknown error'})`, fixFile);
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  const at = (line: number) => `${path} line ${line}`;
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const line = syntaxError.linePos?.[0]?.line ?? lineOf(syntaxError.pos[0]);
    const reason = syntaxError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? syntaxError.code;
    const lineText = (text.split(/\r?\n/)[line - 1] ?? '').trim();
    throw fileError(
      `is not valid YAML or JSON: ${reason}`,
      `correct line ${line} of ${path}`,
      at(line),
      lineText.length > 80 ? `${lineText.slice(0, 80)}...` : lineText,
    );
  }
  refuseAliasBomb(doc, path, fileError);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null))
    throw fileError('the experiment file is empty', `write a mapping such as "cluster: prod" in ${path}`, at(1), '');
  if (!isMap(root))
    throw fileError(
      `the experiment file must be a mapping of keys to values, not ${isSeq(root) ? 'a list' : 'a single value'}`,
      `write a mapping such as "cluster: prod" in ${path}`,
      at(lineOf(root.range?.[0])),
      safeJs(root, doc),
    );

  let fault: RawValue | undefined;
  let probes: unknown;
  let stopConditions: unknown;
  const lines = new Map<string, number>();
  const values = new Map<FieldKey | FaultFieldKey, RawValue>();
  const byFileKey = new Map<string, FieldDefinition>();
  for (const field of [...FIELD_LIST, ...FAULT_FIELD_LIST]) for (const key of field.fileKeys) byFileKey.set(key, field);

  const take = (field: FieldDefinition, fileKey: string, valueNode: unknown, line: number): void => {
    const previous = values.get(field.key as FieldKey | FaultFieldKey);
    const value = valueOf(valueNode, doc);
    if (previous)
      throw new InvalidInputError(
        fieldName(field),
        value,
        `is given twice in the experiment file (also as ${previous.fileKey} at ${previous.source})`,
        `keep one of ${previous.fileKey} and ${fileKey}`,
        { source: at(line) },
      );
    values.set(field.key as FieldKey | FaultFieldKey, { value, source: at(line), origin: 'file', baseDir, fileKey });
  };

  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const line = lineOf(keyNode?.range?.[0] ?? (pair.value as Node | null)?.range?.[0]);
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string')
      throw fileError(
        'has a key that is not text',
        `use keys such as cluster or CLUSTER_NAME`,
        at(line),
        safeJs(keyNode, doc),
      );
    const key = keyNode.value;
    if (key === 'fault') {
      fault = { value: valueOf(pair.value, doc), source: at(line), origin: 'file', baseDir, fileKey: key };
      continue;
    }
    if (key === 'probes' || key === 'stopConditions') {
      lines.set(key, line);
      mapLines(pair.value, key, lines, lineOf, doc);
      if (key === 'probes') probes = valueOf(pair.value, doc);
      else stopConditions = valueOf(pair.value, doc);
      continue;
    }
    if (key === 'target') {
      const target = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
      if (!isMap(target))
        throw new InvalidInputError(
          'target',
          valueOf(pair.value, doc),
          'must be a mapping of cluster, service and region',
          'write target: {cluster: NAME, service: NAME, region: REGION}',
          { source: at(line) },
        );
      for (const inner of target.items) {
        const innerKey = inner.key as Node | null;
        const innerLine = lineOf(innerKey?.range?.[0]);
        const name =
          isScalar(innerKey) && typeof innerKey.value === 'string' ? innerKey.value : String(safeJs(innerKey, doc));
        const field = TARGET_KEYS.map((k) => FIELDS[k] as FieldDefinition).find((f) => f.fileKeys.includes(name));
        if (!field) throw unknownKey(name, valueOf(inner.value, doc), at(innerLine), [...TARGET_KEYS], 'target');
        take(field, `target.${name}`, inner.value, innerLine);
      }
      continue;
    }
    const field = byFileKey.get(key);
    if (!field)
      throw unknownKey(key, valueOf(pair.value, doc), at(line), [
        'fault',
        'target',
        'probes',
        'stopConditions',
        ...byFileKey.keys(),
      ]);
    take(field, key, pair.value, line);
  }
  const sourceOf = (keyPath: string): string | undefined => {
    // The nearest enclosing path with a known line: `probes[0].http.url`, then `probes[0].http`...
    for (let p = keyPath; p; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
      const found = lines.get(p);
      if (found !== undefined) return at(found);
      if (!/(\.[^.[\]]+|\[\d+\])$/.test(p)) break;
    }
    return undefined;
  };
  return { fault, values, probes, stopConditions, sourceOf };
}

/** Records the line of every key path under a node: `probes[0]`, `probes[0].http`, `probes[0].http.url`... */
function mapLines(
  node: unknown,
  path: string,
  lines: Map<string, number>,
  lineOf: (offset: number | undefined) => number,
  doc: Document,
): void {
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(target)) {
    for (const pair of target.items) {
      const keyNode = pair.key as Node | null;
      if (!isScalar(keyNode)) continue;
      const child = `${path}.${String(keyNode.value)}`;
      lines.set(child, lineOf(keyNode.range?.[0]));
      mapLines(pair.value, child, lines, lineOf, doc);
    }
  } else if (isSeq(target)) {
    target.items.forEach((item, i) => {
      const child = `${path}[${i}]`;
      lines.set(child, lineOf((item as Node | null)?.range?.[0]));
      mapLines(item, child, lines, lineOf, doc);
    });
  }
}

function unknownKey(
  key: string,
  value: unknown,
  source: string,
  known: readonly string[],
  within?: string,
): InvalidInputError {
  const suggestion = closest(key, known);
  const where = within ? ` of ${within}` : ' of an experiment file';
  // An unknown key's value is shown only when it is a short scalar: a misspelt key may hold a secret
  // mapping (headers: {Authorization: ...}); a long value is cut at 300 characters.
  return new InvalidInputError(
    shownValue(key) as string,
    value !== null && typeof value === 'object' ? '(value not shown)' : shownValue(value),
    `is not a key${where}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
    suggestion
      ? `rename it to ${suggestion}`
      : `use one of ${known.filter((k) => !/^[A-Z_]+$/.test(k)).join(', ')} (or a field's env var name)`,
    { source },
  );
}

/** The known key nearest to `key` (case-insensitive edit distance), if near enough to be a typo. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/** The plain value of a YAML node: scalars as they are, collections as JS, aliases resolved. */
function valueOf(node: unknown, doc: Document): unknown {
  if (node === null || node === undefined) return null;
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (isScalar(target)) return target.value;
  return safeJs(target, doc);
}

function safeJs(node: unknown, doc: Document): unknown {
  try {
    return node && typeof node === 'object' && 'toJS' in node ? (node as Node).toJS(doc) : node;
  } catch {
    return String(node);
  }
}

/** What `recover` and `status` need: a cluster, optionally one service, the region and the credentials. */
export interface TargetSpec {
  readonly cluster: string;
  /** One service; all of the cluster's when undefined. */
  readonly service: string | undefined;
  readonly region: string;
  readonly auth: AuthSpec;
  readonly restoreTimeoutSeconds: number;
  readonly output: 'text' | 'json';
}

/**
 * Loads the target of `recover` or `status` from flags and env vars, with the same rules and errors
 * as {@link loadExperimentSpec}; the service is optional.
 */
export function loadTargetSpec(sources: Pick<ConfigSources, 'flags' | 'env' | 'cwd'>): TargetSpec {
  const cwd = sources.cwd ?? process.cwd();
  const { flags, env } = sources;
  const pick = (field: FieldDefinition): RawValue | undefined => pickValue(field, { flags, env, cwd, file: undefined });
  const serviceRaw = pick(FIELDS.service);
  const serviceIsArn = typeof serviceRaw?.value === 'string' && serviceRaw.value.trim().startsWith('arn:');
  const clusterRaw = pick(FIELDS.cluster);
  if (clusterRaw === undefined && !serviceIsArn) throw missingError(FIELDS.cluster, false);
  const regionRaw = pick(FIELDS.region);
  if (regionRaw === undefined) throw missingError(FIELDS.region, false);
  const region = requireValue(FIELDS.region, regionRaw, parseRegion, false);
  const service = optionalValue(FIELDS.service, serviceRaw, (f, r) => parseEcsName(f, r, 'service', region));
  const cluster =
    clusterRaw === undefined && service?.cluster !== undefined
      ? service.cluster
      : requireValue(FIELDS.cluster, clusterRaw, (f, r) => parseEcsName(f, r, 'cluster', region), false).name;
  if (service?.cluster !== undefined && service.cluster !== cluster) {
    throw new InvalidInputError(
      fieldName(FIELDS.service),
      serviceRaw!.value,
      `is a service of cluster '${service.cluster}', but ${fieldName(FIELDS.cluster)} is '${cluster}'`,
      `pass the service name alone, or set ${fieldName(FIELDS.cluster)} to the cluster of the service ARN`,
      { source: serviceRaw!.source },
    );
  }
  const authSecretRaw = pick(FIELDS.authSecretFile);
  const authSecretFile = optionalValue(FIELDS.authSecretFile, authSecretRaw, parsePath);
  const profile = optionalValue(FIELDS.profile, pick(FIELDS.profile), parseText);
  if (authSecretFile !== undefined) {
    readCredentialsFile(authSecretFile, profile ?? 'default', { source: authSecretRaw!.source });
  }
  return deepFreeze({
    cluster,
    service: service?.name,
    region,
    auth: {
      authSecretFile,
      profile,
      assumeRoleArn: optionalValue(FIELDS.assumeRoleArn, pick(FIELDS.assumeRoleArn), (f, r) => parseRole(f, r, region)),
      endpointUrl: optionalValue(FIELDS.endpointUrl, pick(FIELDS.endpointUrl), parseUrl),
    },
    restoreTimeoutSeconds:
      optionalValue(FIELDS.restoreTimeout, pick(FIELDS.restoreTimeout), parseSeconds) ?? FIELDS.restoreTimeout.default,
    output: (optionalValue(FIELDS.output, pick(FIELDS.output), parseChoice) ?? FIELDS.output.default) as
      'text' | 'json',
  });
}
