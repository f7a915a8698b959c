/** The ECS API of the sandbox (AWS JSON 1.1, `AmazonEC2ContainerServiceV20141113`). */
import { AwsError } from '../core/errors.js';
import type { JsonHandler, JsonService, RequestContext } from '../core/service.js';
import {
  checkGracePeriod,
  checkNetwork,
  DEFAULT_DEPLOYMENT,
  deploymentConfiguration,
  int,
  loadBalancerTargets,
  page,
  str,
  strings,
  type Input,
} from './input.js';
import type { Cluster, Service, Task } from './model.js';
import {
  checkLongArn,
  checkTags,
  invalid,
  mergeTags,
  presentCluster,
  presentContainerInstance,
  presentService,
  presentTask,
} from './present.js';
import { newDeployment } from './rollout.js';
import type { Scheduler } from './scheduler.js';
import type { EcsRegion, EcsStore } from './store.js';
import { supportsFargate } from './taskdef.js';
import { taskDefinitionHandlers } from './taskdef-api.js';
import { withStaleReads, type ConsistencyOptions } from './consistency.js';
import { checkDaemonDeployment, DAEMON_DEPLOYMENT, daemonCount, schedulingStrategyOf } from './daemon.js';

export interface EcsServiceDeps {
  readonly ecs: EcsStore;
  readonly scheduler: Scheduler;
  /** Brings the world up to date before a request reads it. */
  readonly catchUp: () => void;
  /** Eventual consistency: reads may show the state before a write for a while (consistency.ts). */
  readonly consistency?: ConsistencyOptions;
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
      if (refs.length > 100) throw invalid('At most 100 clusters can be described at once.');
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

    ...taskDefinitionHandlers(withRegion),

    CreateService: withRegion((input, ctx, region) => {
      const cluster = region.cluster(input.cluster);
      const name = str(input, 'serviceName', true)!;
      if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
        throw invalid('Service name can only contain letters, numbers, underscores and hyphens (1-255 characters).');
      }
      const clientToken = str(input, 'clientToken');
      if (clientToken !== undefined && !/^[\x21-\x7e]{1,36}$/.test(clientToken)) {
        throw invalid('clientToken must be 1 to 36 ASCII characters in the range 33-126.');
      }
      const existing = cluster.services.get(name);
      if (existing && existing.status !== 'INACTIVE') {
        // A retried CreateService with the same client token answers the service it created.
        if (clientToken !== undefined && existing.clientToken === clientToken) {
          return { service: presentService(existing, cluster, false) };
        }
        throw invalid('Creation of service was not idempotent.');
      }
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
      const strategy = schedulingStrategyOf(input, launchType);
      const desiredCount = strategy === 'DAEMON' ? daemonCount(cluster) : (int(input, 'desiredCount') ?? 0);
      if (desiredCount < 0) throw invalid('desiredCount must be at least 0.');
      const defaults = strategy === 'DAEMON' ? DAEMON_DEPLOYMENT : DEFAULT_DEPLOYMENT;
      const config = deploymentConfiguration(input.deploymentConfiguration, defaults, controller);
      checkDaemonDeployment(config, strategy);
      const loadBalancers = loadBalancerTargets(input.loadBalancers, def);
      checkGracePeriod(input);
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
        schedulingStrategy: strategy,
        createdAt: ctx.now,
        createdBy: ctx.principal?.arn ?? 'anonymous',
        extra,
        deployments: [],
        events: [],
        tags: checkTags(input.tags),
        lastCompletedTaskDefinition: undefined,
        lastCompletedDeploymentId: undefined,
        lastPlacementEventAt: 0,
        ...(clientToken !== undefined ? { clientToken } : {}),
      };
      if (def) service.deployments.push(newDeployment(service, def.taskDefinitionArn, loadBalancers, ctx.now));
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
      if (desiredCount !== undefined && service.schedulingStrategy === 'DAEMON') {
        throw invalid('desiredCount cannot be updated for a service with the DAEMON scheduling strategy.');
      }
      const config = deploymentConfiguration(
        input.deploymentConfiguration,
        service.deploymentConfiguration,
        controller,
      );
      checkDaemonDeployment(config, service.schedulingStrategy);
      checkGracePeriod(input);
      const lbInput = input.loadBalancers ?? service.extra.loadBalancers;
      const loadBalancers = loadBalancerTargets(lbInput, target);
      const loadBalancersChanged =
        input.loadBalancers !== undefined &&
        JSON.stringify(input.loadBalancers) !== JSON.stringify(service.extra.loadBalancers ?? []);

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
      if (newRevision || input.forceNewDeployment === true || networkChanged || loadBalancersChanged) {
        const arn = def?.taskDefinitionArn ?? service.taskDefinition;
        for (const d of service.deployments) d.status = 'ACTIVE';
        service.deployments.unshift(newDeployment(service, arn, loadBalancers, ctx.now));
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
      // The API reference allows up to 255 characters in the reason.
      if (reason.length > 255)
        throw invalid(`reason must be at most 255 characters (got ${reason.length}): shorten the stop reason.`);
      scheduler.stopTask(cluster, task, ctx.now.getTime(), 'UserInitiated', reason);
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
      checkLongArn(input.resourceArn);
      const target = region.taggable(str(input, 'resourceArn', true));
      if (!target) throw new AwsError('ResourceNotFoundException', 'The specified resource could not be found.');
      const tags = checkTags(input.tags);
      if (tags.length === 0) throw invalid('Tags can not be empty.');
      target.tags = mergeTags(target.tags, tags);
      return {};
    }),

    UntagResource: withRegion((input, _ctx, region) => {
      checkLongArn(input.resourceArn);
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
    handlers: deps.consistency ? withStaleReads(handlers, deps.consistency) : handlers,
  };
}
