/**
 * Whether a revision someone else registered carries this fault's change. A routine deploy often
 * clones the service's current task definition: during the chaos window that is the chaos revision,
 * so the new revision keeps the chaos task role, and deploying it makes the chaos permanent. Such a
 * revision is residue, although ecs-chaos never registered it.
 *
 * Pure: each fault supplies its own predicate over (original, chaos, candidate) and the repair that
 * takes its change out of the candidate while keeping everything else the candidate changed.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';

/** The task role of a revision, with "absent" and "empty" as one value. */
function roleOf(td: Pick<TaskDefinition, 'taskRoleArn'>): string | undefined {
  return td.taskRoleArn ? td.taskRoleArn : undefined;
}

/**
 * True when `candidate` carries the chaos change of `chaos` over `original`: for update-task-role,
 * its task role is the chaos revision's, and that role differs from the original's (a removed role
 * counts: no role on the candidate, a role on the original).
 *
 * @example carriesChaosChange(orders1, orders2, orders3) // orders:3 cloned from orders:2 with a new image: true
 */
export function carriesChaosChange(
  original: Pick<TaskDefinition, 'taskRoleArn'>,
  chaos: Pick<TaskDefinition, 'taskRoleArn'>,
  candidate: Pick<TaskDefinition, 'taskRoleArn'>,
): boolean {
  const chaosRole = roleOf(chaos);
  return chaosRole !== roleOf(original) && roleOf(candidate) === chaosRole;
}

/** One line naming the chaos change a candidate carries, e.g. `task role orders-chaos-role (original: orders-task-role)`. */
export function describeChaosChange(
  original: Pick<TaskDefinition, 'taskRoleArn'>,
  candidate: Pick<TaskDefinition, 'taskRoleArn'>,
): string {
  const name = (arn: string | undefined): string => (arn ? arn : 'none');
  return `task role ${name(roleOf(candidate))} (original: ${name(roleOf(original))})`;
}
