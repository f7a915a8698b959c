/**
 * The tunables of the faults beyond update-task-role (FAULT_FIELDS): each applies to its faults
 * only, so a tunable given to another fault is bad input naming the fault it belongs to.
 */
import { InvalidInputError } from '../errors.js';
import { shownValue } from '../probes/parse.js';
import { parseDuration } from './duration.js';
import {
  FAULT_FIELDS,
  FAULT_FIELD_LIST,
  FIELDS,
  fieldName,
  type FaultFieldDefinition,
  type FieldDefinition,
} from './fields.js';
import type { FaultName, FaultParams } from './spec.js';

/** A value as one source gave it. */
export interface FaultRawValue {
  readonly value: unknown;
  /** e.g. `flag --cpu-limit`, `env CPU_LIMIT`, `experiment.yaml line 4` */
  readonly source: string;
  readonly origin: 'flag' | 'env' | 'file';
  readonly fileKey?: string;
}

/** How to fix each fault field, and an example value. */
export const FAULT_GUIDANCE: Record<keyof typeof FAULT_FIELDS, { readonly fix: string; readonly example: string }> = {
  executionRole: {
    fix: "pass the ARN of the chaos execution role, or an empty value (--execution-role '' or EXECUTION_ROLE=) to remove it",
    example: 'arn:aws:iam::123456789012:role/orders-chaos-execution',
  },
  cpuLimit: { fix: 'pass whole CPU units from 2 to 262144 (1024 = 1 vCPU)', example: '256' },
  memoryLimit: { fix: 'pass whole MiB, at least 6', example: '128' },
  startTimeout: { fix: 'pass whole seconds or a duration like 90s, from 1 s', example: '60' },
  stopTimeout: { fix: 'pass whole seconds or a duration like 90s, from 1 s (Fargate: at most 120)', example: '5' },
  image: {
    fix: 'pass an image reference of at most 255 letters, digits and - _ : . / # @, or leave it unset for an unpullable one',
    example: 'ecs-chaos.invalid/unpullable:chaos',
  },
  containerNames: {
    fix: 'pass container names separated by commas, or leave it unset for all',
    example: 'app,sidecar',
  },
  taskCount: { fix: 'pass a whole number of tasks, from 1 to 5000', example: '1' },
  taskReplicaId: {
    fix: 'pass the ids (or ARNs) of RUNNING tasks of the service, separated by commas (aws ecs list-tasks --service-name S)',
    example: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  },
  sequence: { fix: 'pass serial or parallel', example: 'serial' },
  actions: {
    fix: 'pass IAM actions as service:Action separated by commas (wildcards * and ? allowed), or --deny-all',
    example: 's3:PutObject,dynamodb:*',
  },
  resources: {
    fix: "pass resource ARNs separated by commas (wildcards * and ? allowed), or leave it unset for '*'",
    example: 'arn:aws:s3:::orders-bucket/*',
  },
  denyAll: { fix: 'pass true or false (the flag --deny-all alone means true)', example: 'true' },
  allowSharedRole: { fix: 'pass true or false (the flag --allow-shared-role alone means true)', example: 'true' },
};

/** A task id: 32 hex digits, or a UUID (tasks of the old ARN format). */
const TASK_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** A task ARN, new format (`task/CLUSTER/ID`) or old (`task/ID`). */
const TASK_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/(?:([A-Za-z0-9_-]{1,255})\/)?([^/]+)$/;

/** An IAM action or pattern as a policy names it: `service:Action`, wildcards allowed. */
const ACTION = /^([a-z0-9-]+|\*):([A-Za-z0-9*?]+)$/;
/** A resource as a policy names it: `*`, or an ARN (wildcards allowed). */
const RESOURCE = /^(\*|arn:[^\s,]+)$/;

function flagOrText(field: FaultFieldDefinition, raw: FaultRawValue): boolean {
  const { value } = raw;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(t)) return true;
    if (['false', '0', 'no', ''].includes(t)) return false;
  }
  throw invalid(field, raw, 'is not true or false');
}

function list(field: FaultFieldDefinition, raw: FaultRawValue, text: string, item: RegExp, what: string): string[] {
  const items = text.split(',').map((n) => n.trim());
  const bad = items.find((n) => !item.test(n));
  if (bad !== undefined) throw invalid(field, raw, `has ${JSON.stringify(bad)}, not ${what}`);
  const dup = items.find((n, i) => items.indexOf(n) !== i);
  if (dup !== undefined) throw invalid(field, raw, `names ${dup} twice`);
  return items;
}

const CONTAINER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const IMAGE = /^[A-Za-z0-9\-_:./#@]{1,255}$/;

function invalid(field: FaultFieldDefinition, raw: FaultRawValue, problem: string, fix?: string): InvalidInputError {
  const g = FAULT_GUIDANCE[field.key as keyof typeof FAULT_FIELDS];
  const example =
    raw.origin === 'env'
      ? `${field.env}=${g.example}`
      : raw.origin === 'file'
        ? `${raw.fileKey ?? field.key}: ${g.example}`
        : `${field.flag} ${g.example}`;
  return new InvalidInputError(fieldName(field), shownValue(raw.value), problem, fix ?? `${g.fix}, e.g. ${example}`, {
    source: raw.source,
  });
}

function missing(field: FaultFieldDefinition, fault: FaultName, also?: FaultFieldDefinition): InvalidInputError {
  const g = FAULT_GUIDANCE[field.key as keyof typeof FAULT_FIELDS];
  const either = also ? ` (or ${fieldName(also)}, or both)` : '';
  return new InvalidInputError(
    fieldName(field),
    undefined,
    `is required by ${fault}${either}, but no source sets it`,
    `${g.fix}: ${field.flag} ${g.example}, or ${field.env}=${g.example}, or ${field.key}: ${g.example} in the experiment file`,
    { source: `flag ${field.flag}, env ${field.env}, experiment file` },
  );
}

/** Trimmed text, or undefined when empty; a number is taken as its text. */
function textOf(field: FaultFieldDefinition, raw: FaultRawValue): string | undefined {
  const { value } = raw;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (Array.isArray(value) && ['containerNames', 'actions', 'resources'].includes(field.key))
    return value.map(String).join(',');
  if (typeof value === 'boolean' && raw.origin === 'flag') throw invalid(field, raw, 'needs a value');
  throw invalid(field, raw, `must be text, not ${Array.isArray(value) ? 'a list' : typeof value}`);
}

function wholeNumber(field: FaultFieldDefinition, raw: FaultRawValue, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw invalid(field, raw, 'is not a whole number');
  const n = Number(text);
  if (n < min || n > max) throw invalid(field, raw, `is out of range (${min} to ${max})`);
  return n;
}

function seconds(field: FaultFieldDefinition, raw: FaultRawValue, text: string): number {
  const parsed = parseDuration(typeof raw.value === 'number' ? raw.value : text, { minSeconds: 1 });
  if (!parsed.ok) throw invalid(field, raw, parsed.reason);
  return parsed.seconds;
}

function names(field: FaultFieldDefinition, raw: FaultRawValue, text: string): readonly string[] {
  const list = text.split(',').map((n) => n.trim());
  const bad = list.find((n) => !CONTAINER_NAME.test(n));
  if (bad !== undefined)
    throw invalid(field, raw, `has ${JSON.stringify(bad)}, not a container name (letters, digits, - and _)`);
  const dup = list.find((n, i) => list.indexOf(n) !== i);
  if (dup !== undefined) throw invalid(field, raw, `names ${dup} twice`);
  return list;
}

/**
 * The fault tunables of `fault`, validated; undefined for update-task-role. `pick` reads a field by
 * precedence (flag > env > file); `parseRole` checks a role ARN against the region's partition.
 */
export function loadFaultParams(
  fault: FaultName,
  pick: (field: FieldDefinition) => FaultRawValue | undefined,
  parseRole: (field: FaultFieldDefinition, raw: FaultRawValue, text: string) => string,
): FaultParams | undefined {
  const raws = new Map<string, FaultRawValue>();
  for (const field of FAULT_FIELD_LIST) {
    const raw = pick(field);
    if (raw === undefined) continue;
    if (!field.faults.includes(fault))
      throw invalid(
        field,
        raw,
        `is a tunable of ${field.faults.join(', ')}, not of ${fault}`,
        `remove it, or run ${field.faults.length === 1 ? 'that fault' : 'one of those faults'}`,
      );
    raws.set(field.key, raw);
  }
  if (fault === 'update-task-role') return undefined;
  const F = FAULT_FIELDS;
  const text = (field: FaultFieldDefinition): { raw: FaultRawValue; text: string | undefined } | undefined => {
    const raw = raws.get(field.key);
    if (raw === undefined) return undefined;
    const t = textOf(field, raw);
    if (t === undefined && !field.emptyMeansNone) throw invalid(field, raw, 'is empty');
    return { raw, text: t };
  };
  const params: { -readonly [K in keyof FaultParams]: FaultParams[K] } = {};
  if (fault === 'deny-task-permissions') return denyParams(raws);
  const containers = text(F.containerNames);
  if (containers?.text !== undefined) params.containerNames = names(F.containerNames, containers.raw, containers.text);
  switch (fault) {
    case 'update-execution-role': {
      const role = text(F.executionRole);
      if (role === undefined) throw missing(F.executionRole, fault);
      if (role.text === undefined && typeof role.raw.value === 'string' && role.raw.value !== '')
        throw invalid(
          F.executionRole,
          role.raw,
          'is only whitespace',
          'pass the ARN, or an empty value to remove the role',
        );
      params.executionRoleArn = role.text === undefined ? null : parseRole(F.executionRole, role.raw, role.text);
      break;
    }
    case 'update-container-resource-limit': {
      const cpu = text(F.cpuLimit);
      const memory = text(F.memoryLimit);
      if (cpu === undefined && memory === undefined) throw missing(F.cpuLimit, fault, F.memoryLimit);
      if (cpu?.text !== undefined) params.cpuLimit = wholeNumber(F.cpuLimit, cpu.raw, cpu.text, 2, 262_144);
      if (memory?.text !== undefined)
        params.memoryLimit = wholeNumber(F.memoryLimit, memory.raw, memory.text, 6, 2_097_152);
      break;
    }
    case 'update-container-timeout': {
      const start = text(F.startTimeout);
      const stop = text(F.stopTimeout);
      if (start === undefined && stop === undefined) throw missing(F.startTimeout, fault, F.stopTimeout);
      if (start?.text !== undefined) params.startTimeout = seconds(F.startTimeout, start.raw, start.text);
      if (stop?.text !== undefined) params.stopTimeout = seconds(F.stopTimeout, stop.raw, stop.text);
      break;
    }
    case 'invalid-container-image': {
      const image = text(F.image);
      const value = image?.text ?? F.image.default;
      if (image !== undefined && !IMAGE.test(value))
        throw invalid(F.image, image.raw, 'is not an image reference ECS accepts');
      params.image = value;
      break;
    }
    case 'task-stop':
      Object.assign(params, taskStopParams(text, pick(FIELDS.affectedPercent)));
      break;
  }
  return params;
}

type FieldText = (field: FaultFieldDefinition) => { raw: FaultRawValue; text: string | undefined } | undefined;

/** task-stop's tunables: a count, ids or (by default) the percentage; the sequence. */
function taskStopParams(text: FieldText, percent: FaultRawValue | undefined): FaultParams {
  const F = FAULT_FIELDS;
  const count = text(F.taskCount);
  const ids = text(F.taskReplicaId);
  const sequence = text(F.sequence);
  const params: { -readonly [K in keyof FaultParams]: FaultParams[K] } = {};
  const percentName = fieldName(FIELDS.affectedPercent);
  if (count && ids)
    throw invalid(
      F.taskCount,
      count.raw,
      `cannot be given with ${fieldName(F.taskReplicaId)} (from ${ids.raw.source}): the tasks are chosen by count or by id`,
      `remove one of ${fieldName(F.taskCount)} and ${fieldName(F.taskReplicaId)}`,
    );
  for (const [field, given] of [
    [F.taskCount, count],
    [F.taskReplicaId, ids],
  ] as const) {
    if (given && percent)
      throw invalid(
        field,
        given.raw,
        `cannot be given with ${percentName} (from ${percent.source}): the tasks are chosen by ${field === F.taskCount ? 'count' : 'id'} or by share`,
        `remove one of ${fieldName(field)} and ${percentName}`,
      );
  }
  if (count?.text !== undefined) params.taskCount = wholeNumber(F.taskCount, count.raw, count.text, 1, 5000);
  if (ids?.text !== undefined) params.taskIds = taskIds(F.taskReplicaId, ids.raw, ids.text);
  const order = sequence?.text?.toLowerCase() ?? F.sequence.default;
  if (sequence && order !== 'serial' && order !== 'parallel')
    throw invalid(F.sequence, sequence.raw, 'is neither serial nor parallel');
  params.sequence = order as 'serial' | 'parallel';
  return params;
}

/** TASK_REPLICA_ID: task ids, or task ARNs reduced to their ids; no duplicate. */
function taskIds(field: FaultFieldDefinition, raw: FaultRawValue, text: string): readonly string[] {
  const list = text.split(',').map((n) => n.trim());
  const ids: string[] = [];
  for (const item of list) {
    const arn = TASK_ARN.exec(item);
    const id = arn ? arn[2]! : item;
    if (!TASK_ID.test(id))
      throw invalid(
        field,
        raw,
        `has ${JSON.stringify(item)}, neither a task id (32 hex digits, or a UUID) nor a task ARN (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID)`,
      );
    if (ids.includes(id)) throw invalid(field, raw, `names the task ${id} twice`);
    ids.push(id);
  }
  return ids;
}

/** deny-task-permissions: DENY_ACTIONS or DENY_ALL (one of them), DENY_RESOURCES, ALLOW_SHARED_ROLE. */
function denyParams(raws: ReadonlyMap<string, FaultRawValue>): FaultParams {
  const F = FAULT_FIELDS;
  const all = raws.get(F.denyAll.key);
  const denyAll = all === undefined ? false : flagOrText(F.denyAll, all);
  const shared = raws.get(F.allowSharedRole.key);
  const allowSharedRole = shared === undefined ? false : flagOrText(F.allowSharedRole, shared);
  const actionsRaw = raws.get(F.actions.key);
  const actionsText = actionsRaw && textOf(F.actions, actionsRaw);
  if (actionsRaw && actionsText === undefined) throw invalid(F.actions, actionsRaw, 'is empty');
  if (actionsRaw && denyAll)
    throw invalid(
      F.actions,
      actionsRaw,
      `is given with ${fieldName(F.denyAll)}, which denies every action`,
      `pass either ${F.actions.flag} or ${F.denyAll.flag}, not both`,
    );
  if (!actionsRaw && !denyAll) throw missing(F.actions, 'deny-task-permissions', F.denyAll);
  const denyActions = denyAll
    ? ['*']
    : list(F.actions, actionsRaw!, actionsText!, ACTION, 'an IAM action (service:Action, wildcards * and ?)');
  const resourcesRaw = raws.get(F.resources.key);
  const resourcesText = resourcesRaw && textOf(F.resources, resourcesRaw);
  if (resourcesRaw && resourcesText === undefined) throw invalid(F.resources, resourcesRaw, 'is empty');
  const denyResources = resourcesRaw
    ? list(F.resources, resourcesRaw, resourcesText!, RESOURCE, "'*' or an ARN")
    : [F.resources.default];
  return { denyActions, denyResources, denyAll, allowSharedRole };
}
