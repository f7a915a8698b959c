/** The ECS API of the sandbox (AWS JSON 1.1, `AmazonEC2ContainerServiceV20141113`). */
import { AwsError } from '../core/errors.js';
import type { JsonHandler, JsonService, RequestContext } from '../core/service.js';
import type { Cluster, DeploymentConfiguration, Service, Task } from './model.js';
import {
  checkTags,
  invalid,
  mergeTags,
  presentCluster,
  presentContainerInstance,
  presentService,
  presentTask,
} from './present.js';
import { newDeploymentId, type Scheduler } from './scheduler.js';
import type { EcsRegion, EcsStore } from './store.js';
import { buildTaskDefinition, supportsFargate } from './taskdef.js';

export interface EcsServiceDeps {
  readonly ecs: EcsStore;
  readonly scheduler: Scheduler;
  /** Brings the world up to date before a request reads it. */
  readonly catchUp: () => void;
}

type Input = Record<string, unknown>;

function str(input: Input, key: string, required = false): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw invalid(`${key} can not be blank.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsError('SerializationException', `Expected a string for ${key}.`);
  if (required && value === '') throw invalid(`${key} can not be blank.`);
  return value;
}

function int(input: Input, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new AwsError('SerializationException', `Expected an integer for ${key}.`);
  }
  return value;
}

function strings(input: Input, key: string): string[] {
  const value = input[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new AwsError('SerializationException', `Expected a list of strings for ${key}.`);
  }
  return value as string[];
}

/** Pages a list the way ECS does: `maxResults` (1..100) and an opaque `nextToken`. */
function page<T>(items: T[], input: Input, defaultMax = 100): { items: T[]; nextToken: string | undefined } {
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

const DEFAULT_DEPLOYMENT: DeploymentConfiguration = {
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  deploymentCircuitBreaker: { enable: false, rollback: false },
};

function deploymentConfiguration(raw: unknown, current: DeploymentConfiguration): DeploymentConfiguration {
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

function checkNetwork(def: Input, networkConfiguration: unknown): void {
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

/** Fields of CreateService/UpdateService kept as given and returned by DescribeServices. */
const EXTRA_SERVICE_FIELDS = [
  'loadBalancers',
  'serviceRegistries',
  'placementConstraints',
  'placementStrategy',
  'healthCheckGracePeriodSeconds',
  'enableECSManagedTags',
  'propagateTags',
  'enableExecuteCommand',
] as const;

export function createEcsService(deps: EcsServiceDeps): JsonService {
  const { ecs, scheduler } = deps;

  /** Every handler reads an up-to-date world in the caller's region. */
  function withRegion(fn: (input: Input, ctx: RequestContext, region: EcsRegion) => unknown): JsonHandler {
    return (input, ctx) => {
      deps.catchUp();
      return fn(input, ctx, ecs.region(ctx.region));
    };
  }

  function activeTaskDefinition(
    region: EcsRegion,
    ref: string,
  ): Record<string, unknown> & { taskDefinitionArn: string } {
    const record = region.findTaskDefinition(ref);
    if (!record) throw new AwsError('ClientException', 'TaskDefinition not found.');
    if (record.def.status !== 'ACTIVE') throw new AwsError('ClientException', 'TaskDefinition is inactive');
    return record.def as Record<string, unknown> & { taskDefinitionArn: string };
  }

  const handlers: Record<string, JsonHandler> = {
    CreateCluster: withRegion((input, _ctx, region) => {
      const name = str(input, 'clusterName') ?? 'default';
      if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
        throw invalid('Cluster name can only contain letters, numbers, underscores and hyphens (1-255 characters).');
      }
      const cluster = region.createCluster(name, checkTags(input.tags), input.settings as never);
      return { cluster: presentCluster(cluster, ['TAGS', 'SETTINGS']) };
    }),

    DescribeClusters: withRegion((input, _ctx, region) => {
      const refs = strings(input, 'clusters');
      const include = strings(input, 'include');
      const clusters: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs.length > 0 ? refs : ['default']) {
        const name = region.clusterName(ref);
        const cluster = name === undefined ? undefined : region.clusters.get(name);
        if (cluster) clusters.push(presentCluster(cluster, include));
        else failures.push({ arn: ref.startsWith('arn:') ? ref : region.arn(`cluster/${ref}`), reason: 'MISSING' });
      }
      return { clusters, failures };
    }),

    ListClusters: withRegion((input, _ctx, region) => {
      const arns = [...region.clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.clusterArn);
      const { items, nextToken } = page(arns, input);
      return { clusterArns: items, nextToken };
    }),

    RegisterTaskDefinition: withRegion((input, ctx, region) => {
      const family = str(input, 'family', true)!;
      const tags = checkTags(input.tags);
      const revision = region.nextRevision(family);
      const arn = region.arn(`task-definition/${family}:${revision}`);
      const def = buildTaskDefinition(input, {
        arn,
        revision,
        registeredBy: ctx.principal?.arn ?? 'anonymous',
        now: ctx.now,
      });
      region.addTaskDefinition({ arn, family, revision, def, tags });
      return { taskDefinition: def, tags };
    }),

    DescribeTaskDefinition: withRegion((input, _ctx, region) => {
      const ref = str(input, 'taskDefinition', true)!;
      const record = region.findTaskDefinition(ref);
      if (!record) throw new AwsError('ClientException', 'Unable to describe task definition.');
      const withTags = strings(input, 'include').includes('TAGS');
      return { taskDefinition: record.def, tags: withTags ? record.tags : undefined };
    }),

    DeregisterTaskDefinition: withRegion((input, ctx, region) => {
      const ref = str(input, 'taskDefinition', true)!;
      const bare = ref.startsWith('arn:') ? (ref.split('/').pop() ?? '') : ref;
      if (!bare.includes(':')) {
        throw invalid('A task definition revision must be specified: use family:revision or the full ARN.');
      }
      const record = region.findTaskDefinition(ref);
      if (!record) throw new AwsError('ClientException', 'The specified task definition does not exist.');
      if (record.def.status === 'ACTIVE') {
        record.def.status = 'INACTIVE';
        record.def.deregisteredAt = ctx.now;
      }
      return { taskDefinition: record.def };
    }),

    ListTaskDefinitions: withRegion((input, _ctx, region) => {
      const family = str(input, 'familyPrefix');
      const status = str(input, 'status') ?? 'ACTIVE';
      const sort = str(input, 'sort') ?? 'ASC';
      let records = family ? (region.families.get(family) ?? []) : [...region.families.values()].flat();
      records = records.filter((r) => r.def.status === status);
      records.sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
      if (sort === 'DESC') records.reverse();
      const { items, nextToken } = page(
        records.map((r) => r.arn),
        input,
      );
      return { taskDefinitionArns: items, nextToken };
    }),

    ListTaskDefinitionFamilies: withRegion((input, _ctx, region) => {
      const prefix = str(input, 'familyPrefix') ?? '';
      const status = str(input, 'status') ?? 'ACTIVE';
      const families = [...region.families.entries()]
        .filter(
          ([name, list]) => name.startsWith(prefix) && (status === 'ALL' || list.some((r) => r.def.status === status)),
        )
        .map(([name]) => name)
        .sort();
      const { items, nextToken } = page(families, input);
      return { families: items, nextToken };
    }),

    CreateService: withRegion((input, ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const name = str(input, 'serviceName', true)!;
      if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
        throw invalid('Service name can only contain letters, numbers, underscores and hyphens (1-255 characters).');
      }
      const existing = cluster.services.get(name);
      if (existing && existing.status !== 'INACTIVE') throw invalid('Creation of service was not idempotent.');
      const controller = ((input.deploymentController as { type?: string } | undefined)?.type ??
        'ECS') as Service['deploymentController']['type'];
      if (!['ECS', 'CODE_DEPLOY', 'EXTERNAL'].includes(controller))
        throw invalid(`Invalid deploymentController type '${controller}'.`);
      const tdRef = str(input, 'taskDefinition', controller !== 'EXTERNAL');
      const def = tdRef ? activeTaskDefinition(region, tdRef) : undefined;
      const launchType = (str(input, 'launchType') ?? 'EC2') as 'FARGATE' | 'EC2';
      if (!['FARGATE', 'EC2'].includes(launchType))
        throw invalid(`Unsupported launchType '${launchType}' in the sandbox.`);
      if (def && launchType === 'FARGATE' && !supportsFargate(def)) {
        throw invalid('Task definition does not support launch_type FARGATE.');
      }
      if (def) checkNetwork(def, input.networkConfiguration);
      const desiredCount = int(input, 'desiredCount') ?? 0;
      if (desiredCount < 0) throw invalid('desiredCount must be at least 0.');
      const config = deploymentConfiguration(input.deploymentConfiguration, DEFAULT_DEPLOYMENT);
      const extra: Record<string, unknown> = {};
      for (const field of EXTRA_SERVICE_FIELDS) if (input[field] !== undefined) extra[field] = input[field];
      const service: Service = {
        serviceArn: region.arn(`service/${cluster.clusterName}/${name}`),
        serviceName: name,
        clusterArn: cluster.clusterArn,
        status: 'ACTIVE',
        desiredCount,
        launchType,
        taskDefinition: def?.taskDefinitionArn ?? '',
        deploymentConfiguration: config,
        deploymentController: { type: controller },
        networkConfiguration: input.networkConfiguration ?? undefined,
        schedulingStrategy: 'REPLICA',
        createdAt: ctx.now,
        createdBy: ctx.principal?.arn ?? 'anonymous',
        extra,
        deployments: [],
        events: [],
        tags: checkTags(input.tags),
        lastCompletedTaskDefinition: undefined,
        lastPlacementEventAt: 0,
      };
      if (def) service.deployments.push(newDeployment(service, def.taskDefinitionArn, ctx.now));
      cluster.services.set(name, service);
      scheduler.tick(region, ctx.now.getTime());
      return { service: presentService(service, cluster, false) };
    }),

    UpdateService: withRegion((input, ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const service = region.service(cluster, str(input, 'service', true), true);
      const tdRef = str(input, 'taskDefinition');
      const controller = service.deploymentController.type;
      let def: (Record<string, unknown> & { taskDefinitionArn: string }) | undefined;
      if (tdRef !== undefined) {
        if (controller !== 'ECS') {
          throw invalid(
            controller === 'CODE_DEPLOY'
              ? 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.'
              : 'Unable to update task definition on services with a EXTERNAL deployment controller. Please use Task Set API.',
          );
        }
        def = activeTaskDefinition(region, tdRef);
        if (service.launchType === 'FARGATE' && !supportsFargate(def)) {
          throw invalid('Task definition does not support launch_type FARGATE.');
        }
      }
      const networkConfiguration = input.networkConfiguration ?? service.networkConfiguration;
      const target = def ?? region.findTaskDefinition(service.taskDefinition)?.def;
      if (target) checkNetwork(target, networkConfiguration);
      const desiredCount = int(input, 'desiredCount');
      if (desiredCount !== undefined && desiredCount < 0) throw invalid('desiredCount must be at least 0.');
      const config = deploymentConfiguration(input.deploymentConfiguration, service.deploymentConfiguration);

      // Everything is valid: apply.
      service.deploymentConfiguration = config;
      for (const field of EXTRA_SERVICE_FIELDS) if (input[field] !== undefined) service.extra[field] = input[field];
      const networkChanged =
        input.networkConfiguration !== undefined &&
        JSON.stringify(input.networkConfiguration) !== JSON.stringify(service.networkConfiguration);
      service.networkConfiguration = networkConfiguration;
      if (desiredCount !== undefined) {
        service.desiredCount = desiredCount;
        const primary = service.deployments[0];
        if (primary) primary.desiredCount = desiredCount;
      }
      const newRevision = def !== undefined && def.taskDefinitionArn !== service.taskDefinition;
      if (newRevision || input.forceNewDeployment === true || networkChanged) {
        const arn = def?.taskDefinitionArn ?? service.taskDefinition;
        for (const d of service.deployments) d.status = 'ACTIVE';
        service.deployments.unshift(newDeployment(service, arn, ctx.now));
        service.taskDefinition = arn;
      }
      scheduler.tick(region, ctx.now.getTime());
      return { service: presentService(service, cluster, false) };
    }),

    DescribeServices: withRegion((input, _ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const refs = strings(input, 'services');
      if (refs.length === 0) throw invalid('services can not be empty.');
      if (refs.length > 10) throw invalid('At most 10 services can be described at once.');
      const withTags = strings(input, 'include').includes('TAGS');
      const services: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const service = region.findService(cluster, ref);
        if (service) services.push(presentService(service, cluster, withTags));
        else
          failures.push({
            arn: ref.startsWith('arn:') ? ref : region.arn(`service/${cluster.clusterName}/${ref}`),
            reason: 'MISSING',
          });
      }
      return { services, failures };
    }),

    ListServices: withRegion((input, _ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const launchType = str(input, 'launchType');
      const arns = [...cluster.services.values()]
        .filter((s) => s.status !== 'INACTIVE' && (launchType === undefined || s.launchType === launchType))
        .map((s) => s.serviceArn);
      const { items, nextToken } = page(arns, input, 10);
      return { serviceArns: items, nextToken };
    }),

    DeleteService: withRegion((input, ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const service = region.service(cluster, str(input, 'service', true), false);
      if (service.status === 'INACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
      if (service.desiredCount > 0 && input.force !== true) {
        throw invalid('The service cannot be stopped while it is scaled above 0.');
      }
      service.desiredCount = 0;
      service.status = 'DRAINING';
      scheduler.tick(region, ctx.now.getTime());
      return { service: presentService(service, cluster, false) };
    }),

    ListTasks: withRegion((input, _ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const serviceName = str(input, 'serviceName');
      let service: Service | undefined;
      if (serviceName !== undefined) {
        service = region.findService(cluster, serviceName);
        if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
      }
      const desiredStatus = str(input, 'desiredStatus') ?? 'RUNNING';
      const family = str(input, 'family');
      const startedBy = str(input, 'startedBy');
      const launchType = str(input, 'launchType');
      const containerInstance = str(input, 'containerInstance');
      const tasks = [...cluster.tasks.values()].filter(
        (t) =>
          (service === undefined || t.serviceArn === service.serviceArn) &&
          (desiredStatus === 'PENDING'
            ? t.desiredStatus === 'RUNNING' && t.lastStatus !== 'RUNNING'
            : t.desiredStatus === desiredStatus) &&
          (family === undefined || t.taskDefinitionArn.includes(`:task-definition/${family}:`)) &&
          (startedBy === undefined || t.startedBy === startedBy) &&
          (launchType === undefined || t.launchType === launchType) &&
          (containerInstance === undefined ||
            t.containerInstanceArn === containerInstance ||
            t.containerInstanceArn?.endsWith(`/${containerInstance}`) === true),
      );
      const { items, nextToken } = page(
        tasks.map((t) => t.taskArn),
        input,
      );
      return { taskArns: items, nextToken };
    }),

    DescribeTasks: withRegion((input, _ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const refs = strings(input, 'tasks');
      if (refs.length === 0) throw invalid('Tasks cannot be empty.');
      if (refs.length > 100) throw invalid('At most 100 tasks can be described at once.');
      const withTags = strings(input, 'include').includes('TAGS');
      const tasks: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const task = region.findTask(cluster, ref);
        if (task) tasks.push(presentTask(task, withTags));
        else
          failures.push({
            arn: ref.startsWith('arn:') ? ref : region.arn(`task/${cluster.clusterName}/${ref}`),
            reason: 'MISSING',
          });
      }
      return { tasks, failures };
    }),

    StopTask: withRegion((input, ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const task: Task | undefined = region.findTask(cluster, str(input, 'task', true));
      if (!task) throw invalid('The referenced task was not found.');
      const reason = str(input, 'reason') ?? 'Task stopped by user';
      scheduler.stopTask(task, ctx.now.getTime(), 'UserInitiated', reason);
      return { task: presentTask(task, false) };
    }),

    ListContainerInstances: withRegion((input, _ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const arns = [...cluster.containerInstances.values()].map((i) => i.containerInstanceArn);
      const { items, nextToken } = page(arns, input);
      return { containerInstanceArns: items, nextToken };
    }),

    DescribeContainerInstances: withRegion((input, _ctx, region) => {
      const cluster: Cluster = region.cluster(input.cluster);
      const refs = strings(input, 'containerInstances');
      const containerInstances: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const instance = cluster.containerInstances.get(ref.split('/').pop() ?? '');
        if (instance) containerInstances.push(presentContainerInstance(instance, cluster));
        else failures.push({ arn: ref, reason: 'MISSING' });
      }
      return { containerInstances, failures };
    }),

    TagResource: withRegion((input, _ctx, region) => {
      const target = region.taggable(str(input, 'resourceArn', true));
      if (!target) throw new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');
      const tags = checkTags(input.tags);
      if (tags.length === 0) throw invalid('Tags can not be empty.');
      target.tags = mergeTags(target.tags, tags);
      return {};
    }),

    UntagResource: withRegion((input, _ctx, region) => {
      const target = region.taggable(str(input, 'resourceArn', true));
      if (!target) throw new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');
      const keys = new Set(strings(input, 'tagKeys'));
      target.tags = target.tags.filter((t) => !keys.has(t.key));
      return {};
    }),

    ListTagsForResource: withRegion((input, _ctx, region) => {
      const target = region.taggable(str(input, 'resourceArn', true));
      if (!target) throw new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');
      return { tags: target.tags };
    }),
  };

  return {
    protocol: 'json',
    name: 'ecs',
    targetPrefix: 'AmazonEC2ContainerServiceV20141113',
    jsonVersion: '1.1',
    handlers,
  };
}

function newDeployment(service: Service, taskDefinition: string, now: Date): Service['deployments'][number] {
  return {
    id: newDeploymentId(),
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment in progress.',
    launchType: service.launchType,
    networkConfiguration: service.networkConfiguration,
    nextLaunchAt: 0,
    consecutiveFailures: 0,
  };
}
