/**
 * The IAM query service: reads each operation's parameters, calls the {@link IamStore}, and shapes
 * the answer as IAM does (policy documents URL-encoded, lists as `<member>`, Marker pagination).
 */
import { statementApplies, type ConditionContext, type PolicySource } from '../../src/iam/evaluate.js';
import { callerPolicies, decide, type CallerPolicies } from '../core/authorize.js';
import { AwsError } from '../core/errors.js';
import type { KeyStore, Principal } from '../core/identity.js';
import type { QueryParams } from '../core/query.js';
import type { QueryHandler, QueryService, RequestContext } from '../core/service.js';
import type { XmlValue } from '../core/xml.js';
import {
  Constraints,
  type IamStore,
  type ManagedPolicy,
  type PolicyScope,
  type Role,
  type Tag,
  type User,
} from './store.js';

/** IAM answers policy documents URL-encoded; the SDK hands them over as they come. */
function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}

function tagsXml(tags: readonly Tag[]): XmlValue {
  return tags.length === 0 ? undefined : tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
}

/** A role as CreateRole, GetRole and ListRoles answer it. */
function roleXml(role: Role): XmlValue {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodeDocument(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    Tags: tagsXml(role.tags),
  };
}

function userXml(user: User): XmlValue {
  return { Path: user.path, UserName: user.userName, UserId: user.userId, Arn: user.arn, CreateDate: user.createDate };
}

const SCOPES: readonly PolicyScope[] = ['All', 'AWS', 'Local'];

/** The `Marker` IAM hands back is opaque; here it is the offset of the next item. */
function encodeMarker(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeMarker(marker: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
    const offset = (value as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the error below.
  }
  throw new AwsError('ValidationError', 'Invalid Marker.');
}

/** One page of a list, by the request's `Marker` and `MaxItems` (default 100, at most 1000). */
function paginate<T>(items: readonly T[], params: QueryParams): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const maxItems = params.int('MaxItems');
  new Constraints().range('maxItems', maxItems, { min: 1, max: 1000 }).check();
  const marker = params.get('Marker');
  const start = marker === undefined ? 0 : decodeMarker(marker);
  const end = start + (maxItems ?? 100);
  const page = items.slice(start, end);
  return end < items.length ? { page, IsTruncated: true, Marker: encodeMarker(end) } : { page, IsTruncated: false };
}

function tagsParam(params: QueryParams): Tag[] {
  return params
    .structs('Tags', ['Key', 'Value'] as const)
    .map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' }));
}

function boolParam(params: QueryParams, name: string): boolean | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new AwsError('ValidationError', `Value '${value}' at '${name}' is not a boolean`);
}

/** The types of SimulatePrincipalPolicy's context entries whose values are lists. */
const LIST_CONTEXT_TYPES = new Set(['stringList', 'numericList', 'booleanList', 'ipList', 'binaryList', 'dateList']);
const CONTEXT_TYPES = new Set(['string', 'numeric', 'boolean', 'ip', 'binary', 'date', ...LIST_CONTEXT_TYPES]);

/** SimulatePrincipalPolicy's `ContextEntries.member.N`: key -> value or values. */
function contextEntries(params: QueryParams): ConditionContext {
  const context: Record<string, string | string[]> = {};
  for (let i = 1; ; i++) {
    const prefix = `ContextEntries.member.${i}`;
    const name = params.get(`${prefix}.ContextKeyName`);
    if (name === undefined) return context;
    const type = params.get(`${prefix}.ContextKeyType`) ?? 'string';
    if (!CONTEXT_TYPES.has(type)) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${type}' at 'contextEntries.${i}.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [${[...CONTEXT_TYPES].join(', ')}]`,
      );
    }
    const values = params.list(`${prefix}.ContextKeyValues`);
    context[name] = LIST_CONTEXT_TYPES.has(type) ? values : (values[0] ?? '');
  }
}

/** How SimulatePrincipalPolicy names the policy of a matched statement: its id and type. */
function sourcePolicy(id: string, iam: IamStore): { SourcePolicyId: string; SourcePolicyType: string } {
  const inline = /^arn:aws:iam::\d{12}:(user|role)\/(?:.*\/)?[^/]+\/inline\/(.+)$/.exec(id);
  if (inline) return { SourcePolicyId: inline[2]!, SourcePolicyType: inline[1]! };
  const managed = iam.getPolicy(id);
  if (managed) {
    return {
      SourcePolicyId: managed.policyName,
      SourcePolicyType: managed.awsManaged ? 'aws-managed' : 'user-managed',
    };
  }
  return { SourcePolicyId: id, SourcePolicyType: 'none' };
}

/** The condition keys a statement needs that the context lacks, for statements that apply but for their condition. */
function missingContextKeys(
  policies: CallerPolicies,
  request: { readonly action: string; readonly resource: string; readonly context: ConditionContext },
): string[] {
  const present = new Set(Object.keys(request.context).map((key) => key.toLowerCase()));
  const missing = new Map<string, string>();
  const all = [...policies.identity, ...(policies.session ?? []), ...(policies.boundary ? [policies.boundary] : [])];
  for (const policy of all) {
    for (const statement of policy.document.statements) {
      if (!statement.condition) continue;
      if (!statementApplies({ ...statement, condition: undefined }, request, policy.document.version)) continue;
      for (const entries of Object.values(statement.condition)) {
        for (const key of Object.keys(entries)) {
          if (!present.has(key.toLowerCase()) && !missing.has(key.toLowerCase())) missing.set(key.toLowerCase(), key);
        }
      }
    }
  }
  return [...missing.values()];
}

const EVAL_DECISIONS = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

/**
 * Creates the IAM service (`iam`, API version 2010-05-08).
 *
 * @example createFront({ services: [createIamService({ iam, keys, now })], ... })
 */
export function createIamService(deps: { iam: IamStore; keys: KeyStore; now: () => number }): QueryService {
  const { iam } = deps;

  /** The caller's own user name, for operations where `UserName` defaults to the caller. */
  function callerUserName(params: QueryParams, ctx: RequestContext): string {
    const given = params.get('UserName');
    if (given !== undefined) return given;
    const caller = ctx.principal;
    if (caller?.type !== 'User') {
      throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials');
    }
    const user = iam.getUserByArn(caller.arn);
    if (!user) throw new AwsError('NoSuchEntity', `The user with name ${caller.arn} cannot be found.`, 404);
    return user.userName;
  }

  function policyXml(policy: ManagedPolicy, withDescription: boolean): XmlValue {
    return {
      PolicyName: policy.policyName,
      PolicyId: policy.policyId,
      Arn: policy.arn,
      Path: policy.path,
      DefaultVersionId: policy.defaultVersionId,
      AttachmentCount: iam.attachmentCount(policy.arn),
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      Description: withDescription ? policy.description : undefined,
      CreateDate: policy.createDate,
      UpdateDate: policy.updateDate,
    };
  }

  function attachedXml(arns: readonly string[], params: QueryParams): XmlValue {
    const prefix = params.get('PathPrefix') ?? '/';
    const policies = arns
      .map((arn) => iam.getPolicy(arn))
      .filter((policy): policy is ManagedPolicy => policy !== undefined && policy.path.startsWith(prefix));
    const { page, ...rest } = paginate(policies, params);
    return { AttachedPolicies: page.map((p) => ({ PolicyName: p.policyName, PolicyArn: p.arn })), ...rest };
  }

  function policyNamesXml(names: Iterable<string>, params: QueryParams): XmlValue {
    const { page, ...rest } = paginate([...names].sort(), params);
    return { PolicyNames: page, ...rest };
  }

  /** The principal a SimulatePrincipalPolicy source ARN names (a user or a role). */
  function simulatedPrincipal(sourceArn: string): Principal {
    const user = iam.getUserByArn(sourceArn);
    if (user) return { type: 'User', arn: user.arn, accountId: iam.accountId, userId: user.userId };
    const role = /^arn:aws:iam::\d{12}:role\//.test(sourceArn) ? iam.getRoleByArn(sourceArn) : undefined;
    if (role)
      return { type: 'AssumedRole', arn: role.arn, roleArn: role.arn, accountId: iam.accountId, userId: role.roleId };
    if (!/^arn:aws:iam::\d{12}:(user|role|group)\//.test(sourceArn)) {
      throw new AwsError('InvalidInput', `Invalid ARN: ${sourceArn}`);
    }
    throw new AwsError('NoSuchEntity', `Could not find entity ${sourceArn}`, 404);
  }

  function simulatePrincipalPolicy(params: QueryParams): XmlValue {
    const principal = simulatedPrincipal(params.required('PolicySourceArn'));
    const actions = params.list('ActionNames');
    if (actions.length === 0) {
      throw new AwsError(
        'ValidationError',
        "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null",
      );
    }
    const resources = params.list('ResourceArns');
    const context = contextEntries(params);
    const base = callerPolicies(iam, principal);
    const extra: PolicySource[] = params
      .list('PolicyInputList')
      .map((text, i) => ({ id: `PolicyInputList.${i + 1}`, document: iam.parseIdentityPolicy(text) }));
    const policies: CallerPolicies = { ...base, identity: [...base.identity, ...extra] };
    const results: XmlValue[] = [];
    for (const action of actions) {
      for (const resource of resources.length > 0 ? resources : ['*']) {
        const request = { action, resource, context };
        const result = decide(policies, request);
        const missing = missingContextKeys(policies, request);
        const matched = result.matchedStatements.map((m) => sourcePolicy(m.policyId, iam));
        const boundary = policies.boundary && {
          PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: result.deniedBy !== 'boundary' },
        };
        // As IAM documents it: with ResourceArns given, the missing context keys are reported per
        // resource (ResourceSpecificResults); with `*`, in the result itself. No SCPs are modelled,
        // so OrganizationsDecisionDetail is never set (IAM sets it only for an organization's account).
        const specific = resources.length > 0 && resource !== '*';
        results.push({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: EVAL_DECISIONS[result.decision],
          MatchedStatements: matched,
          MissingContextValues: specific ? [] : missing,
          ...boundary,
          ...(specific && {
            ResourceSpecificResults: [
              {
                EvalResourceName: resource,
                EvalResourceDecision: EVAL_DECISIONS[result.decision],
                MatchedStatements: matched,
                MissingContextValues: missing,
                ...boundary,
              },
            ],
          }),
        });
      }
    }
    const { page, ...rest } = paginate(results, params);
    return { EvaluationResults: page, ...rest };
  }

  const handlers: Record<string, QueryHandler> = {
    SimulatePrincipalPolicy: (params) => simulatePrincipalPolicy(params),
    PutRolePermissionsBoundary: (params) => {
      iam.putRolePermissionsBoundary(params.required('RoleName'), params.required('PermissionsBoundary'));
      return {};
    },
    PutUserPermissionsBoundary: (params) => {
      iam.putUserPermissionsBoundary(params.required('UserName'), params.required('PermissionsBoundary'));
      return {};
    },
    CreateRole: (params) => {
      const maxSessionDuration = params.int('MaxSessionDuration');
      const role = iam.createRole({
        roleName: params.required('RoleName'),
        assumeRolePolicyDocument: params.required('AssumeRolePolicyDocument'),
        path: params.get('Path'),
        description: params.get('Description'),
        ...(maxSessionDuration !== undefined && { maxSessionDuration }),
        tags: tagsParam(params),
      });
      return { Role: roleXml(role) };
    },
    GetRole: (params) => {
      // GetRole (not ListRoles) shows the role's permissions boundary, as IAM does.
      const role = iam.requireRole(params.required('RoleName'));
      const boundary = iam.permissionsBoundaryArn(role.roleId);
      return {
        Role: {
          ...(roleXml(role) as Record<string, XmlValue>),
          ...(boundary && {
            PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: boundary },
          }),
        },
      };
    },
    DeleteRole: (params) => {
      iam.deleteRole(params.required('RoleName'));
      return {};
    },
    ListRoles: (params) => {
      const pathPrefix = params.get('PathPrefix');
      const { page, ...rest } = paginate(iam.listRoles(pathPrefix === undefined ? {} : { pathPrefix }), params);
      // ListRoles leaves out tags, as IAM does: GetRole and ListRoleTags show them.
      return { Roles: page.map((role) => roleXml({ ...role, tags: [] })), ...rest };
    },
    UpdateRole: (params) => {
      const maxSessionDuration = params.int('MaxSessionDuration');
      const description = params.get('Description');
      iam.updateRole(params.required('RoleName'), {
        ...(description !== undefined && { description }),
        ...(maxSessionDuration !== undefined && { maxSessionDuration }),
      });
      return {};
    },
    UpdateAssumeRolePolicy: (params) => {
      iam.updateAssumeRolePolicy(params.required('RoleName'), params.required('PolicyDocument'));
      return {};
    },
    PutRolePolicy: (params) => {
      iam.putRolePolicy(params.required('RoleName'), params.required('PolicyName'), params.required('PolicyDocument'));
      return {};
    },
    GetRolePolicy: (params) => {
      const roleName = params.required('RoleName');
      const policyName = params.required('PolicyName');
      const role = iam.requireRole(roleName);
      return {
        RoleName: role.roleName,
        PolicyName: policyName,
        PolicyDocument: encodeDocument(iam.getRolePolicy(roleName, policyName)),
      };
    },
    ListRolePolicies: (params) =>
      policyNamesXml(iam.requireRole(params.required('RoleName')).inlinePolicies.keys(), params),
    DeleteRolePolicy: (params) => {
      iam.deleteRolePolicy(params.required('RoleName'), params.required('PolicyName'));
      return {};
    },
    CreatePolicy: (params) => {
      const policy = iam.createPolicy({
        policyName: params.required('PolicyName'),
        document: params.required('PolicyDocument'),
        path: params.get('Path'),
        description: params.get('Description'),
      });
      return { Policy: policyXml(policy, false) };
    },
    DeletePolicy: (params) => {
      iam.deletePolicy(params.required('PolicyArn'));
      return {};
    },
    GetPolicy: (params) => ({ Policy: policyXml(iam.requirePolicy(params.required('PolicyArn')), true) }),
    GetPolicyVersion: (params) => {
      const policyArn = params.required('PolicyArn');
      const version = iam.getPolicyVersion(policyArn, params.required('VersionId'));
      const policy = iam.requirePolicy(policyArn);
      return {
        PolicyVersion: {
          Document: encodeDocument(version.document),
          VersionId: version.versionId,
          IsDefaultVersion: version.versionId === policy.defaultVersionId,
          CreateDate: version.createDate,
        },
      };
    },
    ListPolicies: (params) => {
      const scope = params.get('Scope') ?? 'All';
      const known = SCOPES.find((s) => s === scope);
      if (!known) {
        throw new AwsError(
          'ValidationError',
          `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`,
        );
      }
      const policies = iam.listPolicies({
        scope: known,
        onlyAttached: boolParam(params, 'OnlyAttached') ?? false,
        pathPrefix: params.get('PathPrefix') ?? '/',
      });
      const { page, ...rest } = paginate(policies, params);
      return { Policies: page.map((policy) => policyXml(policy, false)), ...rest };
    },
    AttachRolePolicy: (params) => {
      iam.attachRolePolicy(params.required('RoleName'), params.required('PolicyArn'));
      return {};
    },
    DetachRolePolicy: (params) => {
      iam.detachRolePolicy(params.required('RoleName'), params.required('PolicyArn'));
      return {};
    },
    ListAttachedRolePolicies: (params) =>
      attachedXml(iam.requireRole(params.required('RoleName')).attachedPolicyArns, params),
    TagRole: (params) => {
      iam.tagRole(params.required('RoleName'), tagsParam(params));
      return {};
    },
    UntagRole: (params) => {
      iam.untagRole(params.required('RoleName'), params.list('TagKeys'));
      return {};
    },
    ListRoleTags: (params) => {
      const { page, ...rest } = paginate(iam.requireRole(params.required('RoleName')).tags, params);
      return { Tags: page.map((tag) => ({ Key: tag.key, Value: tag.value })), ...rest };
    },
    CreateUser: (params) => {
      const path = params.get('Path');
      const user = iam.createUser(params.required('UserName'), path === undefined ? {} : { path });
      return { User: userXml(user) };
    },
    GetUser: (params, ctx) => ({ User: userXml(iam.requireUser(callerUserName(params, ctx))) }),
    DeleteUser: (params) => {
      iam.deleteUser(params.required('UserName'));
      return {};
    },
    CreateAccessKey: (params, ctx) => {
      const key = iam.createAccessKey(callerUserName(params, ctx));
      return {
        AccessKey: {
          UserName: key.userName,
          AccessKeyId: key.accessKeyId,
          Status: key.status,
          SecretAccessKey: key.secretAccessKey,
          CreateDate: key.createDate,
        },
      };
    },
    DeleteAccessKey: (params, ctx) => {
      iam.deleteAccessKey(callerUserName(params, ctx), params.required('AccessKeyId'));
      return {};
    },
    PutUserPolicy: (params) => {
      iam.putUserPolicy(params.required('UserName'), params.required('PolicyName'), params.required('PolicyDocument'));
      return {};
    },
    GetUserPolicy: (params) => {
      const userName = params.required('UserName');
      const policyName = params.required('PolicyName');
      const user = iam.requireUser(userName);
      return {
        UserName: user.userName,
        PolicyName: policyName,
        PolicyDocument: encodeDocument(iam.getUserPolicy(userName, policyName)),
      };
    },
    ListUserPolicies: (params) =>
      policyNamesXml(iam.requireUser(params.required('UserName')).inlinePolicies.keys(), params),
    DeleteUserPolicy: (params) => {
      iam.deleteUserPolicy(params.required('UserName'), params.required('PolicyName'));
      return {};
    },
    AttachUserPolicy: (params) => {
      iam.attachUserPolicy(params.required('UserName'), params.required('PolicyArn'));
      return {};
    },
    DetachUserPolicy: (params) => {
      iam.detachUserPolicy(params.required('UserName'), params.required('PolicyArn'));
      return {};
    },
    ListAttachedUserPolicies: (params) =>
      attachedXml(iam.requireUser(params.required('UserName')).attachedPolicyArns, params),
  };

  return {
    protocol: 'query',
    name: 'iam',
    apiVersion: '2010-05-08',
    xmlns: 'https://iam.amazonaws.com/doc/2010-05-08/',
    handlers,
  };
}
