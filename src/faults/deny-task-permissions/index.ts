/**
 * deny-task-permissions: an explicit Deny on the task role the service's tasks run with now, for
 * the chaos window, with no new revision and no redeploy. The Deny names DENY_ACTIONS (or every
 * action) on DENY_RESOURCES and carries `DateLessThan aws:CurrentTime <planned end>`, so it stops
 * applying by itself even if nothing ever removes it; its name (`ecs-chaos-deny-...`) and a role
 * tag are the recovery markers `status` and `recover` read.
 */
import { parseRoleArn } from '../../aws/arn.js';
import type { EcsPort, IamPort } from '../../aws/ports.js';
import { settle } from '../../aws/settled.js';
import { ChaosError } from '../../errors.js';
import type { DenyRecord } from '../../report/result.js';
import type { EpisodeFault } from '../types.js';
import { checkActions, checkRole, checkSharing, denied, targetRole } from './checks.js';
import { denyIteration } from './episode.js';
import { denyLeftovers } from './leftovers.js';
import { readRoleState, roleDifferences, type RoleState } from './role-state.js';
import { ecsUsersOfRole } from './users.js';

/** Nothing is read before the service is known (the role is its revision's): the clients, for `check`. */
interface Reads {
  readonly iam: IamPort;
  readonly ecs?: EcsPort;
  readonly signal: AbortSignal;
}

/** What the fault keeps between preflight, its iterations and its end, per experiment. */
interface RunState {
  before: RoleState;
  sharedWith: string[];
}

/** The role's state before the first change, by experiment id (the first iteration reads it). */
const runs = new Map<string, RunState>();
/** Preflight's findings, by spec (the run starts from the same spec object). */
const preflightFindings = new WeakMap<object, { sharedWith: string[] }>();

const actionsText = (actions: readonly string[]): string =>
  actions.includes('*') ? 'every action' : actions.join(', ');

export const denyTaskPermissions: EpisodeFault<Reads> = {
  name: 'deny-task-permissions',
  kind: 'episode',
  effectPhrase: 'the Deny was in place on the task role',
  reportWords: { reached: 'the running tasks were reached', restored: "the role's policies are as before" },
  leftovers: denyLeftovers,

  startReads(_spec, deps) {
    return { iam: deps.iam, ...(deps.ecs ? { ecs: deps.ecs } : {}), signal: deps.signal };
  },

  async check(ctx, reads) {
    const role = targetRole(ctx);
    await checkActions(ctx);
    const call = { abortSignal: reads.signal };
    const [state, users] = await Promise.all([
      settle(readRoleState(reads.iam, role.name, call)),
      reads.ecs
        ? settle(ecsUsersOfRole(reads.ecs, role.arn, { cluster: ctx.spec.cluster, service: ctx.spec.service }, call))
        : Promise.resolve({ ok: false as const, error: new Error('no ECS client') }),
    ]);
    const roleState = checkRole(ctx, state.ok ? state.value : { error: state.error });
    const sharedWith = checkSharing(ctx, roleState, users.ok ? users.value : { error: users.error });
    preflightFindings.set(ctx.spec, { sharedWith });
  },

  plannedReads(spec) {
    return [
      {
        operation: 'GetRole, ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies',
        detail: "the service's task role: its policies, tags and trust",
      },
      {
        operation: 'ListClusters, ListServices, DescribeServices, ListTasks, DescribeTasks, DescribeTaskDefinition',
        detail: `every service and standalone task of ${spec.region} that runs with the same task role`,
      },
    ];
  },

  predictExposure(service) {
    const n = service.runningCount ?? service.desiredCount ?? 0;
    return {
      mode: 'rolling',
      chaosTasks: n,
      ofTasks: n,
      share: n > 0 ? 1 : 0,
      note: `the Deny reaches every task running with the task role (${n} of ${service.serviceName}'s tasks now), with no new revision and no task replaced`,
    };
  },

  async iteration(ctx, state, holdSeconds, signal) {
    const id = ctx.record.result.experimentId;
    const roleArn = ctx.pf.original.taskRoleArn;
    const parsed = roleArn ? parseRoleArn(roleArn) : undefined;
    if (!roleArn || !parsed?.ok)
      throw new ChaosError('PREFLIGHT', 'the service has no task role to put a Deny on', { fault: 'user' });
    let run = runs.get(id);
    if (!run) {
      const before = await readRoleState(ctx.deps.iam, parsed.arn.roleName, { abortSignal: signal });
      run = { before, sharedWith: preflightFindings.get(ctx.spec)?.sharedWith ?? [] };
      runs.set(id, run);
      const { actions, resources } = denied(ctx.spec);
      ctx.record.result.deny = {
        roleArn,
        actions,
        resources,
        sharedWith: run.sharedWith,
        iterations: [],
      } satisfies DenyRecord;
    }
    await denyIteration(ctx, state, holdSeconds, signal, {
      roleArn,
      roleName: parsed.arn.roleName,
      before: run.before,
    });
  },

  async verifyEnd(ctx, end) {
    const deny = ctx.record.result.deny;
    const run = runs.get(ctx.record.result.experimentId);
    runs.delete(ctx.record.result.experimentId);
    const effect = ctx.record.result.effect;
    if (!deny || !run) {
      // Nothing was changed.
      effect.restored = ctx.record.result.mutations.length === 0;
      return;
    }
    let after: RoleState;
    try {
      after = await readRoleState(ctx.deps.iam, run.before.roleName, { abortSignal: end.signal });
    } catch (error) {
      effect.restored = false;
      effect.notes.push(
        `the task role could not be read at the end (${(error as Error).message}): its policies not checked`,
      );
      end.items.push({
        kind: 'deny-policy',
        resource: deny.roleArn,
        detail: `the task role could not be read at the end: a Deny policy may be left on it. Fix: run '${'ecs-chaos status'}' and 'ecs-chaos recover' for this service`,
      });
      return;
    }
    const differences = roleDifferences(run.before, after);
    deny.roleUnchanged = differences.length === 0;
    deny.roleDifferences = differences;
    const ours = differences.filter((line) => /ecs-chaos/.test(line));
    effect.restored = ours.length === 0;
    for (const line of ours)
      end.items.push({
        kind: 'deny-policy',
        resource: deny.roleArn,
        detail: `${line} on ${run.before.roleName}. Fix: ecs-chaos recover removes it`,
      });
    // Someone else's change to the role during the run: theirs, reported, never undone.
    for (const line of differences.filter((l) => !/ecs-chaos/.test(l)))
      ctx.record.conflict(`the task role ${run.before.roleName} changed during the run, not by ecs-chaos: ${line}`);
    // The service itself is not the fault's to change: its revision must be the one preflight saw.
    if (end.service && end.service.taskDefinition !== ctx.pf.original.taskDefinitionArn)
      effect.notes.push(
        `the service now runs ${end.service.taskDefinition}, not ${ctx.pf.original.taskDefinitionArn}: someone deployed during the run`,
      );
  },

  passReason(ctx) {
    const deny = ctx.record.result.deny;
    if (!deny) return 'nothing was denied';
    const role = deny.roleArn.slice(deny.roleArn.lastIndexOf('/') + 1);
    const it = deny.iterations;
    const seen = (v: number | undefined, what: string): string =>
      v === undefined ? `${what} not measured` : `${what} after ${v} s`;
    const first = it[0];
    const propagation = first
      ? `; ${seen(first.deniedAfterSeconds, 'denied calls seen')}, ${seen(first.allowedAfterSeconds, 'allowed again')}${it.length > 1 ? ' (iteration 1)' : ''}`
      : '';
    return `${actionsText(deny.actions)} denied to ${role} for ${it.length} window(s), no revision deployed${propagation}; the role's policies are as before`;
  },

  plannedCalls(spec, pf, label, holdSeconds) {
    const role = pf.original.taskRoleArn ?? '(no task role)';
    const { actions, resources } = denied(spec);
    return [
      {
        operation: 'TagRole',
        detail: `${label} ${role}: the recovery marker ecs-chaos:deny:<experiment id>`,
        mutating: true,
      },
      {
        operation: 'PutRolePolicy',
        detail: `${label} ${role}: ecs-chaos-deny-<experiment id>-n, Deny ${actionsText(actions)} on ${resources.join(', ')} until the planned end (aws:CurrentTime); CreatePolicy + AttachRolePolicy instead when the role's inline policies are full`,
        mutating: true,
      },
      {
        operation: '(hold)',
        detail: `${label} ${holdSeconds}s: the running tasks' calls are denied once IAM propagated the change`,
        mutating: false,
      },
      {
        operation: 'DeleteRolePolicy',
        detail: `${label} ${role}: the Deny (DetachRolePolicy + DeletePolicy for a managed one)`,
        mutating: true,
      },
      { operation: 'UntagRole', detail: `${label} ${role}: the recovery marker`, mutating: true },
    ];
  },
};
