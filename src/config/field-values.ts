/**
 * A field's raw value to its checked value: present, empty or absent, each per the field's rules,
 * and the error naming the field, the value, its source and the fix.
 */
import { InvalidInputError } from '../errors.js';
import { shownValue } from '../probes/parse.js';
import { FAULT_GUIDANCE } from './fault-params.js';
import { fieldName, type FaultFieldKey, type FieldDefinition, type FieldKey } from './fields.js';
import type { RawValue } from './sources.js';

/** How to fix each field, and an example value. */
export const GUIDANCE: Record<FieldKey, { readonly fix: string; readonly example: string }> = {
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

/** Parses one present, non-empty value; throws InvalidInputError. */
export type Parser<T> = (field: FieldDefinition, raw: RawValue & { readonly text: string }) => T;

/**
 * Builds the error of a field's value. The fix is the field's guidance with an example in the syntax
 * of the value's source, or `fix` as given when the problem needs a specific one.
 */
export function invalid(field: FieldDefinition, raw: RawValue, problem: string, fix?: string): InvalidInputError {
  const guidance = GUIDANCE[field.key as FieldKey] ?? FAULT_GUIDANCE[field.key as FaultFieldKey];
  const fullFix = fix ?? `${guidance.fix}, e.g. ${exampleFor(field, raw.origin, raw.fileKey, guidance.example)}`;
  // A value is echoed at most 300 characters long (a 50 MB value made a 50 MB line).
  return new InvalidInputError(fieldName(field), shownValue(raw.value), problem, fullFix, { source: raw.source });
}

export function exampleFor(
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
export function requireValue<T>(
  field: FieldDefinition,
  raw: RawValue | undefined,
  parse: Parser<T>,
  hasFile: boolean,
): T {
  if (raw === undefined) throw missingError(field, hasFile);
  const value = parsePresent(field, raw, parse);
  if (value === undefined) throw emptyError(field, raw);
  return value;
}

export function missingError(field: FieldDefinition, hasFile: boolean): InvalidInputError {
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
export function optionalValue<T>(field: FieldDefinition, raw: RawValue | undefined, parse: Parser<T>): T | undefined {
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
