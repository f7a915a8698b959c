/**
 * IAM's answer for a role session that AWS itself uses on a customer's behalf (ECS with a task
 * execution role, the EC2 agent with its instance role): the identity policies, permissions
 * boundary and session of the role decide, as for any caller.
 */
import type { RoleAuthorizer } from '../ecs/execution.js';
import type { IamStore } from '../iam/store.js';
import { accessDeniedMessage, callerPolicies, decide, requestConditionKeys } from './authorize.js';

/** Decides a role session's calls with the policy evaluator; a role that does not exist is denied. */
export function roleAuthorizer(iam: IamStore, accountId: string, now: () => number): RoleAuthorizer {
  return (roleArn, sessionName, action, resource) => {
    const role = iam.getRoleByArn(roleArn);
    const principalArn = `arn:aws:sts::${accountId}:assumed-role/${roleArn.slice(roleArn.lastIndexOf('/') + 1)}/${sessionName}`;
    if (!role) return accessDeniedMessage(principalArn, { action, resource }, { decision: 'ImplicitDeny' });
    const principal = {
      type: 'AssumedRole' as const,
      arn: `arn:aws:sts::${accountId}:assumed-role/${role.roleName}/${sessionName}`,
      accountId,
      userId: `${role.roleId}:${sessionName}`,
      roleArn: role.arn,
      sessionName,
    };
    const [service = '', operation = ''] = action.split(':');
    const context = requestConditionKeys(iam, {
      requestId: 'ecs-agent',
      service,
      action: operation,
      region: resource.split(':')[3] || 'us-east-1',
      principal,
      accessKeyId: 'ASIAECSAGENT',
      now: new Date(now()),
      sourceIp: '10.0.0.10',
      userAgent: 'ecs-agent',
    });
    const result = decide(callerPolicies(iam, principal), { action, resource, context: context as never });
    return result.decision === 'Allow' ? undefined : accessDeniedMessage(principal.arn, { action, resource }, result);
  };
}
