/**
 * Loads an experiment from its sources (CLI flags, env vars, an experiment file) into one frozen,
 * validated {@link ExperimentSpec}. Precedence: flag > env > file > default. Every invalid value is
 * an {@link InvalidInputError} naming the field, the value, where it came from and the fix, raised
 * before any AWS call.
 */
import { readCredentialsFile } from '../aws/credentials.js';
import { InvalidInputError } from '../errors.js';
import { deepFreeze } from './shared.js';
import { parseProbes, parseStopConditions } from '../probes/parse.js';
import { loadFaultParams } from './fault-params.js';
import { FIELDS, FIELD_LIST, fieldName, type FieldDefinition, type FieldKey } from './fields.js';
import { readExperimentFile } from './experiment-file.js';
import { resolveFault } from './fault-choice.js';
import { invalid, missingError, optionalValue, requireValue } from './field-values.js';
import { pickValue, type ConfigSources, type RawValue } from './sources.js';
import {
  parseBoolean,
  parseChoice,
  parseEcsName,
  parsePath,
  parsePercent,
  parseRegion,
  parseResultFile,
  parseRole,
  parseSeconds,
  parseTag,
  parseText,
  parseUrl,
} from './value-parsers.js';
import { EXACT_MAX_PERCENT, type AuthSpec, type ExperimentSpec, type ExposureMode } from './spec.js';

export type { ConfigSources } from './sources.js';

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
