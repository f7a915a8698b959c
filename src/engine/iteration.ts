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
import type { Service } from '@aws-sdk/client-ecs';
import { ChaosError } from '../errors.js';
import { taskDefinitionFault } from '../faults/registry.js';
import { copyTaskDefinition } from '../faults/task-definition-copy.js';
import { sameDeploymentSettings } from './restore-config.js';
import { exactChaosTasks } from './exposure.js';
import { chaosRevisionMarkers, MARKER_KEYS, serviceMarkers } from './markers.js';
import { checkSwap, register } from './register-chaos.js';
import { shortRevision } from './observe.js';
import type { IterationState, Look, RunContext } from './run-context.js';
import { siblingMarkers, siblingName, siblingServiceInput } from './sibling.js';
import { LEASE_PREFIX } from './lease.js';
import { reservedTag } from './preflight-shape.js';
import { deadlineAfter } from './deadline.js';

/** Registers, marks and rolls out the chaos of one iteration, then waits for a chaos task to run. */
export async function inject(ctx: RunContext, state: IterationState, signal: AbortSignal): Promise<void> {
  const { spec, pf, record } = ctx;
  const fault = taskDefinitionFault(spec.fault);
  const index = state.record.index;
  const experimentId = record.result.experimentId;
  // A stop between iterations (a signal, a stop condition, a failed probe) starts no new injection.
  signal.throwIfAborted();
  record.phase(
    'inject',
    `iteration ${index}: inject (${fault.describe(pf.original, spec)}, ${spec.exposureMode} mode)`,
    index,
  );
  await checkUnchanged(ctx, index, signal);
  const markers = chaosRevisionMarkers({
    experimentId,
    fault: spec.fault,
    originalTaskDefinitionArn: ctx.restoreArn,
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
        originalTaskDefinitionArn: ctx.restoreArn,
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
  await checkSwap(ctx, chaosArn, chaos, answered);
  await waitForChaosTasks(ctx, state, signal);
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
  // A hung read does not outlast the rollout timeout: it is aborted when the timeout passes.
  const bound = deadlineAfter(record, limitMs, signal);
  try {
    for (;;) {
      let look: Look | undefined;
      try {
        look = await ctx.look(bound.signal, index);
      } catch (error) {
        if (!bound.passed() || signal.aborted) throw error;
      }
      const running = (look?.tasks ?? []).filter(
        (t) => t.taskDefinitionArn === chaosArn && t.lastStatus === 'RUNNING',
      ).length;
      if (running > 0) {
        state.record.chaosRunningAt = record.now().toISOString();
        record.result.effect.chaosTasksRan = true;
        record.event(
          'chaos-running',
          `tasks of ${shortRevision(chaosArn)} are RUNNING under ${taskDefinitionFault(spec.fault).describeChaos(spec)}`,
          { running },
          'info',
          index,
        );
        return;
      }
      const conflict = look && foreignChange(ctx, state, look);
      if (conflict) {
        record.conflict(conflict, index);
        throw new ChaosError('CONFLICT', conflict, { fault: 'user' });
      }
      const launch = ctx.reactions.reactions.find((r) => r.kind === 'launch-failure');
      if (launch) {
        const reason = launch.evidence[0]?.replace(/^task \S+: TaskFailedToStart: /, '') ?? 'TaskFailedToStart';
        // A fault whose effect is this failure (an unpullable image): the effect, held and reverted.
        if (taskDefinitionFault(spec.fault).expectsLaunchFailure?.test(reason)) {
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
      if (bound.passed() || record.now().getTime() >= deadline) {
        record.result.effect.notes.push(
          `no task of the chaos revision was RUNNING within the rollout timeout (${spec.rolloutTimeoutSeconds}s)`,
        );
        throw new ChaosError(
          'ROLLOUT_TIMEOUT',
          `no task of ${shortRevision(chaosArn)} was RUNNING within ${spec.rolloutTimeoutSeconds}s (--rollout-timeout)`,
          { fault: 'aws' },
        );
      }
      try {
        await record.sleep(ctx.pollMs, bound.signal);
      } catch (error) {
        if (!bound.passed() || signal.aborted) throw error;
      }
    }
  } finally {
    bound.dispose();
  }
}

/** A hold that ends this much after its planned end is reported as overrun. */
const OVERRUN_REPORTED_MS = 1_000;

/**
 * Holds the chaos, looking at the service at every poll. Ends early when someone else changed the
 * service, or ECS rolled the chaos back: both are reported. Every poll is bounded by what is left of
 * the hold (a hung call is aborted when the hold ends), so the revert starts on time; a hold that
 * still ended late (a paused runner) reports its overrun.
 */
export async function hold(
  ctx: RunContext,
  state: IterationState,
  holdSeconds: number,
  signal: AbortSignal,
): Promise<void> {
  const { record } = ctx;
  const index = state.record.index;
  // The hold's end is fixed before it is announced: a runner paused right after the announcement
  // (SIGSTOP, a starved machine) overruns the hold rather than starting it late.
  const end = record.now().getTime() + holdSeconds * 1000;
  record.phase('hold', `iteration ${index}: holding the chaos for ${holdSeconds}s`, index, holdSeconds);
  state.record.holdSeconds = holdSeconds;
  const bound = deadlineAfter(record, end - record.now().getTime(), signal);
  try {
    for (;;) {
      const left = end - record.now().getTime();
      if (left <= 0 || bound.passed()) break;
      let look: Look;
      try {
        await record.sleep(Math.min(ctx.pollMs, left), bound.signal);
        look = await ctx.look(bound.signal, index);
      } catch (error) {
        // The hold is over while a poll was in flight: the revert starts now.
        if (bound.passed() && !signal.aborted) break;
        throw error;
      }
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
  } finally {
    bound.dispose();
  }
  const overrunMs = record.now().getTime() - end;
  if (overrunMs >= OVERRUN_REPORTED_MS) {
    const seconds = Math.round(overrunMs / 100) / 10;
    state.record.holdOverrunSeconds = seconds;
    record.event(
      'hold-overrun',
      `the hold ended ${seconds}s after its planned end (the runner was paused or starved): the revert starts late`,
      { overrunSeconds: seconds },
      'warn',
      index,
    );
  }
}

/**
 * Before an injection: the service must be as the run left it (preflight, or the last revert). A
 * deploy, a scale to 0 or a configuration change made in between is someone else's, and the chaos is
 * not injected over it (a conflict, nothing changed by this iteration).
 */
/** What ECS applies when a service sets no deployment configuration. */
const DEFAULT_DEPLOYMENT = { maximumPercent: 200, minimumHealthyPercent: 100 };

async function checkUnchanged(ctx: RunContext, index: number, signal: AbortSignal): Promise<void> {
  const { spec, pf, record } = ctx;
  const svc = (await ctx.look(signal, index)).service;
  const since = index === 1 ? 'since preflight' : `since iteration ${index - 1} was reverted`;
  let conflict: string | undefined;
  if (!svc || svc.status !== 'ACTIVE') conflict = `the service ${spec.service} was deleted ${since}`;
  else if (svc.desiredCount === 0 && (pf.service.desiredCount ?? 0) > 0)
    conflict = `someone scaled ${spec.service} to 0 ${since}; ecs-chaos keeps their desired count and injects nothing`;
  else if (svc.taskDefinition !== ctx.restoreArn)
    conflict = `someone deployed ${svc.taskDefinition ?? 'another revision'} on ${spec.service} ${since}; ecs-chaos will not overwrite it`;
  else if (!sameDeploymentSettings(svc.deploymentConfiguration, pf.originalDeployment ?? DEFAULT_DEPLOYMENT))
    conflict = `someone changed the deployment configuration of ${spec.service} ${since} (maximumPercent ${svc.deploymentConfiguration?.maximumPercent}, minimumHealthyPercent ${svc.deploymentConfiguration?.minimumHealthyPercent}); ecs-chaos keeps it and injects nothing`;
  if (conflict) {
    record.conflict(conflict, index);
    throw new ChaosError('CONFLICT', conflict, { fault: 'user' });
  }
}

/** Someone else's change to the service (or the sibling), described; undefined when there is none. */
function foreignChange(ctx: RunContext, state: IterationState, look: Look): string | undefined {
  const { spec, pf } = ctx;
  const svc = look.service;
  if (!svc || svc.status !== 'ACTIVE') {
    return `the service ${spec.service} was deleted during the chaos window (status ${svc?.status ?? 'MISSING'})`;
  }
  const original = ctx.restoreArn;
  const current = svc.taskDefinition;
  // The run never changes the desired count: 0 is someone's choice (no task can run the chaos).
  if (svc.desiredCount === 0 && (pf.service.desiredCount ?? 0) > 0) {
    return `someone scaled ${spec.service} to 0 during the run; ecs-chaos keeps their desired count`;
  }
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
  if (ctx.exposure.isChaos(current)) {
    return `the service runs ${shortRevision(current)}, not this iteration's chaos revision: someone changed it during the chaos window`;
  }
  return `someone deployed ${current} during the chaos window; ecs-chaos will not overwrite it`;
}
