/**
 * Preflight's IAM check of the runner's own permissions (by simulation). The chaos role's checks are
 * the fault's (faults/update-task-role/check-role.ts).
 */
import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import {
  policySourceArn,
  requiredPermissions,
  type RequiredPermission,
  type RunnerPolicyScope,
} from '../iam/runner-policy.js';
import type { CheckStatus, PreflightCheck, PreflightDeps } from './preflight.js';
import { awsErrorName, settle, unsettle, type Settled } from './settled.js';
/**
 * Checks every permission the run needs with iam:SimulatePrincipalPolicy on the caller's own
 * principal. A caller that may not simulate gets a warning and goes on, as the check is advice.
 */
export async function checkRunnerPermissions(
  scope: RunnerPolicyScope,
  deps: PreflightDeps & { callerCall: Settled<GetCallerIdentityCommandOutput> },
  record: (name: string, status: CheckStatus, detail: string) => PreflightCheck,
  fail: (name: string, detail: string) => never,
): Promise<void> {
  const name = 'runner permissions';
  const call = deps.signal ? { abortSignal: deps.signal } : {};
  let caller: string | undefined;
  try {
    caller = (await unsettle(deps.callerCall)).Arn;
  } catch (error) {
    record(name, 'warn', `GetCallerIdentity failed (${awsErrorName(error)}): permissions not checked`);
    return;
  }
  if (!caller) return;
  const permissions = requiredPermissions({ ...scope, runnerArn: caller });
  const groups = new Map<string, RequiredPermission[]>();
  for (const p of permissions) {
    const key = `${p.resource} ${JSON.stringify(p.condition ?? {})}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  // One simulation per resource, all at once: the check costs one round trip.
  const outcomes = await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0]!;
      const context = Object.values(first.condition ?? {}).flatMap((byKey) =>
        Object.entries(byKey).map(([key, value]) => ({
          ContextKeyName: key,
          ContextKeyValues: [value],
          ContextKeyType: 'string' as const,
        })),
      );
      return settle(
        deps.iam.simulatePrincipalPolicy(
          {
            PolicySourceArn: policySourceArn(caller),
            ActionNames: group.map((p) => p.action),
            ResourceArns: [first.resource],
            ...(context.length > 0 ? { ContextEntries: context } : {}),
          },
          call,
        ),
      ).then((outcome) => ({ resource: first.resource, outcome }));
    }),
  );
  const missing: string[] = [];
  const optionalMissing: RequiredPermission[] = [];
  const byAction = new Map(permissions.map((p) => [`${p.action} ${p.resource}`, p]));
  for (const { resource, outcome } of outcomes) {
    if (!outcome.ok) {
      record(
        name,
        'warn',
        `cannot simulate ${policySourceArn(caller)}'s permissions (${awsErrorName(outcome.error)}: the runner may lack iam:SimulatePrincipalPolicy); going on unchecked`,
      );
      return;
    }
    for (const r of outcome.value.EvaluationResults ?? []) {
      if (r.EvalDecision === 'allowed') continue;
      const permission = byAction.get(`${r.EvalActionName} ${resource}`);
      if (permission?.optional) optionalMissing.push(permission);
      else missing.push(`${r.EvalActionName} on ${resource} (${r.EvalDecision})`);
    }
  }
  if (missing.length > 0) {
    fail(
      name,
      `${policySourceArn(caller)} may not: ${missing.join('; ')}. Fix: grant them ('ecs-chaos policy --cluster ${scope.cluster ?? 'C'} --service ${scope.service ?? 'S'} --task-role ...' prints the whole least-privilege policy)`,
    );
  }
  if (optionalMissing.length > 0) {
    record(
      'optional permissions',
      'warn',
      `${policySourceArn(caller)} may not ${optionalMissing.map((p) => p.action).join(', ')}: going on without ${optionalMissing.map((p) => p.optional).join(', ')}`,
    );
  }
  record(
    name,
    'pass',
    `${permissions.length - optionalMissing.length} permissions of ${policySourceArn(caller)} checked by simulation`,
  );
}
