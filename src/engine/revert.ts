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
import type { Service } from '@aws-sdk/client-ecs';
import { ChaosError } from '../errors.js';
import { sameDeploymentLimits } from '../faults/update-task-role/deployment.js';
import { describeError } from './describe-error.js';
import { findChaosRevisions } from './find-chaos-revisions.js';
import { MARKER, MARKER_KEYS, tagValue } from './markers.js';
import { shortRevision } from './observe.js';
import { restoreState } from './restore-state.js';
import type { IterationState, RunContext } from './run-context.js';

function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}

/** Reverts one iteration. Throws ChaosError RESTORE_FAILED when the restore did not finish. */
export async function revertIteration(ctx: RunContext, state: IterationState): Promise<void> {
  const { spec, pf, record } = ctx;
  const index = state.record.index;
  const limitMs = spec.restoreTimeoutSeconds * 1000;
  const cleanup = AbortSignal.timeout(limitMs);
  const original = pf.original.taskDefinitionArn!;
  record.phase('revert', `iteration ${index}: revert to ${shortRevision(original)}`, index);
  let waitingFor: readonly string[] = [];
  try {
    // 1. The change that put tasks under chaos.
    let waitOnService = true;
    if (spec.exposureMode === 'exact') {
      if (state.sibling) await deleteSibling(ctx, state, cleanup);
      const svc = await describeService(ctx, cleanup);
      if (svc?.status === 'ACTIVE' && svc.taskDefinition !== original) {
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

    // 3. The restore condition: no chaos task left, the service steady on the original revision.
    if (state.chaosArn) {
      const conflicted = !waitOnService;
      const waitSignal = conflicted ? AbortSignal.any([cleanup, AbortSignal.timeout(limitMs / 2)]) : cleanup;
      const outcome = await waitRestored(ctx, state, waitSignal, waitOnService);
      waitingFor = outcome.waitingFor;
      if (!outcome.done && !conflicted) {
        throw new ChaosError(
          'RESTORE_FAILED',
          `the restore did not finish within ${spec.restoreTimeoutSeconds}s (--restore-timeout): still waiting for ${waitingFor.join('; ')}`,
          { fault: 'aws' },
        );
      }
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
        const chaosArn = state.chaosArn;
        await record.persist(
          'DeregisterTaskDefinition',
          () => ctx.deps.ecs.deregisterTaskDefinition({ taskDefinition: chaosArn }, { abortSignal: cleanup }),
          cleanup,
        );
        record.undone(state.mutations.register, 'DeregisterTaskDefinition');
        state.record.revertedAt = record.now().toISOString();
      }
    }
    // 5. The service markers, only if they are this run's.
    if (state.tagAttempted) await untagOwnMarkers(ctx, state, cleanup);
  } catch (error) {
    const message =
      error instanceof ChaosError
        ? error.message
        : isAbort(error) || cleanup.aborted
          ? `the restore did not finish within ${spec.restoreTimeoutSeconds}s (--restore-timeout)${waitingFor.length > 0 ? `: still waiting for ${waitingFor.join('; ')}` : ''}`
          : `the restore failed: ${(error as Error).message}`;
    record.result.effect.notes.push(message);
    record.event('restore-failed', message, {}, 'error', index);
    throw new ChaosError('RESTORE_FAILED', message, { cause: error, fault: 'aws' });
  }
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
  const original = pf.original.taskDefinitionArn!;
  const svc = await describeService(ctx, cleanup);
  if (!svc || svc.status !== 'ACTIVE') {
    record.conflict(`the service ${spec.service} is ${svc?.status ?? 'gone'}: nothing to restore on it`, index);
    return false;
  }
  if (svc.taskDefinition === original || ctx.exposure.isChaos(svc.taskDefinition)) {
    const needed =
      svc.taskDefinition !== original || !sameDeploymentLimits(svc.deploymentConfiguration, pf.originalDeployment);
    if (needed) await updateService(ctx, original, cleanup);
    record.undone(state.mutations.update, 'UpdateService');
    record.event(
      'restore',
      svc.taskDefinition === original
        ? `${spec.service} is back on ${shortRevision(original)}${needed ? '; its original deployment configuration restored' : ''}`
        : `${spec.service} -> ${shortRevision(original)} with its original deployment configuration`,
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
  if (
    sameDeploymentLimits(svc.deploymentConfiguration, pf.chaosDeployment) &&
    !sameDeploymentLimits(svc.deploymentConfiguration, pf.originalDeployment)
  ) {
    await updateService(ctx, undefined, cleanup);
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

/** UpdateService back to the original deployment configuration and, when given, the original revision. */
async function updateService(ctx: RunContext, taskDefinition: string | undefined, cleanup: AbortSignal): Promise<void> {
  const { spec, pf, record } = ctx;
  await record.persist(
    'UpdateService',
    () =>
      ctx.deps.ecs.updateService(
        {
          cluster: spec.cluster,
          service: spec.service,
          ...(taskDefinition ? { taskDefinition } : {}),
          deploymentConfiguration: pf.originalDeployment ?? { maximumPercent: 200, minimumHealthyPercent: 100 },
        },
        { abortSignal: cleanup },
      ),
    cleanup,
  );
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

/** Where a wait for the restore condition ended. */
interface WaitOutcome {
  readonly done: boolean;
  readonly waitingFor: readonly string[];
  readonly chaosTasksLeft: number;
}

/**
 * Waits for the restore condition. On the deadline, reads AWS once more before giving up: a runner
 * that was paused past its deadline may find the restore already done.
 */
async function waitRestored(
  ctx: RunContext,
  state: IterationState,
  signal: AbortSignal,
  waitOnService: boolean,
): Promise<WaitOutcome> {
  const { spec, pf, record } = ctx;
  const index = state.record.index;
  const original = pf.original.taskDefinitionArn!;
  if (spec.exposureMode === 'exact' && spec.restoreWait === 'first-task') {
    return { done: true, waitingFor: [], chaosTasksLeft: 0 };
  }
  record.say(
    'info',
    'wait.start',
    spec.restoreWait === 'first-task'
      ? `waiting for a task of ${shortRevision(original)} to be RUNNING (--restore-wait first-task; chaos tasks may still serve; at most ${spec.restoreTimeoutSeconds}s)`
      : `waiting until no chaos task is left and ${spec.service} is steady on ${shortRevision(original)} (at most ${spec.restoreTimeoutSeconds}s)`,
    { limitSeconds: spec.restoreTimeoutSeconds },
  );
  let last: WaitOutcome = { done: false, waitingFor: ['a first look at the service'], chaosTasksLeft: 0 };
  const check = async (s: AbortSignal): Promise<WaitOutcome> => {
    const look = await record.persist('ListTasks/DescribeTasks', () => ctx.look(s, index), s);
    return restoreState(
      waitOnService ? look.service : undefined,
      look.tasks,
      original,
      new Set(ctx.exposure.chaosArns),
      spec.restoreWait,
    );
  };
  let shown = '';
  try {
    for (;;) {
      last = await check(signal);
      if (last.done) break;
      const line = last.waitingFor.join('; ');
      if (line !== shown) {
        shown = line;
        record.say('info', 'info', `restore: waiting for ${line}`, { waitingFor: last.waitingFor });
      }
      await record.sleep(ctx.pollMs, signal);
    }
  } catch (error) {
    if (!signal.aborted && !isAbort(error)) throw error;
    try {
      last = await check(AbortSignal.timeout(30_000));
    } catch (again) {
      record.say('warn', 'warning', `the last look after the restore deadline failed (${describeError(again)})`);
    }
    if (!last.done) return last;
  }
  state.record.restoredAt = record.now().toISOString();
  record.event(
    'restored',
    spec.restoreWait === 'first-task'
      ? `a task of ${shortRevision(original)} is RUNNING (first-task rule)`
      : `restored: no chaos task left${waitOnService ? `; ${spec.service} steady on ${shortRevision(original)}` : ''}`,
    {},
    'info',
    index,
  );
  return last;
}

/** Removes the service markers when they are this run's; never another experiment's. */
async function untagOwnMarkers(ctx: RunContext, state: IterationState, cleanup: AbortSignal): Promise<void> {
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
