/**
 * Reading and checking ECS request fields as ECS does: types (SerializationException), ranges and
 * combinations (InvalidParameterException), pages, the deployment configuration (with circuit
 * breaker and deployment alarms), network configuration, load balancers and the health check grace
 * period.
 */
import { AwsError } from '../core/errors.js';
import type { DeploymentAlarms, DeploymentConfiguration, LoadBalancerTarget, Service } from './model.js';
import { invalid } from './present.js';
import { isTargetGroupArn } from './targets.js';

export type Input = Record<string, unknown>;

export function str(input: Input, key: string, required = false): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw invalid(`${key} can not be blank.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsError('SerializationException', `Expected a string for ${key}.`);
  if (required && value === '') throw invalid(`${key} can not be blank.`);
  return value;
}

export function int(input: Input, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new AwsError('SerializationException', `Expected an integer for ${key}.`);
  }
  return value;
}

export function strings(input: Input, key: string): string[] {
  const value = input[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new AwsError('SerializationException', `Expected a list of strings for ${key}.`);
  }
  return value as string[];
}

/** Pages a list the way ECS does: `maxResults` (1..100) and an opaque `nextToken`. */
export function page<T>(items: T[], input: Input, defaultMax = 100): { items: T[]; nextToken: string | undefined } {
  const max = int(input, 'maxResults') ?? defaultMax;
  if (max < 1 || max > 100) throw invalid('maxResults must be between 1 and 100.');
  const token = str(input, 'nextToken');
  let start = 0;
  if (token !== undefined) {
    start = Number(Buffer.from(token, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalid('Invalid nextToken.');
  }
  const slice = items.slice(start, start + max);
  const next = start + max < items.length ? Buffer.from(String(start + max)).toString('base64') : undefined;
  return { items: slice, nextToken: next };
}

export const DEFAULT_DEPLOYMENT: DeploymentConfiguration = {
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  deploymentCircuitBreaker: { enable: false, rollback: false },
};

/**
 * DeploymentAlarms as botocore models it: `alarmNames` (strings), `enable` and `rollback`
 * (booleans), all three required; only for the ECS deployment controller.
 */
function deploymentAlarms(raw: unknown, controller: Service['deploymentController']['type']): DeploymentAlarms {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AwsError('SerializationException', 'Expected a structure for deploymentConfiguration.alarms.');
  }
  const input = raw as Input;
  for (const key of ['alarmNames', 'enable', 'rollback']) {
    if (input[key] === undefined || input[key] === null) {
      throw invalid(`deploymentConfiguration.alarms.${key} is required.`);
    }
  }
  const alarmNames = strings(input, 'alarmNames');
  for (const name of alarmNames) {
    if (name.length < 1 || name.length > 255) {
      throw invalid(`Alarm name '${name}' is not valid: CloudWatch alarm names are 1 to 255 characters long.`);
    }
  }
  for (const key of ['enable', 'rollback'] as const) {
    if (typeof input[key] !== 'boolean') {
      throw new AwsError('SerializationException', `Expected a boolean for deploymentConfiguration.alarms.${key}.`);
    }
  }
  const alarms = { alarmNames, enable: input.enable as boolean, rollback: input.rollback as boolean };
  if (alarms.enable && controller !== 'ECS') {
    throw invalid('Deployment alarms are only supported for services that use the ECS deployment controller.');
  }
  return alarms;
}

/** The deployment configuration of a CreateService/UpdateService, over the current one. */
export function deploymentConfiguration(
  raw: unknown,
  current: DeploymentConfiguration,
  controller: Service['deploymentController']['type'],
): DeploymentConfiguration {
  if (raw === undefined || raw === null) return current;
  const input = raw as Partial<DeploymentConfiguration>;
  const next: DeploymentConfiguration = {
    maximumPercent: input.maximumPercent ?? current.maximumPercent,
    minimumHealthyPercent: input.minimumHealthyPercent ?? current.minimumHealthyPercent,
    deploymentCircuitBreaker: input.deploymentCircuitBreaker
      ? {
          enable: Boolean(input.deploymentCircuitBreaker.enable),
          rollback: Boolean(input.deploymentCircuitBreaker.rollback),
        }
      : current.deploymentCircuitBreaker,
  };
  const alarms =
    input.alarms === undefined || input.alarms === null ? current.alarms : deploymentAlarms(input.alarms, controller);
  if (alarms) next.alarms = alarms;
  if (
    !Number.isInteger(next.minimumHealthyPercent) ||
    next.minimumHealthyPercent < 0 ||
    next.minimumHealthyPercent > 100
  ) {
    throw invalid(`minimumHealthyPercent must be between 0 and 100 (got ${next.minimumHealthyPercent}).`);
  }
  if (!Number.isInteger(next.maximumPercent) || next.maximumPercent < 100 || next.maximumPercent > 200) {
    throw invalid(`maximumPercent must be between 100 and 200 (got ${next.maximumPercent}).`);
  }
  return next;
}

export function checkNetwork(def: Input, networkConfiguration: unknown): void {
  const awsvpc = def.networkMode === 'awsvpc';
  const subnets = (networkConfiguration as { awsvpcConfiguration?: { subnets?: unknown } } | undefined)
    ?.awsvpcConfiguration?.subnets;
  if (awsvpc && (!Array.isArray(subnets) || subnets.length === 0)) {
    throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (!awsvpc && networkConfiguration !== undefined && networkConfiguration !== null) {
    throw invalid('Network Configuration is not valid for the given networkMode of this task definition.');
  }
}

/** A service may register its tasks in up to five target groups. */
const MAX_TARGET_GROUPS = 5;

/**
 * The `loadBalancers` of a service, checked against its task definition: up to five target groups
 * (ELBv2 target group ARNs), each with a `containerName` of the task definition and a `containerPort`
 * of that container's port mappings. Classic Load Balancers (`loadBalancerName`) are not modelled.
 */
export function loadBalancerTargets(raw: unknown, def: Input | undefined): LoadBalancerTarget[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new AwsError('SerializationException', 'Expected a list for loadBalancers.');
  if (raw.length > MAX_TARGET_GROUPS) {
    throw invalid(`A service can have at most ${MAX_TARGET_GROUPS} target groups (got ${raw.length}).`);
  }
  const containers = (def?.containerDefinitions as Array<Record<string, unknown>> | undefined) ?? [];
  return raw.map((entry: Input) => {
    if (entry.loadBalancerName !== undefined) {
      throw invalid('Classic Load Balancers (loadBalancerName) are not modelled by the sandbox: use a targetGroupArn.');
    }
    const arn = str(entry, 'targetGroupArn');
    if (arn === undefined) throw invalid('targetGroupArn must be specified for a load balancer of the service.');
    if (!isTargetGroupArn(arn)) throw invalid(`Target group ARN '${arn}' is not valid.`);
    const containerName = str(entry, 'containerName');
    const containerPort = int(entry, 'containerPort');
    if (containerName === undefined || containerPort === undefined) {
      throw invalid('containerName and containerPort must be specified for a load balancer of the service.');
    }
    if (def) {
      const container = containers.find((c) => c.name === containerName);
      if (!container) throw invalid(`The container ${containerName} does not exist in the task definition.`);
      const ports = ((container.portMappings as Array<{ containerPort?: number }> | undefined) ?? []).map(
        (p) => p.containerPort,
      );
      if (!ports.includes(containerPort)) {
        throw invalid(`The container ${containerName} did not have a container port ${containerPort} defined.`);
      }
    }
    return { targetGroupArn: arn, containerName, containerPort };
  });
}

/** `healthCheckGracePeriodSeconds`: 0 to 2,147,483,647 seconds. */
export function checkGracePeriod(input: Input): void {
  const grace = int(input, 'healthCheckGracePeriodSeconds');
  if (grace !== undefined && grace < 0) {
    throw invalid(`healthCheckGracePeriodSeconds must be between 0 and 2147483647 (got ${grace}).`);
  }
}
