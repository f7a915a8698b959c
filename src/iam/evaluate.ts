/**
 * The policy evaluator: decides whether policies allow a request, by IAM's rules for
 * identity-based policies.
 *
 * {@link evaluatePolicies} evaluates one set of policies of one kind (the identity policies of a
 * caller, a permission boundary, the session policies, or a role's trust policy): an explicit Deny
 * wins over any Allow, and without a matching Allow the answer is the implicit deny. A statement
 * applies when each of its elements matches, in the order of `STATEMENT_ELEMENTS`.
 * {@link authorize} combines such evaluations as IAM does for a principal: a Deny in any of the
 * sets denies, and an Allow needs the identity policies, the permission boundary (when there is
 * one) and the session policies (when there are any) to allow. Resource-based policies, SCPs and
 * RCPs are not evaluated (see docs/iam-evaluator.md).
 *
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}`) are resolved
 * against the request context in Resource, NotResource and the values of the String, Arn and Bool
 * condition operators, in documents of version `2012-10-17` only, as IAM does.
 */
import { BlockList, isIP } from 'node:net';
import { parseArn } from '../aws/arn.js';
import {
  parseOperator,
  type ConditionBlock,
  type ConditionOperator,
  type Effect,
  type PolicyDocument,
  type PolicyVersion,
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
  readonly context: ReadonlyMap<string, ContextEntry>;
}

/** The values of one condition key in a request, as text. */
interface ContextEntry {
  readonly values: readonly string[];
  /** True when the caller gave an array: the key is multivalued, whatever the number of values. */
  readonly multivalued: boolean;
}

/** What a statement is evaluated in: the request's context, and whether variables are resolved. */
interface Scope {
  /** Lower-cased keys -> values. */
  readonly context: ReadonlyMap<string, ContextEntry>;
  /** Policy variables are resolved in `2012-10-17` documents only; elsewhere `${...}` is text. */
  readonly variables: boolean;
}

/** A wildcard in a compiled pattern: `*` any run of characters, `?` any one character. */
const ANY_RUN: unique symbol = Symbol('*');
const ANY_ONE: unique symbol = Symbol('?');

/** One element of a compiled pattern: a literal character or a wildcard. */
type PatternItem = string | typeof ANY_RUN | typeof ANY_ONE;

/**
 * A policy value with its variables resolved: the items to match, and the positions of the colons
 * written in the policy (not those a variable brought in), which split an ARN into its parts.
 */
interface CompiledPattern {
  readonly items: readonly PatternItem[];
  readonly colons: readonly number[];
}

/** `${aws:username}` or `${aws:PrincipalTag/team, 'none'}`: a context key and an optional default. */
const VARIABLE = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/** The single value a variable stands for, or undefined when it has none (missing or multivalued). */
function variableValue(inner: string, context: ReadonlyMap<string, ContextEntry>): string | undefined {
  const parsed = VARIABLE.exec(inner);
  if (!parsed) return undefined;
  const [, key = '', fallback] = parsed;
  const entry = context.get(key.toLowerCase());
  if (entry === undefined || entry.values.length === 0) return fallback;
  // A multivalued key cannot stand in a string: AWS leaves the value unmatched.
  if (entry.multivalued) return undefined;
  return entry.values[0];
}

/**
 * Compiles a policy value (Resource, or a condition value) into items to match. `*` and `?` are
 * wildcards when `wildcards` is set and literal otherwise; `${*}`, `${?}` and `${$}` are always the
 * literal characters; a variable's value is literal text (a `*` in a tag value matches only `*`).
 *
 * @returns undefined when a variable has no value and no default: IAM then matches nothing
 */
function compilePattern(
  value: string,
  scope: Scope,
  wildcards: boolean,
  /** `wildcard` reads a variable without a value as `*`: what the value could name, were it known. */
  unresolved: 'fail' | 'wildcard' = 'fail',
): CompiledPattern | undefined {
  const items: PatternItem[] = [];
  const colons: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (scope.variables && c === '$' && value[i + 1] === '{') {
      const end = value.indexOf('}', i + 2);
      if (end !== -1) {
        const inner = value.slice(i + 2, end);
        const text = inner === '*' || inner === '?' || inner === '$' ? inner : variableValue(inner, scope.context);
        if (text !== undefined) items.push(...text);
        else if (unresolved === 'wildcard') items.push(ANY_RUN);
        else return undefined;
        i = end;
        continue;
      }
    }
    if (wildcards && c === '*') items.push(ANY_RUN);
    else if (wildcards && c === '?') items.push(ANY_ONE);
    else {
      if (c === ':') colons.push(items.length);
      items.push(c);
    }
  }
  return { items, colons };
}

/** A compiled value without wildcards, as text; undefined when a variable has no value. */
function resolveLiteral(value: string, scope: Scope): string | undefined {
  if (!scope.variables || !value.includes('${')) return value;
  return compilePattern(value, scope, false)?.items.join('');
}

/** Whether `text` matches the items, `*` any run (across `/` and `:` alike), `?` any one character. */
function itemsMatch(items: readonly PatternItem[], text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const item = items[p];
    if (item === ANY_RUN) {
      starP = p++;
      starT = t;
    } else if (item !== undefined && (item === ANY_ONE || item === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (items[p] === ANY_RUN) p++;
  return p === items.length;
}

/** `*` matches any run of characters, `?` any one character, as in IAM's Action element. */
function globMatch(pattern: string, text: string): boolean {
  return itemsMatch(
    [...pattern].map((c) => (c === '*' ? ANY_RUN : c === '?' ? ANY_ONE : c)),
    text,
  );
}

/** The six parts of an ARN (the last keeps its colons), or undefined for text that is not one. */
function arnParts(text: string): string[] | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** The six parts of a compiled ARN pattern, split at its first five written colons. */
function patternParts(pattern: CompiledPattern): PatternItem[][] | undefined {
  if (pattern.colons.length < 5) return undefined;
  const cuts = pattern.colons.slice(0, 5);
  const parts: PatternItem[][] = [];
  let from = 0;
  for (const cut of cuts) {
    parts.push(pattern.items.slice(from, cut));
    from = cut + 1;
  }
  parts.push(pattern.items.slice(from));
  return parts;
}

/**
 * Whether an ARN matches a compiled ARN pattern: part by part (partition, service, region,
 * account, resource), each part a glob, so a `*` in the region never spans into the account.
 */
function arnPatternMatches(pattern: CompiledPattern, arn: string): boolean {
  const actual = arnParts(arn);
  const parts = patternParts(pattern);
  if (!actual || !parts || parts[0]?.join('') !== 'arn') return false;
  return parts.every((part, i) => itemsMatch(part, actual[i] ?? ''));
}

function actionMatches(patterns: readonly string[], action: string): boolean {
  // Actions are case-insensitive: `S3:getobject` names `s3:GetObject`.
  const lower = action.toLowerCase();
  return patterns.some((pattern) => globMatch(pattern.toLowerCase(), lower));
}

/** Whether a Resource value names the request's resource. Resource ARNs are case-sensitive. */
function resourcePatternMatches(pattern: string, resource: string, scope: Scope): boolean {
  if (pattern === '*') return true;
  const compiled = compilePattern(pattern, scope, true);
  return compiled !== undefined && resourceItemsMatch(compiled, resource);
}

function resourceItemsMatch(compiled: CompiledPattern, resource: string): boolean {
  // A resource that is not an ARN (`*` for actions without resource types) is compared whole.
  return arnParts(resource) ? arnPatternMatches(compiled, resource) : itemsMatch(compiled.items, resource);
}

function resourceMatches(patterns: readonly string[], resource: string, scope: Scope): boolean {
  return patterns.some((pattern) => resourcePatternMatches(pattern, resource, scope));
}

/**
 * Whether a policy value holds a variable without a value. AWS warns that such a variable "might
 * cause the entire statement to be invalid": a Resource value holding one names nothing, and a
 * NotResource or negated condition holding one fails rather than holds.
 */
function unresolvable(value: string, scope: Scope): boolean {
  return scope.variables && value.includes('${') && compilePattern(value, scope, false) === undefined;
}

/**
 * NotResource: the statement applies to every resource but those listed. A value whose variable
 * has no value cannot say whether it names the resource unless it could not name it whatever the
 * value (another service, say): when it could, the statement does not apply.
 */
function notResourceApplies(patterns: readonly string[], resource: string, scope: Scope): boolean {
  const undecided = patterns.some((pattern) => {
    if (!unresolvable(pattern, scope)) return false;
    const widened = compilePattern(pattern, scope, true, 'wildcard');
    return widened !== undefined && resourceItemsMatch(widened, resource);
  });
  return !undecided && !resourceMatches(patterns, resource, scope);
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

/** Compares one context value with one policy value, in the scope of the statement's policy. */
type ValueTest = (contextValue: string, policyValue: string, scope: Scope) => boolean;

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

/** StringEquals and its kin: the policy value, variables resolved, compared as literal text. */
function stringEquals(fold: (text: string) => string): ValueTest {
  return (contextValue, policyValue, scope) => {
    const resolved = resolveLiteral(policyValue, scope);
    return resolved !== undefined && fold(contextValue) === fold(resolved);
  };
}

const same = (text: string): string => text;
const lower = (text: string): string => text.toLowerCase();

function stringLike(contextValue: string, policyValue: string, scope: Scope): boolean {
  const compiled = compilePattern(policyValue, scope, true);
  return compiled !== undefined && itemsMatch(compiled.items, contextValue);
}

/** Bool compares `true` and `false` without regard to case; any other text matches nothing. */
function bool(contextValue: string, policyValue: string, scope: Scope): boolean {
  const resolved = resolveLiteral(policyValue, scope)?.toLowerCase();
  const actual = contextValue.toLowerCase();
  const isBool = (text: string | undefined): boolean => text === 'true' || text === 'false';
  return isBool(resolved) && isBool(actual) && resolved === actual;
}

/**
 * ArnEquals and ArnLike alike compare the six parts of the ARNs one by one, each part a glob; a
 * policy value of `*` matches any ARN.
 */
function arnLike(contextValue: string, policyValue: string, scope: Scope): boolean {
  if (!arnParts(contextValue)) return false;
  if (policyValue === '*') return true;
  const compiled = compilePattern(policyValue, scope, true);
  return compiled !== undefined && arnPatternMatches(compiled, contextValue);
}

function ipMatches(contextValue: string, policyValue: string): boolean {
  const family = isIP(contextValue);
  if (family === 0) return false;
  const [network, bits] = policyValue.split('/');
  const networkFamily = isIP(network ?? '');
  if (networkFamily !== family || network === undefined) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false;
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return list.check(contextValue, type);
}

/**
 * Each operator except Null, as a test of one context value against one policy value, and
 * whether the operator is the negation of that test. A negated operator holds when the positive
 * one does not, which is why `StringNotEquals` holds for a key the request does not carry.
 * Policy variables are resolved in the values of the String, Arn and Bool operators.
 */
const OPERATOR_TESTS: Readonly<Record<Exclude<ConditionOperator, 'Null'>, { test: ValueTest; negated: boolean }>> = {
  StringEquals: { test: stringEquals(same), negated: false },
  StringNotEquals: { test: stringEquals(same), negated: true },
  StringEqualsIgnoreCase: { test: stringEquals(lower), negated: false },
  StringNotEqualsIgnoreCase: { test: stringEquals(lower), negated: true },
  StringLike: { test: stringLike, negated: false },
  StringNotLike: { test: stringLike, negated: true },
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
  Bool: { test: bool, negated: false },
  BinaryEquals: { test: (c, p) => c === p, negated: false },
  IpAddress: { test: ipMatches, negated: false },
  NotIpAddress: { test: ipMatches, negated: true },
  ArnEquals: { test: arnLike, negated: false },
  ArnLike: { test: arnLike, negated: false },
  ArnNotEquals: { test: arnLike, negated: true },
  ArnNotLike: { test: arnLike, negated: true },
};

/** Evaluates one operator on one key: `policyValues` of the policy, `entry` the request's values. */
function conditionHolds(
  written: string,
  policyValues: readonly string[],
  entry: ContextEntry | undefined,
  scope: Scope,
): boolean {
  const parsed = parseOperator(written);
  // The parser refuses unknown operators; a document built by hand with one matches nothing.
  if (!parsed) return false;
  const present = entry?.values ?? [];
  const missing = present.length === 0;
  if (parsed.operator === 'Null') {
    // `"Null": {"k": "true"}` holds when k is absent; `"false"` when it is present.
    return policyValues.some((value) => (value.toLowerCase() === 'true') === missing);
  }
  if (missing && parsed.ifExists) return true;
  const { test, negated } = OPERATOR_TESTS[parsed.operator];
  // A negation cannot hold on a value that does not exist: a variable without a value fails it.
  if (negated && !missing && policyValues.some((value) => unresolvable(value, scope))) return false;
  const matchesAny = (contextValue: string): boolean => policyValues.some((p) => test(contextValue, p, scope));
  switch (parsed.qualifier) {
    case 'ForAllValues':
      // Every value of the request must satisfy the operator; an absent key satisfies it vacuously.
      if (missing) return true;
      return present.every((c) => (negated ? !matchesAny(c) : matchesAny(c)));
    case 'ForAnyValue':
      if (missing) return false;
      return present.some((c) => (negated ? !matchesAny(c) : matchesAny(c)));
    case undefined: {
      if (missing) return negated;
      // An operator without a set qualifier compares one value: on a multivalued key it matches
      // nothing, negated or not (AWS requires ForAnyValue/ForAllValues for such keys).
      if (entry?.multivalued) return false;
      const positive = matchesAny(present[0] ?? '');
      return negated ? !positive : positive;
    }
  }
}

/** A Condition element holds when every operator holds on every key (AND), each key's values ORed. */
function conditionsHold(block: ConditionBlock, scope: Scope): boolean {
  for (const [operator, entries] of Object.entries(block)) {
    for (const [key, values] of Object.entries(entries)) {
      if (!conditionHolds(operator, values, scope.context.get(key.toLowerCase()), scope)) return false;
    }
  }
  return true;
}

/**
 * The elements of a statement, each a test the request must pass for the statement to apply.
 * Resource, NotResource and Condition see the policy's {@link Scope}, whose context resolves
 * policy variables.
 */
const STATEMENT_ELEMENTS: ReadonlyArray<(statement: Statement, request: PreparedRequest, scope: Scope) => boolean> = [
  (s, r) => (s.principal ? principalMatches(s.principal, r.principal) : true),
  (s, r) => (s.notPrincipal ? notPrincipalApplies(s.notPrincipal, r.principal) : true),
  (s, r) => (s.action ? actionMatches(s.action, r.action) : true),
  (s, r) => (s.notAction ? !actionMatches(s.notAction, r.action) : true),
  // Without a resource in the request (trust policies), Resource and NotResource are not compared.
  (s, r, scope) => (s.resource && r.resource !== undefined ? resourceMatches(s.resource, r.resource, scope) : true),
  (s, r, scope) =>
    s.notResource && r.resource !== undefined ? notResourceApplies(s.notResource, r.resource, scope) : true,
  (s, _r, scope) => (s.condition ? conditionsHold(s.condition, scope) : true),
];

function contextText(value: ConditionValue): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function prepare(request: AuthorizationRequest): PreparedRequest {
  const context = new Map<string, ContextEntry>();
  for (const [key, value] of Object.entries(request.context ?? {})) {
    if (value === undefined) continue;
    const multivalued = Array.isArray(value);
    const list = multivalued ? (value as readonly ConditionValue[]) : [value as ConditionValue];
    context.set(key.toLowerCase(), { values: list.map(contextText), multivalued });
  }
  return {
    action: request.action,
    resource: request.resource,
    principal: request.principal ?? { kind: 'Anonymous' },
    context,
  };
}

function scopeOf(prepared: PreparedRequest, version: PolicyVersion): Scope {
  return { context: prepared.context, variables: version === '2012-10-17' };
}

/**
 * Whether one statement applies to a request: its principal, action, resource and condition
 * elements all match.
 *
 * @param version the version of the statement's policy, which decides whether policy variables
 *   are resolved @default '2012-10-17'
 */
export function statementApplies(
  statement: Statement,
  request: AuthorizationRequest,
  version: PolicyVersion = '2012-10-17',
): boolean {
  const prepared = prepare(request);
  const scope = scopeOf(prepared, version);
  return STATEMENT_ELEMENTS.every((element) => element(statement, prepared, scope));
}

function evaluatePrepared(policies: readonly PolicySource[], prepared: PreparedRequest): EvaluationResult {
  const matchedStatements: MatchedStatement[] = [];
  for (const policy of policies) {
    const scope = scopeOf(prepared, policy.document.version);
    policy.document.statements.forEach((statement, index) => {
      if (STATEMENT_ELEMENTS.every((element) => element(statement, prepared, scope))) {
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

/**
 * Evaluates a set of policies of one kind against a request: any applying Deny gives
 * `ExplicitDeny`, else any applying Allow gives `Allow`, else `ImplicitDeny`. To decide for a
 * principal with a permission boundary or session policies, use {@link authorize}.
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
  return evaluatePrepared(input.policies, prepare(input.request));
}

/** The kinds of policy {@link authorize} combines, in the order it reports them. */
export const POLICY_TYPES = ['identity', 'permissionBoundary', 'session'] as const;

/** A kind of policy in an authorization. */
export type PolicyType = (typeof POLICY_TYPES)[number];

/**
 * Why {@link authorize} decided as it did, as a closed vocabulary: the request is allowed, or
 * denied by a Deny in one kind of policy, or denied because one kind of policy has no Allow.
 */
export const AUTHORIZATION_REASONS = {
  Allowed: 'allowed by the identity policies and every policy that limits them',
  ExplicitDenyInIdentityPolicy: 'explicitly denied by an identity-based policy',
  ExplicitDenyInPermissionBoundary: 'explicitly denied by the permission boundary',
  ExplicitDenyInSessionPolicy: 'explicitly denied by a session policy',
  NoAllowInIdentityPolicies: 'no identity-based policy allows the action',
  NoAllowInPermissionBoundary: 'the permission boundary does not allow the action',
  NoAllowInSessionPolicies: 'no session policy allows the action',
} as const;

/** A reason of {@link AUTHORIZATION_REASONS}. */
export type AuthorizationReason = keyof typeof AUTHORIZATION_REASONS;

/** A statement that applied in an authorization, with the kind of policy it belongs to. */
export interface AuthorizationMatch extends MatchedStatement {
  readonly policyType: PolicyType;
}

/** The outcome of {@link authorize}. */
export interface AuthorizationResult {
  readonly decision: Decision;
  /** The first reason that decided, in the order of evaluation. */
  readonly reason: AuthorizationReason;
  /** Every statement that applied, Allow and Deny alike: identity, boundary, then session policies. */
  readonly matchedStatements: readonly AuthorizationMatch[];
}

/** The policies that decide a principal's request, and the request. */
export interface AuthorizeInput {
  /** The principal's inline and managed policies (and, for a user, its groups' policies). */
  readonly identityPolicies: readonly PolicySource[];
  /**
   * The managed policy set as the principal's permissions boundary: an Allow then needs it too.
   * @default no boundary
   */
  readonly permissionBoundary?: PolicySource;
  /**
   * The session policies of an STS session: the inline `Policy` and the managed `PolicyArns`
   * passed to AssumeRole. An Allow then needs one of them too; an empty list is no session policy.
   * @default no session policies
   */
  readonly sessionPolicies?: readonly PolicySource[];
  readonly request: AuthorizationRequest;
}

/**
 * Decides a principal's request as IAM does for identity-based policies, in this order:
 *
 * 1. an applying Deny in any identity policy, the permission boundary or a session policy denies
 *    (`ExplicitDeny`);
 * 2. without an applying Allow in the identity policies, the request is denied (`ImplicitDeny`);
 * 3. with a permission boundary, it must allow the request too;
 * 4. with session policies, one of them must allow the request too.
 *
 * Resource-based policies, SCPs, RCPs and VPC endpoint policies are not considered: the request
 * is taken to be within one account without them (see docs/iam-evaluator.md).
 *
 * @example
 * const { decision, reason } = authorize({
 *   identityPolicies: [{ id: 'inline:app', document: appPolicy }],
 *   permissionBoundary: { id: boundaryArn, document: boundary },
 *   request: { action: 's3:PutObject', resource: 'arn:aws:s3:::bucket/key', context: { 'aws:username': 'alice' } },
 * });
 * if (decision !== 'Allow') console.log(AUTHORIZATION_REASONS[reason]);
 */
export function authorize(input: AuthorizeInput): AuthorizationResult {
  const prepared = prepare(input.request);
  const sets: Array<{ readonly type: PolicyType; readonly result: EvaluationResult }> = [
    { type: 'identity', result: evaluatePrepared(input.identityPolicies, prepared) },
  ];
  if (input.permissionBoundary) {
    sets.push({ type: 'permissionBoundary', result: evaluatePrepared([input.permissionBoundary], prepared) });
  }
  if (input.sessionPolicies && input.sessionPolicies.length > 0) {
    sets.push({ type: 'session', result: evaluatePrepared(input.sessionPolicies, prepared) });
  }
  const matchedStatements = sets.flatMap(({ type, result }) =>
    result.matchedStatements.map((match) => ({ ...match, policyType: type })),
  );
  const denied = sets.find(({ result }) => result.decision === 'ExplicitDeny');
  if (denied) {
    const reason = (
      {
        identity: 'ExplicitDenyInIdentityPolicy',
        permissionBoundary: 'ExplicitDenyInPermissionBoundary',
        session: 'ExplicitDenyInSessionPolicy',
      } as const
    )[denied.type];
    return { decision: 'ExplicitDeny', reason, matchedStatements };
  }
  const unallowed = sets.find(({ result }) => result.decision !== 'Allow');
  if (unallowed) {
    const reason = (
      {
        identity: 'NoAllowInIdentityPolicies',
        permissionBoundary: 'NoAllowInPermissionBoundary',
        session: 'NoAllowInSessionPolicies',
      } as const
    )[unallowed.type];
    return { decision: 'ImplicitDeny', reason, matchedStatements };
  }
  return { decision: 'Allow', reason: 'Allowed', matchedStatements };
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
