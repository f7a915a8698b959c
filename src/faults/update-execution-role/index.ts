/**
 * update-execution-role: the chaos revision runs under another task execution role (EXECUTION_ROLE),
 * or none. The execution role is what ECS itself uses for the task: image pull from private ECR,
 * awslogs log delivery, `secrets` from Secrets Manager / SSM Parameter Store (+ KMS). Preflight
 * predicts which of these will fail from the task definition and the two roles' policies.
 */
import type { GetRoleCommandOutput } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../../aws/arn.js';
import { awsErrorName, settle, unsettle, type Settled } from '../../aws/settled.js';
import type { ExperimentSpec } from '../../config/spec.js';
import { collectRolePermissions, type RolePermissions } from '../../iam/role-permissions.js';
import { runsOnFargate } from '../containers.js';
import type { FaultCheckContext, TaskDefinitionFault } from '../types.js';
import { checkChaosRole } from '../update-task-role/check-role.js';
import { deniedRequests, executionNeeds, type ExecutionNeed } from './needs.js';

interface Reads {
  readonly role: Settled<GetRoleCommandOutput> | undefined;
  readonly permissions: Settled<RolePermissions> | undefined;
}

const LABEL = { field: 'EXECUTION_ROLE', flags: '--execution-role / EXECUTION_ROLE', kind: 'execution role' };

/** The chaos execution role: EXECUTION_ROLE, which the loader requires for this fault (null: remove it). */
const chaosRole = (spec: ExperimentSpec): string | null => spec.faultParams?.executionRoleArn ?? null;
const shown = (arn: string | null | undefined): string => arn ?? '(none)';

/** How a need's failure shows, as ECS reports it. */
const SYMPTOM: Record<ExecutionNeed['kind'], string> = {
  'image pull': 'the task stops with CannotPullContainerError',
  'log delivery': 'the task fails to start (ResourceInitializationError: the awslogs driver cannot create its stream)',
  secrets: 'the task fails to start (ResourceInitializationError: unable to pull secrets or registry auth)',
};

/** The permissions of a role, or why they could not be read. */
async function permissionsOf(
  settled: Settled<RolePermissions> | undefined,
): Promise<RolePermissions | { unreadable: string }> {
  if (settled === undefined) return { unreadable: 'not a role ARN' };
  try {
    return await unsettle(settled);
  } catch (error) {
    return { unreadable: awsErrorName(error) };
  }
}

/** Without an execution role: what ECS rejects at registration, and what fails or falls back. */
function checkRemoval(ctx: FaultCheckContext, needs: readonly ExecutionNeed[]): void {
  const fargate = runsOnFargate(ctx.original, ctx.service);
  const secrets = needs.filter((n) => n.kind === 'secrets');
  if (secrets.length > 0)
    ctx.fail(
      'ECS accepts the chaos revision',
      `${secrets.map((n) => n.what).join(', ')}: ECS rejects a task definition with secrets and no executionRoleArn. Fix: pass a chaos EXECUTION_ROLE that lacks the secrets' permissions instead of removing the role`,
    );
  const logs = needs.filter((n) => n.kind === 'log delivery');
  if (fargate && logs.length > 0)
    ctx.fail(
      'ECS accepts the chaos revision',
      `${logs.map((n) => n.what).join(', ')}: on Fargate, ECS rejects a task definition using the awslogs driver without an executionRoleArn. Fix: pass a chaos EXECUTION_ROLE without the logs permissions instead of removing the role`,
    );
  ctx.record('ECS accepts the chaos revision', 'pass', 'no secrets, and no awslogs on Fargate');
  const pulls = needs.filter((n) => n.kind === 'image pull');
  if (fargate)
    ctx.record(
      'predicted effect',
      pulls.length > 0 ? 'pass' : 'warn',
      pulls.length > 0
        ? `Fargate has no instance role to fall back on: ${pulls.map((n) => n.what).join(', ')} will fail (${SYMPTOM['image pull']})`
        : 'nothing in the task definition needs the execution role (public images, no awslogs, no secrets): the fault may show no effect',
    );
  else
    ctx.record(
      'predicted effect',
      'warn',
      'on EC2, without an execution role the container agent pulls ECR images and delivers awslogs with the container instance role: these fail only if that role lacks them (not read by ecs-chaos)',
    );
}

export const updateExecutionRole: TaskDefinitionFault<Reads> = {
  name: 'update-execution-role',
  kind: 'task-definition',
  effectPhrase: 'the execution role was swapped',
  changedFields: [/^executionRoleArn$/],
  expectsLaunchFailure: /CannotPullContainerError|ResourceInitializationError/,

  startReads(spec, deps) {
    const arn = chaosRole(spec);
    const parsed = arn === null ? undefined : parseRoleArn(arn);
    if (parsed?.ok !== true) return { role: undefined, permissions: undefined };
    const call = { abortSignal: deps.signal };
    return {
      role: settle(deps.iam.getRole({ RoleName: parsed.arn.roleName }, call)),
      permissions: settle(collectRolePermissions(deps.iam, parsed.arn.roleName, call)),
    };
  },

  async check(ctx, reads) {
    const { spec, original } = ctx;
    const before = original.executionRoleArn ?? null;
    const chaos = chaosRole(spec);
    const name = 'the fault changes something';
    if (before === null && chaos === null)
      ctx.fail(
        name,
        `${original.taskDefinitionArn} has no execution role and EXECUTION_ROLE is empty: removing it is a no-op. Fix: set --execution-role / EXECUTION_ROLE to the chaos execution role's ARN`,
      );
    if (before !== null && before === chaos)
      ctx.fail(
        name,
        `EXECUTION_ROLE is the service's own execution role (${before}): the swap would change nothing. Fix: pass a different chaos role, or leave EXECUTION_ROLE empty to remove the role`,
      );
    ctx.record(name, 'pass', this.describe(original, spec));
    const needs = executionNeeds(original, ctx.where);
    if (chaos === null) return checkRemoval(ctx, needs);
    await checkChaosRole(chaos, ctx.where, reads.role, ctx.record, ctx.fail, LABEL);
    const perms = await permissionsOf(reads.permissions);
    if ('unreadable' in perms) {
      ctx.record(
        'predicted effect',
        'warn',
        `cannot read the chaos role's policies (${perms.unreadable}): not predicted`,
      );
      return;
    }
    const failing = needs
      .map((need) => ({ need, denied: deniedRequests(need, perms) }))
      .filter((n) => n.denied.length > 0);
    const kms = needs.some((n) => n.kmsUnknown)
      ? '; a secret under a customer managed KMS key also needs kms:Decrypt on it, not predicted'
      : '';
    if (needs.length === 0)
      ctx.record(
        'predicted effect',
        'warn',
        `nothing in the task definition needs the execution role: the fault may show no effect`,
      );
    else if (failing.length === 0)
      ctx.record(
        'predicted effect',
        'warn',
        `${chaos} allows all ${needs.length} thing(s) ECS does with the execution role: the fault may show no effect${kms}`,
      );
    else
      ctx.record(
        'predicted effect',
        'pass',
        `${failing.map((f) => `${f.need.what}: ${f.denied.join(', ')} not allowed, so ${SYMPTOM[f.need.kind]}`).join('; ')}${kms}`,
      );
  },

  plannedReads(spec) {
    const arn = chaosRole(spec);
    return arn
      ? [
          { operation: 'GetRole', detail: `${arn} (trust policy)` },
          {
            operation: 'ListRolePolicies/GetRolePolicy/ListAttachedRolePolicies/GetPolicyVersion',
            detail: `${arn} (what ECS may do with it)`,
          },
        ]
      : [];
  },

  apply(copy, spec) {
    const out = { ...copy };
    const arn = chaosRole(spec);
    if (arn === null) delete out.executionRoleArn;
    else out.executionRoleArn = arn;
    return out;
  },

  describe(original, spec) {
    return `execution role ${shown(original.executionRoleArn)} -> ${chaosRole(spec) ?? '(removed)'}`;
  },

  describeChaos(spec) {
    const arn = chaosRole(spec);
    return arn === null ? 'no execution role (removed)' : `execution role ${arn}`;
  },

  verifyRegistered(chaos, spec) {
    return (chaos.executionRoleArn ?? null) === chaosRole(spec)
      ? undefined
      : `the chaos revision's execution role is ${chaos.executionRoleArn ?? 'absent'}, expected ${chaosRole(spec) ?? 'absent'}`;
  },

  identity(original, spec) {
    return { kind: 'execution role', original: original.executionRoleArn ?? null, chaos: chaosRole(spec) };
  },

  describeCarried(candidate, original) {
    return `execution role ${candidate.executionRoleArn ?? 'none'} (original: ${original.executionRoleArn ?? 'none'})`;
  },

  takeOut(copy, original) {
    const out = { ...copy };
    if (original.executionRoleArn) out.executionRoleArn = original.executionRoleArn;
    else delete out.executionRoleArn;
    return out;
  },

  carries(candidate, original, chaos) {
    const role = chaos.executionRoleArn ?? null;
    return role !== (original.executionRoleArn ?? null) && (candidate.executionRoleArn ?? null) === role;
  },
};
