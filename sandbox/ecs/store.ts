/**
 * The ECS state of the sandbox, one per region, with the lookups every operation shares: clusters,
 * services and tasks by name, id or ARN, and task definitions by family, revision or ARN.
 */
import { randomUUID } from 'node:crypto';
import { parseArn } from '../../src/aws/arn.js';
import { AwsError } from '../core/errors.js';
import { hexId } from '../core/ids.js';
import type { Cluster, ContainerInstance, Service, Tag, Task, TaskDefinitionRecord } from './model.js';

/** What ECS needs to know of IAM: can ECS tasks assume this role? */
export interface RoleTrust {
  /**
   * True when the role exists and its trust policy lets `ecs-tasks.amazonaws.com` assume it for this
   * task, with the confused-deputy keys ECS supplies (`aws:SourceAccount`, `aws:SourceArn`).
   */
  ecsTasksCanAssume(roleArn: string, taskArn: string): boolean;
}

const EVENTS_KEPT = 100;

/** The ECS state of one region. */
export class EcsRegion {
  readonly region: string;
  readonly accountId: string;
  readonly clusters = new Map<string, Cluster>();
  readonly families = new Map<string, TaskDefinitionRecord[]>();

  constructor(region: string, accountId: string) {
    this.region = region;
    this.accountId = accountId;
  }

  arn(resource: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:${resource}`;
  }

  createCluster(name: string, tags: Tag[] = [], settings?: Array<{ name: string; value: string }>): Cluster {
    const existing = this.clusters.get(name);
    if (existing && existing.status === 'ACTIVE') return existing;
    const cluster: Cluster = {
      clusterArn: this.arn(`cluster/${name}`),
      clusterName: name,
      status: 'ACTIVE',
      settings: settings ?? [{ name: 'containerInsights', value: 'disabled' }],
      tags,
      services: new Map(),
      tasks: new Map(),
      containerInstances: new Map(),
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  /** A cluster by name or ARN (`default` when none is given). Throws ClusterNotFoundException. */
  cluster(ref: unknown): Cluster {
    const name = this.clusterName(ref);
    const cluster = name === undefined ? undefined : this.clusters.get(name);
    if (!cluster || cluster.status !== 'ACTIVE') throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }

  /** The cluster name a reference points at, or undefined when it is malformed. */
  clusterName(ref: unknown): string | undefined {
    if (ref === undefined || ref === null || ref === '') return 'default';
    if (typeof ref !== 'string') return undefined;
    if (!ref.startsWith('arn:')) return ref;
    const arn = parseArn(ref);
    if (!arn || arn.service !== 'ecs' || !arn.resource.startsWith('cluster/')) return undefined;
    if (arn.region !== this.region || arn.accountId !== this.accountId) return undefined;
    return arn.resource.slice('cluster/'.length);
  }

  /** A service by name or ARN, any status. Undefined when absent. */
  findService(cluster: Cluster, ref: unknown): Service | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    if (!ref.startsWith('arn:')) return cluster.services.get(ref);
    const arn = parseArn(ref);
    if (!arn || arn.service !== 'ecs' || !arn.resource.startsWith('service/')) return undefined;
    const parts = arn.resource.split('/');
    // service/CLUSTER/NAME (long ARN format) or service/NAME (old format).
    const name = parts.length === 3 ? parts[2] : parts[1];
    if (parts.length === 3 && parts[1] !== cluster.clusterName) return undefined;
    return name === undefined ? undefined : cluster.services.get(name);
  }

  /** A service by name or ARN. Throws ServiceNotFoundException, or ServiceNotActiveException if asked. */
  service(cluster: Cluster, ref: unknown, mustBeActive: boolean): Service {
    const service = this.findService(cluster, ref);
    if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    if (mustBeActive && service.status !== 'ACTIVE') {
      throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    }
    return service;
  }

  /** A task by id or ARN, or undefined. */
  findTask(cluster: Cluster, ref: unknown): Task | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    if (!ref.startsWith('arn:')) return cluster.tasks.get(ref);
    const arn = parseArn(ref);
    if (!arn || arn.service !== 'ecs' || !arn.resource.startsWith('task/')) return undefined;
    const id = arn.resource.split('/').pop();
    return id === undefined ? undefined : cluster.tasks.get(id);
  }

  /** The next revision number of a family. */
  nextRevision(family: string): number {
    const list = this.families.get(family);
    return list && list.length > 0 ? list[list.length - 1]!.revision + 1 : 1;
  }

  addTaskDefinition(record: TaskDefinitionRecord): void {
    const list = this.families.get(record.family) ?? [];
    list.push(record);
    this.families.set(record.family, list);
  }

  /**
   * A task definition by `family` (latest ACTIVE revision), `family:revision` or ARN; undefined
   * when absent.
   */
  findTaskDefinition(ref: unknown): TaskDefinitionRecord | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    let text = ref;
    if (ref.startsWith('arn:')) {
      const arn = parseArn(ref);
      if (!arn || arn.service !== 'ecs' || !arn.resource.startsWith('task-definition/')) return undefined;
      if (arn.region !== this.region || arn.accountId !== this.accountId) return undefined;
      text = arn.resource.slice('task-definition/'.length);
    }
    const [family, revision] = text.split(':');
    const list = family === undefined ? undefined : this.families.get(family);
    if (!list) return undefined;
    if (revision === undefined) {
      return [...list].reverse().find((r) => r.def.status === 'ACTIVE');
    }
    return list.find((r) => String(r.revision) === revision);
  }

  /** Resource ARNs that can carry tags. */
  taggable(resourceArn: unknown): { tags: Tag[] } | undefined {
    if (typeof resourceArn !== 'string') return undefined;
    const arn = parseArn(resourceArn);
    if (!arn || arn.service !== 'ecs') return undefined;
    const [kind, ...rest] = arn.resource.split('/');
    if (kind === 'cluster') return this.clusters.get(rest.join('/'));
    if (kind === 'task-definition') return this.findTaskDefinition(resourceArn);
    if (kind === 'service' && rest.length === 2) {
      const cluster = this.clusters.get(rest[0]!);
      return cluster?.services.get(rest[1]!);
    }
    if (kind === 'task' && rest.length === 2) return this.clusters.get(rest[0]!)?.tasks.get(rest[1]!);
    if (kind === 'container-instance' && rest.length === 2) {
      return this.clusters.get(rest[0]!)?.containerInstances.get(rest[1]!);
    }
    return undefined;
  }

  /** Registers an EC2 container instance in a cluster (scenarios do this; there is no agent). */
  registerContainerInstance(
    cluster: Cluster,
    options: { instanceRoleArn?: string; cpu?: number; memory?: number; now: Date },
  ): ContainerInstance {
    const id = hexId();
    const instance: ContainerInstance = {
      containerInstanceArn: this.arn(`container-instance/${cluster.clusterName}/${id}`),
      ec2InstanceId: `i-${hexId(9).slice(0, 17)}`,
      instanceRoleArn: options.instanceRoleArn,
      cpu: options.cpu ?? 4096,
      memory: options.memory ?? 16384,
      registeredAt: options.now,
      availabilityZone: `${this.region}a`,
      tags: [],
    };
    cluster.containerInstances.set(id, instance);
    return instance;
  }
}

/** Adds a service event, newest first, as DescribeServices lists them. */
export function addEvent(service: Service, now: Date, message: string): void {
  service.events.unshift({ id: randomUUID(), createdAt: now, message: `(service ${service.serviceName}) ${message}` });
  if (service.events.length > EVENTS_KEPT) service.events.length = EVENTS_KEPT;
}

/** The ECS state of every region. */
export class EcsStore {
  readonly accountId: string;
  readonly #regions = new Map<string, EcsRegion>();

  constructor(accountId: string) {
    this.accountId = accountId;
  }

  region(name: string): EcsRegion {
    let region = this.#regions.get(name);
    if (!region) {
      region = new EcsRegion(name, this.accountId);
      this.#regions.set(name, region);
    }
    return region;
  }

  regions(): EcsRegion[] {
    return [...this.#regions.values()];
  }
}
