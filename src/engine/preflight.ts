/**
 * Preflight: every read-only check before the first mutation. A failed check ends the run with
 * nothing changed, and names the problem and the fix.
 */
import type { Cluster, DeploymentConfiguration, Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { parseArn } from '../aws/arn.js';
import { judgeTaskDefinitionAnswer, KNOWN_MEMBERS_CHECK, unknownServiceMembers } from '../aws/raw-members.js';
import type { CloudWatchPort, EcsPort, IamPort, StsPort } from '../aws/ports.js';
import { alarmStates } from './stop-conditions.js';
import type { ExperimentSpec } from '../config/spec.js';
import { ChaosError } from '../errors.js';
import { chaosDeploymentConfiguration } from './deployment-config.js';
import type { IoHost } from '../io/io-host.js';
import { hasMarkers, MARKER, tagValue } from './markers.js';
import { exactChaosTasks, predictExposure, type PredictedExposure } from './exposure.js';
import { describeLease, leasesOf, leaseStatus } from './lease.js';
import { notCopied } from './sibling.js';
import { checkServiceShape, checkTagLimits } from './preflight-shape.js';
import { recoverCommand } from './recover-command.js';
import { checkRunnerPermissions } from './preflight-iam.js';
import { faultModule } from '../faults/registry.js';
import { awsErrorName, settle, unsettle } from './settled.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One preflight check and its outcome. */
export interface PreflightCheck {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

/** What preflight learned; everything injection needs. */
export interface PreflightResult {
  readonly cluster: Cluster;
  readonly service: Service;
  readonly serviceTags: readonly Tag[];
  readonly original: TaskDefinition;
  readonly originalTags: readonly Tag[];
  readonly originalDeployment: DeploymentConfiguration | undefined;
  readonly chaosDeployment: DeploymentConfiguration;
  /** The predicted exposure of the chosen mode. */
  readonly exposure: PredictedExposure;
  readonly checks: readonly PreflightCheck[];
}

export interface PreflightDeps {
  readonly ecs: EcsPort;
  readonly iam: IamPort;
  /** With STS, preflight checks the runner's own permissions by iam:SimulatePrincipalPolicy. */
  readonly sts?: StsPort;
  /** With CloudWatch, the stop conditions' alarms are checked: they exist, none is in ALARM. */
  readonly cloudwatch?: CloudWatchPort;
  readonly io: IoHost;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
}

/** A failed preflight: the user's to fix, nothing was changed (exit 2). */
export class PreflightError extends ChaosError {
  readonly checks: readonly PreflightCheck[];

  constructor(failed: PreflightCheck, checks: readonly PreflightCheck[]) {
    super('PREFLIGHT_FAILED', `preflight check '${failed.name}' failed: ${failed.detail}`, {
      fault: 'user',
      detail: { check: failed.name },
    });
    this.name = 'PreflightError';
    this.checks = checks;
  }
}

/** Errors with which AWS refuses the credentials that signed a request (rather than their permissions). */
const REFUSED_CREDENTIALS =
  /UnrecognizedClient|InvalidSignature|IncompleteSignature|ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch/;

/** Runs the read-only checks: the engine's, then the fault's own. Throws PreflightError on the first failure. */
export async function preflight(spec: ExperimentSpec, deps: PreflightDeps): Promise<PreflightResult> {
  // The first reads go out together. When a check fails, the ones still in flight are cancelled:
  // otherwise they fail as the caller destroys its clients, and are retried (and logged) after the
  // run has ended.
  const reads = new AbortController();
  const forward = (): void => reads.abort(deps.signal?.reason);
  if (deps.signal?.aborted) forward();
  else deps.signal?.addEventListener('abort', forward, { once: true });
  try {
    return await runChecks(spec, deps, reads.signal);
  } catch (error) {
    const ended = new Error('preflight ended');
    ended.name = 'AbortError';
    reads.abort(ended);
    throw error;
  } finally {
    deps.signal?.removeEventListener('abort', forward);
  }
}

async function runChecks(spec: ExperimentSpec, deps: PreflightDeps, signal: AbortSignal): Promise<PreflightResult> {
  const checks: PreflightCheck[] = [];
  const callOptions = { abortSignal: signal };
  const record = (name: string, status: CheckStatus, detail: string): PreflightCheck => {
    const check = { name, status, detail };
    checks.push(check);
    deps.io.notify({
      time: deps.now(),
      level: status === 'fail' ? 'error' : status === 'warn' ? 'warn' : 'info',
      code: 'preflight.check',
      message: `${status === 'pass' ? 'ok  ' : status === 'warn' ? 'warn' : 'FAIL'} ${name}: ${detail}`,
      data: { ...check },
    });
    return check;
  };
  const fail = (name: string, detail: string): never => {
    throw new PreflightError(record(name, 'fail', detail), checks);
  };
  /** AWS read errors in preflight are the caller's to fix when they are access or input errors. */
  const read = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'AbortError') throw error;
      // AWS's messages end with a full stop of their own.
      const message = `${name}: ${(error as Error).message.replace(/[.\s]+$/, '')}`;
      if (REFUSED_CREDENTIALS.test(name)) {
        fail(
          what,
          `${message}. Fix: AWS refused the credentials ecs-chaos signs with: check that the access key is active and ` +
            'its secret right (AWS_SECRET_ACCESS_KEY, the credentials file or the profile) and that a session token ' +
            'has not expired',
        );
      }
      if (/AccessDenied/.test(name)) {
        fail(what, `${message}. Fix: give the runner the permissions of 'ecs-chaos policy'`);
      }
      throw error;
    }
  };

  // The independent reads go out together: preflight costs two round trips, not four.
  const clustersCall = settle(deps.ecs.describeClusters({ clusters: [spec.cluster] }, callOptions));
  const servicesCall = settle(
    deps.ecs.describeServices({ cluster: spec.cluster, services: [spec.service], include: ['TAGS'] }, callOptions),
  );
  const fault = faultModule(spec.fault);
  const faultReads = fault.startReads(spec, { iam: deps.iam, ecs: deps.ecs, signal });
  const callerCall = deps.sts ? settle(deps.sts.getCallerIdentity(callOptions)) : undefined;
  const alarmNames = spec.stopConditions.map((c) => c.alarmName);
  const alarmsCall =
    deps.cloudwatch && alarmNames.length > 0 ? settle(alarmStates(deps.cloudwatch, alarmNames, signal)) : undefined;

  // The cluster.
  const clusters = await read('cluster exists', () => unsettle(clustersCall));
  const cluster = clusters.clusters?.find((c) => c.clusterName === spec.cluster);
  if (!cluster || cluster.status !== 'ACTIVE') {
    fail(
      'cluster exists',
      `cluster '${spec.cluster}' was not found in ${spec.region}${cluster ? ` (status ${cluster.status})` : ''}. Fix: check --cluster / CLUSTER_NAME and --region / REGION`,
    );
  }
  record('cluster exists', 'pass', `${cluster!.clusterArn} is ACTIVE`);

  // The service.
  let services;
  try {
    services = await read('service exists', () => unsettle(servicesCall));
  } catch (error) {
    if (awsErrorName(error) === 'ClusterNotFoundException')
      fail('cluster exists', `cluster '${spec.cluster}' was not found`);
    throw error;
  }
  const service = services.services?.find((s) => s.serviceName === spec.service);
  if (!service) {
    fail(
      'service exists',
      `service '${spec.service}' was not found in cluster '${spec.cluster}'. Fix: check --service / SERVICE_NAME`,
    );
  }
  if (service!.status !== 'ACTIVE') {
    fail('service exists', `service '${spec.service}' is ${service!.status}, not ACTIVE`);
  }
  record('service exists', 'pass', `${service!.serviceArn} is ACTIVE with ${service!.desiredCount} desired tasks`);
  const svc = service!;
  const serviceTags = svc.tags ?? [];

  // The target guard: a service without the required tag is not one the user meant to break.
  if (spec.requireTag) checkRequiredTag(spec, svc, serviceTags, record, fail);

  const controller = svc.deploymentController?.type ?? 'ECS';
  // Only a task-definition fault deploys a revision; an episode fault works on any controller.
  if (fault.kind === 'task-definition' && controller !== 'ECS') {
    fail(
      'deployment controller is ECS',
      `the service uses the ${controller} deployment controller, which rejects a task definition change through UpdateService. Fix: run the fault on a service with the ECS (rolling update) deployment controller`,
    );
  }
  if (fault.kind === 'task-definition')
    record('deployment controller is ECS', 'pass', 'rolling updates through UpdateService');
  checkServiceShape(svc, record, fail);

  const recover = recoverCommand(spec);
  // One experiment per service: a lease on the service names the experiment that holds it.
  const now = deps.now();
  const leases = leasesOf(serviceTags);
  const live = leases.find((l) => leaseStatus(l, now) === 'LIVE');
  if (live) {
    fail(
      ONE_EXPERIMENT_CHECK,
      `another experiment is live on this service: ${describeLease(live, now)}. Fix: wait for it to end, or stop it (SIGINT or SIGTERM to its runner); do not run 'recover' on a live experiment`,
    );
  }
  if (leases.length > 0) {
    fail(
      ONE_EXPERIMENT_CHECK,
      `an earlier experiment on this service did not finish: ${leases.map((l) => describeLease(l, now)).join('; ')}. Fix: run '${recover}'`,
    );
  }
  if (hasMarkers(serviceTags)) {
    fail(
      ONE_EXPERIMENT_CHECK,
      `the service carries ecs-chaos markers (experiment ${tagValue(serviceTags, MARKER.underChaos) ?? 'unknown'}) and no live lease: an earlier run did not finish. Fix: run '${recover}'`,
    );
  }

  const inProgress = (svc.deployments ?? []).filter((d) => d.status !== 'PRIMARY' || d.rolloutState === 'IN_PROGRESS');
  if (inProgress.length > 0 || (svc.deployments ?? []).length > 1) {
    const detail = `a deployment is in progress (${(svc.deployments ?? []).map((d) => `${d.id} ${d.status} ${d.rolloutState ?? ''}`.trim()).join(', ')})`;
    if (spec.force) record('no deployment in progress', 'warn', `${detail}; going on because of --force`);
    else fail('no deployment in progress', `${detail}. Fix: wait for it to finish, or pass --force`);
  } else {
    record('no deployment in progress', 'pass', 'the service is steady');
  }

  if ((svc.desiredCount ?? 0) === 0) {
    fail(
      'service has tasks',
      'the service has a desired count of 0: no task would run under the chaos role. Fix: scale the service up first',
    );
  }
  record('service has tasks', 'pass', `${svc.desiredCount} desired`);
  const desired = svc.desiredCount ?? 0;
  const exposure =
    fault.kind === 'episode'
      ? fault.predictExposure(svc, spec)
      : predictExposure(spec.exposureMode, desired, spec.affectedPercent);

  if (fault.kind === 'episode') {
    record(EXPOSURE_CHECK, exposure.warning ? 'warn' : 'pass', exposure.warning ?? exposure.note);
  } else if (spec.exposureMode === 'exact') {
    const exact = exactChaosTasks(desired, spec.affectedPercent);
    if (!exact.ok) {
      fail(
        EXPOSURE_CHECK,
        `exact mode: ${exact.reason}. Fix: set --affected-percent / TASK_REPLICA_AFFECTED_PERC to at least ${exact.leastPercent}, or use --exposure rolling`,
      );
    }
    record(EXPOSURE_CHECK, 'pass', `exact mode: ${exposure.note}`);
    for (const line of notCopied(svc)) record(SIBLING_CHECK, 'warn', `not copied: ${line}`);
    // The sibling is copied from the parsed answer: what the SDK dropped, it cannot copy.
    const unknown = unknownServiceMembers(services, svc.serviceName ?? spec.service) ?? [];
    if (unknown.length > 0)
      record(
        SIBLING_CHECK,
        'warn',
        `not copied: ${unknown.join(', ')}: members of the service the AWS SDK of this ecs-chaos does not know, so the sibling's tasks may not serve as the service's do. Fix: upgrade ecs-chaos (a release with a newer AWS SDK copies them), or use --exposure rolling, which copies nothing from the service`,
      );
  } else {
    // ECS rounds maximumPercent down: too small a share leaves no room to start a single chaos task,
    // and with minimumHealthyPercent 100 none can be stopped either; the deployment would never move.
    const chaosMax = Math.min(200, 100 + spec.affectedPercent);
    const room = Math.floor((desired * chaosMax) / 100) - desired;
    if (room < 1) {
      const least = Math.ceil(100 / desired);
      fail(
        'the chaos can roll out',
        `with ${desired} desired tasks, TASK_REPLICA_AFFECTED_PERC ${spec.affectedPercent} gives maximumPercent ${chaosMax}, which ECS rounds down to ${Math.floor((desired * chaosMax) / 100)} tasks: no room to start one task of the chaos revision, so the deployment would never move. Fix: set --affected-percent / TASK_REPLICA_AFFECTED_PERC to at least ${least}`,
      );
    }
    record(
      'the chaos can roll out',
      'pass',
      `up to ${room} of ${desired} tasks replaced per batch (maximumPercent ${chaosMax})`,
    );
    record(EXPOSURE_CHECK, exposure.warning ? 'warn' : 'pass', exposure.warning ?? `rolling mode: ${exposure.note}`);
  }

  // The original task definition.
  const described = await read('task definition readable', () =>
    deps.ecs.describeTaskDefinition({ taskDefinition: svc.taskDefinition!, include: ['TAGS'] }, callOptions),
  );
  const original = described.taskDefinition!;
  const originalTags = described.tags ?? [];
  const understood = judgeTaskDefinitionAnswer(described);
  if (understood?.status === 'fail') fail(KNOWN_MEMBERS_CHECK, understood.detail);
  if (understood) record(KNOWN_MEMBERS_CHECK, understood.status, understood.detail);
  checkTagLimits(spec, svc, serviceTags, original, originalTags, record, fail, fault.kind === 'episode');
  if (tagValue(originalTags, MARKER.experimentId) !== undefined) {
    fail(
      ONE_EXPERIMENT_CHECK,
      `the service runs ${original.taskDefinitionArn}, a chaos revision of experiment ${tagValue(originalTags, MARKER.experimentId)}. Fix: run '${recover}'`,
    );
  }
  record(ONE_EXPERIMENT_CHECK, 'pass', 'no lease or ecs-chaos marker on the service or its revision');
  // The fault's own checks (the change it makes, the roles it names).
  const arn = parseArn(svc.serviceArn ?? '');
  await fault.check(
    {
      spec,
      service: svc,
      original,
      where: {
        partition: arn?.partition ?? 'aws',
        region: spec.region,
        accountId: arn?.accountId ?? '',
        cluster: spec.cluster,
      },
      record,
      fail,
    },
    faultReads,
  );

  // The stop conditions: a guard on an alarm that does not exist guards nothing, and an alarm
  // already in ALARM would stop the chaos at once (AWS FIS refuses to start then too).
  if (alarmsCall) {
    const name = 'stop conditions ready';
    const states = await read(name, () => unsettle(alarmsCall));
    const missing = alarmNames.filter((n) => !states.has(n));
    if (missing.length > 0)
      fail(
        name,
        `no CloudWatch alarm named ${missing.join(', ')} in ${spec.region}. Fix: check the names in --stop-alarm / STOP_ALARMS / stopConditions (alarm names are case-sensitive)`,
      );
    const firing = alarmNames.filter((n) => states.get(n)?.state === 'ALARM');
    if (firing.length > 0)
      fail(
        name,
        `the alarm ${firing.join(', ')} is already in ALARM (${states.get(firing[0]!)?.reason ?? ''}): the system is not in a steady state. Fix: wait until it is OK, then run again`,
      );
    record(
      name,
      'pass',
      `${alarmNames.length} alarm(s) watched during the chaos: ${alarmNames.map((n) => `${n} ${states.get(n)!.state}`).join(', ')}`,
    );
  } else if (alarmNames.length > 0) {
    fail('stop conditions ready', 'stop conditions need a CloudWatch client, and this run has none');
  }

  // The runner's own permissions, all of them, before any change.
  if (callerCall) {
    const serviceArn = parseArn(svc.serviceArn!);
    await checkRunnerPermissions(
      {
        partition: serviceArn?.partition ?? 'aws',
        region: spec.region,
        accountId: serviceArn?.accountId,
        cluster: spec.cluster,
        service: spec.service,
        family: original.family,
        originalTaskRoleArn: original.taskRoleArn,
        executionRoleArn: original.executionRoleArn,
        chaosRoleArn: fault.identity?.(original, spec)?.chaos ?? undefined,
        fault: spec.fault,
        exposureMode: spec.exposureMode,
        loadBalanced: (svc.loadBalancers ?? []).some((lb) => lb.targetGroupArn !== undefined),
        signals: {
          alarms:
            spec.stopConditions.length > 0 || spec.probes.some((p) => p.type === 'cloudwatch' && p.alarm !== undefined),
          metrics: spec.probes.some((p) => p.type === 'cloudwatch' && p.metric !== undefined),
          cloudtrail: spec.probes.some((p) => p.type === 'cloudtrail'),
        },
      },
      {
        clusterArn: cluster!.clusterArn,
        serviceArn: svc.serviceArn!,
        serviceTags,
        original,
        originalTags,
        originalDeployment: svc.deploymentConfiguration,
        fault: spec.fault,
      },
      { ...deps, callerCall },
      record,
      fail,
    );
  }

  const originalDeployment = svc.deploymentConfiguration;
  const chaosDeployment = chaosDeploymentConfiguration(originalDeployment, spec.affectedPercent);
  return {
    cluster: cluster!,
    service: svc,
    serviceTags,
    original,
    originalTags,
    originalDeployment,
    chaosDeployment,
    exposure,
    checks,
  };
}

/** The name of the lease check: a second experiment on a service fails it. */
export const ONE_EXPERIMENT_CHECK = 'one experiment per service';
/** The name of the exposure check. */
export const EXPOSURE_CHECK = 'exposure';

/** The name of exact mode's check of what the sibling copies. */
const SIBLING_CHECK = 'the sibling service can stand in';

/** The name of the target guard's check (CHAOS_REQUIRE_TAG). */
const REQUIRED_TAG_CHECK = 'service carries the required tag';

/** Fails unless the service carries `spec.requireTag` with exactly its value (tags are case-sensitive). */
function checkRequiredTag(
  spec: ExperimentSpec,
  service: Service,
  serviceTags: readonly Tag[],
  record: (name: string, status: CheckStatus, detail: string) => PreflightCheck,
  fail: (name: string, detail: string) => never,
): void {
  const { key, value } = spec.requireTag!;
  const wanted = `${key}=${value}`;
  const found = serviceTags.find((t) => t.key === key);
  if (found !== undefined && (found.value ?? '') === value) {
    record(REQUIRED_TAG_CHECK, 'pass', `the service carries ${wanted}`);
    return;
  }
  let has: string;
  if (found !== undefined) {
    has = `it has ${key}=${found.value ?? ''}`;
  } else {
    const otherCase = serviceTags.find((t) => t.key?.toLowerCase() === key.toLowerCase());
    has = otherCase
      ? `it has no tag '${key}' (tag keys are case-sensitive; it has ${otherCase.key}=${otherCase.value ?? ''})`
      : `it has no tag '${key}'${serviceTags.length === 0 ? ' and no tags at all' : ''}`;
  }
  const arn = service.serviceArn ?? `${spec.cluster}/${spec.service}`;
  fail(
    REQUIRED_TAG_CHECK,
    `service '${spec.service}' of cluster '${spec.cluster}' does not carry the tag ${wanted} that CHAOS_REQUIRE_TAG / --require-tag requires: ${has}. ` +
      `Fix: check --cluster / CLUSTER_NAME and --service / SERVICE_NAME point at the service you mean to test; ` +
      `if this service is meant for chaos, tag it (aws ecs tag-resource --resource-arn ${arn} --tags 'key=${key},value=${value}')`,
  );
}
