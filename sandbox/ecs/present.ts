/** ECS resources as the API returns them. */
import { AwsError } from '../core/errors.js';
import type { Cluster, ContainerInstance, Deployment, Service, Tag, Task } from './model.js';
import { containerHealthStatus, taskHealthStatus } from './health.js';
import { isAlive } from './lifecycle.js';

/** A container's status: PENDING until the task runs, RUNNING until it stops or exits, then STOPPED. */
function containerStatus(task: Task, name: string): string {
  if (task.lastStatus === 'STOPPED' || task.failedContainer?.name === name) return 'STOPPED';
  return task.startedAt ? 'RUNNING' : 'PENDING';
}

/** A container's exit code: its own when it exited, 0 when the task stopped it (137 when killed at its stopTimeout), none when it never ran. */
function exitCode(task: Task, name: string): number | undefined {
  if (task.failedContainer?.name === name) return task.failedContainer.exitCode;
  if (task.lastStatus !== 'STOPPED' || !task.startedAt) return undefined;
  return task.killedAtStop?.includes(name) ? 137 : 0;
}

export function presentTask(task: Task, includeTags: boolean): Record<string, unknown> {
  return {
    attachments: task.eni
      ? [
          {
            id: task.eni.id.replace('eni-', 'attach-'),
            type: 'ElasticNetworkInterface',
            status: task.lastStatus === 'STOPPED' ? 'DELETED' : 'ATTACHED',
            details: [
              { name: 'subnetId', value: task.eni.subnetId },
              { name: 'networkInterfaceId', value: task.eni.id },
              { name: 'privateIPv4Address', value: task.eni.privateIp },
            ],
          },
        ]
      : [],
    availabilityZone: task.availabilityZone,
    clusterArn: task.clusterArn,
    connectivity: task.connectivityAt ? 'CONNECTED' : undefined,
    connectivityAt: task.connectivityAt,
    containerInstanceArn: task.containerInstanceArn,
    containers: task.containers.map((c) => ({
      containerArn: c.containerArn,
      taskArn: task.taskArn,
      name: c.name,
      image: c.image,
      lastStatus: containerStatus(task, c.name),
      exitCode: exitCode(task, c.name),
      reason: task.failedContainer?.name === c.name ? task.failedContainer.reason : undefined,
      networkInterfaces: task.eni
        ? [{ attachmentId: task.eni.id.replace('eni-', 'attach-'), privateIpv4Address: task.eni.privateIp }]
        : [],
      healthStatus: containerHealthStatus(task, c.name),
    })),
    cpu: task.cpu,
    createdAt: task.createdAt,
    desiredStatus: task.desiredStatus,
    executionStoppedAt: task.executionStoppedAt,
    group: task.group,
    healthStatus: taskHealthStatus(task),
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    memory: task.memory,
    overrides: {
      containerOverrides: task.containers.map((c) => ({ name: c.name })),
      inferenceAcceleratorOverrides: [],
    },
    platformVersion: task.launchType === 'FARGATE' ? '1.4.0' : undefined,
    platformFamily: task.launchType === 'FARGATE' ? 'Linux' : undefined,
    pullStartedAt: task.pullStartedAt,
    pullStoppedAt: task.pullStoppedAt,
    startedAt: task.startedAt,
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: task.stoppedAt,
    stoppedReason: task.stoppedReason,
    stoppingAt: task.stoppingAt,
    tags: includeTags ? task.tags : undefined,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
  };
}

function presentDeployment(deployment: Deployment, tasks: Task[]): Record<string, unknown> {
  const mine = tasks.filter((t) => t.startedBy === deployment.id && isAlive(t));
  return {
    id: deployment.id,
    status: deployment.status,
    taskDefinition: deployment.taskDefinition,
    desiredCount: deployment.status === 'PRIMARY' ? deployment.desiredCount : 0,
    pendingCount: mine.filter((t) => t.lastStatus !== 'RUNNING').length,
    runningCount: mine.filter((t) => t.lastStatus === 'RUNNING').length,
    failedTasks: deployment.failedTasks,
    createdAt: deployment.createdAt,
    updatedAt: deployment.updatedAt,
    launchType: deployment.launchType,
    platformVersion: deployment.launchType === 'FARGATE' ? '1.4.0' : undefined,
    platformFamily: deployment.launchType === 'FARGATE' ? 'Linux' : undefined,
    networkConfiguration: deployment.networkConfiguration,
    rolloutState: deployment.rolloutState,
    rolloutStateReason: deployment.rolloutStateReason,
  };
}

export function presentService(service: Service, cluster: Cluster, includeTags: boolean): Record<string, unknown> {
  const tasks = [...cluster.tasks.values()].filter((t) => t.serviceArn === service.serviceArn);
  const alive = tasks.filter(isAlive);
  return {
    serviceArn: service.serviceArn,
    serviceName: service.serviceName,
    clusterArn: service.clusterArn,
    loadBalancers: [],
    serviceRegistries: [],
    ...service.extra,
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: alive.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: alive.filter((t) => t.lastStatus !== 'RUNNING').length,
    launchType: service.launchType,
    platformVersion: service.launchType === 'FARGATE' ? 'LATEST' : undefined,
    platformFamily: service.launchType === 'FARGATE' ? 'Linux' : undefined,
    taskDefinition: service.taskDefinition,
    deploymentConfiguration: service.deploymentConfiguration,
    deployments: service.deployments.map((d) => presentDeployment(d, tasks)),
    roleArn: `arn:aws:iam::${service.serviceArn.split(':')[4]}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    events: service.events,
    createdAt: service.createdAt,
    placementConstraints: service.extra.placementConstraints ?? [],
    placementStrategy: service.extra.placementStrategy ?? [],
    networkConfiguration: service.networkConfiguration,
    schedulingStrategy: service.schedulingStrategy,
    deploymentController: service.deploymentController,
    createdBy: service.createdBy,
    enableECSManagedTags: service.extra.enableECSManagedTags ?? false,
    propagateTags: service.extra.propagateTags ?? 'NONE',
    enableExecuteCommand: service.extra.enableExecuteCommand ?? false,
    tags: includeTags ? service.tags : undefined,
  };
}

export function presentCluster(cluster: Cluster, include: string[]): Record<string, unknown> {
  const tasks = [...cluster.tasks.values()].filter(isAlive);
  return {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    status: cluster.status,
    registeredContainerInstancesCount: cluster.containerInstances.size,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
    activeServicesCount: [...cluster.services.values()].filter((s) => s.status === 'ACTIVE').length,
    statistics: [],
    tags: include.includes('TAGS') ? cluster.tags : [],
    settings: include.includes('SETTINGS') ? cluster.settings : undefined,
    capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
    defaultCapacityProviderStrategy: [],
  };
}

export function presentContainerInstance(instance: ContainerInstance, cluster: Cluster): Record<string, unknown> {
  const onIt = [...cluster.tasks.values()].filter(
    (t) => t.containerInstanceArn === instance.containerInstanceArn && isAlive(t),
  );
  const usedCpu = onIt.reduce((n, t) => n + t.reserved.cpu, 0);
  const usedMemory = onIt.reduce((n, t) => n + t.reserved.memory, 0);
  const resources = (cpu: number, memory: number): Array<Record<string, unknown>> => [
    { name: 'CPU', type: 'INTEGER', integerValue: cpu, doubleValue: 0, longValue: 0 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: memory, doubleValue: 0, longValue: 0 },
  ];
  return {
    containerInstanceArn: instance.containerInstanceArn,
    ec2InstanceId: instance.ec2InstanceId,
    version: 1,
    versionInfo: { agentVersion: '1.90.0', agentHash: 'sandbox', dockerVersion: 'DockerVersion: 25.0.8' },
    remainingResources: resources(instance.cpu - usedCpu, instance.memory - usedMemory),
    registeredResources: resources(instance.cpu, instance.memory),
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: onIt.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: onIt.filter((t) => t.lastStatus !== 'RUNNING').length,
    attributes: [
      { name: 'ecs.availability-zone', value: instance.availabilityZone },
      { name: 'com.amazonaws.ecs.capability.task-iam-role' },
    ],
    registeredAt: instance.registeredAt,
    tags: instance.tags,
  };
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks and copies tags as ECS accepts them (at most 50; the `aws:` prefix is reserved). */
export function checkTags(raw: unknown): Tag[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid('Tags must be a list.');
  if (raw.length > 50) throw invalid('Too many tags: at most 50 are allowed per resource.');
  return raw.map((t: { key?: unknown; value?: unknown }) => {
    if (typeof t.key !== 'string' || t.key.length < 1 || t.key.length > 128) {
      throw invalid('Tag keys must be 1 to 128 characters long.');
    }
    if (t.key.toLowerCase().startsWith('aws:')) throw invalid(`Tag key '${t.key}' uses the reserved prefix 'aws:'.`);
    const value =
      t.value === undefined || t.value === null ? '' : typeof t.value === 'string' ? t.value : JSON.stringify(t.value);
    if (value.length > 256) throw invalid('Tag values must be at most 256 characters long.');
    // ECS allows letters, numbers, spaces and + - = . _ : / @ in tag keys and values.
    if (!TAG_TEXT.test(t.key) || !TAG_TEXT.test(value)) {
      throw invalid(
        `Tag '${t.key}' has characters ECS does not allow: use letters, numbers, spaces and + - = . _ : / @.`,
      );
    }
    return { key: t.key, value };
  });
}

/**
 * Services, tasks and container instances created before the long ARN format (no cluster in the
 * ARN) cannot be tagged: ECS answers InvalidParameterException.
 */
export function checkLongArn(resourceArn: unknown): void {
  if (typeof resourceArn !== 'string') return;
  const path = resourceArn.split(':')[5] ?? '';
  const [kind, ...rest] = path.split('/');
  if ((kind === 'service' || kind === 'task' || kind === 'container-instance') && rest.length === 1) {
    throw invalid('Long arn format must be used for tagging operations');
  }
}

/** Tags merged: later keys overwrite earlier ones. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const map = new Map(existing.map((t) => [t.key, t.value]));
  for (const t of added) map.set(t.key, t.value);
  if (map.size > 50) throw invalid('Too many tags: at most 50 are allowed per resource.');
  return [...map].map(([key, value]) => ({ key, value }));
}

export function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}
