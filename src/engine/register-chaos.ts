/**
 * The chaos revision's registration and the swap's check, both tolerant of ECS's eventual
 * consistency: a lost RegisterTaskDefinition answer is looked for again over the lag before
 * registering anew and never leaves two chaos revisions; the swap is judged from UpdateService's own
 * answer, and re-read before concluding it did not take.
 */
import { taskDefinitionFault } from '../faults/registry.js';
import type { RegisterTaskDefinitionCommandInput, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { backoffMs, DEFAULT_RETRY_POLICY, isRetryable } from '../aws/retry.js';
import { describeError } from './describe-error.js';
import { findChaosRevisions } from './find-chaos-revisions.js';
import { MARKER, tagValue } from './markers.js';
import { shortRevision } from './observe.js';
import type { RunContext } from './run-context.js';

/**
 * How long after a lost RegisterTaskDefinition answer the revision is looked for before registering
 * again: ECS is eventually consistent, and ListTaskDefinitions can miss a revision registered a
 * moment ago. The first look follows the retry backoff; these waits come after it.
 */
const LOST_REGISTRATION_LOOKS_MS = [1_000, 2_000] as const;
/** Revisions below a registered one looked at for a duplicate of a lost registration, beyond one per lost answer. */
const DUPLICATE_SLACK = 3;

/**
 * RegisterTaskDefinition with the one retry policy, made safe to repeat: a call whose answer was
 * lost may have registered the revision, so before each retry the revision is looked for by its
 * experiment and iteration markers (again after a lag: ECS's lists are eventually consistent), and a
 * retry never leaves a second chaos revision behind: once a retry registers, the revisions just below
 * it are read by number and a copy of this iteration found there is deregistered.
 */
export async function register(
  ctx: RunContext,
  input: RegisterTaskDefinitionCommandInput,
  iteration: number,
): Promise<TaskDefinition> {
  const { record } = ctx;
  const policy = ctx.deps.retry ?? DEFAULT_RETRY_POLICY;
  let lost = 0;
  for (let attempt = 1; ; attempt++) {
    let registered: TaskDefinition;
    try {
      registered = (await ctx.deps.ecs.registerTaskDefinition(input)).taskDefinition!;
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.maxAttempts) throw error;
      lost++;
      const delayMs = backoffMs(policy, attempt);
      record.say(
        'warn',
        'aws.retry',
        `RegisterTaskDefinition failed (${describeError(error)}); looking for the revision by its markers, then retry ${attempt} in ${delayMs} ms`,
        { attempt, delayMs },
      );
      const waits = [delayMs, ...LOST_REGISTRATION_LOOKS_MS];
      for (const [look, waitMs] of waits.entries()) {
        await record.sleep(waitMs);
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
        if (look < waits.length - 1) {
          record.say(
            'info',
            'aws.retry',
            `the lost registration is not listed yet (ECS's lists lag behind its writes); looking again in ${waits[look + 1]} ms`,
            { look: look + 1 },
          );
        }
      }
      continue;
    }
    if (lost > 0) await deregisterDuplicates(ctx, registered, iteration, lost);
    return registered;
  }
}

/** After a retry registered `kept`: a lost registration of the same iteration listed too late is deregistered. */
async function deregisterDuplicates(
  ctx: RunContext,
  kept: TaskDefinition,
  iteration: number,
  lost: number,
): Promise<void> {
  const family = kept.family!;
  const revision = kept.revision ?? 0;
  for (let r = revision - 1; r >= Math.max(1, revision - lost - DUPLICATE_SLACK); r--) {
    let tags;
    let arn: string | undefined;
    try {
      const out = await ctx.deps.ecs.describeTaskDefinition({ taskDefinition: `${family}:${r}`, include: ['TAGS'] });
      if (out.taskDefinition?.status !== 'ACTIVE') continue;
      tags = out.tags;
      arn = out.taskDefinition.taskDefinitionArn;
    } catch {
      continue;
    }
    if (
      !arn ||
      tagValue(tags, MARKER.experimentId) !== ctx.record.result.experimentId ||
      tagValue(tags, MARKER.iteration) !== String(iteration)
    ) {
      continue;
    }
    await ctx.deps.ecs.deregisterTaskDefinition({ taskDefinition: arn });
    ctx.record.event(
      'cleanup',
      `a lost RegisterTaskDefinition had registered ${shortRevision(arn)} too: deregistered it, ${shortRevision(kept.taskDefinitionArn!)} is the chaos revision`,
      {},
      'warn',
      iteration,
    );
  }
}

/** Re-reads of the service before concluding the swap did not take: ECS's reads lag behind its writes. */
const SWAP_REREADS_MS = [500, 1_000, 2_000] as const;

/**
 * Effect verification from the mutation's own answer (current even when ECS's reads lag): the
 * primary deployment and the chaos role. An answer that does not show the chaos revision is not
 * trusted alone: the service is read again, a few times over the lag, before concluding.
 */
export async function checkSwap(
  ctx: RunContext,
  chaosArn: string,
  chaos: TaskDefinition,
  answered: Service | undefined,
): Promise<void> {
  const effect = ctx.record.result.effect;
  const runs = (service: Service | undefined): string | undefined =>
    service?.deployments?.find((d) => d.status === 'PRIMARY')?.taskDefinition ?? service?.taskDefinition;
  let seen = runs(answered);
  for (const waitMs of SWAP_REREADS_MS) {
    if (seen === chaosArn) break;
    await ctx.record.sleep(waitMs);
    const read = await ctx.deps.ecs.describeServices({
      cluster: ctx.spec.cluster,
      services: [answered?.serviceName ?? answered?.serviceArn ?? ctx.spec.service],
    });
    seen = runs(read.services?.[0]) ?? seen;
  }
  const onChaos = seen === chaosArn;
  const notCarried = taskDefinitionFault(ctx.spec.fault).verifyRegistered(chaos, ctx.spec);
  const swapped = onChaos && notCarried === undefined;
  effect.swapped = effect.swapped || swapped;
  if (!swapped) {
    effect.notes.push(
      !onChaos
        ? `after injection the primary deployment runs ${seen ?? 'nothing'}, not ${chaosArn} (the mutation's answer and ${SWAP_REREADS_MS.length} reads after it agree)`
        : notCarried!,
    );
  }
}
