/** The steps of `recover` for one service: the configuration to restore, a foreign revision repaired, the wait. */
import type { DeploymentConfiguration, Service } from '@aws-sdk/client-ecs';
import { ChaosError } from '../errors.js';
import { faultOfMarker } from '../faults/registry.js';
import { copyTaskDefinition } from '../faults/task-definition-copy.js';
import { sameDeploymentLimits } from './deployment-config.js';
import type { ServiceInspection } from './inspect.js';
import { MARKER, MARKER_KEYS, tagValue } from './markers.js';
import { shortRevision } from './observe.js';
import { reservedTag } from './preflight-shape.js';
import type { RecoverDeps, RecoverOptions } from './recover.js';
import { familyTasks, restoreState } from './restore-state.js';

/** `ecs-chaos recover --cluster C [--service S] --region R`, or the caller's exact command line. */
export function recoverCommandFor(options: RecoverOptions): string {
  if (options.commandLine) return options.commandLine;
  return `ecs-chaos recover --cluster ${options.cluster}${options.service ? ` --service ${options.service}` : ''} --region ${options.region}`;
}

/**
 * The deployment configuration to put back: the whole original from the markers (alarms, strategy
 * settings) when the run could store it; otherwise the service's current one with the original
 * limits and circuit breaker (the chaos window changed only the limits, so the rest is the original's).
 */
export function restoringConfiguration(i: ServiceInspection): DeploymentConfiguration | undefined {
  if (!i.originalDeployment) return undefined;
  return i.originalDeploymentComplete
    ? i.originalDeployment
    : { ...i.deploymentConfiguration, ...i.originalDeployment };
}

/** The service is on its original revision but not on its original deployment limits. */
export function configDiffersOnOriginal(i: ServiceInspection): boolean {
  return (
    i.originalDeployment !== undefined &&
    i.taskDefinitionArn === i.originalTaskDefinitionArn &&
    !sameDeploymentLimits(i.deploymentConfiguration, i.originalDeployment)
  );
}

/**
 * `--repair-foreign`: a copy of the revision someone deployed, without the chaos change (their
 * image and every other change kept), deployed with the original deployment configuration when the
 * chaos window's is still there. Returns the copy's ARN (undefined in a dry run).
 */
export async function repairForeign(
  i: ServiceInspection,
  options: RecoverOptions & { dryRun: boolean },
  deps: RecoverDeps,
  act: (line: string) => void,
): Promise<string | undefined> {
  const call = deps.signal ? { abortSignal: deps.signal } : {};
  const f = i.foreignRevisionWithChaosChange!;
  const config = i.chaosDeploymentLeft ? restoringConfiguration(i) : undefined;
  const cfgText = config
    ? ` with maximumPercent ${config.maximumPercent}, minimumHealthyPercent ${config.minimumHealthyPercent}`
    : '';
  if (options.dryRun) {
    act(`register a copy of ${shortRevision(f.arn)} without the chaos change (${f.change}) and deploy it${cfgText}`);
    return undefined;
  }
  const theirs = await deps.ecs.describeTaskDefinition({ taskDefinition: f.arn, include: ['TAGS'] }, call);
  const original = await deps.ecs.describeTaskDefinition({ taskDefinition: f.original }, call);
  const tags = (theirs.tags ?? []).filter((t) => !MARKER_KEYS.includes(t.key ?? '') && !reservedTag(t.key));
  const fault = faultOfMarker(tagValue(f.chaosTags, MARKER.fault));
  if (!fault) {
    throw new ChaosError(
      'UNKNOWN_FAULT',
      `${shortRevision(f.arn)} carries the change of fault '${tagValue(f.chaosTags, MARKER.fault)}', which this version of ecs-chaos does not know. Fix: run recover with the ecs-chaos version that ran the experiment`,
      { fault: 'user' },
    );
  }
  const copy = await deps.ecs.registerTaskDefinition(
    fault.takeOut(copyTaskDefinition(theirs.taskDefinition!, tags), original.taskDefinition!),
    call,
  );
  const target = copy.taskDefinition!.taskDefinitionArn!;
  act(
    `registered ${shortRevision(target)}, a copy of ${shortRevision(f.arn)} with the task role of ${shortRevision(f.original)}`,
  );
  await deps.ecs.updateService(
    {
      cluster: options.cluster,
      service: i.serviceName,
      taskDefinition: target,
      ...(config ? { deploymentConfiguration: config } : {}),
    },
    call,
  );
  act(
    `UpdateService ${i.serviceName} -> ${shortRevision(target)}${cfgText} (${shortRevision(f.arn)} stays registered: it is theirs)`,
  );
  return target;
}

/** Waits until no chaos task is left and the service is steady on `revision`, within the restore timeout. */
export async function waitRestored(
  service: Service,
  revision: string,
  chaos: ReadonlySet<string>,
  options: RecoverOptions,
  deps: RecoverDeps,
): Promise<void> {
  const seconds = options.restoreTimeoutSeconds ?? 900;
  const deadline = deps.clock.now().getTime() + seconds * 1000;
  const call = deps.signal ? { abortSignal: deps.signal } : {};
  const family = shortRevision(revision).split(':')[0]!;
  for (;;) {
    const now = (await deps.ecs.describeServices({ cluster: options.cluster, services: [service.serviceName!] }, call))
      .services?.[0];
    const tasks = await familyTasks(deps.ecs, options.cluster, family, call);
    const state = restoreState(now, tasks, revision, chaos);
    if (state.done) return;
    if (deps.clock.now().getTime() >= deadline) {
      throw new ChaosError(
        'RESTORE_TIMEOUT',
        `the restore did not finish within ${seconds}s (--restore-timeout): still waiting for ${state.waitingFor.join('; ')}; run recover again once the service is healthy`,
        { fault: 'aws' },
      );
    }
    await deps.clock.sleep(deps.pollIntervalMs ?? 1000, deps.signal);
  }
}
