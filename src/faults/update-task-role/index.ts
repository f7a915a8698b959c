/**
 * update-task-role: the chaos revision runs under another task role (TASK_ROLE), or none.
 */
import type { GetRoleCommandOutput } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../../aws/arn.js';
import { settle, type Settled } from '../../aws/settled.js';
import type { ExperimentSpec } from '../../config/spec.js';
import type { TaskDefinitionFault } from '../types.js';
import { withTaskRole } from './chaos-task-definition.js';
import { carriesChaosChange, describeChaosChange } from './carries-change.js';
import { checkChaosRole } from './check-role.js';

/** The chaos role's GetRole, started with preflight's first reads (none when the role is removed). */
interface Reads {
  readonly role: Settled<GetRoleCommandOutput> | undefined;
}

const role = (arn: string | null | undefined): string => arn ?? '(none)';
/** The chaos task role: TASK_ROLE, which the loader requires for this fault (null: remove it). */
const chaosRole = (spec: ExperimentSpec): string | null => spec.taskRoleArn ?? null;

export const updateTaskRole: TaskDefinitionFault<Reads> = {
  name: 'update-task-role',
  kind: 'task-definition',
  effectPhrase: 'the task role was swapped',
  changedFields: [/^taskRoleArn$/],

  startReads(spec, deps) {
    const chaos = chaosRole(spec);
    const parsed = chaos === null ? undefined : parseRoleArn(chaos);
    return {
      role:
        parsed?.ok === true
          ? settle(deps.iam.getRole({ RoleName: parsed.arn.roleName }, { abortSignal: deps.signal }))
          : undefined,
    };
  },

  async check(ctx, reads) {
    const { spec, original } = ctx;
    const originalRole = original.taskRoleArn ?? null;
    const name = 'the fault changes something';
    if (originalRole === null && spec.taskRoleArn === null) {
      ctx.fail(
        name,
        `${original.taskDefinitionArn} has no task role and TASK_ROLE is empty: removing a task role that is not there is a no-op. Fix: set --task-role / TASK_ROLE to the chaos role's ARN`,
      );
    }
    if (originalRole !== null && originalRole === spec.taskRoleArn) {
      ctx.fail(
        name,
        `TASK_ROLE is the service's own task role (${originalRole}): the swap would change nothing. Fix: pass a different chaos role, or leave TASK_ROLE empty to remove the role`,
      );
    }
    ctx.record(name, 'pass', this.describe(original, spec));
    const chaos = chaosRole(spec);
    if (chaos !== null) {
      await checkChaosRole(chaos, ctx.where, reads.role, ctx.record, ctx.fail);
    }
  },

  plannedReads(spec) {
    return spec.taskRoleArn ? [{ operation: 'GetRole', detail: `${spec.taskRoleArn} (trust policy)` }] : [];
  },

  apply(copy, spec) {
    return withTaskRole(copy, chaosRole(spec));
  },

  describe(original, spec) {
    return `task role ${role(original.taskRoleArn)} -> ${spec.taskRoleArn ?? '(removed)'}`;
  },

  describeChaos(spec) {
    return spec.taskRoleArn === null ? 'no task role (removed)' : `task role ${spec.taskRoleArn}`;
  },

  verifyRegistered(chaos, spec) {
    return (chaos.taskRoleArn ?? null) === spec.taskRoleArn
      ? undefined
      : `the chaos revision's task role is ${chaos.taskRoleArn ?? 'absent'}, expected ${spec.taskRoleArn ?? 'absent'}`;
  },

  identity(original, spec) {
    return { kind: 'task role', original: original.taskRoleArn ?? null, chaos: chaosRole(spec) };
  },

  carries(candidate, original, chaos) {
    return carriesChaosChange(original, chaos, candidate);
  },

  describeCarried(candidate, original) {
    return describeChaosChange(original, candidate);
  },

  takeOut(copy, original) {
    return withTaskRole(copy, original.taskRoleArn ? original.taskRoleArn : null);
  },
};
