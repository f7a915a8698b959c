/**
 * The revert of one iteration, driven by what AWS says now rather than by what the run believes it
 * did, so a call whose answer was lost is undone too. Idempotent; runs under its own deadline (the
 * restore timeout), so an abort does not cut it short.
 *
 * Rolling mode: the service back to the original revision and deployment configuration, unless
 * someone else deployed meanwhile. Exact mode: the sibling service deleted; the service was never
 * changed. Both then wait for the restore condition (restore-state.ts): no chaos task left and the
 * service steady on the original. Only then is the chaos revision deregistered and the markers
 * removed; a restore that does not finish in time leaves both for `recover`.
 */
import type { DeploymentConfiguration, Service } from '@aws-sdk/client-ecs';
import { ChaosError } from '../errors.js';
import { findChaosRevisions } from './find-chaos-revisions.js';
import { MARKER, MARKER_KEYS, tagValue } from './markers.js';
import { shortRevision } from './observe.js';
import { deployableOriginal } from './original-revision.js';
import { configurationConflict, restoreConfiguration } from './restore-config.js';
import { GRACE_MS, isAbort, waitRestored } from './restore-wait.js';
import type { IterationState, RunContext } from './run-context.js';

/** Reverts one iteration. Throws ChaosError RESTORE_FAILED when the restore did not finish. */
export async function revertIteration(ctx: RunContext, state: IterationState): Promise<void> {
  const { spec, record } = ctx;
  const index = state.record.index;
  const limitMs = spec.restoreTimeoutSeconds * 1000;
  const cleanup = AbortSignal.timeout(limitMs);
  record.phase('revert', `iteration ${index}: revert to ${shortRevision(ctx.restoreArn)}`, index);
  let waitingFor: readonly string[] = [];
  // The signal of the steps after the wait: the cleanup's, or a grace period when the restore was
  // seen done only after the deadline (a runner paused past it reads AWS once more and finishes).
  let tail = cleanup;
  try {
    // 1. The change that put tasks under chaos.
    let waitOnService = true;
    try {
      if (spec.exposureMode === 'exact') {
        if (state.sibling) await deleteSibling(ctx, state, cleanup);
        const svc = await describeService(ctx, cleanup);
        if (svc?.status === 'ACTIVE' && svc.taskDefinition !== ctx.restoreArn) {
          record.conflict(
            `the service runs ${svc.taskDefinition}, deployed by someone else during the run: ecs-chaos did not touch it`,
            index,
          );
          waitOnService = false;
        }
      } else if (state.serviceUpdateAttempted) {
        waitOnService = await restoreRolling(ctx, state, cleanup);
      }
      // 2. A chaos revision whose RegisterTaskDefinition answer was lost: found by its markers.
      if (state.registerAttempted && !state.chaosArn) await findLostRevision(ctx, state, cleanup);
    } catch (error) {
      // The deadline passed mid-call (a runner paused past it): the wait below reads AWS once more,
      // and the restore counts only if AWS shows it done.
      if (!cleanup.aborted) throw error;
    }

    // 3. The restore condition: no chaos task left, the service steady on the original revision.
    if (state.chaosArn) {
      const conflicted = !waitOnService;
      const waitSignal = conflicted ? AbortSignal.any([cleanup, AbortSignal.timeout(limitMs / 2)]) : cleanup;
      const outcome = await waitRestored(ctx, state, waitSignal, waitOnService);
      waitingFor = outcome.waitingFor;
      if (!outcome.done && waitOnService && !outcome.conflicted) {
        throw new ChaosError(
          'RESTORE_FAILED',
          `the restore did not finish within ${spec.restoreTimeoutSeconds}s (--restore-timeout): still waiting for ${waitingFor.join('; ')}`,
          { fault: 'aws' },
        );
      }
      if (cleanup.aborted) tail = AbortSignal.timeout(GRACE_MS);
      // 4. The chaos revision: deregistered once no task uses it.
      if (outcome.chaosTasksLeft > 0) {
        record.event(
          'conflict',
          `${shortRevision(state.chaosArn)} is still used by ${outcome.chaosTasksLeft} tasks: left ACTIVE ('ecs-chaos recover' deregisters it later)`,
          {},
          'warn',
          index,
        );
      } else {
        await deregisterChaos(ctx, state, tail);
      }
    }
    // 5. The service markers, only if they are this run's.
    if (state.tagAttempted) await untagOwnMarkers(ctx, state, tail);
  } catch (error) {
    const message =
      error instanceof ChaosError
        ? error.message
        : isAbort(error) || tail.aborted
          ? `the restore did not finish within ${spec.restoreTimeoutSeconds}s (--restore-timeout)${waitingFor.length > 0 ? `: still waiting for ${waitingFor.join('; ')}` : ''}`
          : `the restore failed: ${(error as Error).message}`;
    record.result.effect.notes.push(message);
    record.event('restore-failed', message, {}, 'error', index);
    throw new ChaosError('RESTORE_FAILED', message, { cause: error, fault: 'aws' });
  }
}

/** DeregisterTaskDefinition of the iteration's chaos revision; one that no longer exists is gone too. */
async function deregisterChaos(ctx: RunContext, state: IterationState, signal: AbortSignal): Promise<void> {
  const { record } = ctx;
  const chaosArn = state.chaosArn!;
  try {
    await record.persist(
      'DeregisterTaskDefinition',
      () => ctx.deps.ecs.deregisterTaskDefinition({ taskDefinition: chaosArn }, { abortSignal: signal }),
      signal,
    );
  } catch (error) {
    // ECS answers ClientException "does not exist" for a revision it does not know (an endpoint
    // whose state was reset): nothing is left to deregister.
    if (!/does not exist/i.test((error as Error).message ?? '')) throw error;
    record.event(
      'cleanup',
      `${shortRevision(chaosArn)} no longer exists: nothing to deregister`,
      {},
      'warn',
      state.record.index,
    );
  }
  record.undone(state.mutations.register, 'DeregisterTaskDefinition');
  state.record.revertedAt = record.now().toISOString();
}

async function describeService(ctx: RunContext, signal: AbortSignal): Promise<Service | undefined> {
  const { spec, record } = ctx;
  const out = await record.persist(
    'DescribeServices',
    () =>
      ctx.deps.ecs.describeServices(
        { cluster: spec.cluster, services: [spec.service], include: ['TAGS'] },
        { abortSignal: signal },
      ),
    signal,
  );
  return out.services?.[0];
}

/** Rolling mode: the service back to the original. Returns whether the service is ours to wait on. */
async function restoreRolling(ctx: RunContext, state: IterationState, cleanup: AbortSignal): Promise<boolean> {
  const { spec, pf, record } = ctx;
  const index = state.record.index;
  const svc = await describeService(ctx, cleanup);
  if (!svc || svc.status !== 'ACTIVE') {
    record.conflict(`the service ${spec.service} is ${svc?.status ?? 'gone'}: nothing to restore on it`, index);
    return false;
  }
  // Field by field: what the chaos window set goes back; someone else's change stays, reported.
  const cfg = restoreConfiguration(svc.deploymentConfiguration, pf.originalDeployment, pf.chaosDeployment);
  if (cfg.foreign.length > 0) record.conflict(configurationConflict(spec.service, cfg.foreign), index);
  const onChaos = ctx.exposure.isChaos(svc.taskDefinition);
  if (svc.taskDefinition === ctx.restoreArn || onChaos) {
    const target = onChaos ? await deployableTarget(ctx, state, cleanup) : undefined;
    const answered = target || cfg.send ? await updateService(ctx, target, cfg.send, cleanup) : undefined;
    record.undone(state.mutations.update, 'UpdateService');
    if (target && (await putBackSuperseded(ctx, state, answered, cleanup))) return false;
    record.event(
      'restore',
      !onChaos
        ? `${spec.service} is back on ${shortRevision(ctx.restoreArn)}${cfg.send ? '; its original deployment configuration restored' : ''}`
        : `${spec.service} -> ${shortRevision(ctx.restoreArn)}${cfg.send ? ' with its original deployment configuration' : ''}`,
      {},
      'info',
      index,
    );
    return true;
  }
  record.conflict(
    `the service runs ${svc.taskDefinition}, deployed by someone else during the run: ecs-chaos did not overwrite it`,
    index,
  );
  // Their revision stays; the deployment configuration of the chaos window does not.
  if (cfg.send) {
    await updateService(ctx, undefined, cfg.send, cleanup);
    record.event(
      'restore',
      'restored the original deployment configuration, keeping their revision',
      {},
      'info',
      index,
    );
  }
  record.undone(state.mutations.update, 'UpdateService');
  return false;
}

/**
 * The revision to deploy back: the original, or, when someone deregistered it during the run (ECS
 * cannot deploy an INACTIVE revision), a copy of it registered now, as `recover` does.
 */
async function deployableTarget(ctx: RunContext, state: IterationState, cleanup: AbortSignal): Promise<string> {
  const { record } = ctx;
  const index = state.record.index;
  const found = await record.persist(
    'DescribeTaskDefinition',
    () =>
      deployableOriginal(ctx.deps.ecs, ctx.restoreArn, {
        abortSignal: cleanup,
        register: async (input) =>
          (await ctx.deps.ecs.registerTaskDefinition(input, { abortSignal: cleanup })).taskDefinition!,
      }),
    cleanup,
  );
  if (found.copyOf) {
    const copy = found.taskDefinitionArn;
    record.mutation(
      'RegisterTaskDefinition',
      copy,
      `${shortRevision(copy)}, a copy of ${shortRevision(found.copyOf)}, which someone deregistered during the run (ECS cannot deploy an INACTIVE revision)`,
      index,
    );
    record.result.effect.notes.push(
      `the original ${found.copyOf} was deregistered during the run: the service was restored to ${copy}, a faithful copy of it`,
    );
    ctx.restoreArn = copy;
  }
  return found.taskDefinitionArn;
}

/** UpdateService to a deployment configuration and, when given, a revision. */
async function updateService(
  ctx: RunContext,
  taskDefinition: string | undefined,
  deploymentConfiguration: DeploymentConfiguration | undefined,
  cleanup: AbortSignal,
): Promise<Service | undefined> {
  const { spec, record } = ctx;
  const out = await record.persist(
    'UpdateService',
    () =>
      ctx.deps.ecs.updateService(
        {
          cluster: spec.cluster,
          service: spec.service,
          ...(taskDefinition ? { taskDefinition } : {}),
          ...(deploymentConfiguration ? { deploymentConfiguration } : {}),
        },
        { abortSignal: cleanup },
      ),
    cleanup,
  );
  return out.service;
}

/**
 * A deploy that landed between the revert's read and its UpdateService was replaced by the restore
 * (ECS has no conditional update): the answer shows it as the deployment just superseded. Their
 * revision is deployed again and the conflict reported: a restore never loses someone's deploy.
 */
async function putBackSuperseded(
  ctx: RunContext,
  state: IterationState,
  answered: Service | undefined,
  cleanup: AbortSignal,
): Promise<boolean> {
  const theirs = (answered?.deployments ?? []).find(
    (d) =>
      d.status !== 'PRIMARY' &&
      d.taskDefinition !== undefined &&
      d.taskDefinition !== ctx.restoreArn &&
      d.taskDefinition !== ctx.pf.original.taskDefinitionArn &&
      !ctx.exposure.isChaos(d.taskDefinition),
  )?.taskDefinition;
  if (!theirs) return false;
  await updateService(ctx, theirs, undefined, cleanup);
  ctx.record.conflict(
    `someone deployed ${theirs} on ${ctx.spec.service} just before the restore: ecs-chaos deployed it again and left it`,
    state.record.index,
  );
  return true;
}

/** Exact mode: the sibling service deleted (already gone counts as done). */
async function deleteSibling(ctx: RunContext, state: IterationState, cleanup: AbortSignal): Promise<void> {
  const { spec, record } = ctx;
  const sibling = state.sibling!;
  // Only a service this run created: a CreateService that failed because the name was taken must
  // never make the revert delete someone else's service.
  const described = await record.persist(
    'DescribeServices',
    () =>
      ctx.deps.ecs.describeServices(
        { cluster: spec.cluster, services: [sibling], include: ['TAGS'] },
        { abortSignal: cleanup },
      ),
    cleanup,
  );
  const found = described.services?.[0];
  if (found && found.status === 'ACTIVE' && tagValue(found.tags, MARKER.experimentId) !== record.result.experimentId) {
    record.conflict(
      `a service named ${sibling} exists and is not this run's (experiment ${tagValue(found.tags, MARKER.experimentId) ?? 'none'}): left alone`,
      state.record.index,
    );
    ctx.siblings.delete(sibling);
    return;
  }
  if (!found || found.status !== 'ACTIVE') {
    record.event('restore', `the sibling service ${sibling} is already gone`, {}, 'info', state.record.index);
    record.undone(state.mutations.create, 'DeleteService');
    return;
  }
  try {
    await record.persist(
      'DeleteService',
      () =>
        ctx.deps.ecs.deleteService({ cluster: spec.cluster, service: sibling, force: true }, { abortSignal: cleanup }),
      cleanup,
    );
    record.event('restore', `deleted the sibling service ${sibling}`, {}, 'info', state.record.index);
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name !== 'ServiceNotFoundException' && name !== 'ServiceNotActiveException') throw error;
    record.event('restore', `the sibling service ${sibling} is already gone (${name})`, {}, 'info', state.record.index);
  }
  record.undone(state.mutations.create, 'DeleteService');
}

async function findLostRevision(ctx: RunContext, state: IterationState, cleanup: AbortSignal): Promise<void> {
  const { pf, record } = ctx;
  const index = state.record.index;
  const found = await record.persist(
    'finding the chaos revision',
    () =>
      findChaosRevisions(ctx.deps.ecs, pf.original.family!, {
        experimentId: record.result.experimentId,
        iteration: index,
        limit: 10,
        abortSignal: cleanup,
      }),
    cleanup,
  );
  for (const revision of found) {
    const arn = revision.taskDefinition.taskDefinitionArn!;
    ctx.exposure.addChaosRevision(arn, index);
    state.record.chaosTaskDefinitionArn ??= arn;
    if (state.chaosArn === undefined) {
      state.chaosArn = arn;
      state.mutations.register = record.mutation(
        'RegisterTaskDefinition',
        arn,
        `${shortRevision(arn)} (its answer was lost; found by its markers)`,
        index,
      );
    } else {
      await record.persist(
        'DeregisterTaskDefinition',
        () => ctx.deps.ecs.deregisterTaskDefinition({ taskDefinition: arn }, { abortSignal: cleanup }),
        cleanup,
      );
      record.event(
        'cleanup',
        `deregistered ${shortRevision(arn)}, registered by this run but unanswered`,
        {},
        'info',
        index,
      );
    }
  }
}

/** Removes the service markers when they are this run's; never another experiment's. */
export async function untagOwnMarkers(ctx: RunContext, state: IterationState, cleanup: AbortSignal): Promise<void> {
  const { record } = ctx;
  const svc = await describeService(ctx, cleanup).catch(() => undefined);
  const tags = svc?.tags ?? [];
  const owner = tagValue(tags, MARKER.underChaos);
  const present = tags.filter((t) => MARKER_KEYS.includes(t.key ?? '')).map((t) => t.key!);
  if (owner !== undefined && owner !== record.result.experimentId) {
    record.event(
      'conflict',
      `the service's markers belong to experiment ${owner}: left in place`,
      {},
      'warn',
      state.record.index,
    );
    return;
  }
  if (svc && present.length === 0) {
    record.undone(state.mutations.tag, 'UntagResource');
    return;
  }
  await record.persist(
    'UntagResource',
    () =>
      ctx.deps.ecs.untagResource(
        { resourceArn: ctx.pf.service.serviceArn!, tagKeys: present.length > 0 ? present : [...MARKER_KEYS] },
        { abortSignal: cleanup },
      ),
    cleanup,
  );
  record.undone(state.mutations.tag, 'UntagResource');
}
