/**
 * Recovery markers: tags in AWS, not files on disk, so `ecs-chaos recover` can find and repair
 * leftovers from any machine. The chaos revision carries the experiment id, the original revision
 * and the original deployment configuration; the service carries the same while under chaos.
 */
import type { DeploymentConfiguration, Tag } from '@aws-sdk/client-ecs';

/** Tag keys of the markers. */
export const MARKER = {
  experimentId: 'ecs-chaos:experiment-id',
  fault: 'ecs-chaos:fault',
  originalTaskDefinition: 'ecs-chaos:original-task-definition',
  originalDeployment: 'ecs-chaos:original-deployment',
  /** The whole original deployment configuration (alarms, strategy settings...), base64 JSON. */
  originalDeploymentFull: 'ecs-chaos:original-deployment-full',
  chaosTaskDefinition: 'ecs-chaos:chaos-task-definition',
  underChaos: 'ecs-chaos:under-chaos',
  service: 'ecs-chaos:service',
  startedAt: 'ecs-chaos:started-at',
  iteration: 'ecs-chaos:iteration',
  /** On exact mode's sibling service: the ARN of the service it stands beside. */
  siblingOf: 'ecs-chaos:sibling-of',
  /** On the service in exact mode: the sibling's name. */
  sibling: 'ecs-chaos:sibling',
} as const;

/** Every marker key; none of them may stay after a clean run. */
export const MARKER_KEYS: readonly string[] = Object.values(MARKER);

/**
 * Encodes a deployment configuration into a tag value. ECS tag values allow only letters, digits,
 * spaces and `+ - = . _ : / @`, so this is not JSON: `max=200 min=100 breaker=on rollback=off`.
 */
export function encodeDeploymentConfiguration(config: DeploymentConfiguration | undefined): string {
  const parts = [`max=${config?.maximumPercent ?? 200}`, `min=${config?.minimumHealthyPercent ?? 100}`];
  const breaker = config?.deploymentCircuitBreaker;
  if (breaker) parts.push(`breaker=${breaker.enable ? 'on' : 'off'}`, `rollback=${breaker.rollback ? 'on' : 'off'}`);
  return parts.join(' ');
}

/** Decodes {@link encodeDeploymentConfiguration}'s text, or returns undefined when it is not one. */
export function decodeDeploymentConfiguration(text: string | undefined): DeploymentConfiguration | undefined {
  if (!text) return undefined;
  const fields = new Map<string, string>();
  for (const part of text.trim().split(/\s+/)) {
    const [k, v] = part.split('=');
    if (!k || v === undefined) return undefined;
    fields.set(k, v);
  }
  const max = Number(fields.get('max'));
  const min = Number(fields.get('min'));
  if (!Number.isInteger(max) || !Number.isInteger(min)) return undefined;
  const config: DeploymentConfiguration = { maximumPercent: max, minimumHealthyPercent: min };
  if (fields.has('breaker')) {
    config.deploymentCircuitBreaker = {
      enable: fields.get('breaker') === 'on',
      rollback: fields.get('rollback') === 'on',
    };
  }
  return config;
}

/**
 * The rest of the deployment configuration (alarms, strategy settings...) as a tag value: base64 of
 * the JSON of everything `ecs-chaos:original-deployment` does not hold (the limits and the circuit
 * breaker are there), so more fits; `e30=` (`{}`) when there is nothing more. Undefined when it would
 * pass ECS's 256 characters: then `recover` restores the limits and the circuit breaker over the
 * service's current configuration, whose other settings the chaos window did not change.
 * Markers written whole by earlier versions decode the same way.
 */
export function encodeFullDeploymentConfiguration(config: DeploymentConfiguration | undefined): string | undefined {
  if (!config) return undefined;
  const rest: Record<string, unknown> = { ...config };
  delete rest.maximumPercent;
  delete rest.minimumHealthyPercent;
  delete rest.deploymentCircuitBreaker;
  const text = Buffer.from(JSON.stringify(rest), 'utf8').toString('base64');
  return text.length <= 256 ? text : undefined;
}

/** Decodes {@link encodeFullDeploymentConfiguration}'s text, or undefined. */
export function decodeFullDeploymentConfiguration(text: string | undefined): DeploymentConfiguration | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A tag's value by key. */
export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}

/** The markers a chaos revision carries. */
export function chaosRevisionMarkers(options: {
  experimentId: string;
  fault: string;
  originalTaskDefinitionArn: string;
  originalDeployment: DeploymentConfiguration | undefined;
  serviceArn: string;
  startedAt: Date;
  iteration: number;
}): Tag[] {
  return [
    { key: MARKER.experimentId, value: options.experimentId },
    { key: MARKER.fault, value: options.fault },
    { key: MARKER.originalTaskDefinition, value: options.originalTaskDefinitionArn },
    { key: MARKER.originalDeployment, value: encodeDeploymentConfiguration(options.originalDeployment) },
    ...fullDeployment(options.originalDeployment),
    { key: MARKER.service, value: options.serviceArn },
    { key: MARKER.startedAt, value: options.startedAt.toISOString() },
    { key: MARKER.iteration, value: String(options.iteration) },
  ];
}

/** The markers a service carries while under chaos. */
export function serviceMarkers(options: {
  experimentId: string;
  originalTaskDefinitionArn: string;
  originalDeployment: DeploymentConfiguration | undefined;
  chaosTaskDefinitionArn: string;
  /** Exact mode: the sibling service's name. */
  sibling?: string;
}): Tag[] {
  return [
    { key: MARKER.underChaos, value: options.experimentId },
    { key: MARKER.originalTaskDefinition, value: options.originalTaskDefinitionArn },
    { key: MARKER.originalDeployment, value: encodeDeploymentConfiguration(options.originalDeployment) },
    ...fullDeployment(options.originalDeployment),
    { key: MARKER.chaosTaskDefinition, value: options.chaosTaskDefinitionArn },
    ...(options.sibling ? [{ key: MARKER.sibling, value: options.sibling }] : []),
  ];
}

/**
 * The markers a service carries while an episode fault (one that registers no chaos revision, e.g.
 * task-stop) acts on it: the experiment and the fault, and the revision it ran. No deployment
 * configuration: the fault does not change it, so `recover` must not put one back.
 */
export function episodeMarkers(options: {
  experimentId: string;
  fault: string;
  originalTaskDefinitionArn: string;
}): Tag[] {
  return [
    { key: MARKER.underChaos, value: options.experimentId },
    { key: MARKER.fault, value: options.fault },
    { key: MARKER.originalTaskDefinition, value: options.originalTaskDefinitionArn },
  ];
}

/** Whether a set of tags carries any ecs-chaos marker (leases are not markers: see lease.ts). */
export function hasMarkers(tags: readonly Tag[] | undefined): boolean {
  return (tags ?? []).some((t) => t.key !== undefined && MARKER_KEYS.includes(t.key));
}

function fullDeployment(config: DeploymentConfiguration | undefined): Tag[] {
  const value = encodeFullDeploymentConfiguration(config);
  return value === undefined ? [] : [{ key: MARKER.originalDeploymentFull, value }];
}
