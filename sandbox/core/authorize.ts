/**
 * Authorization of the sandbox's AWS calls, as AWS authorizes them: each operation maps to its IAM
 * action and the resource ARN(s) the service authorization reference names for it, and the
 * caller's policies decide with the policy evaluator: the identity policies of the user (or of the
 * role, for an STS session), bounded by the session policies of a session and by a permissions
 * boundary when one is set. An explicit Deny anywhere wins. Refusals carry AWS's wording.
 */
import {
  authorize,
  globalConditionKeys,
  type AuthorizationReason,
  type ConditionContext,
  type Decision,
  type MatchedStatement,
  type PolicySource,
} from '../../src/iam/evaluate.js';
import type { EcsStore } from '../ecs/store.js';
import type { IamStore } from '../iam/store.js';
import { AwsError } from './errors.js';
import type { Principal } from './identity.js';
import type { QueryParams } from './query.js';
import type { AuthorizeCall, Authorizer } from './server.js';
import type { RequestContext } from './service.js';

/** Whether the sandbox authorizes calls (`enforce`, as AWS) or lets every known caller call anything (`off`). */
export type AuthorizationMode = 'enforce' | 'off';

/** One permission a call needs: an action on a resource, with the condition keys of the request. */
export interface RequiredPermission {
  /** `service:Operation`, e.g. `ecs:UpdateService` or `iam:PassRole`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Condition keys the service adds for this permission (`ecs:cluster`, `iam:PassedToService`...). */
  readonly context?: ConditionContext;
}

/** Where a refusal came from, which words AWS's message. */
export type DenialSource = 'identity' | 'session' | 'boundary';

/** The outcome of {@link decide}. */
export interface AuthorizationDecision {
  readonly decision: Decision;
  /** For a refusal: the kind of policy that denied (explicitly) or failed to allow. */
  readonly deniedBy?: DenialSource;
  /** The statements that applied, from every policy consulted. */
  readonly matchedStatements: readonly MatchedStatement[];
}

/** The policies that decide for a caller. */
export interface CallerPolicies {
  /** The identity policies: the user's, or the role's for a session. */
  readonly identity: readonly PolicySource[];
  /** The session policies of an STS session that passed any; undefined when none (no bound). */
  readonly session?: readonly PolicySource[];
  /** The permissions boundary, when one is set. */
  readonly boundary?: PolicySource;
}

/**
 * The policies of a caller, from the IAM store; with `atMs`, a role session's identity policies as
 * a call at that time sees them (a role policy change reaches them after IAM's propagation delay).
 */
export function callerPolicies(iam: IamStore, principal: Principal, atMs?: number): CallerPolicies {
  const identity = atMs === undefined ? iam.effectivePolicies(principal) : iam.propagatedPolicies(principal, atMs);
  const hasSession =
    principal.type === 'AssumedRole' &&
    (principal.sessionPolicy !== undefined || (principal.sessionPolicyArns?.length ?? 0) > 0);
  const boundary = iam.permissionsBoundary(principal);
  return {
    identity,
    ...(hasSession && { session: iam.sessionPolicies(principal) }),
    ...(boundary && { boundary }),
  };
}

/** The kind of policy behind each refusal reason of the evaluator's {@link authorize}. */
const DENIED_BY: Readonly<Record<AuthorizationReason, DenialSource | undefined>> = {
  Allowed: undefined,
  ExplicitDenyInIdentityPolicy: 'identity',
  ExplicitDenyInPermissionBoundary: 'boundary',
  ExplicitDenyInSessionPolicy: 'session',
  NoAllowInIdentityPolicies: 'identity',
  NoAllowInPermissionBoundary: 'boundary',
  NoAllowInSessionPolicies: 'session',
};

/**
 * IAM's decision for one request over a caller's policies (the evaluator's {@link authorize}): an
 * explicit Deny in any of them denies; otherwise the identity policies must allow, and so must the
 * permissions boundary and the session policies when present.
 */
export function decide(
  policies: CallerPolicies,
  request: { readonly action: string; readonly resource: string; readonly context: ConditionContext },
): AuthorizationDecision {
  const result = authorize({
    identityPolicies: policies.identity,
    ...(policies.boundary && { permissionBoundary: policies.boundary }),
    ...(policies.session && { sessionPolicies: policies.session }),
    request,
  });
  const deniedBy = DENIED_BY[result.reason];
  return { decision: result.decision, ...(deniedBy && { deniedBy }), matchedStatements: result.matchedStatements };
}

const POLICY_KIND_WORDS: Readonly<Record<DenialSource, readonly [string, string]>> = {
  identity: ['an identity-based policy', 'no identity-based policy'],
  session: ['a session policy', 'no session policy'],
  boundary: ['a permissions boundary', 'no permissions boundary'],
};

/**
 * AWS's AccessDenied message: `User: ARN is not authorized to perform: ACTION on resource: ARN
 * because no identity-based policy allows the ACTION action` (or `with an explicit deny in ...`).
 */
export function accessDeniedMessage(
  callerArn: string,
  permission: Pick<RequiredPermission, 'action' | 'resource'>,
  decision: Pick<AuthorizationDecision, 'decision' | 'deniedBy'>,
): string {
  const head = `User: ${callerArn} is not authorized to perform: ${permission.action} on resource: ${permission.resource}`;
  const [some, none] = POLICY_KIND_WORDS[decision.deniedBy ?? 'identity'];
  return decision.decision === 'ExplicitDeny'
    ? `${head} with an explicit deny in ${some}`
    : `${head} because ${none} allows the ${permission.action} action`;
}

/** The access denied error of a protocol: `AccessDeniedException` (400) for JSON, `AccessDenied` (403) for query. */
export function accessDenied(protocol: 'json' | 'query', message: string): AwsError {
  return protocol === 'json'
    ? new AwsError('AccessDeniedException', message, 400)
    : new AwsError('AccessDenied', message, 403);
}

/**
 * The condition keys of a request: the global keys of the caller and the request, and
 * `aws:PrincipalTag/KEY` for a session's role tags.
 */
export function requestConditionKeys(iam: IamStore, ctx: RequestContext): Record<string, unknown> {
  const caller = ctx.principal;
  const keys: Record<string, unknown> = globalConditionKeys({
    ...(caller && { caller }),
    now: ctx.now,
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    region: ctx.region,
  });
  const role = caller?.roleArn === undefined ? undefined : iam.getRoleByArn(caller.roleArn);
  for (const tag of role?.tags ?? []) keys[`aws:PrincipalTag/${tag.key}`] = tag.value;
  return keys;
}

// ---- the permissions each operation needs ----

type Input = Readonly<Record<string, unknown>>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** ECS ARNs of a region, resolved from the names or ARNs a request carries. */
class EcsArns {
  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  arn(resource: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:${resource}`;
  }

  /** The cluster ARN of a request's `cluster` (name or ARN; `default` when absent). */
  cluster(ref: unknown): string {
    const value = text(ref) ?? 'default';
    return value.startsWith('arn:') ? value : this.arn(`cluster/${value}`);
  }

  clusterName(ref: unknown): string {
    const arn = this.cluster(ref);
    return arn.slice(arn.indexOf(':cluster/') + ':cluster/'.length);
  }

  service(clusterRef: unknown, ref: unknown): string {
    const value = text(ref) ?? '';
    return value.startsWith('arn:') ? value : this.arn(`service/${this.clusterName(clusterRef)}/${value}`);
  }

  task(clusterRef: unknown, ref: unknown): string {
    const value = text(ref) ?? '';
    return value.startsWith('arn:') ? value : this.arn(`task/${this.clusterName(clusterRef)}/${value}`);
  }

  containerInstance(clusterRef: unknown, ref: unknown): string {
    const value = text(ref) ?? '';
    return value.startsWith('arn:') ? value : this.arn(`container-instance/${this.clusterName(clusterRef)}/${value}`);
  }
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The roles RegisterTaskDefinition passes to ECS tasks: each needs `iam:PassRole`. */
function passRoles(input: Input): RequiredPermission[] {
  const roles = [text(input.taskRoleArn), text(input.executionRoleArn)].filter((r): r is string => r !== undefined);
  return [...new Set(roles)].map((resource) => ({
    action: 'iam:PassRole',
    resource,
    context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
  }));
}

/** The keys of a request that writes tags: `aws:RequestTag/KEY` per tag and `aws:TagKeys`. */
function requestTagKeys(tags: unknown): Record<string, string | string[]> {
  const entries = (Array.isArray(tags) ? tags : []) as Array<{ key?: unknown; value?: unknown }>;
  if (entries.length === 0) return {};
  const keys: Record<string, string | string[]> = { 'aws:TagKeys': entries.map((t) => String(t.key)) };
  for (const t of entries) keys[`aws:RequestTag/${String(t.key)}`] = typeof t.value === 'string' ? t.value : '';
  return keys;
}

/**
 * Tags given to a create call: ECS authorizes them as `ecs:TagResource` on the new resource, with
 * `ecs:CreateAction` naming the create action (the service authorization reference's tag-on-create).
 */
function tagOnCreate(resource: string, action: string, tags: unknown): RequiredPermission[] {
  if (!Array.isArray(tags) || tags.length === 0) return [];
  return [{ action: 'ecs:TagResource', resource, context: { 'ecs:CreateAction': action, ...requestTagKeys(tags) } }];
}

/**
 * The permissions an ECS operation needs, per AWS's service authorization reference: cluster,
 * service, task and container instance ARNs where ECS supports resource-level permissions, `*`
 * where it does not, and `ecs:cluster` as a condition key.
 */
export function ecsPermissions(
  action: string,
  input: Input,
  where: { readonly region: string; readonly accountId: string; readonly ecs?: EcsStore },
): RequiredPermission[] {
  const arns = new EcsArns(where.region, where.accountId);
  const iamAction = `ecs:${action}`;
  const clusterKey = { 'ecs:cluster': arns.cluster(input.cluster) };
  const one = (resource: string, context?: ConditionContext): RequiredPermission[] => [
    { action: iamAction, resource, ...(context && { context }) },
  ];
  const each = (resources: string[], context?: ConditionContext): RequiredPermission[] =>
    (resources.length > 0 ? resources : ['*']).map((resource) => ({
      action: iamAction,
      resource,
      ...(context && { context }),
    }));
  switch (action) {
    case 'CreateCluster':
      return one(arns.arn(`cluster/${text(input.clusterName) ?? 'default'}`));
    case 'DescribeClusters': {
      const refs = list(input.clusters);
      return each((refs.length > 0 ? refs : ['default']).map((ref) => arns.cluster(ref)));
    }
    case 'ListContainerInstances':
      return one(arns.cluster(input.cluster));
    case 'RegisterTaskDefinition': {
      // ECS now supports the task-definition resource here (the new revision's ARN).
      const family = text(input.family) ?? '';
      const revision = where.ecs?.region(where.region).nextRevision(family) ?? 1;
      const arn = arns.arn(`task-definition/${family}:${revision}`);
      return [...one(arn, requestTagKeys(input.tags)), ...tagOnCreate(arn, action, input.tags), ...passRoles(input)];
    }
    case 'CreateService':
    case 'UpdateService':
    case 'DeleteService': {
      const arn = arns.service(input.cluster, action === 'CreateService' ? input.serviceName : input.service);
      return [
        ...one(arn, {
          ...clusterKey,
          ...(text(input.taskDefinition) !== undefined && { 'ecs:task-definition': text(input.taskDefinition) }),
          ...(action === 'CreateService' && requestTagKeys(input.tags)),
        }),
        ...(action === 'CreateService' ? tagOnCreate(arn, action, input.tags) : []),
      ];
    }
    case 'DescribeServices':
      return each(
        list(input.services).map((ref) => arns.service(input.cluster, ref)),
        clusterKey,
      );
    case 'DescribeTasks':
      return each(
        list(input.tasks).map((ref) => arns.task(input.cluster, ref)),
        clusterKey,
      );
    case 'StopTask':
      return one(arns.task(input.cluster, input.task), clusterKey);
    case 'DescribeContainerInstances':
      return each(
        list(input.containerInstances).map((ref) => arns.containerInstance(input.cluster, ref)),
        clusterKey,
      );
    case 'ListServices':
    case 'ListTasks':
      // No resource-level permissions: scoped by the `ecs:cluster` condition key.
      return one('*', clusterKey);
    case 'TagResource':
      return one(text(input.resourceArn) ?? '*', requestTagKeys(input.tags));
    case 'UntagResource':
      return one(text(input.resourceArn) ?? '*', { 'aws:TagKeys': list(input.tagKeys) });
    case 'ListTagsForResource':
      return one(text(input.resourceArn) ?? '*');
    default:
      // ListClusters, DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions,
      // ListTaskDefinitionFamilies: no resource-level permissions.
      return one('*');
  }
}

/** IAM operations on a role, user or managed policy, by the parameter naming it. */
const IAM_ROLE_ACTIONS = new Set([
  'CreateRole',
  'GetRole',
  'DeleteRole',
  'UpdateRole',
  'UpdateAssumeRolePolicy',
  'PutRolePolicy',
  'GetRolePolicy',
  'ListRolePolicies',
  'DeleteRolePolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'ListAttachedRolePolicies',
  'TagRole',
  'UntagRole',
  'ListRoleTags',
  'PutRolePermissionsBoundary',
]);
const IAM_USER_ACTIONS = new Set([
  'CreateUser',
  'GetUser',
  'DeleteUser',
  'CreateAccessKey',
  'DeleteAccessKey',
  'PutUserPolicy',
  'GetUserPolicy',
  'ListUserPolicies',
  'DeleteUserPolicy',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'ListAttachedUserPolicies',
  'PutUserPermissionsBoundary',
]);

/**
 * The permission an IAM operation needs: the action on the role, user or policy it names (its
 * existing ARN, or the ARN it will have), `*` for the List operations across the account.
 */
export function iamPermissions(
  action: string,
  params: QueryParams,
  where: { readonly iam: IamStore; readonly caller: Principal | undefined },
): RequiredPermission[] {
  const { iam } = where;
  const account = iam.accountId;
  const iamAction = `iam:${action}`;
  const path = params.get('Path') ?? '/';
  let resource = '*';
  const context: Record<string, string> = {};
  if (IAM_ROLE_ACTIONS.has(action)) {
    const name = params.get('RoleName') ?? '';
    resource = iam.getRole(name)?.arn ?? `arn:aws:iam::${account}:role${path}${name}`;
  } else if (IAM_USER_ACTIONS.has(action)) {
    const name = params.get('UserName');
    if (name === undefined && where.caller?.type === 'User') resource = where.caller.arn;
    else resource = iam.getUser(name ?? '')?.arn ?? `arn:aws:iam::${account}:user${path}${name ?? ''}`;
  } else if (action === 'CreatePolicy') {
    resource = `arn:aws:iam::${account}:policy${path}${params.get('PolicyName') ?? ''}`;
  } else if (action === 'GetPolicy' || action === 'GetPolicyVersion' || action === 'DeletePolicy') {
    resource = params.get('PolicyArn') ?? '*';
  } else if (action === 'SimulatePrincipalPolicy') {
    resource = params.get('PolicySourceArn') ?? '*';
  }
  const policyArn = params.get('PolicyArn');
  if (policyArn !== undefined && /^(Attach|Detach)/.test(action)) context['iam:PolicyARN'] = policyArn;
  const boundary = params.get('PermissionsBoundary');
  if (boundary !== undefined) context['iam:PermissionsBoundary'] = boundary;
  return [{ action: iamAction, resource, ...(Object.keys(context).length > 0 && { context }) }];
}

/**
 * The permissions a CloudWatch operation needs: `cloudwatch:ACTION` on the alarms it names
 * (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`) for the alarm operations, on `*` for the metric
 * operations (no resource-level permissions), PutMetricData with the `cloudwatch:namespace` key.
 */
export function cloudwatchPermissions(
  action: string,
  input: Input,
  where: { readonly region: string; readonly accountId: string },
): RequiredPermission[] {
  const iamAction = `cloudwatch:${action}`;
  const alarm = (name: string): string => `arn:aws:cloudwatch:${where.region}:${where.accountId}:alarm:${name}`;
  const each = (names: string[]): RequiredPermission[] =>
    (names.length > 0 ? names.map(alarm) : [alarm('*')]).map((resource) => ({ action: iamAction, resource }));
  switch (action) {
    case 'PutMetricAlarm':
    case 'SetAlarmState':
      return [{ action: iamAction, resource: alarm(text(input.AlarmName) ?? '') }];
    case 'DescribeAlarms':
    case 'DeleteAlarms':
      return each(list(input.AlarmNames));
    case 'PutMetricData': {
      const ns = text(input.Namespace);
      return [
        { action: iamAction, resource: '*', ...(ns !== undefined && { context: { 'cloudwatch:namespace': ns } }) },
      ];
    }
    default:
      // GetMetricData, GetMetricStatistics, ListMetrics.
      return [{ action: iamAction, resource: '*' }];
  }
}

/** Options of {@link createAuthorizer}. */
export interface AuthorizerOptions {
  readonly iam: IamStore;
  readonly ecs?: EcsStore;
  /** @default 'enforce' */
  readonly mode?: AuthorizationMode;
}

/**
 * The server's authorizer: refuses a call whose caller may not perform every permission it needs,
 * with AWS's AccessDenied wording. Unsigned calls (AssumeRoleWithWebIdentity) and
 * GetCallerIdentity are not authorized, as in AWS; AssumeRole needs the caller's own
 * `sts:AssumeRole` permission unless the role's trust policy names the caller itself.
 *
 * @example createFront({ ..., authorize: createAuthorizer({ iam, ecs }) })
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const { iam } = options;
  if ((options.mode ?? 'enforce') === 'off') return () => undefined;
  return (call: AuthorizeCall) => {
    const { ctx } = call;
    const caller = ctx.principal;
    if (!caller) return;
    const base = requestConditionKeys(iam, ctx) as ConditionContext;
    const policies = callerPolicies(iam, caller);
    const check = (permission: RequiredPermission, protocol: 'json' | 'query'): void => {
      const result = decide(policies, {
        action: permission.action,
        resource: permission.resource,
        context: { ...base, ...permission.context },
      });
      if (result.decision !== 'Allow') {
        throw accessDenied(protocol, accessDeniedMessage(caller.arn, permission, result));
      }
    };
    if (call.protocol === 'json') {
      if (ctx.service === 'cloudtrail') {
        // LookupEvents has no resource-level permissions.
        check({ action: `cloudtrail:${ctx.action}`, resource: '*' }, 'json');
        return;
      }
      if (ctx.service === 'monitoring') {
        const where = { region: ctx.region, accountId: iam.accountId };
        for (const permission of cloudwatchPermissions(ctx.action, call.input, where)) check(permission, 'json');
        return;
      }
      if (ctx.service !== 'ecs') return;
      const needed = ecsPermissions(ctx.action, call.input, {
        region: ctx.region,
        accountId: iam.accountId,
        ...(options.ecs && { ecs: options.ecs }),
      });
      for (const permission of needed) check(permission, 'json');
      return;
    }
    if (ctx.service === 'elasticloadbalancing') {
      // The Describe* actions of Elastic Load Balancing support no resource-level permissions.
      check({ action: `elasticloadbalancing:${ctx.action}`, resource: '*' }, 'query');
      return;
    }
    if (ctx.service === 'iam') {
      for (const permission of iamPermissions(ctx.action, call.params, { iam, caller })) check(permission, 'query');
      return;
    }
    if (ctx.service === 'sts' && ctx.action === 'AssumeRole') {
      authorizeAssumeRole(iam, caller, call.params, base, policies);
    }
  };
}

/**
 * AssumeRole within the account: the trust policy is the handler's to check; the caller also needs
 * an identity policy allowing `sts:AssumeRole` on the role unless the trust policy names the
 * caller's own ARN (a trust naming the account root delegates to the account's identity policies).
 * An explicit Deny in the caller's policies refuses either way.
 */
function authorizeAssumeRole(
  iam: IamStore,
  caller: Principal,
  params: QueryParams,
  base: ConditionContext,
  policies: CallerPolicies,
): void {
  const roleArn = params.get('RoleArn');
  if (roleArn === undefined) return;
  const role = iam.getRoleByArn(roleArn);
  // A missing role is refused by the handler with the same AccessDenied, after validation.
  if (!role) return;
  const externalId = params.get('ExternalId');
  const context: ConditionContext = {
    ...base,
    'sts:RoleSessionName': params.get('RoleSessionName'),
    ...(externalId !== undefined && { 'sts:ExternalId': externalId }),
  };
  const permission = { action: 'sts:AssumeRole', resource: role.arn };
  const result = decide(policies, { ...permission, context });
  if (result.decision === 'Allow') return;
  const namesCaller = iam.roleTrusts(role, {
    action: 'sts:AssumeRole',
    // No account identity: only a statement naming the caller's ARN (or its role's) matches.
    principal: {
      kind: 'AWS',
      arn: caller.arn,
      accountId: 'none',
      ...(caller.roleArn !== undefined && { roleArn: caller.roleArn }),
    },
    context,
  });
  if (result.decision === 'ImplicitDeny' && result.deniedBy === 'identity' && namesCaller) return;
  throw accessDenied('query', accessDeniedMessage(caller.arn, permission, result));
}
