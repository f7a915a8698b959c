/**
 * One iteration's injection and hold, for either exposure mode:
 *
 * - register the chaos revision (a faithful copy with the fault's change and the recovery markers);
 * - mark the service (its tags), before anything else changes on it;
 * - rolling: UpdateService onto the chaos revision with maximumPercent 100 + percent;
 *   exact: CreateService of a sibling running the chaos revision on k tasks;
 * - wait for a chaos task to run (bounded by the rollout timeout), then hold, watching the service,
 *   ECS's reactions and other people's changes.
 */
import type { RegisterTaskDefinitionCommandInput, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { backoffMs, DEFAULT_RETRY_POLICY, isRetryable } from '../aws/retry.js';
import { ChaosError } from '../errors.js';
import { faultModule } from '../faults/registry.js';
import { copyTaskDefinition } from '../faults/task-definition-copy.js';
import { describeError } from './describe-error.js';
import { exactChaosTasks } from './exposure.js';
import { findChaosRevisions } from './find-chaos-revisions.js';
import { chaosRevisionMarkers, MARKER_KEYS, serviceMarkers } from './markers.js';
import { shortRevision } from './observe.js';
import type { IterationState, Look, RunContext } from './run-context.js';
import { siblingMarkers, siblingName, siblingServiceInput } from './sibling.js';
import { LEASE_PREFIX } from './lease.js';
import { reservedTag } from './preflight-shape.js';

/** Registers, marks and rolls out the chaos of one iteration, then waits for a chaos task to run. */
export async function inject(ctx: RunContext, state: IterationState, signal: AbortSignal): Promise<void> {
  const { spec, pf, record } = ctx;
  const fault = faultModule(spec.fault);
  const index = state.record.index;
  const experimentId = record.result.experimentId;
  // A stop between iterations (a signal, a stop condition, a failed probe) starts no new injection.
  signal.throwIfAborted();
  record.phase(
    'inject',
    `iteration ${index}: inject (${fault.describe(pf.original, spec)}, ${spec.exposureMode} mode)`,
    index,
  );
  const markers = chaosRevisionMarkers({
    experimentId,
    fault: spec.fault,
    originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
    originalDeployment: pf.originalDeployment,
    serviceArn: pf.service.serviceArn!,
    startedAt: record.now(),
    iteration: index,
  });
  // The original's tags, without markers and without the keys AWS reserves (`aws:...`, set by
  // CloudFormation and other services): RegisterTaskDefinition refuses those.
  const keptTags = pf.originalTags.filter(
    (t) => !MARKER_KEYS.includes(t.key ?? '') && !(t.key ?? '').startsWith(LEASE_PREFIX) && !reservedTag(t.key),
  );
  // The fault's change, on a faithful copy of the original that carries its tags and the markers.
  const input = fault.apply(copyTaskDefinition(pf.original, [...keptTags, ...markers]), spec);

  state.registerAttempted = true;
  const chaos = await register(ctx, input, index);
  const chaosArn = chaos.taskDefinitionArn!;
  state.chaosArn = chaosArn;
  ctx.exposure.addChaosRevision(chaosArn, index);
  state.record.chaosTaskDefinitionArn = chaosArn;
  record.result.effect.chaosTaskDefinitionArn = chaosArn;
  state.mutations.register = record.mutation(
    'RegisterTaskDefinition',
    chaosArn,
    `${shortRevision(chaosArn)} (copy of ${shortRevision(pf.original.taskDefinitionArn!)}, ${fault.describeChaos(spec)})`,
    index,
  );

  // Mutations are not cut short by an abort: a call in flight completes, so the run knows what it
  // changed, and the abort is honoured right after it.
  const mutate = {};
  const sibling = spec.exposureMode === 'exact' ? siblingName(spec.service, experimentId, index) : undefined;
  signal.throwIfAborted();
  // The service is marked first: a failed tag changes nothing else, and recover finds the experiment.
  state.tagAttempted = true;
  await ctx.deps.ecs.tagResource(
    {
      resourceArn: pf.service.serviceArn!,
      tags: serviceMarkers({
        experimentId,
        originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
        originalDeployment: pf.originalDeployment,
        chaosTaskDefinitionArn: chaosArn,
        ...(sibling ? { sibling } : {}),
      }),
    },
    mutate,
  );
  state.mutations.tag = record.mutation(
    'TagResource',
    pf.service.serviceArn!,
    `service ${spec.service} marked as under chaos`,
    index,
  );
  signal.throwIfAborted();

  let answered: Service | undefined;
  if (sibling) {
    const exact = exactChaosTasks(pf.service.desiredCount ?? 0, spec.affectedPercent);
    const k = exact.ok ? exact.k : 1;
    state.sibling = sibling;
    ctx.siblings.add(sibling);
    state.record.siblingService = sibling;
    const created = await ctx.deps.ecs.createService(
      siblingServiceInput(pf.service, {
        name: sibling,
        taskDefinition: chaosArn,
        desiredCount: k,
        tags: siblingMarkers({
          experimentId,
          serviceArn: pf.service.serviceArn!,
          originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
          iteration: index,
        }),
        clientToken: `${experimentId.replace(/^ecs-chaos-/, '')}-${index}`,
      }),
      mutate,
    );
    answered = created.service;
    state.record.injectedAt = record.now().toISOString();
    state.mutations.create = record.mutation(
      'CreateService',
      created.service?.serviceArn ?? sibling,
      `sibling ${sibling}: ${k} task${k === 1 ? '' : 's'} of ${shortRevision(chaosArn)} beside the ${pf.service.desiredCount} untouched tasks of ${spec.service}`,
      index,
    );
  } else {
    state.serviceUpdateAttempted = true;
    const updated = await ctx.deps.ecs.updateService(
      {
        cluster: spec.cluster,
        service: spec.service,
        taskDefinition: chaosArn,
        deploymentConfiguration: pf.chaosDeployment,
      },
      mutate,
    );
    answered = updated.service;
    state.record.injectedAt = record.now().toISOString();
    state.mutations.update = record.mutation(
      'UpdateService',
      pf.service.serviceArn!,
      `${spec.service} -> ${shortRevision(chaosArn)} (maximumPercent ${pf.chaosDeployment.maximumPercent}, minimumHealthyPercent ${pf.chaosDeployment.minimumHealthyPercent})`,
      index,
    );
  }
  signal.throwIfAborted();
  checkSwap(ctx, chaosArn, chaos, answered);
  await waitForChaosTasks(ctx, state, signal);
}

/**
 * RegisterTaskDefinition with the one retry policy, made safe to repeat: a call whose answer was
 * lost may have registered the revision, so before each retry the revision is looked for by its
 * experiment and iteration markers, and a retry never leaves a second chaos revision behind.
 */
async function register(
  ctx: RunContext,
  input: RegisterTaskDefinitionCommandInput,
  iteration: number,
): Promise<TaskDefinition> {
  const { record } = ctx;
  const policy = ctx.deps.retry ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await ctx.deps.ecs.registerTaskDefinition(input)).taskDefinition!;
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.maxAttempts) throw error;
      const delayMs = backoffMs(policy, attempt);
      record.say(
        'warn',
        'aws.retry',
        `RegisterTaskDefinition failed (${describeError(error)}); looking for the revision by its markers, then retry ${attempt} in ${delayMs} ms`,
        { attempt, delayMs },
      );
      await record.sleep(delayMs);
      const found = await findChaosRevisions(ctx.deps.ecs, input.family!, {
        experimentId: record.result.experimentId,
        iteration,
        limit: 10,
      });
      if (found[0]) {
        record.event(
          'cleanup',
          `RegisterTaskDefinition had been applied: found ${shortRevision(found[0].taskDefinition.taskDefinitionArn!)} by its markers`,
          {},
          'info',
          iteration,
        );
        return found[0].taskDefinition;
      }
    }
  }
}

/** Effect verification from the mutation's own answer: the primary deployment and the chaos role. */
function checkSwap(ctx: RunContext, chaosArn: string, chaos: TaskDefinition, answered: Service | undefined): void {
  const effect = ctx.record.result.effect;
  const primary = answered?.deployments?.find((d) => d.status === 'PRIMARY');
  const onChaos = (primary?.taskDefinition ?? answered?.taskDefinition) === chaosArn;
  const notCarried = faultModule(ctx.spec.fault).verifyRegistered(chaos, ctx.spec);
  const swapped = onChaos && notCarried === undefined;
  effect.swapped = effect.swapped || swapped;
  if (!swapped) {
    effect.notes.push(
      !onChaos
        ? `after injection the primary deployment runs ${primary?.taskDefinition ?? answered?.taskDefinition ?? 'nothing'}, not ${chaosArn}`
        : notCarried!,
    );
  }
}

/** Waits until a task of the chaos revision is RUNNING, bounded by the rollout timeout. */
async function waitForChaosTasks(ctx: RunContext, state: IterationState, signal: AbortSignal): Promise<void> {
  const { spec, record } = ctx;
  const chaosArn = state.chaosArn!;
  const index = state.record.index;
  const limitMs = spec.rolloutTimeoutSeconds * 1000;
  const deadline = record.now().getTime() + limitMs;
  record.say(
    'info',
    'wait.start',
    `waiting for tasks of ${shortRevision(chaosArn)} to run (at most ${spec.rolloutTimeoutSeconds}s)`,
    { limitSeconds: spec.rolloutTimeoutSeconds },
  );
  for (;;) {
    const look = await ctx.look(signal, index);
    const running = look.tasks.filter((t) => t.taskDefinitionArn === chaosArn && t.lastStatus === 'RUNNING').length;
    if (running > 0) {
      state.record.chaosRunningAt = record.now().toISOString();
      record.result.effect.chaosTasksRan = true;
      record.event(
        'chaos-running',
        `tasks of ${shortRevision(chaosArn)} are RUNNING under ${faultModule(spec.fault).describeChaos(spec)}`,
        { running },
        'info',
        index,
      );
      return;
    }
    const conflict = foreignChange(ctx, state, look);
    if (conflict) {
      record.conflict(conflict, index);
      throw new ChaosError('CONFLICT', conflict, { fault: 'user' });
    }
    const launch = ctx.reactions.reactions.find((r) => r.kind === 'launch-failure');
    if (launch) {
      const reason = launch.evidence[0]?.replace(/^task \S+: TaskFailedToStart: /, '') ?? 'TaskFailedToStart';
      // A fault whose effect is this failure (an unpullable image): the effect, held and reverted.
      if (faultModule(spec.fault).expectsLaunchFailure?.test(reason)) {
        record.result.effect.chaosTasksRan = true;
        record.event(
          'chaos-effect',
          `tasks of ${shortRevision(chaosArn)} failed to start, as the fault intends: ${reason}`,
          { reason },
          'info',
          index,
        );
        return;
      }
      record.result.effect.notes.push(`tasks of the chaos revision failed to start: ${reason}`);
      throw new ChaosError('CHAOS_TASKS_FAILED', `tasks of ${shortRevision(chaosArn)} failed to start: ${reason}`, {
        fault: 'user',
      });
    }
    if (ctx.reactions.rolledBack) {
      const r = ctx.reactions.reactions.find((x) => x.kind.endsWith('rollback'))!;
      record.result.effect.notes.push(`${r.summary} before a chaos task ran`);
      throw new ChaosError('ROLLED_BACK', `${r.summary} before a chaos task ran: ${r.evidence[0] ?? ''}`, {
        fault: 'aws',
      });
    }
    if (record.now().getTime() >= deadline) {
      record.result.effect.notes.push(
        `no task of the chaos revision was RUNNING within the rollout timeout (${spec.rolloutTimeoutSeconds}s)`,
      );
      throw new ChaosError(
        'ROLLOUT_TIMEOUT',
        `no task of ${shortRevision(chaosArn)} was RUNNING within ${spec.rolloutTimeoutSeconds}s (--rollout-timeout)`,
        { fault: 'aws' },
      );
    }
    await record.sleep(ctx.pollMs, signal);
  }
}

/**
 * Holds the chaos, looking at the service at every poll. Ends early when someone else changed the
 * service, or ECS rolled the chaos back: both are reported.
 */
export async function hold(
  ctx: RunContext,
  state: IterationState,
  holdSeconds: number,
  signal: AbortSignal,
): Promise<void> {
  const { record } = ctx;
  const index = state.record.index;
  record.phase('hold', `iteration ${index}: holding the chaos for ${holdSeconds}s`, index, holdSeconds);
  state.record.holdSeconds = holdSeconds;
  const end = record.now().getTime() + holdSeconds * 1000;
  for (;;) {
    const left = end - record.now().getTime();
    if (left <= 0) return;
    await record.sleep(Math.min(ctx.pollMs, left), signal);
    const look = await ctx.look(signal, index);
    if (ctx.reactions.rolledBack) {
      const r = ctx.reactions.reactions.find((x) => x.kind.endsWith('rollback'))!;
      record.event('reaction', `${r.summary}: the hold ends early`, { kind: r.kind }, 'warn', index);
      return;
    }
    const conflict = foreignChange(ctx, state, look);
    if (conflict) {
      record.conflict(conflict, index);
      return;
    }
  }
}

/** Someone else's change to the service (or the sibling), described; undefined when there is none. */
function foreignChange(ctx: RunContext, state: IterationState, look: Look): string | undefined {
  const { spec, pf } = ctx;
  const svc = look.service;
  if (!svc || svc.status !== 'ACTIVE') {
    return `the service ${spec.service} was deleted during the chaos window (status ${svc?.status ?? 'MISSING'})`;
  }
  const original = pf.original.taskDefinitionArn!;
  const current = svc.taskDefinition;
  if (spec.exposureMode === 'exact') {
    const sibling = state.sibling ? look.siblings.get(state.sibling) : undefined;
    if (state.sibling && (!sibling || sibling.status !== 'ACTIVE')) {
      return `the sibling service ${state.sibling} was deleted by someone else during the chaos window`;
    }
    if (current && current !== original)
      return `someone deployed ${current} on ${spec.service} during the chaos window; ecs-chaos will not touch it`;
    return undefined;
  }
  if (!current || current === state.chaosArn) return undefined;
  if (current === original) {
    // ECS's own rollback is a reaction, not someone else's change.
    if (ctx.reactions.rolledBack) return undefined;
    return `the service is back on ${shortRevision(original)}, restored by someone else (or 'recover') during the chaos window`;
  }
  return `someone deployed ${current} during the chaos window; ecs-chaos will not overwrite it`;
}
