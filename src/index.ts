/**
 * The library API of ecs-chaos. Explicit exports only.
 *
 * @example
 * import { loadExperimentSpec, createCredentialProvider, createAwsPorts, runExperiment, SYSTEM_CLOCK, SILENT_IO, VERSION } from 'ecs-chaos';
 * const spec = loadExperimentSpec({ flags: { cluster: 'demo', service: 'orders', region: 'us-east-1' }, env: process.env, fault: 'update-task-role' });
 * const ports = createAwsPorts({ region: spec.region, credentials: createCredentialProvider(spec.auth, { region: spec.region, env: process.env }) });
 * const result = await runExperiment(spec, { ...ports, io: SILENT_IO, clock: SYSTEM_CLOCK, version: VERSION }, new AbortController().signal);
 */
export {
  ChaosError,
  InvalidInputError,
  type ChaosErrorOptions,
  type ErrorFault,
  type InvalidInputOptions,
} from './errors.js';
export { VERSION } from './version.js';

// AWS: ARNs, ports, adapters, credentials, retries.
export { parseArn, parseRoleArn, formatArn, PARTITIONS, type Arn, type RoleArn } from './aws/arn.js';
export {
  PORT_ACTIONS,
  type AwsPorts,
  type EcsPort,
  type IamPort,
  type StsPort,
  type CloudTrailPort,
  type CloudWatchPort,
  type ElbPort,
  type CallOptions,
} from './aws/ports.js';
export { createAwsPorts, type AwsClientOptions } from './aws/sdk.js';
export {
  createCredentialProvider,
  readCredentialsFile,
  describeAuthPath,
  verifyCredentials,
  type AwsCredentials,
  type CredentialProviderOptions,
} from './aws/credentials.js';
export {
  withRetry,
  isRetryable,
  backoffMs,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  type WithRetryOptions,
} from './aws/retry.js';

// Configuration.
export { loadExperimentSpec, type ConfigSources } from './config/load.js';
export { FIELDS, FIELD_LIST, fieldName, type FieldDefinition, type FieldKey, type FieldType } from './config/fields.js';
export { parseDuration, MAX_DURATION_SECONDS, type ParsedDuration } from './config/duration.js';
export { FAULTS, type FaultName, type ExperimentSpec, type AuthSpec, type RequiredTag } from './config/spec.js';

// The fault and the engine.
export {
  chaosTaskDefinitionInput,
  diffValues,
  READ_ONLY_TASK_DEFINITION_FIELDS,
  type ChaosCopyOptions,
  type FieldChange,
} from './faults/update-task-role/chaos-task-definition.js';
export { chaosDeploymentConfiguration } from './engine/deployment-config.js';
export { runExperiment, newExperimentId, type EngineDeps } from './engine/run.js';
export { planExperiment, iterationHolds, type ExperimentPlan, type PlannedCall } from './engine/plan.js';
export {
  preflight,
  PreflightError,
  type PreflightCheck,
  type PreflightResult,
  type CheckStatus,
} from './engine/preflight.js';
export { SYSTEM_CLOCK, type Clock } from './engine/clock.js';
export {
  MARKER,
  MARKER_KEYS,
  encodeDeploymentConfiguration,
  decodeDeploymentConfiguration,
  hasMarkers,
} from './engine/markers.js';
export { findChaosRevisions, type ChaosRevision } from './engine/find-chaos-revisions.js';
export { recoverCommand } from './engine/recover-command.js';

// Messages and results.
export {
  IO_CODES,
  SILENT_IO,
  RecordingIoHost,
  type IoHost,
  type IoMessage,
  type IoCode,
  type IoLevel,
} from './io/io-host.js';
export {
  RESULT_SCHEMA_VERSION,
  VERDICTS,
  type Verdict,
  type ExperimentResult,
  type TimelineEntry,
  type MutationRecord,
  type IterationRecord,
  type EffectVerification,
  type Exposure,
  type Residue,
  type ResidueItem,
  type StopConditionsRecord,
  type AccessDeniedSummary,
  type SignalsRecord,
} from './report/result.js';

// IAM policies.
export { parsePolicyDocument, type PolicyDocument, type Statement } from './iam/policy.js';
export {
  evaluatePolicies,
  trustAllows,
  type AuthorizationRequest,
  type RequestPrincipal,
  type Decision,
} from './iam/evaluate.js';

// Probes and stop conditions.
export {
  PROBE_TYPES,
  PROBE_MODES,
  PROBE_STATUSES,
  PROBE_PHASES,
  NUMBER_CRITERIA,
  TEXT_CRITERIA,
  CLOUDWATCH_STATISTICS,
  ALARM_STATES,
  type ProbeType,
  type ProbeMode,
  type ProbeStatus,
  type ProbePhase,
  type ProbeSpec,
  type HttpProbeSpec,
  type CmdProbeSpec,
  type PrometheusProbeSpec,
  type CloudWatchProbeSpec,
  type CloudTrailProbeSpec,
  type EcsProbeSpec,
  type RunProperties,
  type Comparator,
  type ProbeWindow,
  type StopCondition,
  type ProbeEvaluation,
  type ProbeResult,
} from './probes/types.js';
export { parseProbes, parseStopConditions, describeProbe, DEFAULT_RUN_PROPERTIES } from './probes/parse.js';
export { compare, describeComparator } from './probes/comparator.js';
