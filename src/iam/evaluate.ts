/**
 * The policy evaluator: decides whether a set of policies allows a request, by IAM's rules.
 *
 * Today it evaluates one set of policies of one kind (the identity policies of a caller, or a
 * role's trust policy): an explicit Deny wins over any Allow, and without a matching Allow the
 * answer is the implicit deny. A statement applies when each of its elements matches, in the order
 * of {@link STATEMENT_ELEMENTS}. IAM's full logic (permission boundaries, session policies,
 * resource-based policies, SCPs) combines several such evaluations, each the call this module
 * makes, which is why {@link evaluatePolicies} reports the statements that matched and not only
 * the decision. Policy variables (`${aws:username}`) will plug in as a step that resolves
 * Resource and condition values against the context before they are compared.
 */
import { BlockList, isIP } from 'node:net';
import { parseArn } from '../aws/arn.js';
import {
  parseOperator,
  type ConditionBlock,
  type ConditionOperator,
  type Effect,
  type PolicyDocument,
  type PrincipalBlock,
  type Statement,
} from './policy.js';

/** A value in a request's condition context; IAM compares them as text. */
export type ConditionValue = string | number | boolean | Date;

/**
 * The condition context of a request: condition key -> value, or values for multivalued keys.
 * Keys are case-insensitive, as in IAM; an undefined value is a key that is not present.
 */
export type ConditionContext = Readonly<Record<string, ConditionValue | readonly ConditionValue[] | undefined>>;

/**
 * Who makes a request, as the `Principal` element sees it.
 *
 * - `AWS`: an IAM user or an STS session. For a session, `arn` is the assumed-role ARN and
 *   `roleArn` the role's IAM ARN, so a policy naming either matches it.
 * - `Service`: an AWS service, e.g. `ecs-tasks.amazonaws.com` assuming a task role.
 * - `Federated`: a web identity, named by its identity provider (for OIDC, the IAM provider ARN).
 * - `Anonymous`: an unsigned caller; only `"*"` names it.
 */
export type RequestPrincipal =
  | { readonly kind: 'AWS'; readonly arn: string; readonly accountId: string; readonly roleArn?: string }
  | { readonly kind: 'Service'; readonly service: string }
  | { readonly kind: 'Federated'; readonly provider: string }
  | { readonly kind: 'Anonymous' };

/** The request to decide on. */
export interface AuthorizationRequest {
  /** The action, `service:Operation`, e.g. `s3:GetObject`. */
  readonly action: string;
  /**
   * The resource ARN. Omitted for trust policies, whose resource is the role itself: their
   * statements carry no Resource element.
   */
  readonly resource?: string;
  /** The caller. Required to match statements with Principal or NotPrincipal; omitted = anonymous. */
  readonly principal?: RequestPrincipal;
  /** Condition keys and their values for this request. @default {} */
  readonly context?: ConditionContext;
}

/** A policy to evaluate, with a name to report it by. */
export interface PolicySource {
  /** How the policy is reported in {@link MatchedStatement}, e.g. a managed policy ARN. */
  readonly id: string;
  readonly document: PolicyDocument;
}

/** A statement that applied to the request. */
export interface MatchedStatement {
  /** The {@link PolicySource.id} of its policy. */
  readonly policyId: string;
  /** Its position in the policy's statements, from 0. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
}

/** IAM's three outcomes: allowed, denied by a statement, or denied for want of an Allow. */
export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** The outcome of an evaluation. */
export interface EvaluationResult {
  readonly decision: Decision;
  /** Every statement that applied, Allow and Deny alike, in policy order. */
  readonly matchedStatements: readonly MatchedStatement[];
}

/** A request prepared once for all the statements it is compared with. */
interface PreparedRequest {
  readonly action: string;
  readonly resource: string | undefined;
  readonly principal: RequestPrincipal;
  /** Lower-cased keys -> values as text. */
  readonly context: ReadonlyMap<string, readonly string[]>;
}

/** `*` matches any run of characters, `?` any one character, as in IAM's Action and Resource. */
function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

function actionMatches(patterns: readonly string[], action: string): boolean {
  // Actions are case-insensitive: `S3:getobject` names `s3:GetObject`.
  const lower = action.toLowerCase();
  return patterns.some((pattern) => globMatch(pattern.toLowerCase(), lower));
}

function resourceMatches(patterns: readonly string[], resource: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, resource));
}

/** An identity a principal is known by, each of which a policy may name. */
type Identity =
  | { readonly kind: 'arn'; readonly value: string }
  | { readonly kind: 'account'; readonly value: string }
  | { readonly kind: 'service'; readonly value: string }
  | { readonly kind: 'federated'; readonly value: string };

/**
 * The identities of a principal. A session is its assumed-role ARN, its role and its account; a
 * user is its ARN and its account: naming any of them in `Principal` names the caller.
 */
function identitiesOf(principal: RequestPrincipal): Identity[] {
  switch (principal.kind) {
    case 'AWS':
      return [
        { kind: 'arn', value: principal.arn },
        ...(principal.roleArn ? [{ kind: 'arn', value: principal.roleArn } as const] : []),
        { kind: 'account', value: principal.accountId },
      ];
    case 'Service':
      return [{ kind: 'service', value: principal.service }];
    case 'Federated':
      return [{ kind: 'federated', value: principal.provider }];
    case 'Anonymous':
      return [];
  }
}

const ROOT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

/** Whether an `AWS` principal value (account id, root ARN, user/role/session ARN) names an identity. */
function awsValueNames(value: string, identity: Identity): boolean {
  if (identity.kind === 'account') {
    if (/^\d{12}$/.test(value)) return value === identity.value;
    return ROOT_ARN.exec(value)?.[1] === identity.value;
  }
  return identity.kind === 'arn' && value === identity.value;
}

/** `"*"` and `{"AWS": "*"}` both name everyone, anonymous callers included. */
function namesEveryone(block: PrincipalBlock): boolean {
  return block === '*' || (block.AWS?.includes('*') ?? false);
}

function blockNames(block: PrincipalBlock, identity: Identity): boolean {
  if (block === '*' || namesEveryone(block)) return true;
  switch (identity.kind) {
    case 'arn':
    case 'account':
      return (block.AWS ?? []).some((value) => awsValueNames(value, identity));
    case 'service':
      return (block.Service ?? []).includes(identity.value);
    case 'federated':
      return (block.Federated ?? []).includes(identity.value);
  }
}

/** `Principal`: the statement applies when the block names any identity of the caller. */
function principalMatches(block: PrincipalBlock, principal: RequestPrincipal): boolean {
  if (namesEveryone(block)) return true;
  return identitiesOf(principal).some((identity) => blockNames(block, identity));
}

/**
 * `NotPrincipal`: the statement applies unless the block names every identity of the caller. This
 * is why AWS asks a NotPrincipal that spares a session to list both the session and its role (and
 * the account): a session is spared only when all of them are named.
 */
function notPrincipalApplies(block: PrincipalBlock, principal: RequestPrincipal): boolean {
  const identities = identitiesOf(principal);
  if (identities.length === 0) return !namesEveryone(block);
  return !identities.every((identity) => blockNames(block, identity));
}

/** Compares one context value with one policy value. */
type ValueTest = (contextValue: string, policyValue: string) => boolean;

function toNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function numeric(compare: (a: number, b: number) => boolean): ValueTest {
  return (contextValue, policyValue) => {
    const a = toNumber(contextValue);
    const b = toNumber(policyValue);
    return a !== undefined && b !== undefined && compare(a, b);
  };
}

/** IAM dates are ISO 8601 text or epoch seconds. */
function toEpochMs(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function date(compare: (a: number, b: number) => boolean): ValueTest {
  return (contextValue, policyValue) => {
    const a = toEpochMs(contextValue);
    const b = toEpochMs(policyValue);
    return a !== undefined && b !== undefined && compare(a, b);
  };
}

/** ArnLike compares the six parts of the ARNs one by one, each part a glob. */
function arnLike(contextValue: string, policyValue: string): boolean {
  const split = (arn: string): string[] | undefined => {
    const parts = arn.split(':');
    if (parts.length < 6 || parts[0] !== 'arn') return undefined;
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const actual = split(contextValue);
  const pattern = policyValue === '*' ? ['*', '*', '*', '*', '*', '*'] : split(policyValue);
  if (!actual || !pattern) return false;
  return pattern.every((part, i) => globMatch(part, actual[i] ?? ''));
}

function ipMatches(contextValue: string, policyValue: string): boolean {
  const family = isIP(contextValue);
  if (family === 0) return false;
  const [network, bits] = policyValue.split('/');
  const networkFamily = isIP(network ?? '');
  if (networkFamily !== family || network === undefined) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
  if (!Number.isInteger(prefix)) return false;
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return list.check(contextValue, type);
}

/**
 * Each operator except Null, as a test of one context value against one policy value, and
 * whether the operator is the negation of that test. A negated operator holds when the positive
 * one does not, which is why `StringNotEquals` holds for a key the request does not carry.
 */
const OPERATOR_TESTS: Readonly<Record<Exclude<ConditionOperator, 'Null'>, { test: ValueTest; negated: boolean }>> = {
  StringEquals: { test: (c, p) => c === p, negated: false },
  StringNotEquals: { test: (c, p) => c === p, negated: true },
  StringEqualsIgnoreCase: { test: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: true },
  StringLike: { test: (c, p) => globMatch(p, c), negated: false },
  StringNotLike: { test: (c, p) => globMatch(p, c), negated: true },
  NumericEquals: { test: numeric((a, b) => a === b), negated: false },
  NumericNotEquals: { test: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { test: numeric((a, b) => a < b), negated: false },
  NumericLessThanEquals: { test: numeric((a, b) => a <= b), negated: false },
  NumericGreaterThan: { test: numeric((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { test: numeric((a, b) => a >= b), negated: false },
  DateEquals: { test: date((a, b) => a === b), negated: false },
  DateNotEquals: { test: date((a, b) => a === b), negated: true },
  DateLessThan: { test: date((a, b) => a < b), negated: false },
  DateLessThanEquals: { test: date((a, b) => a <= b), negated: false },
  DateGreaterThan: { test: date((a, b) => a > b), negated: false },
  DateGreaterThanEquals: { test: date((a, b) => a >= b), negated: false },
  Bool: { test: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: false },
  BinaryEquals: { test: (c, p) => c === p, negated: false },
  IpAddress: { test: ipMatches, negated: false },
  NotIpAddress: { test: ipMatches, negated: true },
  ArnEquals: { test: arnLike, negated: false },
  ArnLike: { test: arnLike, negated: false },
  ArnNotEquals: { test: arnLike, negated: true },
  ArnNotLike: { test: arnLike, negated: true },
};

/** Evaluates one operator on one key: `values` of the policy, `present` those of the request. */
function conditionHolds(
  written: string,
  policyValues: readonly string[],
  present: readonly string[] | undefined,
): boolean {
  const parsed = parseOperator(written);
  // The parser refuses unknown operators; a document built by hand with one matches nothing.
  if (!parsed) return false;
  const missing = present === undefined || present.length === 0;
  if (parsed.operator === 'Null') {
    // `"Null": {"k": "true"}` holds when k is absent; `"false"` when it is present.
    return policyValues.some((value) => (value.toLowerCase() === 'true') === missing);
  }
  if (missing && parsed.ifExists) return true;
  const { test, negated } = OPERATOR_TESTS[parsed.operator];
  const matchesAny = (contextValue: string): boolean => policyValues.some((p) => test(contextValue, p));
  switch (parsed.qualifier) {
    case 'ForAllValues':
      // Every value of the request must satisfy the operator; an absent key satisfies it vacuously.
      if (missing) return true;
      return present.every((c) => (negated ? !matchesAny(c) : matchesAny(c)));
    case 'ForAnyValue':
      if (missing) return false;
      return present.some((c) => (negated ? !matchesAny(c) : matchesAny(c)));
    case undefined: {
      const positive = !missing && present.some(matchesAny);
      return negated ? !positive : positive;
    }
  }
}

/** A Condition element holds when every operator holds on every key (AND), each key's values ORed. */
function conditionsHold(block: ConditionBlock, context: ReadonlyMap<string, readonly string[]>): boolean {
  for (const [operator, entries] of Object.entries(block)) {
    for (const [key, values] of Object.entries(entries)) {
      if (!conditionHolds(operator, values, context.get(key.toLowerCase()))) return false;
    }
  }
  return true;
}

/**
 * The elements of a statement, each a test the request must pass for the statement to apply.
 * New elements of the evaluation (policy variables resolved before Resource and Condition) slot
 * in here.
 */
const STATEMENT_ELEMENTS: ReadonlyArray<(statement: Statement, request: PreparedRequest) => boolean> = [
  (s, r) => (s.principal ? principalMatches(s.principal, r.principal) : true),
  (s, r) => (s.notPrincipal ? notPrincipalApplies(s.notPrincipal, r.principal) : true),
  (s, r) => (s.action ? actionMatches(s.action, r.action) : true),
  (s, r) => (s.notAction ? !actionMatches(s.notAction, r.action) : true),
  // Without a resource in the request (trust policies), Resource and NotResource are not compared.
  (s, r) => (s.resource && r.resource !== undefined ? resourceMatches(s.resource, r.resource) : true),
  (s, r) => (s.notResource && r.resource !== undefined ? !resourceMatches(s.notResource, r.resource) : true),
  (s, r) => (s.condition ? conditionsHold(s.condition, r.context) : true),
];

function contextText(value: ConditionValue): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function prepare(request: AuthorizationRequest): PreparedRequest {
  const context = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(request.context ?? {})) {
    if (value === undefined) continue;
    const list = Array.isArray(value) ? (value as readonly ConditionValue[]) : [value as ConditionValue];
    context.set(key.toLowerCase(), list.map(contextText));
  }
  return {
    action: request.action,
    resource: request.resource,
    principal: request.principal ?? { kind: 'Anonymous' },
    context,
  };
}

/**
 * Whether one statement applies to a request: its principal, action, resource and condition
 * elements all match.
 */
export function statementApplies(statement: Statement, request: AuthorizationRequest): boolean {
  const prepared = prepare(request);
  return STATEMENT_ELEMENTS.every((element) => element(statement, prepared));
}

/**
 * Evaluates a set of policies of one kind against a request: any applying Deny gives
 * `ExplicitDeny`, else any applying Allow gives `Allow`, else `ImplicitDeny`.
 *
 * @example
 * const { decision } = evaluatePolicies({
 *   policies: [{ id: 'inline:app', document }],
 *   request: { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key' },
 * });
 */
export function evaluatePolicies(input: {
  readonly policies: readonly PolicySource[];
  readonly request: AuthorizationRequest;
}): EvaluationResult {
  const prepared = prepare(input.request);
  const matchedStatements: MatchedStatement[] = [];
  for (const policy of input.policies) {
    policy.document.statements.forEach((statement, index) => {
      if (STATEMENT_ELEMENTS.every((element) => element(statement, prepared))) {
        matchedStatements.push({
          policyId: policy.id,
          index,
          ...(statement.sid !== undefined && { sid: statement.sid }),
          effect: statement.effect,
        });
      }
    });
  }
  const decision: Decision = matchedStatements.some((m) => m.effect === 'Deny')
    ? 'ExplicitDeny'
    : matchedStatements.some((m) => m.effect === 'Allow')
      ? 'Allow'
      : 'ImplicitDeny';
  return { decision, matchedStatements };
}

/** The STS actions a trust policy decides on. */
export type TrustAction =
  'sts:AssumeRole' | 'sts:AssumeRoleWithWebIdentity' | 'sts:AssumeRoleWithSAML' | 'sts:TagSession';

/**
 * Whether a role's trust policy lets a principal assume the role.
 *
 * @example
 * trustAllows(trust, { action: 'sts:AssumeRole', principal: { kind: 'Service', service: 'ecs-tasks.amazonaws.com' } })
 */
export function trustAllows(
  trustPolicy: PolicyDocument,
  request: { readonly action: TrustAction; readonly principal: RequestPrincipal; readonly context?: ConditionContext },
): boolean {
  return evaluatePolicies({ policies: [{ id: 'trust', document: trustPolicy }], request }).decision === 'Allow';
}

/** The caller as the global condition keys describe it. */
export interface CallerIdentity {
  /** `User` for IAM users' keys, `AssumedRole` for STS sessions. */
  readonly type: 'User' | 'AssumedRole';
  readonly arn: string;
  readonly accountId: string;
  /** `AIDA...` for users, `AROA...:session` for sessions. */
  readonly userId: string;
  /** For sessions: the role's IAM ARN. */
  readonly roleArn?: string;
}

/**
 * The global condition keys (`aws:*`) AWS puts in every request's context, from who calls, when and
 * from where. `aws:PrincipalArn` of a session is its role's ARN, as in AWS; `aws:username` exists for
 * users only.
 */
export function globalConditionKeys(input: {
  readonly caller?: CallerIdentity;
  readonly now: Date;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly region?: string;
  /** Whether the request came over TLS (the sandbox listens on plain HTTP). @default false */
  readonly secureTransport?: boolean;
}): Record<string, ConditionValue> {
  const keys: Record<string, ConditionValue> = {
    'aws:CurrentTime': input.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': Math.floor(input.now.getTime() / 1000),
    'aws:SecureTransport': input.secureTransport ?? false,
  };
  if (input.sourceIp !== undefined) keys['aws:SourceIp'] = input.sourceIp;
  if (input.userAgent !== undefined) keys['aws:UserAgent'] = input.userAgent;
  if (input.region !== undefined) keys['aws:RequestedRegion'] = input.region;
  const caller = input.caller;
  if (caller) {
    keys['aws:PrincipalArn'] = caller.roleArn ?? caller.arn;
    keys['aws:PrincipalAccount'] = caller.accountId;
    keys['aws:PrincipalType'] = caller.type;
    keys['aws:userid'] = caller.userId;
    if (caller.type === 'User') {
      const name = parseArn(caller.arn)?.resource.split('/').pop();
      if (name) keys['aws:username'] = name;
    }
  }
  return keys;
}
