/**
 * RegisterTaskDefinition as ECS does it: validates the input with ECS's rules and messages, keeps
 * every field the API accepts, fills the defaults ECS fills, and computes the read-only fields.
 */
import { parseRoleArn } from '../../src/aws/arn.js';
import { AwsError } from '../core/errors.js';

/** The fields RegisterTaskDefinition accepts, in the order DescribeTaskDefinition returns them. */
export const TASK_DEFINITION_INPUT_FIELDS = [
  'containerDefinitions',
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const;

const NETWORK_MODES = ['bridge', 'host', 'awsvpc', 'none'];
const COMPATIBILITIES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'];
const NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** Fargate's valid task sizes: CPU units -> allowed memory in MiB. */
const FARGATE_SIZES: ReadonlyArray<[number, number[]]> = [
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

function clientError(message: string): AwsError {
  return new AwsError('ClientException', message);
}

/** Task-level CPU as ECS normalizes it: "1 vCPU" -> "1024", "256" -> "256". */
function normalizeCpu(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).trim();
  const vcpu = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(text);
  if (vcpu) return String(Math.round(Number(vcpu[1]) * 1024));
  if (/^\d+$/.test(text)) return text;
  throw clientError(`Invalid 'cpu' setting for task. '${text}' is not a number of CPU units or vCPUs.`);
}

/** Task-level memory as ECS normalizes it: "2 GB" -> "2048", "512" -> "512". */
function normalizeMemory(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).trim();
  const gb = /^(\d+(?:\.\d+)?)\s*gb$/i.exec(text);
  if (gb) return String(Math.round(Number(gb[1]) * 1024));
  if (/^\d+$/.test(text)) return text;
  throw clientError(`Invalid 'memory' setting for task. '${text}' is not a number of MiB or GB.`);
}

function checkRole(field: 'taskRoleArn' | 'executionRoleArn', value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw clientError(`${field} must be a string.`);
  // ECS accepts an empty string as "no role".
  if (value === '') return undefined;
  const parsed = parseRoleArn(value);
  if (!parsed.ok)
    throw clientError(`Role is not valid: ${field} '${value}' is not an IAM role ARN (${parsed.reason}).`);
  return value;
}

function isFargateSize(cpu: string | undefined, memory: string | undefined): boolean {
  if (cpu === undefined || memory === undefined) return false;
  const entry = FARGATE_SIZES.find(([c]) => c === Number(cpu));
  return entry !== undefined && entry[1].includes(Number(memory));
}

type Container = Record<string, unknown>;

/** A container health check's bounds, in seconds or tries (botocore's HealthCheck). */
const HEALTH_CHECK_BOUNDS = { interval: [5, 300], timeout: [2, 60], retries: [1, 10], startPeriod: [0, 300] } as const;

/**
 * A container's `healthCheck` as ECS takes it: a `command` starting with `CMD` or `CMD-SHELL` and the
 * numbers within their bounds; returned as given (the health checks apply ECS's defaults, see health.ts).
 */
function normalizeHealthCheck(raw: unknown, container: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw clientError(`Invalid setting for container '${container}'. healthCheck must be an object.`);
  }
  const hc = { ...(raw as Record<string, unknown>) };
  const command = hc.command;
  if (!Array.isArray(command) || command.length === 0 || command.some((part) => typeof part !== 'string')) {
    throw clientError(`Invalid setting for container '${container}'. healthCheck.command must be a list of strings.`);
  }
  if (command[0] !== 'CMD' && command[0] !== 'CMD-SHELL') {
    throw clientError(
      `Invalid setting for container '${container}'. healthCheck.command must start with CMD or CMD-SHELL.`,
    );
  }
  for (const [key, [min, max]] of Object.entries(HEALTH_CHECK_BOUNDS)) {
    const value = hc[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw clientError(
        `Invalid setting for container '${container}'. healthCheck.${key} must be between ${min} and ${max} (got ${JSON.stringify(value)}).`,
      );
    }
  }
  return hc;
}

function normalizeContainer(raw: unknown, networkMode: string | undefined, taskMemory: string | undefined): Container {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw clientError('Container definition must be an object.');
  }
  const c = { ...(raw as Container) };
  const name = c.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw clientError(
      `Container name '${String(name)}' is not valid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.`,
    );
  }
  if (typeof c.image !== 'string' || c.image === '') throw clientError(`Container.image should not be null or empty.`);
  if (taskMemory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
    throw clientError(
      `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
    );
  }
  if (typeof c.memory === 'number' && typeof c.memoryReservation === 'number' && c.memoryReservation > c.memory) {
    throw clientError(
      `Invalid setting for container '${name}'. 'memory' must be greater than or equal to 'memoryReservation'.`,
    );
  }
  const portMappings = Array.isArray(c.portMappings) ? (c.portMappings as Array<Record<string, unknown>>) : [];
  c.portMappings = portMappings.map((pm) => {
    const mapping: Record<string, unknown> = { ...pm };
    if (networkMode === 'awsvpc') {
      if (mapping.hostPort !== undefined && mapping.hostPort !== mapping.containerPort) {
        throw clientError('When networkMode=awsvpc, the host ports and container ports in port mappings must match.');
      }
      if (mapping.containerPort !== undefined) mapping.hostPort = mapping.containerPort;
    }
    mapping.protocol ??= 'tcp';
    return mapping;
  });
  if (c.healthCheck !== undefined && c.healthCheck !== null) c.healthCheck = normalizeHealthCheck(c.healthCheck, name);
  // Defaults ECS fills in its answers.
  c.cpu ??= 0;
  c.essential ??= true;
  c.environment ??= [];
  c.mountPoints ??= [];
  c.volumesFrom ??= [];
  c.systemControls ??= [];
  return c;
}

function requiresAttributes(def: Record<string, unknown>, containers: Container[]): Array<{ name: string }> {
  const names = new Set<string>(['com.amazonaws.ecs.capability.docker-remote-api.1.18']);
  const logDrivers = containers.map((c) => (c.logConfiguration as { logDriver?: string } | undefined)?.logDriver);
  if (def.taskRoleArn) names.add('com.amazonaws.ecs.capability.task-iam-role');
  if (def.networkMode === 'awsvpc') {
    names.add('ecs.capability.task-eni');
    names.add('com.amazonaws.ecs.capability.docker-remote-api.1.19');
  }
  if (logDrivers.includes('awslogs')) {
    names.add('com.amazonaws.ecs.capability.logging-driver.awslogs');
    if (def.executionRoleArn) names.add('ecs.capability.execution-role-awslogs');
  }
  if (def.executionRoleArn && containers.some((c) => /\.dkr\.ecr\./.test(String(c.image)))) {
    names.add('ecs.capability.execution-role-ecr-pull');
    names.add('com.amazonaws.ecs.capability.ecr-auth');
  }
  const secrets = containers.flatMap((c) =>
    Array.isArray(c.secrets) ? (c.secrets as Array<{ valueFrom?: string }>) : [],
  );
  if (secrets.some((s) => String(s.valueFrom).includes(':secretsmanager:'))) {
    names.add('ecs.capability.secrets.asm.environment-variables');
  }
  if (secrets.some((s) => !String(s.valueFrom).includes(':secretsmanager:'))) {
    names.add('ecs.capability.secrets.ssm.environment-variables');
  }
  return [...names].sort().map((name) => ({ name }));
}

/** What RegisterTaskDefinition needs besides the input. */
export interface RegisterContext {
  readonly arn: string;
  readonly revision: number;
  readonly registeredBy: string;
  readonly now: Date;
}

/**
 * Validates a RegisterTaskDefinition input and builds the task definition ECS would return.
 * Throws AwsError (ClientException) with ECS's wording on invalid input.
 */
export function buildTaskDefinition(input: Record<string, unknown>, ctx: RegisterContext): Record<string, unknown> {
  const family = input.family;
  if (typeof family !== 'string' || !NAME.test(family)) {
    throw clientError(
      `Family '${String(family)}' is not valid. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.`,
    );
  }
  const networkMode = input.networkMode as string | undefined;
  if (networkMode !== undefined && !NETWORK_MODES.includes(networkMode)) {
    throw clientError(`Invalid networkMode '${networkMode}'. Valid values are ${NETWORK_MODES.join(', ')}.`);
  }
  const requires = (input.requiresCompatibilities as string[] | undefined) ?? [];
  for (const r of requires) {
    if (!COMPATIBILITIES.includes(r)) throw clientError(`Invalid requiresCompatibilities value '${r}'.`);
  }
  const cpu = normalizeCpu(input.cpu);
  const memory = normalizeMemory(input.memory);
  const taskRoleArn = checkRole('taskRoleArn', input.taskRoleArn);
  const executionRoleArn = checkRole('executionRoleArn', input.executionRoleArn);
  const rawContainers = input.containerDefinitions;
  if (!Array.isArray(rawContainers) || rawContainers.length === 0) {
    throw clientError('Container list cannot be empty.');
  }
  if (rawContainers.length > 10) throw clientError('Too many containers: a task definition may have at most 10.');
  const containers = rawContainers.map((c) => normalizeContainer(c, networkMode, memory));
  const names = new Set<string>();
  for (const c of containers) {
    if (names.has(c.name as string)) throw clientError(`Duplicate container name '${String(c.name)}'.`);
    names.add(c.name as string);
  }
  if (!containers.some((c) => c.essential === true)) {
    throw clientError('Task definition does not have any essential container.');
  }
  if (requires.includes('FARGATE')) {
    if (networkMode !== 'awsvpc') throw clientError("Fargate only supports network mode 'awsvpc'.");
    if (cpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.");
    if (memory === undefined) throw clientError("Fargate requires that 'memory' be defined at the task level.");
    if (!isFargateSize(cpu, memory)) {
      throw clientError(
        `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
      );
    }
    const awslogs = containers.some(
      (c) => (c.logConfiguration as { logDriver?: string } | undefined)?.logDriver === 'awslogs',
    );
    if (awslogs && executionRoleArn === undefined) {
      throw clientError('Fargate requires task definition to have execution role ARN to support log driver awslogs.');
    }
  }
  if (executionRoleArn === undefined && containers.some((c) => Array.isArray(c.secrets) && c.secrets.length > 0)) {
    throw clientError(
      "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
    );
  }
  const ephemeral = input.ephemeralStorage as { sizeInGiB?: number } | undefined;
  if (ephemeral !== undefined) {
    const size = ephemeral.sizeInGiB;
    if (typeof size !== 'number' || size < 21 || size > 200) {
      throw clientError(`The ephemeral storage size must be between 21 and 200 GiB (got ${String(size)}).`);
    }
  }

  const def: Record<string, unknown> = { taskDefinitionArn: ctx.arn };
  for (const field of TASK_DEFINITION_INPUT_FIELDS) {
    const value = input[field];
    if (value !== undefined && value !== null) def[field] = value;
  }
  def.containerDefinitions = containers;
  def.family = family;
  if (taskRoleArn) def.taskRoleArn = taskRoleArn;
  else delete def.taskRoleArn;
  if (executionRoleArn) def.executionRoleArn = executionRoleArn;
  else delete def.executionRoleArn;
  if (cpu !== undefined) def.cpu = cpu;
  if (memory !== undefined) def.memory = memory;
  def.volumes ??= [];
  def.placementConstraints ??= [];
  def.revision = ctx.revision;
  def.status = 'ACTIVE';
  def.requiresAttributes = requiresAttributes(def, containers);
  const compatibilities = ['EC2'];
  if (networkMode === 'awsvpc' && isFargateSize(cpu, memory)) compatibilities.push('FARGATE');
  def.compatibilities = compatibilities;
  def.registeredAt = ctx.now;
  def.registeredBy = ctx.registeredBy;
  return def;
}

/** Whether a task definition can run on Fargate. */
export function supportsFargate(def: Record<string, unknown>): boolean {
  return (def.compatibilities as string[]).includes('FARGATE');
}
