/**
 * What ECS does for a task with its execution role, read from the task definition: pull images
 * from private ECR, deliver awslogs logs, fetch `secrets` (and repository credentials) from Secrets
 * Manager or SSM Parameter Store. Each need is an IAM request the role's policies must allow.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { authorize, type PolicySource } from '../../iam/evaluate.js';
import type { RolePermissions } from '../../iam/role-permissions.js';

/** One thing ECS does with the execution role, as the IAM requests it makes. */
export interface ExecutionNeed {
  /** `image pull 123456789012.dkr.ecr...` / `awslogs to group g` / `secret S of app`. */
  readonly what: string;
  readonly kind: 'image pull' | 'log delivery' | 'secrets';
  readonly requests: ReadonlyArray<{ readonly action: string; readonly resource: string }>;
  /** A KMS key ECS may also need (kms:Decrypt), which the task definition does not name. */
  readonly kmsUnknown?: boolean;
}

export interface Where {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

const PRIVATE_ECR = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/;

/** The request a `secrets` valueFrom makes: an ARN of Secrets Manager or SSM, or a parameter name. */
function secretRequest(valueFrom: string, where: Where): { action: string; resource: string } {
  if (valueFrom.startsWith('arn:')) {
    const parts = valueFrom.split(':');
    if (parts[2] === 'secretsmanager')
      return { action: 'secretsmanager:GetSecretValue', resource: parts.slice(0, 7).join(':') };
    return { action: 'ssm:GetParameters', resource: valueFrom };
  }
  const name = valueFrom.startsWith('/') ? valueFrom.slice(1) : valueFrom;
  return {
    action: 'ssm:GetParameters',
    resource: `arn:${where.partition}:ssm:${where.region}:${where.accountId}:parameter/${name}`,
  };
}

/** What the task definition asks of its execution role. */
export function executionNeeds(td: TaskDefinition, where: Where): ExecutionNeed[] {
  const needs: ExecutionNeed[] = [];
  for (const c of td.containerDefinitions ?? []) {
    const ecr = PRIVATE_ECR.exec(c.image ?? '');
    if (ecr) {
      const [, account, region, repo] = ecr;
      needs.push({
        what: `image pull of ${c.name} (${c.image})`,
        kind: 'image pull',
        requests: [
          { action: 'ecr:GetAuthorizationToken', resource: '*' },
          {
            action: 'ecr:BatchGetImage',
            resource: `arn:${where.partition}:ecr:${region}:${account}:repository/${repo}`,
          },
          {
            action: 'ecr:GetDownloadUrlForLayer',
            resource: `arn:${where.partition}:ecr:${region}:${account}:repository/${repo}`,
          },
        ],
      });
    }
    if (c.repositoryCredentials?.credentialsParameter) {
      needs.push({
        what: `private registry credentials of ${c.name}`,
        kind: 'image pull',
        requests: [secretRequest(c.repositoryCredentials.credentialsParameter, where)],
        kmsUnknown: true,
      });
    }
    const log = c.logConfiguration;
    if (log?.logDriver === 'awslogs') {
      const group = log.options?.['awslogs-group'] ?? '*';
      const region = log.options?.['awslogs-region'] ?? where.region;
      const groupArn = `arn:${where.partition}:logs:${region}:${where.accountId}:log-group:${group}`;
      needs.push({
        what: `awslogs of ${c.name} to ${group}`,
        kind: 'log delivery',
        requests: [
          ...(log.options?.['awslogs-create-group'] === 'true'
            ? [{ action: 'logs:CreateLogGroup', resource: `${groupArn}:*` }]
            : []),
          { action: 'logs:CreateLogStream', resource: `${groupArn}:log-stream:*` },
          { action: 'logs:PutLogEvents', resource: `${groupArn}:log-stream:*` },
        ],
      });
    }
    for (const s of [...(c.secrets ?? []), ...(log?.secretOptions ?? [])]) {
      if (!s.valueFrom) continue;
      needs.push({
        what: `secret ${s.name} of ${c.name}`,
        kind: 'secrets',
        requests: [secretRequest(s.valueFrom, where)],
        kmsUnknown: true,
      });
    }
  }
  return needs;
}

/** The policies IAM judges a role's requests by. */
function sources(role: RolePermissions): { identity: PolicySource[]; boundary: PolicySource | undefined } {
  const identity = [...role.inline, ...role.managed]
    .filter((p) => p.document !== undefined)
    .map((p) => ({ id: p.id, document: p.document! }));
  const b = role.boundary;
  return { identity, boundary: b?.document ? { id: b.id, document: b.document } : undefined };
}

/** The requests of `need` the role's policies do not allow (all of them when there is no role). */
export function deniedRequests(need: ExecutionNeed, role: RolePermissions | null): string[] {
  if (role === null) return need.requests.map((r) => r.action);
  const { identity, boundary } = sources(role);
  return need.requests
    .filter(
      (request) =>
        authorize({ identityPolicies: identity, ...(boundary ? { permissionBoundary: boundary } : {}), request })
          .decision !== 'Allow',
    )
    .map((r) => `${r.action} on ${r.resource}`);
}
