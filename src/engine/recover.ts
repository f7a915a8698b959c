/**
 * `recover`: repair what an experiment left behind, from AWS state alone (inspect.ts), on any
 * machine. It refuses a service whose lease is LIVE (an experiment runs there now) unless forced.
 * It deletes exact mode's sibling services, restores the original revision and deployment
 * configuration, waits for the restore condition (no chaos task left, the service steady on the
 * original), deregisters every ACTIVE chaos revision and removes the markers and the leases. It is
 * idempotent: a second run finds nothing.
 */
import type { Service } from '@aws-sdk/client-ecs';
import type { EcsPort, IamPort } from '../aws/ports.js';
import { faultModule } from '../faults/registry.js';
import { ChaosError } from '../errors.js';
import { deployableOriginal } from './original-revision.js';
import type { IoHost, IoLevel } from '../io/io-host.js';
import type { Clock } from './clock.js';
import { RevisionCatalog } from './find-chaos-revisions.js';
import {
  describeInspection,
  findOrphanRevisions,
  foreignRevisionFix,
  inspectService,
  listTargetServices,
  RUNNING_STATES,
  type OrphanRevision,
  type RecoverTarget,
  type ServiceInspection,
} from './inspect.js';
import { describeLease, leaseKey, leasesOf, leaseStatus } from './lease.js';
import { shortRevision } from './observe.js';
import {
  configDiffersOnOriginal,
  recoverCommandFor,
  repairForeign,
  restoringConfiguration,
  waitRestored,
} from './recover-steps.js';

export {
  describeInspection,
  foreignRevisionFix,
  findOrphanRevisions,
  inspectCluster,
  inspectService,
  type ClusterInspection,
  type OrphanRevision,
  type RecoverTarget,
  type ServiceInspection,
} from './inspect.js';

/** Options of {@link recover}. */
export interface RecoverOptions extends RecoverTarget {
  /** Say what would be done, change nothing. @default false */
  readonly dryRun?: boolean;
  /** How long to wait for the restore condition, per service. @default 900 */
  readonly restoreTimeoutSeconds?: number;
  /** Repair a service whose lease is LIVE (its experiment runs now: it will see a conflict). @default false */
  readonly force?: boolean;
  /** The exact recover command line, for the messages. @default built from cluster, service and region */
  readonly commandLine?: string;
  /**
   * Repair a revision someone else deployed that carries the chaos change: register a copy of it
   * without the change (their image and every other change kept) and deploy it. Without it, recover
   * reports such a revision with this fix and changes nothing on it. @default false
   */
  readonly repairForeign?: boolean;
}

export interface RecoverDeps {
  readonly ecs: EcsPort;
  /** With IAM, what faults left outside ECS (a Deny policy on a task role) is found and removed too. */
  readonly iam?: IamPort;
  readonly io: IoHost;
  readonly clock: Clock;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/** What recover found and did for one service. */
export interface ServiceRecovery {
  readonly inspection: ServiceInspection;
  /**
   * `clean`; `repaired`; `would-repair` (dry run); `live` (refused: an experiment runs); `foreign`
   * (someone's revision carries the chaos change: reported with its fix, left in place, the markers
   * kept); `failed`.
   */
  status: 'clean' | 'repaired' | 'would-repair' | 'live' | 'foreign' | 'failed';
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
  /** Family scans that read only the newest revisions (the scan limit): older ones were not checked. */
  truncated: string[];
  /** Nothing is left (after the repairs, or already), and every scan was complete. */
  clean: boolean;
}

/** `ecs-chaos recover`. */
export async function recover(options: RecoverOptions, deps: RecoverDeps): Promise<RecoverReport> {
  const dryRun = options.dryRun ?? false;
  const say = (level: IoLevel, message: string, data?: Record<string, unknown>): void =>
    deps.io.notify({ time: deps.clock.now(), level, code: 'info', message, ...(data ? { data } : {}) });
  const { services, siblings } = await listTargetServices(deps.ecs, options, deps.signal);
  const report: RecoverReport = {
    cluster: options.cluster,
    region: options.region,
    dryRun,
    services: [],
    orphanRevisions: [],
    truncated: [],
    clean: true,
  };
  const scan = {
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(options.scanLimit ? { limit: options.scanLimit } : {}),
  };
  const catalog = new RevisionCatalog(deps.ecs, scan);
  // Experiments running now on any of these services: what they left on a shared role is theirs.
  const live = new Set(
    services.flatMap((s) =>
      leasesOf(s.tags)
        .filter((l) => leaseStatus(l, deps.clock.now()) === 'LIVE')
        .map((l) => l.experimentId),
    ),
  );
  for (const service of services) {
    if (!RUNNING_STATES.has(service.status ?? '')) continue;
    const mine = siblings.get(service.serviceArn!) ?? [];
    const inspection = await inspectService(deps.ecs, service, mine, deps.clock.now(), deps.signal, catalog, deps.iam);
    const entry: ServiceRecovery = { inspection, status: 'clean', actions: [] };
    report.services.push(entry);
    say(inspection.underChaos ? 'warn' : 'info', describeInspection(inspection, deps.clock.now()));
    if (!inspection.underChaos) continue;
    if (inspection.live && !options.force) {
      const live = inspection.leases.find((l) => l.status === 'LIVE')!;
      entry.status = 'live';
      entry.error = `an experiment runs on ${inspection.serviceName} now: ${describeLease(live, deps.clock.now())}; its own restore will clean up. Stop its runner (SIGINT/SIGTERM) or wait; 'recover --force' repairs it anyway and the run will report a conflict`;
      say('warn', `${inspection.serviceName}: ${entry.error}`);
      continue;
    }
    // A fault's leftover on something shared (a task role) that belongs to an experiment running now elsewhere.
    const othersLive = inspection.faultLeftovers.find((l) => l.experimentId && live.has(l.experimentId));
    if (othersLive && !options.force) {
      entry.status = 'live';
      entry.error = `${othersLive.detail} belongs to experiment ${othersLive.experimentId}, which runs now on another service sharing it; its own restore will remove it. Wait, or 'recover --force' removes it anyway`;
      say('warn', `${inspection.serviceName}: ${entry.error}`);
      continue;
    }
    try {
      const outcome = await repairService(service, mine, inspection, entry, { ...options, dryRun }, deps);
      entry.status = outcome === 'foreign' ? 'foreign' : dryRun ? 'would-repair' : 'repaired';
      if (outcome === 'foreign') {
        entry.error = foreignRevisionFix(inspection, recoverCommandFor(options));
        say('warn', entry.error ?? '');
      } else if (!dryRun) {
        // Check the work from AWS's side.
        const again = await listTargetServices(deps.ecs, { ...options, service: inspection.serviceName }, deps.signal);
        const after = await inspectService(
          deps.ecs,
          again.services[0]!,
          again.siblings.get(service.serviceArn!) ?? [],
          deps.clock.now(),
          deps.signal,
          new RevisionCatalog(deps.ecs, scan),
          deps.iam,
        );
        if (after.underChaos)
          throw new ChaosError('RECOVER_INCOMPLETE', `still not clean: ${describeInspection(after)}`, { fault: 'aws' });
      }
    } catch (error) {
      entry.status = 'failed';
      entry.error = (error as Error).message;
      say('error', `${inspection.serviceName}: recover failed: ${entry.error}`);
    }
  }
  if (!options.service) await recoverOrphans(services, report, { ...options, dryRun }, deps, catalog);
  report.truncated.push(...(await catalog.truncations()));
  for (const line of report.truncated) say('warn', `scan truncated: ${line}`);
  report.clean =
    report.truncated.length === 0 &&
    report.services.every((s) => s.status === 'clean' || s.status === 'repaired') &&
    report.orphanRevisions.every((o) => o.action.startsWith('deregistered'));
  return report;
}

/** Repairs one service per its inspection; `foreign` when a revision carrying the chaos change was left to its owner. */
async function repairService(
  service: Service,
  siblings: readonly Service[],
  inspection: ServiceInspection,
  entry: ServiceRecovery,
  options: RecoverOptions & { dryRun: boolean },
  deps: RecoverDeps,
): Promise<'done' | 'foreign'> {
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

  // 1. Exact mode's siblings: deleted (their tasks are the chaos tasks).
  for (const sibling of siblings) {
    if (sibling.status !== 'ACTIVE') continue;
    if (!options.dryRun) {
      await ecs.deleteService({ cluster: options.cluster, service: sibling.serviceName!, force: true }, call);
    }
    act(`DeleteService ${sibling.serviceName} (exact mode's sibling, ${sibling.runningCount ?? 0} running)`);
  }

  // 2. The revision and the deployment configuration.
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
    if (options.dryRun) {
      const original = await ecs.describeTaskDefinition({ taskDefinition: originalArn }, call);
      if (original.taskDefinition?.status !== 'ACTIVE') {
        act(`register a copy of ${shortRevision(originalArn)} (INACTIVE, so ECS cannot deploy it) and deploy the copy`);
        target = `${original.taskDefinition?.family}:(new revision)`;
      }
    } else {
      // ECS cannot deploy an INACTIVE revision: a faithful copy of it is registered and deployed.
      const deployable = await deployableOriginal(ecs, originalArn, call);
      target = deployable.taskDefinitionArn;
      if (deployable.copyOf)
        act(
          `registered ${shortRevision(target)}, a copy of ${shortRevision(originalArn)} (INACTIVE, so ECS cannot deploy it)`,
        );
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
          ...(deployment ? { deploymentConfiguration: restoringConfiguration(inspection) } : {}),
        },
        call,
      );
      act(`UpdateService ${name} -> ${shortRevision(target)}${cfgText}`);
      restoredTo = target;
    }
  } else if (inspection.foreignRevisionWithChaosChange && options.repairForeign) {
    restoredTo = await repairForeign(inspection, options, deps, act);
  } else if (
    inspection.chaosDeploymentLeft ||
    (inspection.serviceMarkers.length > 0 && configDiffersOnOriginal(inspection))
  ) {
    // The chaos window's configuration, also under a revision someone else deployed (it is not theirs).
    const d = restoringConfiguration(inspection)!;
    const line = `UpdateService ${name}: deployment configuration back to maximumPercent ${d.maximumPercent}, minimumHealthyPercent ${d.minimumHealthyPercent}${inspection.taskDefinitionArn === inspection.originalTaskDefinitionArn ? '' : `, keeping ${shortRevision(inspection.taskDefinitionArn)}`}`;
    if (!options.dryRun)
      await ecs.updateService({ cluster: options.cluster, service: name, deploymentConfiguration: d }, call);
    act(line);
  }
  if (inspection.foreignRevisionWithChaosChange && !options.repairForeign) {
    // Someone's deployment carries the chaos change: not overwritten, and the markers that say what
    // to restore stay until it is gone.
    act(
      `left ${shortRevision(inspection.taskDefinitionArn)} in place: someone deployed it, and it carries the chaos change`,
    );
    return 'foreign';
  }
  if (
    !inspection.onChaosRevision &&
    !restoredTo &&
    inspection.taskDefinitionArn !== inspection.originalTaskDefinitionArn &&
    inspection.originalTaskDefinitionArn
  ) {
    act(`left ${shortRevision(inspection.taskDefinitionArn)} in place: someone deployed it after the experiment`);
  }

  // 3. The restore condition: no chaos task left, the service steady on its revision.
  const chaos = new Set([...inspection.chaosRevisions, ...inspection.chaosTaskRevisions]);
  if (inspection.onChaosRevision) chaos.add(inspection.taskDefinitionArn);
  // After --repair-foreign, the tasks of their revision carry the chaos change too.
  if (restoredTo && inspection.foreignRevisionWithChaosChange) chaos.add(inspection.taskDefinitionArn);
  if (!options.dryRun && (restoredTo || inspection.chaosTasks > 0 || siblings.length > 0)) {
    await waitRestored(service, restoredTo ?? inspection.taskDefinitionArn, chaos, options, deps);
    act(`no chaos task left; ${name} steady on ${shortRevision(restoredTo ?? inspection.taskDefinitionArn)}`);
  }

  // 4. The chaos revisions (the one the service still runs stays, when it could not be restored).
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

  // 5. What the faults left outside ECS (a Deny policy on the task role, its tag), by the fault itself.
  for (const left of inspection.faultLeftovers) {
    const leftovers = faultModule(left.fault).leftovers;
    if (!leftovers || !deps.iam) continue;
    if (options.dryRun) act(`remove ${left.detail}`);
    else
      act(
        await leftovers.remove(left, {
          service,
          taskDefinition: undefined,
          iam: deps.iam,
          now: deps.clock.now(),
          ...(deps.signal ? { signal: deps.signal } : {}),
        }),
      );
  }

  // 6. The markers and the leases.
  const keys = [
    ...inspection.serviceMarkers.map((t) => t.key!),
    ...inspection.leases.map((l) => leaseKey(l.experimentId)),
  ];
  if (keys.length > 0) {
    if (!options.dryRun) await ecs.untagResource({ resourceArn: inspection.serviceArn, tagKeys: keys }, call);
    act(`UntagResource ${name}: ${keys.join(', ')}`);
  }
  return 'done';
}

/** Deregisters the orphan chaos revisions (cluster-wide runs). */
async function recoverOrphans(
  services: Service[],
  report: RecoverReport,
  options: RecoverOptions & { dryRun: boolean },
  deps: RecoverDeps,
  catalog: RevisionCatalog,
): Promise<void> {
  const call = deps.signal ? { abortSignal: deps.signal } : {};
  const orphans: OrphanRevision[] = await findOrphanRevisions(
    deps.ecs,
    options.cluster,
    services,
    deps.signal,
    catalog,
  );
  for (const orphan of orphans) {
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
