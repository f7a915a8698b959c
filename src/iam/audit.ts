/**
 * `audit`: the role mistakes of an ECS service, as findings with a severity and a fix. The rules
 * come from the ECS role knowledge of ../shared/DOMAIN.md section 1 and the seeds: the execution
 * role is for the agent (ECR pull, logs, the task definition's `secrets`), the task role for the
 * application; both must trust `ecs-tasks.amazonaws.com`; without a task role the application falls
 * back to the instance role on EC2 and finds no credentials on Fargate.
 *
 * What a role allows is decided by the policy evaluator ({@link evaluatePolicies},
 * {@link trustAllows}), not by matching policy text: an explicit Deny elsewhere in the role
 * removes an Allow, as in IAM. Conditions are evaluated against an empty request context, so an
 * Allow that depends on a condition counts as not allowed.
 *
 * {@link readAuditInput} reads (DescribeServices, DescribeTaskDefinition, the IAM role reads);
 * {@link auditService} is pure.
 */
import type { ContainerDefinition, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { parseArn, parseRoleArn } from '../aws/arn.js';
import type { CallOptions, EcsPort, IamPort } from '../aws/ports.js';
import { evaluatePolicies, type AuthorizationRequest, type PolicySource } from './evaluate.js';
import { ecsTasksTrust } from './ecs-trust.js';
import { collectRolePermissions, identityPolicySources, type RolePermissions } from './role-permissions.js';

/** Severities, most severe first. */
export const SEVERITIES = ['high', 'medium', 'low', 'info'] as const;

/** How bad a finding is. `high`: tasks fail to start, or the application gets far more than it should. */
export type Severity = (typeof SEVERITIES)[number];

/** The closed vocabulary of findings: code -> what it is about. */
export const FINDING_CODES = {
  'role.unreadable': 'a role of the task definition cannot be read',
  'role.not-trusted-by-ecs-tasks': 'a role does not trust ecs-tasks.amazonaws.com',
  'role.policy-unparsed': "a role's policy could not be parsed",
  'task-role.missing-ec2': 'no task role on EC2: the application falls back to the instance role',
  'task-role.missing-fargate': 'no task role on Fargate: the application finds no AWS credentials',
  'task-role.execution-only': 'the task role holds only ECR/logs permissions, meant for the execution role',
  'task-role.same-as-execution-role': 'the task role and the execution role are the same role',
  'execution-role.missing': 'no execution role, though the task needs one',
  'execution-role.application-permissions': 'the execution role allows actions the ECS agent never makes',
  'execution-role.resource-star': 'the execution role allows an action on every resource',
  'execution-role.secret-not-readable': 'the execution role cannot read a secret of the task definition',
  'execution-role.kms-decrypt': 'the execution role may not decrypt secrets under a customer managed KMS key',
} as const;

/** A finding code. */
export type FindingCode = keyof typeof FINDING_CODES;

/** One finding. */
export interface AuditFinding {
  readonly code: FindingCode;
  readonly severity: Severity;
  /** Which role it is about, when it is about one. */
  readonly role?: 'task' | 'execution';
  readonly roleArn?: string;
  /** What is wrong, concretely (names actions, resources, containers). */
  readonly what: string;
  /** Why it matters. */
  readonly why: string;
  /** What to do about it. */
  readonly fix: string;
}

/** A role of the task definition, as read: its permissions, or why they could not be read. */
export type RoleRead =
  | { readonly arn: string; readonly permissions: RolePermissions }
  | { readonly arn: string; readonly error: { readonly name: string; readonly message: string } };

/** Where the service's tasks run. */
export type LaunchKind = 'FARGATE' | 'EC2' | 'EXTERNAL' | 'unknown';

/** What {@link auditService} looks at. */
export interface AuditInput {
  readonly cluster: string;
  readonly service: string;
  readonly region: string;
  readonly launch: LaunchKind;
  readonly taskDefinition: TaskDefinition;
  /** Undefined when the task definition names no task role. */
  readonly taskRole: RoleRead | undefined;
  /** Undefined when the task definition names no execution role. */
  readonly executionRole: RoleRead | undefined;
}

/** The outcome of {@link auditService}. */
export interface AuditReport {
  readonly cluster: string;
  readonly service: string;
  readonly region: string;
  readonly launch: LaunchKind;
  readonly taskDefinitionArn: string;
  readonly taskRoleArn: string | null;
  readonly executionRoleArn: string | null;
  /** Most severe first. */
  readonly findings: readonly AuditFinding[];
  /** Findings per severity. */
  readonly counts: Readonly<Record<Severity, number>>;
  /** The most severe finding's severity, or null when there is none. */
  readonly highest: Severity | null;
}

/** The actions the ECS agent makes with the execution role. */
const EXECUTION_ACTIONS: readonly string[] = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchGetImage',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'logs:CreateLogGroup',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameters',
  'ssm:GetParameter',
  'kms:Decrypt',
];
const EXECUTION_ACTION_SET = new Set(EXECUTION_ACTIONS.map((a) => a.toLowerCase()));
/** Actions that only work on `Resource: "*"`. */
const STAR_ONLY = new Set(['ecr:getauthorizationtoken']);
/** Services whose actions the agent makes for pulling and logging. */
const PULL_AND_LOG_SERVICES = new Set(['ecr', 'logs']);

const ECS_TASKS = 'ecs-tasks.amazonaws.com';

function list<T>(value: readonly T[] | undefined): readonly T[] {
  return value ?? [];
}

/** One (action, resource) pair an Allow statement grants, kept when the role as a whole allows it. */
interface Grant {
  readonly action: string;
  readonly resource: string;
  /** The statement used NotAction: it allows everything but the listed actions. */
  readonly notAction: boolean;
}

/**
 * The (action, resource) pairs the role's Allow statements name, each kept when the evaluator
 * says the role allows it (an explicit Deny removes it). Patterns are checked as written:
 * `s3:Get*` on `arn:aws:s3:::b/*`.
 */
function grants(perms: RolePermissions): Grant[] {
  const policies = identityPolicySources(perms);
  const out: Grant[] = [];
  for (const policy of policies) {
    for (const statement of policy.document.statements) {
      if (statement.effect !== 'Allow') continue;
      const resources = statement.resource ?? ['*'];
      const actions = statement.action ?? ['*'];
      for (const action of actions) {
        for (const resource of resources) {
          // A NotAction statement allows everything else; probe it with an action it does not name.
          const probe = statement.notAction ? 'ecs-chaos-audit:AnyOtherAction' : action;
          const decision = evaluatePolicies({ policies, request: { action: probe, resource } }).decision;
          if (decision === 'Allow')
            out.push({ action: statement.notAction ? '*' : action, resource, notAction: !!statement.notAction });
        }
      }
    }
  }
  return out;
}

function allows(policies: readonly PolicySource[], request: AuthorizationRequest): boolean {
  return evaluatePolicies({ policies, request }).decision === 'Allow';
}

function serviceOf(action: string): string {
  return action.includes(':') ? action.slice(0, action.indexOf(':')).toLowerCase() : '*';
}

/** Whether an action pattern stands only for actions the agent makes with the execution role. */
function executionOnly(action: string): boolean {
  return EXECUTION_ACTION_SET.has(action.toLowerCase());
}

/** A `secrets` entry of the task definition, resolved to what the agent will read. */
interface SecretRef {
  readonly container: string;
  readonly name: string;
  readonly valueFrom: string;
  readonly kind: 'secretsmanager' | 'ssm';
  /** The resource the agent's call is authorized on. */
  readonly resource: string;
  readonly action: 'secretsmanager:GetSecretValue' | 'ssm:GetParameters';
}

/**
 * Resolves a `valueFrom`: a Secrets Manager ARN (possibly with `:json-key:version-stage:version-id`
 * after the secret's ARN), an SSM parameter ARN, or an SSM parameter name in the task's region and
 * account.
 */
function resolveSecret(
  container: string,
  name: string,
  valueFrom: string,
  where: { region: string; accountId: string; partition: string },
): SecretRef {
  const arn = parseArn(valueFrom);
  if (arn?.service === 'secretsmanager') {
    // arn:aws:secretsmanager:region:account:secret:name-AbCdEf[:json-key:stage:version]
    const secretArn = valueFrom.split(':').slice(0, 7).join(':');
    return {
      container,
      name,
      valueFrom,
      kind: 'secretsmanager',
      resource: secretArn,
      action: 'secretsmanager:GetSecretValue',
    };
  }
  if (arn?.service === 'ssm') {
    return { container, name, valueFrom, kind: 'ssm', resource: valueFrom, action: 'ssm:GetParameters' };
  }
  const path = valueFrom.startsWith('/') ? valueFrom : `/${valueFrom}`;
  return {
    container,
    name,
    valueFrom,
    kind: 'ssm',
    resource: `arn:${where.partition}:ssm:${where.region}:${where.accountId}:parameter${path}`,
    action: 'ssm:GetParameters',
  };
}

function secretsOf(
  containers: readonly ContainerDefinition[],
  where: { region: string; accountId: string; partition: string },
): SecretRef[] {
  const out: SecretRef[] = [];
  for (const c of containers) {
    const name = c.name ?? '?';
    for (const s of [...list(c.secrets), ...list(c.logConfiguration?.secretOptions)]) {
      if (s.valueFrom) out.push(resolveSecret(name, s.name ?? '?', s.valueFrom, where));
    }
    const registry = c.repositoryCredentials?.credentialsParameter;
    if (registry) out.push(resolveSecret(name, 'repositoryCredentials', registry, where));
  }
  return out;
}

function roleLabel(kind: 'task' | 'execution'): string {
  return kind === 'task' ? 'task role' : 'execution role';
}

function unreadable(kind: 'task' | 'execution', read: Extract<RoleRead, { error: unknown }>): AuditFinding {
  const missing = /NoSuchEntity/.test(read.error.name);
  return {
    code: 'role.unreadable',
    severity: missing ? 'high' : 'low',
    role: kind,
    roleArn: read.arn,
    what: `the ${roleLabel(kind)} ${read.arn} cannot be read: ${read.error.message} (${read.error.name})`,
    why: missing
      ? 'a role that does not exist cannot be assumed: new tasks fail to start'
      : 'the audit cannot check what the role allows',
    fix: missing
      ? `create the role or point the task definition at an existing one`
      : 'run the audit with iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy, iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion',
  };
}

function trustFindings(kind: 'task' | 'execution', perms: RolePermissions, input: AuditInput): AuditFinding[] {
  const base = { role: kind, roleArn: perms.roleArn } as const;
  if (!perms.trustPolicy) {
    return [
      {
        ...base,
        code: 'role.policy-unparsed',
        severity: 'low',
        what: `the trust policy of the ${roleLabel(kind)} ${perms.roleName} could not be parsed`,
        why: 'the audit cannot tell whether ECS tasks may assume the role',
        fix: 'check the trust policy in IAM',
      },
    ];
  }
  const accountId = parseRoleArn(perms.roleArn).ok ? (parseArn(perms.roleArn)?.accountId ?? '') : '';
  const partition = parseArn(perms.roleArn)?.partition ?? 'aws';
  // ECS passes the confused-deputy keys when it assumes the role; trust policies often require them.
  const verdict = ecsTasksTrust(perms.trustPolicy, {
    partition,
    region: input.region,
    accountId,
    cluster: input.cluster,
  });
  if (verdict.kind !== 'not-trusted') return [];
  return [
    {
      ...base,
      code: 'role.not-trusted-by-ecs-tasks',
      severity: 'high',
      what: `the ${roleLabel(kind)} ${perms.roleName} does not let ${ECS_TASKS} assume it (sts:AssumeRole)`,
      why:
        kind === 'task'
          ? 'ECS cannot give the role to the tasks: new tasks fail to start'
          : 'the agent cannot pull the image, write logs or read secrets: new tasks fail to start',
      fix: `add a trust statement {"Effect":"Allow","Principal":{"Service":"${ECS_TASKS}"},"Action":"sts:AssumeRole"} to the role`,
    },
  ];
}

function unparsedPolicies(kind: 'task' | 'execution', perms: RolePermissions): AuditFinding[] {
  return [...perms.inline, ...perms.managed]
    .filter((p) => p.document === undefined)
    .map((p) => ({
      code: 'role.policy-unparsed' as const,
      severity: 'low' as const,
      role: kind,
      roleArn: perms.roleArn,
      what: `policy ${p.id} of the ${roleLabel(kind)} ${perms.roleName} could not be parsed: ${p.parseError ?? 'unknown reason'}`,
      why: 'its statements are left out of the audit',
      fix: 'check the policy in IAM',
    }));
}

function executionRoleFindings(
  perms: RolePermissions,
  secrets: readonly SecretRef[],
  input: AuditInput,
): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const base = { role: 'execution' as const, roleArn: perms.roleArn };
  const allowed = grants(perms);

  // Application permissions: anything beyond ECR pull, logs and reading the secrets.
  const application = allowed.filter(
    (g) => !executionOnly(g.action) && !PULL_AND_LOG_SERVICES.has(serviceOf(g.action)),
  );
  if (application.length > 0) {
    const everything = application.some((g) => g.action === '*' || g.notAction);
    const actions = [...new Set(application.map((g) => g.action))];
    findings.push({
      ...base,
      code: 'execution-role.application-permissions',
      severity: everything ? 'high' : 'medium',
      what: `the execution role ${perms.roleName} allows ${everything ? 'every action (*, or NotAction)' : actions.join(', ')}`,
      why:
        'the execution role is used by the ECS agent to pull images, write logs and fetch secrets; the application never ' +
        'gets its credentials, so these permissions only widen what a compromise of the agent path or a misuse of the role can do',
      fix:
        'move application permissions to the task role; keep the execution role to AmazonECSTaskExecutionRolePolicy ' +
        "plus secretsmanager:GetSecretValue / ssm:GetParameters / kms:Decrypt on the task definition's secrets",
    });
  }
  // Wildcard ECR/logs actions beyond what the agent needs are broad too, but they stay in their lane.
  const broadPull = allowed.filter(
    (g) => PULL_AND_LOG_SERVICES.has(serviceOf(g.action)) && !executionOnly(g.action) && g.action !== '*',
  );
  if (broadPull.length > 0) {
    findings.push({
      ...base,
      code: 'execution-role.application-permissions',
      severity: 'low',
      what: `the execution role ${perms.roleName} allows ${[...new Set(broadPull.map((g) => g.action))].join(', ')}, more than pulling images and writing logs needs`,
      why: 'e.g. ecr:* lets the role push or delete images',
      fix: 'allow only ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, ecr:BatchGetImage, logs:CreateLogStream and logs:PutLogEvents',
    });
  }

  // Resource "*": on secrets it reads every secret; on ECR/logs it is common (the AWS managed policy) but wider than needed.
  const star = allowed.filter(
    (g) => g.resource === '*' && executionOnly(g.action) && !STAR_ONLY.has(g.action.toLowerCase()),
  );
  const starSecrets = star.filter((g) => ['secretsmanager', 'ssm', 'kms'].includes(serviceOf(g.action)));
  const starPull = star.filter((g) => PULL_AND_LOG_SERVICES.has(serviceOf(g.action)));
  if (starSecrets.length > 0) {
    findings.push({
      ...base,
      code: 'execution-role.resource-star',
      severity: 'medium',
      what: `the execution role ${perms.roleName} allows ${[...new Set(starSecrets.map((g) => g.action))].join(', ')} on Resource "*"`,
      why: 'every task definition using this role can inject any secret or parameter of the account',
      fix: "scope the statement to the ARNs of the task definition's secrets (and the KMS key that encrypts them)",
    });
  }
  if (starPull.length > 0) {
    findings.push({
      ...base,
      code: 'execution-role.resource-star',
      severity: 'low',
      what: `the execution role ${perms.roleName} allows ${[...new Set(starPull.map((g) => g.action))].join(', ')} on Resource "*"`,
      why: 'the role can pull any repository and write any log group of the account (as AmazonECSTaskExecutionRolePolicy does)',
      fix: 'scope ECR actions to the repository ARNs and logs actions to the log group ARNs; ecr:GetAuthorizationToken alone needs "*"',
    });
  }

  // Secrets the agent must read.
  const policies = identityPolicySources(perms);
  for (const secret of secrets) {
    if (allows(policies, { action: secret.action, resource: secret.resource })) continue;
    findings.push({
      ...base,
      code: 'execution-role.secret-not-readable',
      severity: 'high',
      what: `container ${secret.container} injects ${secret.name} from ${secret.valueFrom}, but the execution role ${perms.roleName} does not allow ${secret.action} on ${secret.resource}`,
      why: 'the agent fetches secrets before the containers start: new tasks fail to start (ResourceInitializationError)',
      fix: `allow ${secret.action} on ${secret.resource} in the execution role`,
    });
  }
  if (secrets.length > 0) {
    const accountId = parseArn(perms.roleArn)?.accountId ?? '';
    const partition = parseArn(perms.roleArn)?.partition ?? 'aws';
    const anyKey = `arn:${partition}:kms:${input.region}:${accountId}:key/ecs-chaos-audit`;
    if (!allows(policies, { action: 'kms:Decrypt', resource: anyKey })) {
      findings.push({
        ...base,
        code: 'execution-role.kms-decrypt',
        severity: 'low',
        what: `the task definition injects ${secrets.length} secret(s), and the execution role ${perms.roleName} does not allow kms:Decrypt`,
        why:
          'secrets encrypted with the AWS managed keys (aws/secretsmanager, aws/ssm) need no KMS permission, but a secret or ' +
          'SecureString parameter under a customer managed key cannot be decrypted: tasks would fail to start',
        fix: 'if a customer managed key encrypts them, allow kms:Decrypt on that key ARN in the execution role',
      });
    }
  }
  return findings;
}

function taskRoleFindings(perms: RolePermissions): AuditFinding[] {
  const allowed = grants(perms);
  if (allowed.length === 0) return [];
  const pullAndLogOnly = allowed.every((g) => PULL_AND_LOG_SERVICES.has(serviceOf(g.action)));
  if (!pullAndLogOnly) return [];
  return [
    {
      code: 'task-role.execution-only',
      severity: 'medium',
      role: 'task',
      roleArn: perms.roleArn,
      what: `the task role ${perms.roleName} allows only ECR and CloudWatch Logs actions (${[...new Set(allowed.map((g) => g.action))].join(', ')})`,
      why:
        'the agent pulls images and writes logs with the execution role, not the task role: these permissions were probably ' +
        'meant for the execution role, and the application gets them instead',
      fix: 'move them to the execution role (e.g. attach AmazonECSTaskExecutionRolePolicy there) and give the task role what the application calls',
    },
  ];
}

/** Whether the task's image, logs or secrets need an execution role (on Fargate the agent has no other identity). */
function needsExecutionRole(td: TaskDefinition, secrets: readonly SecretRef[]): string[] {
  const reasons: string[] = [];
  for (const c of list(td.containerDefinitions)) {
    if (c.image && /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/.test(c.image))
      reasons.push(`container ${c.name ?? '?'} pulls from ECR`);
    if (c.logConfiguration?.logDriver === 'awslogs') reasons.push(`container ${c.name ?? '?'} logs with awslogs`);
  }
  if (secrets.length > 0) reasons.push(`${secrets.length} secret(s) are injected`);
  return reasons;
}

/**
 * Audits the roles of a service's task definition. Pure: give it what {@link readAuditInput} read.
 *
 * @example
 * const report = auditService(await readAuditInput({ ecs: ports.ecs, iam: ports.iam }, { cluster: 'demo', service: 'orders', region: 'us-east-1' }));
 * if (report.highest === 'high') process.exitCode = 1;
 */
export function auditService(input: AuditInput): AuditReport {
  const td = input.taskDefinition;
  const findings: AuditFinding[] = [];
  const tdArn = parseArn(td.taskDefinitionArn ?? '');
  const where = {
    region: tdArn?.region || input.region,
    accountId: tdArn?.accountId ?? '',
    partition: tdArn?.partition ?? 'aws',
  };
  const secrets = secretsOf(list(td.containerDefinitions), where);

  // The task role.
  if (!input.taskRole) {
    if (input.launch === 'FARGATE') {
      findings.push({
        code: 'task-role.missing-fargate',
        severity: 'medium',
        role: 'task',
        what: `task definition ${td.family}:${td.revision} has no task role, and the service runs on Fargate`,
        why: 'code in the containers that calls AWS finds no credentials with the default credential chain',
        fix: 'if the application calls AWS, create a task role with what it calls and set taskRoleArn',
      });
    } else if (input.launch === 'EC2' || input.launch === 'EXTERNAL') {
      findings.push({
        code: 'task-role.missing-ec2',
        severity: 'high',
        role: 'task',
        what: `task definition ${td.family}:${td.revision} has no task role, and the service runs on ${input.launch} container instances`,
        why:
          "with the default credential chain the application silently falls back to the instance role: it gets the host's " +
          'permissions (ECS agent, ECR, whatever else the instance profile holds), shared by every task on the host',
        fix:
          'give the task definition a task role with what the application calls; block the instance metadata from tasks ' +
          '(ECS_AWSVPC_BLOCK_IMDS=true, or iptables for bridge mode)',
      });
    }
  } else if ('error' in input.taskRole) {
    findings.push(unreadable('task', input.taskRole));
  } else {
    findings.push(...trustFindings('task', input.taskRole.permissions, input));
    findings.push(...unparsedPolicies('task', input.taskRole.permissions));
    findings.push(...taskRoleFindings(input.taskRole.permissions));
  }

  // The execution role.
  if (!input.executionRole) {
    const reasons = needsExecutionRole(td, secrets);
    if (reasons.length > 0 && (input.launch === 'FARGATE' || secrets.length > 0)) {
      findings.push({
        code: 'execution-role.missing',
        severity: 'high',
        role: 'execution',
        what: `task definition ${td.family}:${td.revision} has no execution role, but ${reasons.join('; ')}`,
        why: 'the agent has no identity to pull the image, write the logs or fetch the secrets: new tasks fail to start',
        fix: 'create an execution role trusting ecs-tasks.amazonaws.com with AmazonECSTaskExecutionRolePolicy and set executionRoleArn',
      });
    }
  } else if ('error' in input.executionRole) {
    findings.push(unreadable('execution', input.executionRole));
  } else {
    const perms = input.executionRole.permissions;
    findings.push(...trustFindings('execution', perms, input));
    findings.push(...unparsedPolicies('execution', perms));
    findings.push(...executionRoleFindings(perms, secrets, input));
  }

  if (input.taskRole && input.executionRole && input.taskRole.arn === input.executionRole.arn) {
    const mixed = findings.some((f) => f.code === 'execution-role.application-permissions' && f.severity !== 'low');
    findings.push({
      code: 'task-role.same-as-execution-role',
      severity: mixed ? 'medium' : 'info',
      role: 'task',
      roleArn: input.taskRole.arn,
      what: `the task role and the execution role are the same role, ${input.taskRole.arn}`,
      why:
        "the agent's permissions (ECR, logs, secrets) and the application's are mixed: the application can read every secret " +
        'the task definition injects, and the agent holds the application permissions',
      fix: 'use two roles: an execution role for the agent and a task role for the application',
    });
  }

  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  findings.sort((a, b) => rank(a.severity) - rank(b.severity));
  const counts = Object.fromEntries(
    SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]),
  ) as Record<Severity, number>;
  return {
    cluster: input.cluster,
    service: input.service,
    region: input.region,
    launch: input.launch,
    taskDefinitionArn: td.taskDefinitionArn ?? '',
    taskRoleArn: input.taskRole?.arn ?? null,
    executionRoleArn: input.executionRole?.arn ?? null,
    findings,
    counts,
    highest: findings[0]?.severity ?? null,
  };
}

/** Where the service's tasks run: its launch type, else its capacity providers, else the task definition's compatibilities. */
export function launchKindOf(service: Service, td: TaskDefinition): LaunchKind {
  if (service.launchType === 'FARGATE' || service.launchType === 'EC2' || service.launchType === 'EXTERNAL')
    return service.launchType;
  const providers = list(service.capacityProviderStrategy).map((p) => p.capacityProvider ?? '');
  if (providers.length > 0) return providers.every((p) => p.startsWith('FARGATE')) ? 'FARGATE' : 'EC2';
  const compat = list(td.requiresCompatibilities);
  if (compat.length === 1 && (compat[0] === 'FARGATE' || compat[0] === 'EC2' || compat[0] === 'EXTERNAL'))
    return compat[0];
  return 'unknown';
}

/** Thrown by {@link readAuditInput} when the service cannot be found. */
export class ServiceNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceNotFoundError';
  }
}

async function readRole(iam: IamPort, arn: string, options: CallOptions): Promise<RoleRead> {
  const parsed = parseRoleArn(arn);
  if (!parsed.ok) return { arn, error: { name: 'InvalidRoleArn', message: parsed.reason } };
  try {
    return { arn, permissions: await collectRolePermissions(iam, parsed.arn.roleName, options) };
  } catch (err) {
    const error = err as Error;
    if (error?.name === 'AbortError') throw err;
    return { arn, error: { name: error?.name ?? 'Error', message: (error?.message ?? String(err)).split('\n')[0]! } };
  }
}

/**
 * Reads what {@link auditService} needs: the service (DescribeServices), its task definition
 * (DescribeTaskDefinition) and both roles' permissions. A role that cannot be read is returned
 * with the reason, not thrown. Throws {@link ServiceNotFoundError} when the service does not exist.
 */
export async function readAuditInput(
  ports: { readonly ecs: EcsPort; readonly iam: IamPort },
  target: { readonly cluster: string; readonly service: string; readonly region: string },
  options: CallOptions = {},
): Promise<AuditInput> {
  const out = await ports.ecs.describeServices({ cluster: target.cluster, services: [target.service] }, options);
  const service = out.services?.find((s) => s.status !== 'INACTIVE');
  if (!service?.taskDefinition) {
    const reason = out.failures?.[0]?.reason ?? (service ? 'INACTIVE' : 'MISSING');
    throw new ServiceNotFoundError(`service ${target.service} of cluster ${target.cluster} not found (${reason})`);
  }
  const td = (await ports.ecs.describeTaskDefinition({ taskDefinition: service.taskDefinition }, options))
    .taskDefinition!;
  const taskRole = td.taskRoleArn ? await readRole(ports.iam, td.taskRoleArn, options) : undefined;
  const executionRole = td.executionRoleArn
    ? td.executionRoleArn === td.taskRoleArn && taskRole
      ? taskRole
      : await readRole(ports.iam, td.executionRoleArn, options)
    : undefined;
  return {
    cluster: target.cluster,
    service: target.service,
    region: target.region,
    launch: launchKindOf(service, td),
    taskDefinition: td,
    taskRole,
    executionRole,
  };
}
