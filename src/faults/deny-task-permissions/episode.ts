/**
 * One window of deny-task-permissions: mark the role, put the Deny (inline, or a managed policy when
 * the role's inline quota is full), hold, then remove both in a `finally` (an abort, a stop
 * condition or an error never skips it), and measure how long IAM took to apply and to lift it.
 */
import { awsErrorName } from '../../aws/settled.js';
import { ChaosError } from '../../errors.js';
import type { MutationRecord, DenyIteration } from '../../report/result.js';
import type { IterationState, RunContext } from '../../engine/run-context.js';
import { chooseForm, denied } from './checks.js';
import {
  denyDocument,
  denyPolicyName,
  denyTagKey,
  denyTagValue,
  iamTime,
  managedPolicyArn,
  type DenyForm,
} from './policy.js';
import {
  firstProbeFailure,
  firstProbeRecovery,
  secondsBetween,
  trailCanShow,
  trailSightings,
  type Sighting,
} from './propagation.js';
import type { RoleState } from './role-state.js';

/** At most this long after the removal the iteration waits to see a denied call allowed again. */
const ALLOWED_WAIT_SECONDS = 60;

/** Whether an AWS error says the thing is gone already (a retried delete, a recover that came first). */
const gone = (error: unknown): boolean => awsErrorName(error) === 'NoSuchEntity';

/** Runs one window. */
export async function denyIteration(
  ctx: RunContext,
  state: IterationState,
  holdSeconds: number,
  signal: AbortSignal,
  role: { readonly roleArn: string; readonly roleName: string; readonly before: RoleState },
): Promise<void> {
  const { record, spec, deps } = ctx;
  const result = record.result;
  const index = state.record.index;
  const id = result.experimentId;
  const { actions, resources } = denied(spec);
  // A stop between iterations starts no new window.
  signal.throwIfAborted();
  const chosen = chooseForm(role.before, spec);
  if (!chosen.ok) throw new ChaosError('PREFLIGHT', chosen.detail, { fault: 'user' });
  const form: DenyForm = chosen.form;
  const policyName = denyPolicyName(id, index);
  // aws:CurrentTime has whole seconds: the end is rounded up, never before the planned end.
  const end = new Date(Math.ceil((record.now().getTime() + holdSeconds * 1000) / 1000) * 1000);
  const arn = role.roleArn.split(':');
  const policyArn = managedPolicyArn(arn[1] ?? 'aws', arn[4] ?? '', policyName);
  const it: DenyIteration = { index, form, policyName, plannedEnd: iamTime(end), notes: [] };
  result.deny!.iterations.push(it);
  const call = { abortSignal: signal };
  const mutations: { tag?: MutationRecord; put?: MutationRecord; attach?: MutationRecord } = {};
  // What was sent (an answer lost on the way may still have landed): only that is undone.
  const sent = { tag: false, put: false, attach: false };
  try {
    sent.tag = true;
    await deps.iam.tagRole(
      { RoleName: role.roleName, Tags: [{ Key: denyTagKey(id), Value: denyTagValue(form, policyName, end) }] },
      call,
    );
    mutations.tag = record.mutation('TagRole', role.roleArn, `${role.roleName}: ${denyTagKey(id)}`, index);
    const document = denyDocument(actions, resources, end);
    sent.put = true;
    if (form === 'inline') {
      await deps.iam.putRolePolicy({ RoleName: role.roleName, PolicyName: policyName, PolicyDocument: document }, call);
      mutations.put = record.mutation(
        'PutRolePolicy',
        role.roleArn,
        `${role.roleName}: ${policyName} (Deny ${actions.join(', ')} until ${iamTime(end)})`,
        index,
      );
    } else {
      await deps.iam
        .createPolicy(
          {
            PolicyName: policyName,
            PolicyDocument: document,
            Description: `ecs-chaos ${id}: Deny until ${iamTime(end)}`,
          },
          call,
        )
        .catch((error: unknown) => {
          if (awsErrorName(error) !== 'EntityAlreadyExists') throw error;
        });
      mutations.put = record.mutation(
        'CreatePolicy',
        policyArn,
        `${policyName} (Deny ${actions.join(', ')} until ${iamTime(end)})`,
        index,
      );
      sent.attach = true;
      await deps.iam.attachRolePolicy({ RoleName: role.roleName, PolicyArn: policyArn }, call);
      mutations.attach = record.mutation('AttachRolePolicy', role.roleArn, `${role.roleName}: ${policyName}`, index);
    }
    const attachedAt = record.now();
    it.attachedAt = attachedAt.toISOString();
    state.record.injectedAt = it.attachedAt;
    state.record.holdSeconds = holdSeconds;
    result.effect.swapped = true;
    const look = await ctx.look(signal, index).catch(() => undefined);
    const running = look?.service?.runningCount ?? 0;
    result.effect.chaosTasksRan ||= running > 0;
    state.record.peakChaosTasks = Math.max(state.record.peakChaosTasks, running);
    if (running === 0) result.effect.notes.push('no task of the service was running: the Deny reached no task');
    record.event(
      'chaos-effect',
      `${form === 'inline' ? 'PutRolePolicy' : 'AttachRolePolicy'} ${policyName}: ${actions.join(', ')} denied to ${role.roleName} until ${iamTime(end)} (${running} task(s) running with it)`,
      { policyName, form, plannedEnd: iamTime(end), running },
      'info',
      index,
    );
    record.phase('hold', `hold: ${holdSeconds}s with the Deny in place`, index, holdSeconds);
    await record.sleep(holdSeconds * 1000, signal);
  } finally {
    // Always: a write whose answer was lost may have landed (what is not there is taken as removed).
    await undo(ctx, role, { form, policyName, policyArn, index, mutations, sent, it });
  }
  if (!signal.aborted && it.removedAt) await measure(ctx, it, role.roleArn, actions, signal);
}

/** Removes the Deny and the marker, retrying transient errors until the restore timeout. */
async function undo(
  ctx: RunContext,
  role: { readonly roleArn: string; readonly roleName: string },
  w: {
    form: DenyForm;
    policyName: string;
    policyArn: string;
    index: number;
    mutations: { tag?: MutationRecord; put?: MutationRecord; attach?: MutationRecord };
    sent: { readonly tag: boolean; readonly put: boolean; readonly attach: boolean };
    it: DenyIteration;
  },
): Promise<void> {
  if (!w.sent.tag) return;
  const { record, deps } = ctx;
  const deadline = AbortSignal.timeout(Math.max(30, ctx.spec.restoreTimeoutSeconds) * 1000);
  const call = { abortSignal: deadline };
  const tolerant = async (what: string, op: () => Promise<unknown>): Promise<void> => {
    try {
      await record.persist(what, op, deadline);
    } catch (error) {
      if (!gone(error)) throw error;
    }
  };
  record.phase('revert', `revert: removing ${w.policyName} from ${role.roleName}`, w.index);
  if (!w.sent.put) {
    // Nothing but the tag was sent.
  } else if (w.form === 'inline') {
    await tolerant('DeleteRolePolicy', () =>
      deps.iam.deleteRolePolicy({ RoleName: role.roleName, PolicyName: w.policyName }, call),
    );
    record.undone(w.mutations.put, 'DeleteRolePolicy');
  } else {
    if (w.sent.attach) {
      await tolerant('DetachRolePolicy', () =>
        deps.iam.detachRolePolicy({ RoleName: role.roleName, PolicyArn: w.policyArn }, call),
      );
      record.undone(w.mutations.attach, 'DetachRolePolicy');
    }
    await tolerant('DeletePolicy', () => deps.iam.deletePolicy({ PolicyArn: w.policyArn }, call));
    record.undone(w.mutations.put, 'DeletePolicy');
  }
  if (w.sent.put) w.it.removedAt = record.now().toISOString();
  await tolerant('UntagRole', () =>
    deps.iam.untagRole({ RoleName: role.roleName, TagKeys: [denyTagKey(record.result.experimentId)] }, call),
  );
  record.undone(w.mutations.tag, 'UntagRole');
  ctx.record.result.iterations.find((i) => i.index === w.index)!.revertedAt = w.it.removedAt;
}

/**
 * Propagation: attach -> first denied call, removal -> first allowed call. Waits up to
 * {@link ALLOWED_WAIT_SECONDS} after the removal for a witness that saw the denial to see the calls
 * allowed again; says what could not be measured and why.
 */
async function measure(
  ctx: RunContext,
  it: DenyIteration,
  roleArn: string,
  actions: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const attachedAt = new Date(it.attachedAt!);
  const removedAt = new Date(it.removedAt!);
  const probes = (): ReturnType<NonNullable<RunContext['probeResults']>> => ctx.probeResults?.() ?? [];
  const trail = ctx.deps.cloudtrail && trailCanShow(actions) ? ctx.deps.cloudtrail : undefined;
  const look = async (): Promise<{ denied?: Sighting; allowed?: Sighting }> => {
    const fromProbes = {
      denied: firstProbeFailure(probes(), attachedAt),
      allowed: firstProbeRecovery(probes(), attachedAt, removedAt),
    };
    if (!trail) return fromProbes;
    const none: { denied?: Sighting; allowed?: Sighting } = {};
    const fromTrail = await trailSightings(trail, {
      roleArn,
      actions,
      from: attachedAt,
      allowedFrom: removedAt,
      to: ctx.record.now(),
      signal,
    }).catch(() => none);
    const earlier = (a?: Sighting, b?: Sighting): Sighting | undefined => (!a ? b : !b ? a : a.at <= b.at ? a : b);
    return {
      denied: earlier(fromProbes.denied, fromTrail.denied),
      allowed: earlier(fromProbes.allowed, fromTrail.allowed),
    };
  };
  let seen = await look();
  // Only a witness that saw the denial can see its end: wait for it, bounded.
  const until = removedAt.getTime() + ALLOWED_WAIT_SECONDS * 1000;
  while (seen.denied && !seen.allowed && ctx.record.now().getTime() < until && !signal.aborted) {
    // LookupEvents allows 2 requests a second per account: a look every 5 s at most when it is read.
    await ctx.record.sleep(Math.max(ctx.pollMs, trail ? 5_000 : 250), signal).catch(() => undefined);
    seen = await look();
  }
  if (seen.denied && seen.denied.at <= removedAt) {
    it.deniedAfterSeconds = secondsBetween(attachedAt, seen.denied.at);
    it.deniedSeenBy = seen.denied.by;
  } else {
    it.notes.push(
      `no denied call was seen between the attach and the removal: ${witnesses(ctx, actions, trail !== undefined)}`,
    );
  }
  if (seen.allowed) {
    it.allowedAfterSeconds = secondsBetween(removedAt, seen.allowed.at);
    it.allowedSeenBy = seen.allowed.by;
  } else if (seen.denied) {
    it.notes.push(`no allowed call was seen within ${ALLOWED_WAIT_SECONDS}s of the removal`);
  }
  ctx.record.event(
    'propagation',
    `propagation: ${it.deniedAfterSeconds === undefined ? 'denied calls not seen' : `denied ${it.deniedAfterSeconds}s after the attach (${it.deniedSeenBy})`}; ${it.allowedAfterSeconds === undefined ? 'allowed calls not seen' : `allowed ${it.allowedAfterSeconds}s after the removal (${it.allowedSeenBy})`}`,
    {
      deniedAfterSeconds: it.deniedAfterSeconds,
      allowedAfterSeconds: it.allowedAfterSeconds,
    },
    'info',
    it.index,
  );
}

/** Why nothing was seen: which witnesses the run had. */
function witnesses(ctx: RunContext, actions: readonly string[], trail: boolean): string {
  const during = ctx.spec.probes.filter((p) => p.mode === 'OnChaos' || p.mode === 'Continuous').length;
  const parts = [
    during === 0
      ? 'no OnChaos or Continuous probe watched the app'
      : `${during} probe(s) watching the app kept passing`,
    trail
      ? "CloudTrail's event history showed no refused call of the role yet (AWS delivers events within about 5 minutes)"
      : `CloudTrail's event history cannot show ${actions.join(', ')} (data events)`,
  ];
  return parts.join('; ');
}
