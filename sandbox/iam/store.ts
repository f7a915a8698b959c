/**
 * The sandbox's IAM state: roles, users, managed policies, access keys and OIDC providers, with the
 * validation and the errors IAM applies. The IAM query service is a thin layer over this store; the
 * ECS part and the scenarios call it directly (to seed roles, to check what a task role trusts).
 */
import { parseArn, parseRoleArn } from '../../src/aws/arn.js';
import {
  trustAllows,
  type ConditionContext,
  type PolicySource,
  type RequestPrincipal,
  type TrustAction,
} from '../../src/iam/evaluate.js';
import { parsePolicyDocument, policySize, type PolicyDocument, type PolicyKind } from '../../src/iam/policy.js';
import { AwsError } from '../core/errors.js';
import type { KeyStore, Principal } from '../core/identity.js';
import { iamId, secretKey } from '../core/ids.js';

/** A tag on an IAM resource. */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** An IAM role. */
export interface Role {
  readonly roleName: string;
  /** `AROA` and 17 characters. */
  readonly roleId: string;
  /** `arn:aws:iam::ACCOUNT:role/PATH/NAME`. */
  readonly arn: string;
  /** `/` or `/a/b/`. */
  readonly path: string;
  readonly createDate: Date;
  /** The trust policy, as the caller wrote it. */
  readonly assumeRolePolicyDocument: string;
  readonly description: string | undefined;
  /** Longest session AssumeRole may grant, in seconds. */
  readonly maxSessionDuration: number;
  readonly tags: readonly Tag[];
  /** Inline policies: name -> document text. */
  readonly inlinePolicies: ReadonlyMap<string, string>;
  readonly attachedPolicyArns: readonly string[];
}

/** One version of a managed policy. */
export interface ManagedPolicyVersion {
  /** `v1`, `v2`... */
  readonly versionId: string;
  /** The document text. */
  readonly document: string;
  readonly createDate: Date;
}

/** A managed policy, customer managed or AWS managed. */
export interface ManagedPolicy {
  readonly policyName: string;
  /** `ANPA` and 17 characters. */
  readonly policyId: string;
  readonly arn: string;
  readonly path: string;
  readonly description: string | undefined;
  readonly createDate: Date;
  readonly updateDate: Date;
  readonly defaultVersionId: string;
  readonly versions: readonly ManagedPolicyVersion[];
  /** True for the `arn:aws:iam::aws:policy/...` policies AWS maintains. */
  readonly awsManaged: boolean;
}

/** An IAM user. */
export interface User {
  readonly userName: string;
  /** `AIDA` and 17 characters. */
  readonly userId: string;
  readonly arn: string;
  readonly path: string;
  readonly createDate: Date;
  readonly inlinePolicies: ReadonlyMap<string, string>;
  readonly attachedPolicyArns: readonly string[];
  /** The user's access key ids. */
  readonly accessKeyIds: readonly string[];
}

/** An access key, as CreateAccessKey returns it (the only time the secret is shown). */
export interface AccessKey {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly status: 'Active' | 'Inactive';
  readonly createDate: Date;
}

/** An IAM OpenID Connect identity provider. */
export interface OidcProvider {
  /** `https://host/path`. */
  readonly url: string;
  /** `arn:aws:iam::ACCOUNT:oidc-provider/host/path`. */
  readonly arn: string;
  readonly clientIds: readonly string[];
  readonly createDate: Date;
}

/** Options of {@link IamStore.createRole}. */
export interface CreateRoleInput {
  readonly roleName: string;
  /** The trust policy, as JSON text or as an object to serialize. */
  readonly assumeRolePolicyDocument: string | object;
  /** @default '/' */
  readonly path?: string;
  readonly description?: string;
  /** In seconds, 3600 to 43200. @default 3600 */
  readonly maxSessionDuration?: number;
  readonly tags?: readonly Tag[];
}

/** Options of {@link IamStore.createPolicy}. */
export interface CreatePolicyInput {
  readonly policyName: string;
  /** The policy, as JSON text or as an object to serialize. */
  readonly document: string | object;
  /** @default '/' */
  readonly path?: string;
  readonly description?: string;
}

/** Which managed policies {@link IamStore.listPolicies} lists, as ListPolicies' `Scope`. */
export type PolicyScope = 'All' | 'AWS' | 'Local';

interface RoleRecord extends Role {
  assumeRolePolicyDocument: string;
  description: string | undefined;
  maxSessionDuration: number;
  tags: Tag[];
  inlinePolicies: Map<string, string>;
  attachedPolicyArns: string[];
}

/** A role's policies from a moment on (for the propagation of changes). */
interface RolePolicySnapshot {
  readonly at: number;
  readonly inline: ReadonlyArray<[string, string]>;
  readonly attached: readonly string[];
}

interface UserRecord extends User {
  inlinePolicies: Map<string, string>;
  attachedPolicyArns: string[];
  accessKeyIds: string[];
}

/** IAM's quotas the sandbox enforces (the defaults of an account). */
export const IAM_QUOTAS = {
  /** Characters (white space excluded) of a role's trust policy. */
  trustPolicySize: 2048,
  /** Characters of all of a role's inline policies together. */
  roleInlinePolicySize: 10240,
  /** Characters of all of a user's inline policies together. */
  userInlinePolicySize: 2048,
  /** Characters of a managed policy version. */
  managedPolicySize: 6144,
  /** Managed policies attached to one role or user. */
  attachedPolicies: 10,
  accessKeysPerUser: 2,
  tagsPerRole: 50,
} as const;

/** A constraint pattern of an AWS API model; ValidationError messages quote its source. */
export interface ConstraintPattern {
  readonly regex: RegExp;
  readonly source: string;
}

/**
 * A pattern from its source as the AWS API model writes it, matched against the whole value.
 *
 * @example constraintPattern('[\\w+=,.@-]+').regex.test('app-role') // true
 */
export function constraintPattern(source: string): ConstraintPattern {
  return { regex: new RegExp(`^(?:${source})$`, 'u'), source };
}

/** IAM's name, path, description and tag patterns (ValidationError messages print the source). */
const PATTERNS = {
  name: constraintPattern('[\\w+=,.@-]+'),
  path: constraintPattern('(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)'),
  pathPrefix: constraintPattern('\\u002F[\\u0021-\\u007F]*'),
  description: constraintPattern('[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*'),
  tag: constraintPattern('[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*'),
  versionId: constraintPattern('v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?'),
} as const;

/**
 * Collects the constraint violations of one request and throws them as AWS does: one
 * `ValidationError` listing them all ("2 validation errors detected: ...; ...").
 */
export class Constraints {
  readonly #errors: string[] = [];

  #add(field: string, value: unknown, constraint: string): void {
    this.#errors.push(`Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must ${constraint}`);
  }

  /** The value, when given, matches the pattern. */
  pattern(field: string, value: string | undefined, expected: ConstraintPattern): this {
    if (value !== undefined && !expected.regex.test(value)) {
      this.#add(field, value, `satisfy regular expression pattern: ${expected.source}`);
    }
    return this;
  }

  /** The value (a string or a list), when given, has a length in the range. */
  length(field: string, value: string | readonly unknown[] | undefined, range: { min?: number; max?: number }): this {
    if (value === undefined) return this;
    const shown = typeof value === 'string' ? value : `[${value.map(String).join(', ')}]`;
    if (range.min !== undefined && value.length < range.min) {
      this.#add(field, shown, `have length greater than or equal to ${range.min}`);
    } else if (range.max !== undefined && value.length > range.max) {
      this.#add(field, shown, `have length less than or equal to ${range.max}`);
    }
    return this;
  }

  /** The number, when given, is in the range. */
  range(field: string, value: number | undefined, range: { min?: number; max?: number }): this {
    if (value === undefined) return this;
    if (range.min !== undefined && value < range.min) {
      this.#add(field, value, `have value greater than or equal to ${range.min}`);
    } else if (range.max !== undefined && value > range.max) {
      this.#add(field, value, `have value less than or equal to ${range.max}`);
    }
    return this;
  }

  /** Throws the ValidationError when anything was violated. */
  check(): void {
    const n = this.#errors.length;
    if (n === 0) return;
    throw new AwsError(
      'ValidationError',
      `${n} validation error${n > 1 ? 's' : ''} detected: ${this.#errors.join('; ')}`,
    );
  }
}

function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntity', message, 404);
}

function alreadyExists(message: string): AwsError {
  return new AwsError('EntityAlreadyExists', message, 409);
}

function limitExceeded(message: string): AwsError {
  return new AwsError('LimitExceeded', message, 409);
}

function deleteConflict(message: string): AwsError {
  return new AwsError('DeleteConflict', message, 409);
}

function malformed(reason: string): AwsError {
  return new AwsError('MalformedPolicyDocument', reason, 400);
}

/** Documents may be given as JSON text (kept as written) or as objects (serialized). */
function documentText(document: string | object): string {
  return typeof document === 'string' ? document : JSON.stringify(document);
}

/** IAM names are unique without regard to case: `App` and `app` are the same role. */
function nameKey(name: string): string {
  return name.toLowerCase();
}

/** The AWS managed policies the sandbox knows; ReadOnlyAccess is simplified to three patterns. */
const AWS_MANAGED_POLICIES = [
  {
    name: 'AdministratorAccess',
    path: '/',
    description: 'Provides full access to AWS services and resources.',
    versionId: 'v1',
    created: '2015-02-06T18:39:46Z',
    statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  },
  {
    name: 'AmazonECSTaskExecutionRolePolicy',
    path: '/service-role/',
    description: 'Provides access to other AWS service resources that are required to run Amazon ECS tasks',
    versionId: 'v1',
    created: '2017-11-16T18:48:22Z',
    statements: [
      {
        Effect: 'Allow',
        Action: [
          'ecr:GetAuthorizationToken',
          'ecr:BatchCheckLayerAvailability',
          'ecr:GetDownloadUrlForLayer',
          'ecr:BatchGetImage',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ],
        Resource: '*',
      },
    ],
  },
  {
    name: 'AmazonS3ReadOnlyAccess',
    path: '/',
    description: 'Provides read only access to all buckets via the AWS Management Console.',
    versionId: 'v3',
    created: '2015-02-06T18:40:59Z',
    statements: [
      {
        Effect: 'Allow',
        Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
        Resource: '*',
      },
    ],
  },
  {
    name: 'ReadOnlyAccess',
    path: '/',
    description: 'Provides read-only access to AWS services and resources.',
    versionId: 'v1',
    created: '2015-02-06T18:39:48Z',
    statements: [{ Effect: 'Allow', Action: ['*:Describe*', '*:List*', '*:Get*'], Resource: '*' }],
  },
] as const;

/** The ARN of the administrator's policy, attached to the sandbox's `admin` user. */
export const ADMINISTRATOR_ACCESS_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** The sandbox's IAM: one account's roles, users, managed policies and OIDC providers. */
export class IamStore {
  /** The account every resource belongs to. */
  readonly accountId: string;
  readonly #keys: KeyStore;
  readonly #now: () => number;
  readonly #roles = new Map<string, RoleRecord>();
  readonly #users = new Map<string, UserRecord>();
  /** By ARN; AWS managed and customer managed alike. */
  readonly #policies = new Map<string, ManagedPolicy>();
  readonly #oidcProviders = new Map<string, OidcProvider>();
  /** Permission boundaries: role or user id -> managed policy ARN. */
  readonly #boundaries = new Map<string, string>();
  /** Parsed documents by kind and text: stored documents are parsed once, then evaluated often. */
  readonly #parsed = new Map<string, PolicyDocument>();
  /** How long a change to a role's policies takes to reach the role's sessions' calls, sandbox ms. */
  #propagationMs: number;
  /** Per role (by id): its policies as they were, from each change on (see {@link propagatedPolicies}). */
  readonly #roleHistory = new Map<string, RolePolicySnapshot[]>();

  /**
   * Creates the store with the AWS managed policies and the administrator user `admin`
   * (AdministratorAccess attached), whose access key `test` / `test` is registered in `keys`.
   */
  constructor(options: {
    readonly accountId: string;
    readonly keys: KeyStore;
    readonly now: () => number;
    /** How long a role policy change takes to reach the role's sessions' calls (sandbox ms). @default 0 */
    readonly propagationMs?: number;
  }) {
    this.accountId = options.accountId;
    this.#keys = options.keys;
    this.#now = options.now;
    this.#propagationMs = options.propagationMs ?? 0;
    for (const policy of AWS_MANAGED_POLICIES) {
      const arn = `arn:aws:iam::aws:policy${policy.path}${policy.name}`;
      const date = new Date(policy.created);
      this.#policies.set(arn, {
        policyName: policy.name,
        policyId: iamId('ANPA'),
        arn,
        path: policy.path,
        description: policy.description,
        createDate: date,
        updateDate: date,
        defaultVersionId: policy.versionId,
        versions: [
          {
            versionId: policy.versionId,
            document: JSON.stringify({ Version: '2012-10-17', Statement: policy.statements }),
            createDate: date,
          },
        ],
        awsManaged: true,
      });
    }
    this.createUser('admin');
    this.attachUserPolicy('admin', ADMINISTRATOR_ACCESS_ARN);
    this.createAccessKey('admin', { accessKeyId: 'test', secretAccessKey: 'test' });
  }

  #date(): Date {
    return new Date(this.#now());
  }

  /** Parses a document, or throws MalformedPolicyDocument with IAM's reason. */
  #parse(text: string, kind: PolicyKind): PolicyDocument {
    const key = `${kind}\n${text}`;
    const cached = this.#parsed.get(key);
    if (cached) return cached;
    const result = parsePolicyDocument(text, kind);
    if (!result.ok) throw malformed(result.reason);
    this.#parsed.set(key, result.document);
    return result.document;
  }

  /** IAM refuses a trust policy naming a user or role of this account that does not exist. */
  #checkTrustPrincipals(document: PolicyDocument): void {
    for (const statement of document.statements) {
      for (const block of [statement.principal, statement.notPrincipal]) {
        if (!block || block === '*') continue;
        for (const value of block.AWS ?? []) {
          const arn = parseArn(value);
          if (!arn || arn.service !== 'iam' || arn.accountId !== this.accountId) continue;
          const exists = arn.resource.startsWith('role/')
            ? this.getRoleByArn(value) !== undefined
            : arn.resource.startsWith('user/')
              ? this.getUserByArn(value) !== undefined
              : true;
          if (!exists) throw malformed(`Invalid principal in policy: "AWS":"${value}"`);
        }
      }
    }
  }

  #trustDocument(text: string): PolicyDocument {
    if (policySize(text) > IAM_QUOTAS.trustPolicySize) {
      throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${IAM_QUOTAS.trustPolicySize}`);
    }
    const document = this.#parse(text, 'trust');
    this.#checkTrustPrincipals(document);
    return document;
  }

  static #checkTags(constraints: Constraints, tags: readonly Tag[]): void {
    tags.forEach((tag, i) => {
      constraints
        .length(`tags.${i + 1}.member.key`, tag.key, { min: 1, max: 128 })
        .pattern(`tags.${i + 1}.member.key`, tag.key, PATTERNS.tag)
        .length(`tags.${i + 1}.member.value`, tag.value, { max: 256 })
        .pattern(`tags.${i + 1}.member.value`, tag.value, PATTERNS.tag);
    });
  }

  static #checkDuplicateTags(tags: readonly Tag[]): void {
    const keys = new Set(tags.map((tag) => tag.key.toLowerCase()));
    if (keys.size !== tags.length) {
      throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    }
  }

  // ---- roles ----

  /**
   * Creates a role.
   *
   * @throws AwsError ValidationError (name, path, description, duration, tags), EntityAlreadyExists,
   *   MalformedPolicyDocument (the trust policy), LimitExceeded (trust policy size)
   */
  createRole(input: CreateRoleInput): Role {
    const path = input.path ?? '/';
    const tags = input.tags ?? [];
    const constraints = new Constraints()
      .length('roleName', input.roleName, { min: 1, max: 64 })
      .pattern('roleName', input.roleName, PATTERNS.name)
      .length('path', path, { min: 1, max: 512 })
      .pattern('path', path, PATTERNS.path)
      .length('description', input.description, { max: 1000 })
      .pattern('description', input.description, PATTERNS.description)
      .range('maxSessionDuration', input.maxSessionDuration, { min: 3600, max: 43200 })
      .length('tags', tags, { max: IAM_QUOTAS.tagsPerRole });
    IamStore.#checkTags(constraints, tags);
    constraints.check();
    IamStore.#checkDuplicateTags(tags);
    if (this.#roles.has(nameKey(input.roleName))) {
      throw alreadyExists(`Role with name ${input.roleName} already exists.`);
    }
    const trust = documentText(input.assumeRolePolicyDocument);
    this.#trustDocument(trust);
    const role: RoleRecord = {
      roleName: input.roleName,
      roleId: iamId('AROA'),
      arn: `arn:aws:iam::${this.accountId}:role${path}${input.roleName}`,
      path,
      createDate: this.#date(),
      assumeRolePolicyDocument: trust,
      description: input.description,
      maxSessionDuration: input.maxSessionDuration ?? 3600,
      tags: [...tags],
      inlinePolicies: new Map(),
      attachedPolicyArns: [],
    };
    this.#roles.set(nameKey(input.roleName), role);
    return role;
  }

  /** A role by name (names are case-insensitive), or undefined. */
  getRole(roleName: string): Role | undefined {
    return this.#roles.get(nameKey(roleName));
  }

  /** A role by name, or the NoSuchEntity error GetRole answers with. */
  requireRole(roleName: string): Role {
    return this.#role(roleName);
  }

  #role(roleName: string): RoleRecord {
    const role = this.#roles.get(nameKey(roleName));
    if (!role) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
    return role;
  }

  /** A role by ARN, path included (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), or undefined. */
  getRoleByArn(arn: string): Role | undefined {
    const parsed = parseRoleArn(arn);
    if (!parsed.ok || parsed.arn.accountId !== this.accountId) return undefined;
    const role = this.#roles.get(nameKey(parsed.arn.roleName));
    return role && role.path === parsed.arn.path ? role : undefined;
  }

  /** Whether a role with this ARN exists. */
  roleArnExists(arn: string): boolean {
    return this.getRoleByArn(arn) !== undefined;
  }

  /** Roles whose path starts with the prefix, by name. */
  listRoles(options: { readonly pathPrefix?: string } = {}): Role[] {
    const prefix = options.pathPrefix ?? '/';
    new Constraints()
      .pattern('pathPrefix', prefix, PATTERNS.pathPrefix)
      .length('pathPrefix', prefix, { max: 512 })
      .check();
    return [...this.#roles.values()]
      .filter((role) => role.path.startsWith(prefix))
      .sort((a, b) => (nameKey(a.roleName) < nameKey(b.roleName) ? -1 : 1));
  }

  /**
   * Deletes a role with no policies left on it.
   *
   * @throws AwsError NoSuchEntity, DeleteConflict (policies attached or inline)
   */
  deleteRole(roleName: string): void {
    const role = this.#role(roleName);
    if (role.attachedPolicyArns.length > 0)
      throw deleteConflict('Cannot delete entity, must detach all policies first.');
    if (role.inlinePolicies.size > 0) throw deleteConflict('Cannot delete entity, must delete policies first.');
    this.#roles.delete(nameKey(roleName));
  }

  /** Replaces a role's trust policy. @throws AwsError NoSuchEntity, MalformedPolicyDocument, LimitExceeded */
  updateAssumeRolePolicy(roleName: string, document: string | object): void {
    const role = this.#role(roleName);
    const text = documentText(document);
    this.#trustDocument(text);
    role.assumeRolePolicyDocument = text;
  }

  /** Changes a role's description and maximum session duration. */
  updateRole(roleName: string, changes: { readonly description?: string; readonly maxSessionDuration?: number }): void {
    new Constraints()
      .length('description', changes.description, { max: 1000 })
      .pattern('description', changes.description, PATTERNS.description)
      .range('maxSessionDuration', changes.maxSessionDuration, { min: 3600, max: 43200 })
      .check();
    const role = this.#role(roleName);
    if (changes.description !== undefined) role.description = changes.description;
    if (changes.maxSessionDuration !== undefined) role.maxSessionDuration = changes.maxSessionDuration;
  }

  /**
   * Adds or replaces an inline policy of a role.
   *
   * @throws AwsError ValidationError, NoSuchEntity, MalformedPolicyDocument, LimitExceeded (the
   *   role's inline policies together exceed 10,240 characters)
   */
  putRolePolicy(roleName: string, policyName: string, document: string | object): void {
    IamStore.#checkPolicyName(policyName);
    const role = this.#role(roleName);
    const text = documentText(document);
    this.#parse(text, 'identity');
    IamStore.#checkInlineSize({
      policies: role.inlinePolicies,
      policyName,
      text,
      quota: IAM_QUOTAS.roleInlinePolicySize,
      owner: `role ${role.roleName}`,
    });
    this.#changing(role, () => role.inlinePolicies.set(policyName, text));
  }

  static #checkPolicyName(policyName: string): void {
    new Constraints()
      .length('policyName', policyName, { min: 1, max: 128 })
      .pattern('policyName', policyName, PATTERNS.name)
      .check();
  }

  static #checkInlineSize(input: {
    policies: ReadonlyMap<string, string>;
    policyName: string;
    text: string;
    quota: number;
    owner: string;
  }): void {
    let total = policySize(input.text);
    for (const [name, text] of input.policies) if (name !== input.policyName) total += policySize(text);
    if (total > input.quota)
      throw limitExceeded(`Maximum policy size of ${input.quota} bytes exceeded for ${input.owner}`);
  }

  /** An inline policy's text. @throws AwsError NoSuchEntity */
  getRolePolicy(roleName: string, policyName: string): string {
    const text = this.#role(roleName).inlinePolicies.get(policyName);
    if (text === undefined) throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    return text;
  }

  /** Deletes an inline policy. @throws AwsError NoSuchEntity */
  deleteRolePolicy(roleName: string, policyName: string): void {
    const role = this.#role(roleName);
    if (!role.inlinePolicies.has(policyName)) {
      throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    }
    this.#changing(role, () => role.inlinePolicies.delete(policyName));
  }

  /**
   * Attaches a managed policy to a role (attaching it twice changes nothing).
   *
   * @throws AwsError InvalidInput (not a policy ARN), NoSuchEntity, LimitExceeded (10 policies)
   */
  attachRolePolicy(roleName: string, policyArn: string): void {
    const policy = this.#requireAttachable(policyArn);
    const role = this.#role(roleName);
    this.#changing(role, () => IamStore.#attach(role.attachedPolicyArns, policy.arn, 'PoliciesPerRole'));
  }

  /** Detaches a managed policy from a role. @throws AwsError NoSuchEntity */
  detachRolePolicy(roleName: string, policyArn: string): void {
    IamStore.#checkPolicyArn(policyArn);
    const role = this.#role(roleName);
    this.#changing(role, () => IamStore.#detach(role.attachedPolicyArns, policyArn));
  }

  static #attach(list: string[], arn: string, quotaName: string): void {
    if (list.includes(arn)) return;
    if (list.length >= IAM_QUOTAS.attachedPolicies) {
      throw limitExceeded(`Cannot exceed quota for ${quotaName}: ${IAM_QUOTAS.attachedPolicies}`);
    }
    list.push(arn);
  }

  static #detach(list: string[], arn: string): void {
    const index = list.indexOf(arn);
    if (index < 0) throw noSuchEntity(`Policy ${arn} was not found.`);
    list.splice(index, 1);
  }

  /**
   * Adds tags to a role, replacing the values of keys it already has (keys are case-insensitive).
   *
   * @throws AwsError ValidationError, InvalidInput (duplicate keys), NoSuchEntity, LimitExceeded (50 tags)
   */
  tagRole(roleName: string, tags: readonly Tag[]): void {
    const constraints = new Constraints().length('tags', tags, { max: IAM_QUOTAS.tagsPerRole });
    IamStore.#checkTags(constraints, tags);
    constraints.check();
    IamStore.#checkDuplicateTags(tags);
    const role = this.#role(roleName);
    const replaced = new Set(tags.map((tag) => tag.key.toLowerCase()));
    const merged = [...role.tags.filter((tag) => !replaced.has(tag.key.toLowerCase())), ...tags];
    if (merged.length > IAM_QUOTAS.tagsPerRole)
      throw limitExceeded('The number of tags has reached the maximum limit.');
    role.tags = merged;
  }

  /** Removes tags from a role by key (case-insensitive); unknown keys are ignored, as in IAM. */
  untagRole(roleName: string, tagKeys: readonly string[]): void {
    new Constraints().length('tagKeys', tagKeys, { max: IAM_QUOTAS.tagsPerRole }).check();
    const role = this.#role(roleName);
    const removed = new Set(tagKeys.map((key) => key.toLowerCase()));
    role.tags = role.tags.filter((tag) => !removed.has(tag.key.toLowerCase()));
  }

  /** The parsed trust policy of a role. */
  trustPolicy(role: Role): PolicyDocument {
    return this.#parse(role.assumeRolePolicyDocument, 'trust');
  }

  /**
   * Whether a role's trust policy lets the principal perform the STS action on it.
   *
   * @example iam.roleTrusts(role, { action: 'sts:AssumeRole', principal: { kind: 'AWS', arn, accountId } })
   */
  roleTrusts(
    role: Role,
    request: {
      readonly action: TrustAction;
      readonly principal: RequestPrincipal;
      readonly context?: ConditionContext;
    },
  ): boolean {
    return trustAllows(this.trustPolicy(role), request);
  }

  /**
   * Whether a role's trust policy allows `sts:AssumeRole` for an AWS service principal: ECS starts
   * a task with a task role only when the role trusts `ecs-tasks.amazonaws.com`.
   *
   * @param context condition keys the service sends, e.g. `aws:SourceAccount`
   */
  trustsService(role: Role, servicePrincipal: string, context?: ConditionContext): boolean {
    return this.roleTrusts(role, {
      action: 'sts:AssumeRole',
      principal: { kind: 'Service', service: servicePrincipal },
      ...(context && { context }),
    });
  }

  // ---- managed policies ----

  /**
   * Creates a customer managed policy, version `v1`.
   *
   * @throws AwsError ValidationError, EntityAlreadyExists, MalformedPolicyDocument, LimitExceeded (6,144 characters)
   */
  createPolicy(input: CreatePolicyInput): ManagedPolicy {
    const path = input.path ?? '/';
    new Constraints()
      .length('policyName', input.policyName, { min: 1, max: 128 })
      .pattern('policyName', input.policyName, PATTERNS.name)
      .length('path', path, { min: 1, max: 512 })
      .pattern('path', path, PATTERNS.path)
      .length('description', input.description, { max: 1000 })
      .pattern('description', input.description, PATTERNS.description)
      .check();
    const taken = [...this.#policies.values()].some(
      (policy) => !policy.awsManaged && nameKey(policy.policyName) === nameKey(input.policyName),
    );
    if (taken)
      throw alreadyExists(`A policy called ${input.policyName} already exists. Duplicate names are not allowed.`);
    const text = documentText(input.document);
    this.#parse(text, 'identity');
    if (policySize(text) > IAM_QUOTAS.managedPolicySize) {
      throw limitExceeded(`Cannot exceed quota for PolicySize: ${IAM_QUOTAS.managedPolicySize}`);
    }
    const date = this.#date();
    const policy: ManagedPolicy = {
      policyName: input.policyName,
      policyId: iamId('ANPA'),
      arn: `arn:aws:iam::${this.accountId}:policy${path}${input.policyName}`,
      path,
      description: input.description,
      createDate: date,
      updateDate: date,
      defaultVersionId: 'v1',
      versions: [{ versionId: 'v1', document: text, createDate: date }],
      awsManaged: false,
    };
    this.#policies.set(policy.arn, policy);
    return policy;
  }

  /** A managed policy by ARN, or undefined. */
  getPolicy(policyArn: string): ManagedPolicy | undefined {
    return this.#policies.get(policyArn);
  }

  static #checkPolicyArn(policyArn: string): void {
    const arn = parseArn(policyArn);
    if (!arn || arn.service !== 'iam' || !arn.resource.startsWith('policy/')) {
      throw new AwsError('InvalidInput', `ARN ${policyArn} is not valid.`);
    }
  }

  #requireAttachable(policyArn: string): ManagedPolicy {
    IamStore.#checkPolicyArn(policyArn);
    const policy = this.#policies.get(policyArn);
    if (!policy) throw noSuchEntity(`Policy ${policyArn} does not exist or is not attachable.`);
    return policy;
  }

  /** A managed policy by ARN, or the error GetPolicy answers with. @throws AwsError InvalidInput, NoSuchEntity */
  requirePolicy(policyArn: string): ManagedPolicy {
    return this.#requireAttachable(policyArn);
  }

  /**
   * Deletes a customer managed policy, as DeletePolicy does: refused while it is attached to a role
   * or user (DeleteConflict); an AWS managed policy cannot be deleted (its ARN is not the account's).
   *
   * @throws AwsError InvalidInput, NoSuchEntity, DeleteConflict
   */
  deletePolicy(policyArn: string): void {
    const policy = this.#requireAttachable(policyArn);
    if (policy.awsManaged) throw new AwsError('InvalidInput', `Cannot delete AWS managed policy ${policyArn}.`);
    if (this.attachmentCount(policy.arn) > 0) throw deleteConflict('Cannot delete a policy attached to entities.');
    this.#policies.delete(policy.arn);
  }

  /** One version of a managed policy. @throws AwsError InvalidInput, NoSuchEntity */
  getPolicyVersion(policyArn: string, versionId: string): ManagedPolicyVersion {
    new Constraints().pattern('versionId', versionId, PATTERNS.versionId).check();
    const policy = this.#requireAttachable(policyArn);
    const version = policy.versions.find((v) => v.versionId === versionId);
    if (!version) throw noSuchEntity(`Policy ${policyArn} version ${versionId} does not exist or is not attachable.`);
    return version;
  }

  /** The text of a managed policy's default version. */
  #defaultDocument(policy: ManagedPolicy): string {
    return policy.versions.find((v) => v.versionId === policy.defaultVersionId)?.document ?? '';
  }

  /** How many roles and users a managed policy is attached to. */
  attachmentCount(policyArn: string): number {
    let count = 0;
    for (const role of this.#roles.values()) if (role.attachedPolicyArns.includes(policyArn)) count++;
    for (const user of this.#users.values()) if (user.attachedPolicyArns.includes(policyArn)) count++;
    return count;
  }

  /** Managed policies, as ListPolicies filters them, by name. */
  listPolicies(
    options: { readonly scope?: PolicyScope; readonly onlyAttached?: boolean; readonly pathPrefix?: string } = {},
  ): ManagedPolicy[] {
    const scope = options.scope ?? 'All';
    const prefix = options.pathPrefix ?? '/';
    new Constraints().pattern('pathPrefix', prefix, PATTERNS.pathPrefix).check();
    return [...this.#policies.values()]
      .filter((policy) => scope === 'All' || (scope === 'AWS') === policy.awsManaged)
      .filter((policy) => policy.path.startsWith(prefix))
      .filter((policy) => !options.onlyAttached || this.attachmentCount(policy.arn) > 0)
      .sort((a, b) => (nameKey(a.policyName) < nameKey(b.policyName) ? -1 : 1));
  }

  // ---- users and access keys ----

  /** Creates a user. @throws AwsError ValidationError, EntityAlreadyExists */
  createUser(userName: string, options: { readonly path?: string } = {}): User {
    const path = options.path ?? '/';
    new Constraints()
      .length('userName', userName, { min: 1, max: 64 })
      .pattern('userName', userName, PATTERNS.name)
      .length('path', path, { min: 1, max: 512 })
      .pattern('path', path, PATTERNS.path)
      .check();
    if (this.#users.has(nameKey(userName))) throw alreadyExists(`User with name ${userName} already exists.`);
    const user: UserRecord = {
      userName,
      userId: iamId('AIDA'),
      arn: `arn:aws:iam::${this.accountId}:user${path}${userName}`,
      path,
      createDate: this.#date(),
      inlinePolicies: new Map(),
      attachedPolicyArns: [],
      accessKeyIds: [],
    };
    this.#users.set(nameKey(userName), user);
    return user;
  }

  /** A user by name, or undefined. */
  getUser(userName: string): User | undefined {
    return this.#users.get(nameKey(userName));
  }

  /** A user by name, or the NoSuchEntity error GetUser answers with. */
  requireUser(userName: string): User {
    return this.#user(userName);
  }

  #user(userName: string): UserRecord {
    const user = this.#users.get(nameKey(userName));
    if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    return user;
  }

  /** A user by ARN, or undefined. */
  getUserByArn(arn: string): User | undefined {
    for (const user of this.#users.values()) if (user.arn === arn) return user;
    return undefined;
  }

  /**
   * Deletes a user with no access keys or policies left.
   *
   * @throws AwsError NoSuchEntity, DeleteConflict
   */
  deleteUser(userName: string): void {
    const user = this.#user(userName);
    if (user.accessKeyIds.length > 0) throw deleteConflict('Cannot delete entity, must delete access keys first.');
    if (user.inlinePolicies.size > 0) throw deleteConflict('Cannot delete entity, must delete policies first.');
    if (user.attachedPolicyArns.length > 0)
      throw deleteConflict('Cannot delete entity, must detach all policies first.');
    this.#keys.deleteForPrincipal(user.arn);
    this.#users.delete(nameKey(userName));
  }

  /**
   * Creates an access key for a user and registers it with the server's KeyStore.
   *
   * @param fixed a known key id and secret (the sandbox's `test`/`test`), instead of random ones
   * @throws AwsError NoSuchEntity, LimitExceeded (2 keys per user)
   */
  createAccessKey(
    userName: string,
    fixed?: { readonly accessKeyId: string; readonly secretAccessKey: string },
  ): AccessKey {
    const user = this.#user(userName);
    if (user.accessKeyIds.length >= IAM_QUOTAS.accessKeysPerUser) {
      throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${IAM_QUOTAS.accessKeysPerUser}`);
    }
    const accessKeyId = fixed?.accessKeyId ?? iamId('AKIA', 20);
    const secretAccessKey = fixed?.secretAccessKey ?? secretKey();
    const principal: Principal = { type: 'User', arn: user.arn, accountId: this.accountId, userId: user.userId };
    this.#keys.add({ accessKeyId, secretAccessKey, principal });
    user.accessKeyIds.push(accessKeyId);
    return { userName: user.userName, accessKeyId, secretAccessKey, status: 'Active', createDate: this.#date() };
  }

  /** Deletes a user's access key; it stops working at once. @throws AwsError NoSuchEntity */
  deleteAccessKey(userName: string, accessKeyId: string): void {
    const user = this.#user(userName);
    const index = user.accessKeyIds.indexOf(accessKeyId);
    if (index < 0) throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
    user.accessKeyIds.splice(index, 1);
    this.#keys.delete(accessKeyId);
  }

  /**
   * Adds or replaces an inline policy of a user.
   *
   * @throws AwsError ValidationError, NoSuchEntity, MalformedPolicyDocument, LimitExceeded (2,048 characters)
   */
  putUserPolicy(userName: string, policyName: string, document: string | object): void {
    IamStore.#checkPolicyName(policyName);
    const user = this.#user(userName);
    const text = documentText(document);
    this.#parse(text, 'identity');
    IamStore.#checkInlineSize({
      policies: user.inlinePolicies,
      policyName,
      text,
      quota: IAM_QUOTAS.userInlinePolicySize,
      owner: `user ${user.userName}`,
    });
    user.inlinePolicies.set(policyName, text);
  }

  /** A user's inline policy text. @throws AwsError NoSuchEntity */
  getUserPolicy(userName: string, policyName: string): string {
    const text = this.#user(userName).inlinePolicies.get(policyName);
    if (text === undefined) throw noSuchEntity(`The user policy with name ${policyName} cannot be found.`);
    return text;
  }

  /** Deletes a user's inline policy. @throws AwsError NoSuchEntity */
  deleteUserPolicy(userName: string, policyName: string): void {
    if (!this.#user(userName).inlinePolicies.delete(policyName)) {
      throw noSuchEntity(`The user policy with name ${policyName} cannot be found.`);
    }
  }

  /** Attaches a managed policy to a user. @throws AwsError InvalidInput, NoSuchEntity, LimitExceeded */
  attachUserPolicy(userName: string, policyArn: string): void {
    const policy = this.#requireAttachable(policyArn);
    IamStore.#attach(this.#user(userName).attachedPolicyArns, policy.arn, 'PoliciesPerUser');
  }

  /** Detaches a managed policy from a user. @throws AwsError NoSuchEntity */
  detachUserPolicy(userName: string, policyArn: string): void {
    IamStore.#checkPolicyArn(policyArn);
    IamStore.#detach(this.#user(userName).attachedPolicyArns, policyArn);
  }

  // ---- OIDC providers ----

  /**
   * Registers an OpenID Connect provider, as CreateOpenIDConnectProvider does. STS accepts web
   * identity tokens only from a registered issuer, and only for one of its client ids.
   *
   * @param url the issuer URL, `https://host/path`
   * @param clientIds the audiences accepted, e.g. `['sts.amazonaws.com']`
   * @throws AwsError InvalidInput (not an https URL), EntityAlreadyExists
   */
  addOidcProvider(url: string, clientIds: readonly string[]): OidcProvider {
    const hostPath = IamStore.#issuerHostPath(url);
    if (!url.startsWith('https://') || hostPath === '') throw new AwsError('InvalidInput', `Invalid URL ${url}`);
    const arn = `arn:aws:iam::${this.accountId}:oidc-provider/${hostPath}`;
    if (this.#oidcProviders.has(arn)) throw alreadyExists(`Provider with url ${url} already exists.`);
    const provider: OidcProvider = {
      url: `https://${hostPath}`,
      arn,
      clientIds: [...clientIds],
      createDate: this.#date(),
    };
    this.#oidcProviders.set(arn, provider);
    return provider;
  }

  static #issuerHostPath(url: string): string {
    return url.replace(/^https:\/\//, '').replace(/\/+$/, '');
  }

  /** The provider registered for a token's issuer (`iss`), or undefined. */
  getOidcProviderForIssuer(issuer: string): OidcProvider | undefined {
    return this.#oidcProviders.get(`arn:aws:iam::${this.accountId}:oidc-provider/${IamStore.#issuerHostPath(issuer)}`);
  }

  // ---- propagation of role policy changes ----

  /**
   * How long a change to a role's inline or attached policies takes to reach the calls of the role's
   * sessions (the workload's), in sandbox milliseconds. IAM's own API answers at once.
   */
  get propagationMs(): number {
    return this.#propagationMs;
  }

  set propagationMs(ms: number) {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`a propagation delay is 0 or more ms (got ${String(ms)})`);
    this.#propagationMs = ms;
  }

  /** Every change made so far has reached every call (a scenario's starting world). */
  propagateAll(): void {
    this.#roleHistory.clear();
  }

  /** Makes a change to a role's policies, keeping what they were for the calls the change has not reached. */
  #changing(role: RoleRecord, change: () => unknown): void {
    const snapshot = (at: number): RolePolicySnapshot => ({
      at,
      inline: [...role.inlinePolicies],
      attached: [...role.attachedPolicyArns],
    });
    const now = this.#now();
    const history = this.#roleHistory.get(role.roleId) ?? [snapshot(Number.NEGATIVE_INFINITY)];
    change();
    history.push(snapshot(now));
    // Only the newest state every call already sees is still needed, and what came after it.
    const seen = history.findLastIndex((h) => h.at <= now - this.#propagationMs);
    this.#roleHistory.set(role.roleId, seen > 0 ? history.slice(seen) : history);
  }

  /**
   * The identity policies of a caller as its call at `atMs` sees them: for a role's session, the
   * role's policies as they were {@link propagationMs} before (IAM's eventual consistency: a change
   * reaches the role's credentials seconds later); for a user, as they are.
   */
  propagatedPolicies(principal: Pick<Principal, 'type' | 'arn' | 'roleArn'>, atMs: number): PolicySource[] {
    const role =
      principal.type === 'AssumedRole' && principal.roleArn !== undefined
        ? this.getRoleByArn(principal.roleArn)
        : undefined;
    const history = role && this.#roleHistory.get(role.roleId);
    if (!role || !history) return this.effectivePolicies(principal);
    const state = history.findLast((h) => h.at <= atMs - this.#propagationMs) ?? history[0]!;
    return this.#sourcesOf(role.arn, state.inline, state.attached);
  }

  #sourcesOf(ownerArn: string, inline: Iterable<[string, string]>, attached: readonly string[]): PolicySource[] {
    const sources: PolicySource[] = [];
    for (const [name, text] of inline) {
      sources.push({ id: `${ownerArn}/inline/${name}`, document: this.#parse(text, 'identity') });
    }
    for (const arn of attached) {
      const policy = this.#policies.get(arn);
      if (policy) sources.push({ id: arn, document: this.#parse(this.#defaultDocument(policy), 'identity') });
    }
    return sources;
  }

  // ---- policies of a principal ----

  /**
   * The identity policies of a caller: the inline policies and the default versions of the
   * managed policies of its user, or of its role for a session. Session policies are separate
   * ({@link sessionPolicies}): they bound these, they do not add to them.
   */
  effectivePolicies(principal: Pick<Principal, 'type' | 'arn' | 'roleArn'>): PolicySource[] {
    const owner =
      principal.type === 'AssumedRole'
        ? principal.roleArn === undefined
          ? undefined
          : this.getRoleByArn(principal.roleArn)
        : this.getUserByArn(principal.arn);
    if (!owner) return [];
    return this.#sourcesOf(owner.arn, owner.inlinePolicies, owner.attachedPolicyArns);
  }

  // ---- permission boundaries ----

  /**
   * Sets a role's permissions boundary, as PutRolePermissionsBoundary does.
   *
   * @throws AwsError InvalidInput, NoSuchEntity
   */
  putRolePermissionsBoundary(roleName: string, policyArn: string): void {
    const policy = this.#requireAttachable(policyArn);
    this.#boundaries.set(this.#role(roleName).roleId, policy.arn);
  }

  /**
   * Sets a user's permissions boundary, as PutUserPermissionsBoundary does.
   *
   * @throws AwsError InvalidInput, NoSuchEntity
   */
  putUserPermissionsBoundary(userName: string, policyArn: string): void {
    const policy = this.#requireAttachable(policyArn);
    this.#boundaries.set(this.#user(userName).userId, policy.arn);
  }

  /** The ARN of the permissions boundary of a role or user (by id), or undefined. */
  permissionsBoundaryArn(roleOrUserId: string): string | undefined {
    return this.#boundaries.get(roleOrUserId);
  }

  /**
   * The permissions boundary of a caller (its user's, or its role's for a session), or undefined
   * when none is set: the boundary caps what the identity policies may allow.
   */
  permissionsBoundary(principal: Pick<Principal, 'type' | 'arn' | 'roleArn'>): PolicySource | undefined {
    const owner =
      principal.type === 'AssumedRole'
        ? principal.roleArn === undefined
          ? undefined
          : this.getRoleByArn(principal.roleArn)
        : this.getUserByArn(principal.arn);
    if (!owner) return undefined;
    const arn = this.#boundaries.get('roleId' in owner ? owner.roleId : owner.userId);
    const policy = arn === undefined ? undefined : this.#policies.get(arn);
    return policy && { id: policy.arn, document: this.#parse(this.#defaultDocument(policy), 'identity') };
  }

  /** Parses an identity policy given in a request (SimulatePrincipalPolicy's `PolicyInputList`). */
  parseIdentityPolicy(text: string): PolicyDocument {
    return this.#parse(text, 'identity');
  }

  /** The session policies of an STS session: its inline `Policy` and its `PolicyArns`. */
  sessionPolicies(principal: Pick<Principal, 'sessionPolicy' | 'sessionPolicyArns'>): PolicySource[] {
    const sources: PolicySource[] = [];
    if (principal.sessionPolicy !== undefined) {
      sources.push({ id: 'session-policy', document: this.#parse(principal.sessionPolicy, 'identity') });
    }
    for (const arn of principal.sessionPolicyArns ?? []) {
      const policy = this.#policies.get(arn);
      if (policy) sources.push({ id: arn, document: this.#parse(this.#defaultDocument(policy), 'identity') });
    }
    return sources;
  }
}
