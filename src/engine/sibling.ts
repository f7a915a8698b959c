/**
 * Exact mode's temporary sibling service: the chaos revision on k tasks, beside the target service,
 * which stays untouched. The sibling copies what makes its tasks serve like the service's (network,
 * load balancers, service registries, launch type or capacity providers, platform version,
 * placement), so a load balancer spreads traffic over the k chaos tasks and the N original ones.
 * It carries the recovery markers; the revert (or `recover`) deletes it.
 */
import type { CreateServiceCommandInput, Service, Tag } from '@aws-sdk/client-ecs';
import { MARKER } from './markers.js';

/** The name of an iteration's sibling: `<service>-chaos-<6 hex of the experiment>-<iteration>`, at most 255. */
export function siblingName(service: string, experimentId: string, iteration: number): string {
  const suffix = `-chaos-${experimentId.slice(-6)}-${iteration}`;
  return `${service.slice(0, 255 - suffix.length)}${suffix}`;
}

/** The sibling's name as `plan` shows it before an experiment id exists: `<service>-chaos-<experiment>-<n>`. */
export function siblingNamePattern(service: string, iteration: number): string {
  return `${service}-chaos-<experiment>-${iteration}`;
}

/** Fields of the service the sibling does not copy, and why; `plan` lists those the service uses. */
export const NOT_COPIED: Readonly<Record<string, string>> = {
  serviceConnectConfiguration:
    'Service Connect: a second service cannot publish the same discovery names; the sibling is a client only',
  volumeConfigurations: 'EBS volumes configured at deployment are not copied',
  vpcLatticeConfigurations: 'VPC Lattice target groups are not copied',
};

/** The service's fields that the sibling will not copy. */
export function notCopied(service: Service): string[] {
  const raw = service as unknown as Record<string, unknown>;
  const used: string[] = [];
  for (const [field, why] of Object.entries(NOT_COPIED)) {
    const value = raw[field];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
      used.push(`${field}: ${why}`);
    }
  }
  // A service's deployments carry the Service Connect configuration too.
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  if (primary?.serviceConnectConfiguration?.enabled && !used.some((u) => u.startsWith('serviceConnect'))) {
    used.push(`serviceConnectConfiguration: ${NOT_COPIED.serviceConnectConfiguration}`);
  }
  return used;
}

/** The markers a sibling service carries. */
export function siblingMarkers(options: {
  experimentId: string;
  serviceArn: string;
  originalTaskDefinitionArn: string;
  iteration: number;
}): Tag[] {
  return [
    { key: MARKER.experimentId, value: options.experimentId },
    { key: MARKER.siblingOf, value: options.serviceArn },
    { key: MARKER.originalTaskDefinition, value: options.originalTaskDefinitionArn },
    { key: MARKER.iteration, value: String(options.iteration) },
  ];
}

/** The CreateService input of the sibling. */
export function siblingServiceInput(
  service: Service,
  options: {
    name: string;
    taskDefinition: string;
    desiredCount: number;
    tags: readonly Tag[];
    /** Makes a retried CreateService idempotent: 1 to 36 ASCII characters (ECS's limit). */
    clientToken: string;
  },
): CreateServiceCommandInput {
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  const capacityProviderStrategy =
    service.capacityProviderStrategy && service.capacityProviderStrategy.length > 0
      ? service.capacityProviderStrategy
      : primary?.capacityProviderStrategy && primary.capacityProviderStrategy.length > 0
        ? primary.capacityProviderStrategy
        : undefined;
  const loadBalancers = service.loadBalancers && service.loadBalancers.length > 0 ? service.loadBalancers : undefined;
  return {
    cluster: service.clusterArn,
    serviceName: options.name,
    taskDefinition: options.taskDefinition,
    desiredCount: options.desiredCount,
    clientToken: options.clientToken,
    ...(capacityProviderStrategy
      ? { capacityProviderStrategy }
      : service.launchType
        ? { launchType: service.launchType }
        : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    ...(loadBalancers ? { loadBalancers } : {}),
    ...(loadBalancers && service.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds }
      : {}),
    ...(loadBalancers && service.roleArn && !service.networkConfiguration ? { role: service.roleArn } : {}),
    ...(service.serviceRegistries && service.serviceRegistries.length > 0
      ? { serviceRegistries: service.serviceRegistries }
      : {}),
    ...(service.placementConstraints && service.placementConstraints.length > 0
      ? { placementConstraints: service.placementConstraints }
      : {}),
    ...(service.placementStrategy && service.placementStrategy.length > 0
      ? { placementStrategy: service.placementStrategy }
      : {}),
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    // The run watches the sibling's tasks itself; no rollback target exists for a first deployment.
    deploymentConfiguration: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: false, rollback: false },
    },
    ...(service.enableECSManagedTags !== undefined ? { enableECSManagedTags: service.enableECSManagedTags } : {}),
    ...(service.propagateTags && service.propagateTags !== 'NONE' ? { propagateTags: service.propagateTags } : {}),
    tags: options.tags.map((t) => ({ key: t.key, value: t.value })),
  };
}
