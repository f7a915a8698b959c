/**
 * `status`: what experiments left on a cluster's services, from AWS alone (leases, markers, chaos
 * revisions, sibling services, tasks still running a chaos revision), on any machine. Read-only;
 * `recover` repairs what this finds.
 */
import type { DeploymentConfiguration, Service, Tag } from '@aws-sdk/client-ecs';
import type { EcsPort, IamPort } from '../aws/ports.js';
import { readOnce } from '../aws/read-once.js';
import { faultsWithLeftovers } from '../faults/registry.js';
import type { FaultLeftover } from '../faults/types.js';
import { ChaosError } from '../errors.js';
import { isChaosDeploymentOf } from './deployment-config.js';
import { RevisionCatalog, type ChaosRevision } from './find-chaos-revisions.js';
import { findForeignRevision, type ForeignRevision } from './foreign-revision.js';
import { leasesOf, leaseStatus, type Lease } from './lease.js';
import {
  decodeDeploymentConfiguration,
  decodeFullDeploymentConfiguration,
  MARKER,
  MARKER_KEYS,
  tagValue,
} from './markers.js';
import { shortRevision } from './observe.js';
import { familyTasks } from './restore-state.js';

export { describeInspection, foreignRevisionFix } from './inspect-describe.js';
export type { ForeignRevision } from './foreign-revision.js';

/** What to look at. */
export interface RecoverTarget {
  readonly cluster: string;
  /** One service; all the cluster's services when absent. */
  readonly service?: string;
  readonly region: string;
  /** Revisions read per family for markers (newer first); a family with more is reported truncated. @default 2000 */
  readonly scanLimit?: number;
}

/** What ecs-chaos left on one service, as found in AWS. */
export interface ServiceInspection {
  readonly serviceName: string;
  readonly serviceArn: string;
  readonly serviceStatus: string;
  /** The revision the service runs. */
  readonly taskDefinitionArn: string;
  /** The service runs a chaos revision. */
  readonly onChaosRevision: boolean;
  /** ecs-chaos tags on the service (leases aside). */
  readonly serviceMarkers: readonly Tag[];
  /** The leases on the service, with their status now. */
  readonly leases: ReadonlyArray<Lease & { readonly status: 'LIVE' | 'ABANDONED' }>;
  /** A lease whose heartbeat is fresh: an experiment runs now. */
  readonly live: boolean;
  /** ACTIVE revisions ecs-chaos registered for this service, newest first. */
  readonly chaosRevisions: readonly string[];
  /** Exact mode's sibling services of this service still ACTIVE or DRAINING. */
  readonly siblings: readonly string[];
  /** Tasks of a chaos revision (ACTIVE or not) that are not yet STOPPED, in the service or its siblings. */
  readonly chaosTasks: number;
  /** The chaos revisions those tasks run (INACTIVE ones included). */
  readonly chaosTaskRevisions: readonly string[];
  /** The experiments these leftovers belong to. */
  readonly experimentIds: readonly string[];
  /** The revision to restore, from the markers (undefined when no marker names one). */
  readonly originalTaskDefinitionArn: string | undefined;
  /** The deployment configuration to restore, from the markers. */
  readonly originalDeployment: DeploymentConfiguration | undefined;
  /** The original deployment configuration came whole from the markers (not only its limits and circuit breaker). */
  readonly originalDeploymentComplete: boolean;
  /** The service's deployment configuration now. */
  readonly deploymentConfiguration: DeploymentConfiguration | undefined;
  /** The service no longer runs a chaos revision but kept the chaos window's deployment configuration. */
  readonly chaosDeploymentLeft: boolean;
  /** The service runs a revision someone else registered that carries the chaos change. */
  readonly foreignRevisionWithChaosChange?: ForeignRevision;
  /** When the newest experiment started (ISO 8601), from the markers. */
  readonly startedAt: string | undefined;
  /** What faults left outside ECS (a Deny policy on the task role...), found by the faults themselves. */
  readonly faultLeftovers: readonly FaultLeftover[];
  /** Why those could not be looked for (IAM not readable): a warning, not a finding. */
  readonly leftoversNotChecked?: string;
  /** Anything to repair (or, when live, anything in play). */
  readonly underChaos: boolean;
}

/** Only ACTIVE services are repaired in place; a DRAINING one is on its way out, like a deleted one. */
export const RUNNING_STATES = new Set(['ACTIVE']);

/** Every service name (or ARN) of a cluster. */
async function listServiceArns(ecs: EcsPort, cluster: string, signal?: AbortSignal): Promise<string[]> {
  const call = signal ? { abortSignal: signal } : {};
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.listServices({ cluster, nextToken, maxResults: 100 }, call);
    names.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

async function describeAll(
  ecs: EcsPort,
  cluster: string,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<{ services: Service[]; missing: number }> {
  const call = signal ? { abortSignal: signal } : {};
  const services: Service[] = [];
  let missing = 0;
  for (let i = 0; i < names.length; i += 10) {
    const out = await ecs.describeServices({ cluster, services: names.slice(i, i + 10), include: ['TAGS'] }, call);
    services.push(...(out.services ?? []));
    missing += (out.failures ?? []).length;
  }
  return { services, missing };
}

/**
 * The services to look at (one, or every ACTIVE/DRAINING service of the cluster) and the cluster's
 * sibling services (exact mode), by the service they stand beside.
 */
export async function listTargetServices(
  ecs: EcsPort,
  target: RecoverTarget,
  signal?: AbortSignal,
): Promise<{ services: Service[]; siblings: Map<string, Service[]> }> {
  const all = await listServiceArns(ecs, target.cluster, signal);
  const isSiblingName = (arn: string): boolean => /-chaos-[0-9a-f]{6}-\d+$/.test(arn);
  let names: string[];
  if (target.service) {
    names = [
      target.service,
      ...all.filter((a) => isSiblingName(a) && a.split('/').pop()!.startsWith(`${target.service}-chaos-`)),
    ];
  } else {
    names = all;
  }
  const { services, missing } = await describeAll(ecs, target.cluster, names, signal);
  const siblings = new Map<string, Service[]>();
  const targets: Service[] = [];
  for (const s of services) {
    const of = tagValue(s.tags, MARKER.siblingOf);
    if (of !== undefined) {
      if (s.status !== 'INACTIVE') siblings.set(of, [...(siblings.get(of) ?? []), s]);
    } else if (!target.service || s.serviceName === target.service) {
      targets.push(s);
    }
  }
  if (target.service && !targets.some((s) => s.serviceName === target.service) && missing > 0) {
    throw new ChaosError(
      'SERVICE_NOT_FOUND',
      `service '${target.service}' was not found in cluster '${target.cluster}'`,
      {
        fault: 'user',
      },
    );
  }
  return { services: targets, siblings };
}

function familyOf(arn: string | undefined): string | undefined {
  return arn ? shortRevision(arn).split(':')[0] : undefined;
}

/** Inspects one service: its leases, markers, revision, chaos revisions, siblings and chaos tasks. */
export async function inspectService(
  ecs: EcsPort,
  service: Service,
  siblings: readonly Service[],
  now: Date,
  signal?: AbortSignal,
  catalog: RevisionCatalog = new RevisionCatalog(ecs, signal ? { signal } : {}),
  iam?: IamPort,
): Promise<ServiceInspection> {
  const call = signal ? { abortSignal: signal } : {};
  const serviceArn = service.serviceArn!;
  const tags = service.tags ?? [];
  const serviceMarkers = tags.filter((t) => MARKER_KEYS.includes(t.key ?? ''));
  const leases = leasesOf(tags).map((l) => ({ ...l, status: leaseStatus(l, now) }));
  const current = service.taskDefinition!;
  const described = await catalog.describe(current);
  const currentTags = described.tags;
  const onChaosRevision = tagValue(currentTags, MARKER.experimentId) !== undefined;
  const originalFromMarkers =
    tagValue(serviceMarkers, MARKER.originalTaskDefinition) ?? tagValue(currentTags, MARKER.originalTaskDefinition);
  const families = new Set(
    [familyOf(current), familyOf(originalFromMarkers)].filter((f): f is string => f !== undefined),
  );
  const revisions: ChaosRevision[] = [];
  for (const family of families) {
    const scan = await catalog.scan(family, 'ACTIVE');
    revisions.push(...scan.chaos.filter((r) => tagValue(r.tags, MARKER.service) === serviceArn));
  }
  // Tasks of a chaos revision still up, in the service or its siblings, whatever the revision's status.
  const groups = new Set([service.serviceName, ...siblings.map((s) => s.serviceName)].map((n) => `service:${n}`));
  let chaosTasks = 0;
  const chaosTaskRevisions = new Set<string>();
  for (const family of families) {
    const all = await catalog.once(`tasks ${service.clusterArn} ${family}`, () =>
      familyTasks(ecs, service.clusterArn!, family, call),
    );
    for (const t of all.filter((t) => groups.has(t.group ?? '') && t.lastStatus !== 'STOPPED')) {
      const arn = t.taskDefinitionArn!;
      if (tagValue((await catalog.describe(arn)).tags, MARKER.experimentId) !== undefined) {
        chaosTasks++;
        chaosTaskRevisions.add(arn);
      }
    }
  }
  const newest = revisions[0];
  const experimentIds = [
    ...new Set(
      [
        tagValue(serviceMarkers, MARKER.underChaos),
        tagValue(currentTags, MARKER.experimentId),
        ...revisions.map((r) => r.experimentId),
        ...siblings.map((s) => tagValue(s.tags, MARKER.experimentId)),
        ...leases.map((l) => l.experimentId),
      ].filter((id): id is string => id !== undefined),
    ),
  ];
  const foreignRevision = onChaosRevision
    ? undefined
    : await findForeignRevision(catalog, service, described.taskDefinition, revisions, {
        experimentIds,
        families,
        chaosArn: tagValue(serviceMarkers, MARKER.chaosTaskDefinition),
      });
  // Where the markers are, in order: the service, the revision it runs, its newest ACTIVE chaos
  // revision, the (possibly INACTIVE) chaos revision a foreign revision copied.
  const sources = [serviceMarkers, currentTags, newest?.tags, foreignRevision?.chaosTags];
  const marker = (key: string): string | undefined =>
    sources.map((tags) => tagValue(tags, key)).find((v) => v !== undefined);
  const siblingOriginal = siblings.map((s) => tagValue(s.tags, MARKER.originalTaskDefinition)).find((x) => x);
  const originalTaskDefinitionArn = marker(MARKER.originalTaskDefinition) ?? siblingOriginal;
  // The whole configuration (alarms, strategy settings) when the run could store it.
  const fullDeployment = decodeFullDeploymentConfiguration(marker(MARKER.originalDeploymentFull));
  const startedAt =
    tagValue(currentTags, MARKER.startedAt) ??
    tagValue(newest?.tags, MARKER.startedAt) ??
    tagValue(foreignRevision?.chaosTags, MARKER.startedAt);
  const live = leases.some((l) => l.status === 'LIVE');
  const shortDeployment = decodeDeploymentConfiguration(marker(MARKER.originalDeployment));
  // What the faults left outside ECS, each fault looking where it writes (with IAM, when given).
  const faultLeftovers: FaultLeftover[] = [];
  let leftoversNotChecked: string | undefined;
  for (const fault of iam ? faultsWithLeftovers() : []) {
    try {
      faultLeftovers.push(
        ...(await fault.leftovers!.find({
          service,
          taskDefinition: described.taskDefinition,
          iam: iam!,
          now,
          ...(signal ? { signal } : {}),
        })),
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      leftoversNotChecked = `${fault.name}'s leftovers not checked: ${(error as Error).message}`;
    }
  }
  // The full marker holds what the short one does not (whole, from earlier versions): together, the whole.
  const originalDeployment = fullDeployment ? { ...shortDeployment, ...fullDeployment } : shortDeployment;
  // The chaos window's deployment configuration, left on a service that no longer runs the chaos revision.
  // Only with evidence on the service itself (markers, a lease): a chaos revision left ACTIVE long
  // ago must not make recover undo a configuration someone set since.
  const chaosDeploymentLeft =
    !onChaosRevision &&
    (serviceMarkers.length > 0 || leases.length > 0) &&
    originalDeployment !== undefined &&
    isChaosDeploymentOf(originalDeployment, service.deploymentConfiguration);
  return {
    serviceName: service.serviceName!,
    serviceArn,
    serviceStatus: service.status ?? 'UNKNOWN',
    taskDefinitionArn: current,
    onChaosRevision,
    serviceMarkers,
    leases,
    live,
    chaosRevisions: revisions.map((r) => r.taskDefinition.taskDefinitionArn!),
    siblings: siblings.map((s) => s.serviceName!),
    chaosTasks,
    chaosTaskRevisions: [...chaosTaskRevisions],
    experimentIds,
    originalTaskDefinitionArn,
    originalDeployment,
    originalDeploymentComplete: fullDeployment !== undefined,
    deploymentConfiguration: service.deploymentConfiguration,
    chaosDeploymentLeft,
    ...(foreignRevision ? { foreignRevisionWithChaosChange: foreignRevision } : {}),
    startedAt,
    faultLeftovers,
    ...(leftoversNotChecked ? { leftoversNotChecked } : {}),
    underChaos:
      faultLeftovers.length > 0 ||
      onChaosRevision ||
      serviceMarkers.length > 0 ||
      revisions.length > 0 ||
      leases.length > 0 ||
      siblings.length > 0 ||
      chaosTasks > 0 ||
      chaosDeploymentLeft ||
      foreignRevision !== undefined,
  };
}

/** What `status` reports: each ACTIVE service, and (cluster-wide) the orphan chaos revisions. */
export interface ClusterInspection {
  readonly services: ServiceInspection[];
  readonly orphanRevisions: OrphanRevision[];
  /** Family scans that read only the newest revisions (the scan limit): older ones were not checked. */
  readonly truncated: string[];
}

/** `ecs-chaos status`: the services under chaos and the leftover chaos revisions of a cluster. Read-only. */
export async function inspectCluster(
  ecs: EcsPort,
  target: RecoverTarget,
  now: Date,
  signal?: AbortSignal,
  /** With IAM, the faults' leftovers outside ECS are looked for too. */
  iam?: IamPort,
): Promise<ClusterInspection> {
  const catalog = new RevisionCatalog(ecs, {
    ...(signal ? { signal } : {}),
    ...(target.scanLimit ? { limit: target.scanLimit } : {}),
  });
  const { services, siblings } = await listTargetServices(ecs, target, signal);
  // Services often share a task role: each role is read once per scan, whatever the services.
  const roles = iam ? readOnce(iam) : undefined;
  const inspections: ServiceInspection[] = [];
  for (const service of services) {
    if (!RUNNING_STATES.has(service.status ?? '')) continue;
    inspections.push(
      await inspectService(ecs, service, siblings.get(service.serviceArn!) ?? [], now, signal, catalog, roles),
    );
  }
  const orphanRevisions = target.service
    ? []
    : await findOrphanRevisions(ecs, target.cluster, services, signal, catalog);
  return { services: inspections, orphanRevisions, truncated: await catalog.truncations() };
}

/** A chaos revision whose service no longer exists (deleted or draining). */
export interface OrphanRevision {
  readonly arn: string;
  /** The ARN of the service it was registered for. */
  readonly service: string;
  readonly experimentId: string;
}

/**
 * Chaos revisions, in the families the cluster's services use, whose service is gone. Cluster-wide
 * only: a family no service of the cluster uses any more is not scanned.
 */
export async function findOrphanRevisions(
  ecs: EcsPort,
  cluster: string,
  services: readonly Service[],
  signal?: AbortSignal,
  catalog: RevisionCatalog = new RevisionCatalog(ecs, signal ? { signal } : {}),
): Promise<OrphanRevision[]> {
  const live = new Set(services.filter((s) => RUNNING_STATES.has(s.status ?? '')).map((s) => s.serviceArn));
  const families = new Set(services.map((s) => familyOf(s.taskDefinition)).filter((f): f is string => f !== undefined));
  const clusterPart = `:service/${cluster}/`;
  const orphans: OrphanRevision[] = [];
  for (const family of families) {
    for (const revision of (await catalog.scan(family, 'ACTIVE')).chaos) {
      const owner = tagValue(revision.tags, MARKER.service);
      if (!owner || live.has(owner) || !owner.includes(clusterPart)) continue;
      orphans.push({
        arn: revision.taskDefinition.taskDefinitionArn!,
        service: owner,
        experimentId: revision.experimentId,
      });
    }
  }
  return orphans;
}
