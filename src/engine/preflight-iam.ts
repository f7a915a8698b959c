/**
 * Preflight's IAM checks: the runner's own permissions (by simulation) and the chaos role (exists in
 * the service's account, trusted by ECS tasks with the keys ECS supplies).
 */
import type { GetRoleCommandOutput } from '@aws-sdk/client-iam';
import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { parseRoleArn } from '../aws/arn.js';
import { ecsTasksTrust, type EcsTrustContext } from '../iam/ecs-trust.js';
import { parsePolicyDocument } from '../iam/policy.js';
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

export async function checkChaosRole(
  roleArn: string,
  where: EcsTrustContext,
  roleCall: Settled<GetRoleCommandOutput> | undefined,
  record: (name: string, status: CheckStatus, detail: string) => PreflightCheck,
  fail: (name: string, detail: string) => never,
): Promise<void> {
  const parsed = parseRoleArn(roleArn);
  if (!parsed.ok || roleCall === undefined) {
    return fail(
      'chaos role exists',
      `TASK_ROLE '${roleArn}' is not a role ARN: ${parsed.ok ? 'unknown' : parsed.reason}`,
    );
  }
  const roleName = parsed.arn.roleName;
  let document: string | undefined;
  try {
    const role = await unsettle(roleCall);
    document = role.Role?.AssumeRolePolicyDocument;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NoSuchEntityException') {
      fail(
        'chaos role exists',
        `the role ${roleArn} does not exist. Fix: create it, or correct --task-role / TASK_ROLE`,
      );
    }
    if (/AccessDenied/.test(name)) {
      record(
        'chaos role exists',
        'warn',
        `cannot read the role (${name}: the runner lacks iam:GetRole); its trust policy is not checked`,
      );
      return;
    }
    throw error;
  }
  // GetRole looks the role up by name in the runner's account: check the ARN it answers, path and
  // account included, is the one the task definition will name.
  const found = (await unsettle(roleCall)).Role?.Arn;
  if (found !== undefined && found !== roleArn) {
    fail(
      'chaos role exists',
      `TASK_ROLE is ${roleArn}, but the role named ${roleName} in this account is ${found}${parsed.arn.accountId !== where.accountId ? ` (the service is in account ${where.accountId}: ECS tasks can only use a role of their own account)` : ' (another path)'}. Fix: pass the role's exact ARN, in the service's account`,
    );
  }
  if (parsed.arn.accountId !== where.accountId && where.accountId !== '') {
    fail(
      'chaos role exists',
      `TASK_ROLE ${roleArn} is in account ${parsed.arn.accountId}, the service in ${where.accountId}: ECS tasks can only use a task role of their own account. Fix: create the chaos role in account ${where.accountId}`,
    );
  }
  record('chaos role exists', 'pass', roleArn);
  const text = document === undefined ? '' : safeDecode(document);
  const parsedDoc = parsePolicyDocument(text, 'trust');
  // Judged with the keys ECS supplies (aws:SourceAccount, aws:SourceArn), as AWS recommends trust
  // policies to require them; a condition on another key is a warning, not a refusal.
  const verdict = parsedDoc.ok ? ecsTasksTrust(parsedDoc.document, where) : { kind: 'not-trusted' as const };
  if (verdict.kind === 'not-trusted') {
    fail(
      'chaos role trusts ECS tasks',
      `the trust policy of ${roleArn} does not let ecs-tasks.amazonaws.com assume it (with aws:SourceAccount ${where.accountId} and aws:SourceArn a task of ${where.cluster}, as ECS supplies them): new tasks would never start. Fix: add a statement allowing 'sts:AssumeRole' for the service principal 'ecs-tasks.amazonaws.com' (check with 'aws iam get-role --role-name ${roleName}')`,
    );
  }
  if (verdict.kind === 'conditional') {
    record(
      'chaos role trusts ECS tasks',
      'warn',
      `ecs-tasks.amazonaws.com may assume it only under conditions on ${verdict.keys.join(', ')}, which ECS's context may not satisfy: if the chaos tasks fail to start, the run reports it and restores the service`,
    );
    return;
  }
  record(
    'chaos role trusts ECS tasks',
    'pass',
    'ecs-tasks.amazonaws.com may assume it (judged with the aws:SourceAccount and aws:SourceArn ECS supplies)',
  );
}

/** IAM answers trust policies URL-encoded. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
