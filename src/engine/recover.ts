/**
 * `status` and `recover`: find and repair what an experiment left behind, from AWS state alone (the
 * recovery markers on services and chaos revisions), on any machine. Recover restores the original
 * revision and deployment configuration, waits for a task of it to run, deregisters every ACTIVE chaos
 * revision of the service and removes the markers. It is idempotent: a second run finds nothing.
 */
import type { DeploymentConfiguration, Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsPort } from '../aws/ports.js';
import { ChaosError } from '../errors.js';
import { chaosTaskDefinitionInput } from '../faults/update-task-role/chaos-task-definition.js';
import { sameDeploymentLimits } from '../faults/update-task-role/deployment.js';
import type { IoHost, IoLevel } from '../io/io-host.js';
import type { Clock } from './clock.js';
import { findChaosRevisions, type ChaosRevision } from './find-chaos-revisions.js';
import { decodeDeploymentConfiguration, MARKER, MARKER_KEYS, tagValue } from './markers.js';
import { serviceTasks, shortRevision } from './observe.js';

/** What to look at. */
export interface RecoverTarget {
  readonly cluster: string;
  /** One service; all the cluster's services when absent. */
  readonly service?: string;
  readonly region: string;
}

/** Options of {@link recover}. */
export interface RecoverOptions extends RecoverTarget {
  /** Say what would be done, change nothing. @default false */
  readonly dryRun?: boolean;
  /** How long to wait for a task of the original revision to run, per service. @default 300 */
  readonly restoreTimeoutSeconds?: number;
}

export interface RecoverDeps {
  readonly ecs: EcsPort;
  readonly io: IoHost;
  readonly clock: Clock;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
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
  /** ecs-chaos tags on the service. */
  readonly serviceMarkers: readonly Tag[];
  /** ACTIVE revisions ecs-chaos registered for this service, newest first. */
  readonly chaosRevisions: readonly string[];
  /** The experiments these leftovers belong to. */
  readonly experimentIds: readonly string[];
  /** The revision to restore, from the markers (undefined when no marker names one). */
  readonly originalTaskDefinitionArn: string | undefined;
  /** The deployment configuration to restore, from the markers. */
  readonly originalDeployment: DeploymentConfiguration | undefined;
  /** When the newest experiment started (ISO 8601), from the markers. */
  readonly startedAt: string | undefined;
  /** Anything to repair. */
  readonly underChaos: boolean;
}

/** What recover found and did for one service. */
export interface ServiceRecovery {
  readonly inspection: ServiceInspection;
  /** `clean`: nothing to do; `repaired`; `would-repair` (dry run); `failed`. */
  status: 'clean' | 'repaired' | 'would-repair' | 'failed';
  /** The actions, done or (dry run) planned, one line each. */
  readonly actions: string[];
  error?: string;
}

/** The outcome of {@link recover}. */
export interface RecoverReport {
  readonly cluster: string;
  readonly region: string;
  readonly dryRun: boolean;
  readonly services: ServiceRecovery[];
  /** Chaos revisions whose service no longer exists (cluster-wide runs only). */
  readonly orphanRevisions: { arn: string; service: string; action: string }[];
  /** Nothing is left (after the repairs, or already). */
  clean: boolean;
}

/** Only ACTIVE services are repaired in place; a DRAINING one is on its way out, like a deleted one. */
const RUNNING_STATES = new Set(['ACTIVE']);

/** The services to look at: one, or every ACTIVE/DRAINING service of the cluster. */
async function listTargetServices(ecs: EcsPort, target: RecoverTarget, signal?: AbortSignal): Promise<Service[]> {
  const call = signal ? { abortSignal: signal } : {};
  let names: string[];
  if (target.service) {
    names = [target.service];
  } else {
    names = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.listServices({ cluster: target.cluster, nextToken, maxResults: 100 }, call);
      names.push(...(page.serviceArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const services: Service[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const out = await ecs.describeServices(
      { cluster: target.cluster, services: names.slice(i, i + 10), include: ['TAGS'] },
      call,
    );
    services.push(...(out.services ?? []));
    if (target.service && (out.failures ?? []).length > 0) {
      throw new ChaosError(
        'SERVICE_NOT_FOUND',
        `service '${target.service}' was not found in cluster '${target.cluster}'`,
        { fault: 'user' },
      );
    }
  }
  return services;
}

function familyOf(arn: string | undefined): string | undefined {
  return arn ? shortRevision(arn).split(':')[0] : undefined;
}

/** Inspects one service: its markers, its revision, its ACTIVE chaos revisions. */
export async function inspectService(ecs: EcsPort, service: Service, signal?: AbortSignal): Promise<ServiceInspection> {
  const call = signal ? { abortSignal: signal } : {};
  const serviceArn = service.serviceArn!;
  const tags = service.tags ?? [];
  const serviceMarkers = tags.filter((t) => MARKER_KEYS.includes(t.key ?? ''));
  const current = service.taskDefinition!;
  const described = await ecs.describeTaskDefinition({ taskDefinition: current, include: ['TAGS'] }, call);
  const currentTags = described.tags ?? [];
  const onChaosRevision = tagValue(currentTags, MARKER.experimentId) !== undefined;
  const originalFromMarkers =
    tagValue(serviceMarkers, MARKER.originalTaskDefinition) ?? tagValue(currentTags, MARKER.originalTaskDefinition);
  const families = new Set(
    [familyOf(current), familyOf(originalFromMarkers)].filter((f): f is string => f !== undefined),
  );
  const revisions: ChaosRevision[] = [];
  for (const family of families) {
    revisions.push(...(await findChaosRevisions(ecs, family, { serviceArn, ...call })));
  }
  const newest = revisions[0];
  const originalTaskDefinitionArn =
    originalFromMarkers ?? (newest ? tagValue(newest.tags, MARKER.originalTaskDefinition) : undefined);
  const deploymentText =
    tagValue(serviceMarkers, MARKER.originalDeployment) ??
    tagValue(currentTags, MARKER.originalDeployment) ??
    (newest ? tagValue(newest.tags, MARKER.originalDeployment) : undefined);
  const experimentIds = [
    ...new Set(
      [
        tagValue(serviceMarkers, MARKER.underChaos),
        tagValue(currentTags, MARKER.experimentId),
        ...revisions.map((r) => r.experimentId),
      ].filter((id): id is string => id !== undefined),
    ),
  ];
  const startedAt =
    tagValue(currentTags, MARKER.startedAt) ?? (newest ? tagValue(newest.tags, MARKER.startedAt) : undefined);
  return {
    serviceName: service.serviceName!,
    serviceArn,
    serviceStatus: service.status ?? 'UNKNOWN',
    taskDefinitionArn: current,
    onChaosRevision,
    serviceMarkers,
    chaosRevisions: revisions.map((r) => r.taskDefinition.taskDefinitionArn!),
    experimentIds,
    originalTaskDefinitionArn,
    originalDeployment: decodeDeploymentConfiguration(deploymentText),
    startedAt,
    underChaos: onChaosRevision || serviceMarkers.length > 0 || revisions.length > 0,
  };
}

/** `ecs-chaos status`: the services under chaos and the leftover chaos revisions of a cluster. Read-only. */
export async function inspectCluster(
  ecs: EcsPort,
  target: RecoverTarget,
  signal?: AbortSignal,
): Promise<ClusterInspection> {
  const services = await listTargetServices(ecs, target, signal);
  const inspections: ServiceInspection[] = [];
  for (const service of services) {
    if (!RUNNING_STATES.has(service.status ?? '')) continue;
    inspections.push(await inspectService(ecs, service, signal));
  }
  const orphanRevisions = target.service ? [] : await findOrphanRevisions(ecs, target.cluster, services, signal);
  return { services: inspections, orphanRevisions };
}

/** What `status` reports: each ACTIVE service, and (cluster-wide) the orphan chaos revisions. */
export interface ClusterInspection {
  readonly services: ServiceInspection[];
  readonly orphanRevisions: OrphanRevision[];
}

/** One line describing what was found on a service. */
export function describeInspection(i: ServiceInspection): string {
  if (!i.underChaos) return `${i.serviceName}: clean (runs ${shortRevision(i.taskDefinitionArn)})`;
  const parts: string[] = [];
  if (i.onChaosRevision) parts.push(`runs the chaos revision ${shortRevision(i.taskDefinitionArn)}`);
  else parts.push(`runs ${shortRevision(i.taskDefinitionArn)}`);
  if (i.serviceMarkers.length > 0) parts.push(`${i.serviceMarkers.length} ecs-chaos tags on the service`);
  if (i.chaosRevisions.length > 0)
    parts.push(`ACTIVE chaos revisions ${i.chaosRevisions.map(shortRevision).join(', ')}`);
  const exp =
    i.experimentIds.length > 0
      ? ` (experiment ${i.experimentIds.join(', ')}${i.startedAt ? `, started ${i.startedAt}` : ''})`
      : '';
  return `${i.serviceName}: UNDER CHAOS${exp}: ${parts.join('; ')}; original ${i.originalTaskDefinitionArn ? shortRevision(i.originalTaskDefinitionArn) : 'unknown'}`;
}

/** `ecs-chaos recover`. */
export async function recover(options: RecoverOptions, deps: RecoverDeps): Promise<RecoverReport> {
  const dryRun = options.dryRun ?? false;
  const say = (level: IoLevel, message: string, data?: Record<string, unknown>): void =>
    deps.io.notify({ time: deps.clock.now(), level, code: 'info', message, ...(data ? { data } : {}) });
  const services = await listTargetServices(deps.ecs, options, deps.signal);
  const report: RecoverReport = {
    cluster: options.cluster,
    region: options.region,
    dryRun,
    services: [],
    orphanRevisions: [],
    clean: true,
  };
  for (const service of services) {
    if (!RUNNING_STATES.has(service.status ?? '')) continue;
    const inspection = await inspectService(deps.ecs, service, deps.signal);
    const entry: ServiceRecovery = { inspection, status: 'clean', actions: [] };
    report.services.push(entry);
    say(inspection.underChaos ? 'warn' : 'info', describeInspection(inspection));
    if (!inspection.underChaos) continue;
    try {
      await repairService(service, inspection, entry, { ...options, dryRun }, deps);
      entry.status = dryRun ? 'would-repair' : 'repaired';
      if (!dryRun) {
        // Check the work from AWS's side.
        const again = await listTargetServices(deps.ecs, { ...options, service: inspection.serviceName }, deps.signal);
        const after = await inspectService(deps.ecs, again[0]!, deps.signal);
        if (after.underChaos)
          throw new ChaosError('RECOVER_INCOMPLETE', `still not clean: ${describeInspection(after)}`, { fault: 'aws' });
      }
    } catch (error) {
      entry.status = 'failed';
      entry.error = (error as Error).message;
      say('error', `${inspection.serviceName}: recover failed: ${entry.error}`);
    }
  }
  if (!options.service) await recoverOrphans(services, report, { ...options, dryRun }, deps);
  report.clean =
    report.services.every((s) => s.status === 'clean' || s.status === 'repaired') &&
    report.orphanRevisions.every((o) => o.action.startsWith('deregistered'));
  return report;
}

/** Repairs one service per its inspection. */
async function repairService(
  service: Service,
  inspection: ServiceInspection,
  entry: ServiceRecovery,
  options: RecoverOptions & { dryRun: boolean },
  deps: RecoverDeps,
): Promise<void> {
  const ecs = deps.ecs;
  const call = deps.signal ? { abortSignal: deps.signal } : {};
  const act = (line: string): void => {
    entry.actions.push(line);
    deps.io.notify({
      time: deps.clock.now(),
      level: 'info',
      code: options.dryRun ? 'info' : 'mutation.done',
      message: `${inspection.serviceName}: ${options.dryRun ? 'would ' : ''}${line}`,
    });
  };
  const name = inspection.serviceName;
  let restoredTo: string | undefined;

  // 1. The revision and the deployment configuration.
  if (inspection.onChaosRevision) {
    const originalArn = inspection.originalTaskDefinitionArn;
    if (!originalArn) {
      throw new ChaosError(
        'RECOVER_NO_ORIGINAL',
        `${name} runs a chaos revision but no marker names its original revision; deploy the right revision by hand`,
        { fault: 'user' },
      );
    }
    let target = originalArn;
    const original = await ecs.describeTaskDefinition({ taskDefinition: originalArn, include: ['TAGS'] }, call);
    if (original.taskDefinition?.status !== 'ACTIVE') {
      // ECS cannot deploy an INACTIVE revision: register a faithful copy of it and deploy that.
      const td: TaskDefinition = original.taskDefinition!;
      const tags = (original.tags ?? []).filter((t) => !MARKER_KEYS.includes(t.key ?? ''));
      if (options.dryRun) {
        act(`register a copy of ${shortRevision(originalArn)} (INACTIVE, so ECS cannot deploy it) and deploy the copy`);
        target = `${td.family}:(new revision)`;
      } else {
        const copy = await ecs.registerTaskDefinition(
          chaosTaskDefinitionInput(td, { taskRoleArn: td.taskRoleArn ?? null, tags }),
        );
        target = copy.taskDefinition!.taskDefinitionArn!;
        act(
          `registered ${shortRevision(target)}, a copy of ${shortRevision(originalArn)} (INACTIVE, so ECS cannot deploy it)`,
        );
      }
    }
    const deployment = inspection.originalDeployment;
    const cfgText = deployment
      ? ` with maximumPercent ${deployment.maximumPercent}, minimumHealthyPercent ${deployment.minimumHealthyPercent}`
      : '';
    if (options.dryRun) act(`UpdateService ${name} -> ${shortRevision(target)}${cfgText}`);
    else {
      await ecs.updateService(
        {
          cluster: options.cluster,
          service: name,
          taskDefinition: target,
          ...(deployment ? { deploymentConfiguration: deployment } : {}),
        },
        call,
      );
      act(`UpdateService ${name} -> ${shortRevision(target)}${cfgText}`);
      restoredTo = target;
    }
  } else if (
    inspection.serviceMarkers.length > 0 &&
    inspection.originalDeployment &&
    inspection.taskDefinitionArn === inspection.originalTaskDefinitionArn &&
    !sameDeploymentLimits(service.deploymentConfiguration, inspection.originalDeployment)
  ) {
    const d = inspection.originalDeployment;
    const line = `UpdateService ${name}: deployment configuration back to maximumPercent ${d.maximumPercent}, minimumHealthyPercent ${d.minimumHealthyPercent}`;
    if (!options.dryRun)
      await ecs.updateService({ cluster: options.cluster, service: name, deploymentConfiguration: d }, call);
    act(line);
  } else if (
    !inspection.onChaosRevision &&
    inspection.taskDefinitionArn !== inspection.originalTaskDefinitionArn &&
    inspection.originalTaskDefinitionArn
  ) {
    act(`left ${shortRevision(inspection.taskDefinitionArn)} in place: someone deployed it after the experiment`);
  }

  // 2. Wait for the original revision to run.
  if (restoredTo) {
    const limitMs = (options.restoreTimeoutSeconds ?? 300) * 1000;
    const deadline = deps.clock.now().getTime() + limitMs;
    for (;;) {
      const tasks = await serviceTasks(ecs, options.cluster, name, call);
      if (tasks.some((t) => t.taskDefinitionArn === restoredTo && t.lastStatus === 'RUNNING')) break;
      if (deps.clock.now().getTime() >= deadline) {
        throw new ChaosError(
          'RESTORE_TIMEOUT',
          `no task of ${shortRevision(restoredTo)} was RUNNING within ${options.restoreTimeoutSeconds ?? 300}s (--restore-timeout); run recover again once the service is healthy`,
          { fault: 'aws' },
        );
      }
      await deps.clock.sleep(deps.pollIntervalMs ?? 1000, deps.signal);
    }
    act(`a task of ${shortRevision(restoredTo)} is RUNNING`);
  }

  // 3. The chaos revisions (the one the service still runs stays, when it could not be restored).
  const keep = inspection.onChaosRevision && !restoredTo && !options.dryRun ? inspection.taskDefinitionArn : undefined;
  const toDeregister = inspection.chaosRevisions.filter((arn) => arn !== keep);
  if (
    inspection.onChaosRevision &&
    keep === undefined &&
    !inspection.chaosRevisions.includes(inspection.taskDefinitionArn)
  ) {
    // The revision the service ran is a chaos revision not found by the family scan: add it.
    toDeregister.push(inspection.taskDefinitionArn);
  }
  for (const arn of toDeregister) {
    if (!options.dryRun) await ecs.deregisterTaskDefinition({ taskDefinition: arn }, call);
    act(`DeregisterTaskDefinition ${shortRevision(arn)}`);
  }

  // 4. The markers.
  if (inspection.serviceMarkers.length > 0) {
    if (!options.dryRun) {
      await ecs.untagResource(
        { resourceArn: inspection.serviceArn, tagKeys: inspection.serviceMarkers.map((t) => t.key!) },
        call,
      );
    }
    act(`UntagResource ${name}: ${inspection.serviceMarkers.map((t) => t.key).join(', ')}`);
  }
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
): Promise<OrphanRevision[]> {
  const call = signal ? { abortSignal: signal } : {};
  const live = new Set(services.filter((s) => RUNNING_STATES.has(s.status ?? '')).map((s) => s.serviceArn));
  const families = new Set(services.map((s) => familyOf(s.taskDefinition)).filter((f): f is string => f !== undefined));
  const clusterPart = `:service/${cluster}/`;
  const orphans: OrphanRevision[] = [];
  for (const family of families) {
    for (const revision of await findChaosRevisions(ecs, family, call)) {
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

/** Deregisters the orphan chaos revisions (cluster-wide runs). */
async function recoverOrphans(
  services: Service[],
  report: RecoverReport,
  options: RecoverOptions & { dryRun: boolean },
  deps: RecoverDeps,
): Promise<void> {
  const call = deps.signal ? { abortSignal: deps.signal } : {};
  for (const orphan of await findOrphanRevisions(deps.ecs, options.cluster, services, deps.signal)) {
    if (!options.dryRun) await deps.ecs.deregisterTaskDefinition({ taskDefinition: orphan.arn }, call);
    const action = options.dryRun ? 'would deregister' : 'deregistered';
    report.orphanRevisions.push({ arn: orphan.arn, service: orphan.service, action });
    deps.io.notify({
      time: deps.clock.now(),
      level: 'warn',
      code: 'info',
      message: `${shortRevision(orphan.arn)}: chaos revision of ${orphan.service}, which no longer runs: ${action}`,
    });
  }
}
