/**
 * The chaos role's checks: it exists in the service's account (by its full ARN, path included) and
 * trusts ECS tasks, judged with the keys ECS supplies (aws:SourceAccount, aws:SourceArn).
 */
import type { GetRoleCommandOutput } from '@aws-sdk/client-iam';
import { parseRoleArn } from '../../aws/arn.js';
import { awsErrorName, unsettle, type Settled } from '../../aws/settled.js';
import { ecsTasksTrust, type EcsTrustContext } from '../../iam/ecs-trust.js';
import { parsePolicyDocument } from '../../iam/policy.js';
import type { FaultCheckStatus } from '../types.js';

/** How messages name the role checked: its field, its flag and env var, and what it is. */
export interface RoleLabel {
  readonly field: string;
  readonly flags: string;
  readonly kind: string;
}

const TASK_ROLE_LABEL: RoleLabel = { field: 'TASK_ROLE', flags: '--task-role / TASK_ROLE', kind: 'task role' };

export async function checkChaosRole(
  roleArn: string,
  where: EcsTrustContext,
  roleCall: Settled<GetRoleCommandOutput> | undefined,
  record: (name: string, status: Exclude<FaultCheckStatus, 'fail'>, detail: string) => unknown,
  fail: (name: string, detail: string) => never,
  label: RoleLabel = TASK_ROLE_LABEL,
): Promise<void> {
  const { field, flags, kind } = label;
  const parsed = parseRoleArn(roleArn);
  if (!parsed.ok || roleCall === undefined) {
    return fail(
      'chaos role exists',
      `${field} '${roleArn}' is not a role ARN: ${parsed.ok ? 'unknown' : parsed.reason}`,
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
      fail('chaos role exists', `the role ${roleArn} does not exist. Fix: create it, or correct ${flags}`);
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
      `${field} is ${roleArn}, but the role named ${roleName} in this account is ${found}${parsed.arn.accountId !== where.accountId ? ` (the service is in account ${where.accountId}: ECS tasks can only use a role of their own account)` : ' (another path)'}. Fix: pass the role's exact ARN, in the service's account`,
    );
  }
  if (parsed.arn.accountId !== where.accountId && where.accountId !== '') {
    fail(
      'chaos role exists',
      `${field} ${roleArn} is in account ${parsed.arn.accountId}, the service in ${where.accountId}: ECS tasks can only use a ${kind} of their own account. Fix: create the chaos role in account ${where.accountId}`,
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
