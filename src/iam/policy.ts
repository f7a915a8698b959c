/**
 * IAM policy documents: their types and the validation IAM applies before it stores one. The
 * parser returns a normalized document (every list an array, every condition value a string) so
 * the evaluator never has to care how the JSON was written, and a reason worded as IAM words its
 * `MalformedPolicyDocument` errors when the text is not a valid policy.
 */

/** Policy language versions IAM accepts; a document without `Version` is `2008-10-17`. */
export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'] as const;

/** A policy language version. */
export type PolicyVersion = (typeof POLICY_VERSIONS)[number];

/** The effects a statement may have (case-sensitive, as IAM reads them). */
export const EFFECTS = ['Allow', 'Deny'] as const;

/** A statement's effect. */
export type Effect = (typeof EFFECTS)[number];

/**
 * Where a policy is attached, which decides the elements it may hold: an identity policy (inline
 * or managed, on a user or role, or a session policy) names no principal; a trust policy (a role's
 * assume-role policy) names principals and no resource.
 */
export type PolicyKind = 'identity' | 'trust';

/** The keys of a `Principal` object. */
export const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser'] as const;

/** A kind of principal named in a `Principal` element. */
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** A `Principal` or `NotPrincipal` element: `'*'` for everyone, or the values named per type. */
export type PrincipalBlock = '*' | Readonly<Partial<Record<PrincipalType, readonly string[]>>>;

/**
 * The condition operators IAM knows, without their `ForAnyValue:`/`ForAllValues:` prefix and
 * `IfExists` suffix. The evaluator implements each one; a document naming another is refused.
 */
export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;

/** A condition operator's base name. */
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** The set qualifiers that may prefix an operator, for multivalued context keys. */
export const SET_QUALIFIERS = ['ForAnyValue', 'ForAllValues'] as const;

/** A set qualifier. */
export type SetQualifier = (typeof SET_QUALIFIERS)[number];

/** An operator as written in a `Condition` block, split into its parts. */
export interface ParsedOperator {
  /** The base operator, e.g. `StringLike` for `ForAnyValue:StringLikeIfExists`. */
  readonly operator: ConditionOperator;
  /** The set qualifier, when the operator has one. */
  readonly qualifier: SetQualifier | undefined;
  /** True for the `IfExists` suffix: a missing key then satisfies the condition. */
  readonly ifExists: boolean;
}

/**
 * A `Condition` element: operator as written -> condition key as written -> the policy values,
 * each turned into text (JSON `true` becomes `'true'`, `3600` becomes `'3600'`), as IAM compares.
 */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

/** One statement, normalized: every value list is an array. */
export interface Statement {
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalBlock;
  readonly notPrincipal?: PrincipalBlock;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly condition?: ConditionBlock;
}

/** A parsed, validated policy document. */
export interface PolicyDocument {
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly Statement[];
}

/** The outcome of {@link parsePolicyDocument}. */
export type ParsePolicyResult =
  { readonly ok: true; readonly document: PolicyDocument } | { readonly ok: false; readonly reason: string };

/** IAM's messages for malformed documents, worded as IAM words them. */
export const POLICY_ERRORS = {
  syntax: 'Syntax errors in policy.',
  legacy: 'The policy failed legacy parsing',
  noActions: 'Policy statement must contain actions.',
  noResources: 'Policy statement must contain resources.',
  principalInIdentity: 'Policy document should not specify a principal.',
  noPrincipal: 'Missing required field Principal',
  trustActions: 'AssumeRole policy may only specify STS AssumeRole actions.',
  duplicateSid: 'Statement IDs (SID) in a single policy must be unique.',
  sidPattern:
    'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  vendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  colons: 'Actions/Condition can contain only one colon.',
} as const;

const TOP_LEVEL_FIELDS: ReadonlySet<string> = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS: ReadonlySet<string> = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

/** Thrown inside the parser only; turned into a `{ ok: false }` result at its edge. */
class Malformed extends Error {}

function fail(reason: string): never {
  throw new Malformed(reason);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or an array of strings, as Action, Resource and principal values are. */
function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  return fail(POLICY_ERRORS.syntax);
}

/** Condition values may be JSON strings, numbers or booleans, alone or in an array. */
function conditionValues(value: unknown): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    return fail(POLICY_ERRORS.syntax);
  });
}

/**
 * Splits an operator as written (`ForAllValues:StringLikeIfExists`) into its parts, or returns
 * undefined when IAM does not know it.
 */
export function parseOperator(written: string): ParsedOperator | undefined {
  let rest = written;
  let qualifier: SetQualifier | undefined;
  for (const candidate of SET_QUALIFIERS) {
    if (rest.startsWith(`${candidate}:`)) {
      qualifier = candidate;
      rest = rest.slice(candidate.length + 1);
      break;
    }
  }
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  // `NullIfExists` means nothing: Null is itself about existence.
  if (ifExists && rest === 'Null') return undefined;
  const operator = CONDITION_OPERATORS.find((name) => name === rest);
  return operator === undefined ? undefined : { operator, qualifier, ifExists };
}

function parseCondition(value: unknown): ConditionBlock {
  if (!isRecord(value)) return fail(POLICY_ERRORS.syntax);
  const block: Record<string, Record<string, string[]>> = {};
  for (const [operator, entries] of Object.entries(value)) {
    if (!isRecord(entries)) return fail(POLICY_ERRORS.syntax);
    if (!parseOperator(operator)) return fail(POLICY_ERRORS.syntax);
    const keys: Record<string, string[]> = {};
    for (const [key, raw] of Object.entries(entries)) {
      if (!key.includes(':')) return fail(POLICY_ERRORS.vendor);
      keys[key] = conditionValues(raw);
    }
    block[operator] = keys;
  }
  return block;
}

function parsePrincipal(value: unknown): PrincipalBlock {
  if (value === '*') return '*';
  if (!isRecord(value)) return fail(POLICY_ERRORS.syntax);
  const block: Partial<Record<PrincipalType, string[]>> = {};
  for (const [type, raw] of Object.entries(value)) {
    const known = PRINCIPAL_TYPES.find((name) => name === type);
    if (!known) return fail(`Invalid principal in policy: "${type}"`);
    block[known] = stringList(raw);
  }
  return block;
}

const ACCOUNT_ID = /^\d{12}$/;
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|user\/.+|role\/.+)$/;
const STS_PRINCIPAL_ARN = /^arn:aws[a-z-]*:sts::\d{12}:(assumed-role\/[^/]+\/.+|federated-user\/.+)$/;
/** IAM rewrites a deleted principal into its unique id (AIDA..., AROA...) in stored policies. */
const UNIQUE_ID = /^A[A-Z]{3}[A-Z0-9]{12,}$/;
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazonaws\.com\.cn|amazon\.com)$/;

/** Whether a principal value is one IAM accepts for its type (no wildcards inside ARNs). */
function validPrincipalValue(type: PrincipalType, value: string): boolean {
  switch (type) {
    case 'AWS':
      return (
        value === '*' ||
        ACCOUNT_ID.test(value) ||
        UNIQUE_ID.test(value) ||
        (!value.includes('*') && (IAM_PRINCIPAL_ARN.test(value) || STS_PRINCIPAL_ARN.test(value)))
      );
    case 'Service':
      return SERVICE_PRINCIPAL.test(value);
    case 'Federated':
      return value.length > 0 && !value.includes('*');
    case 'CanonicalUser':
      return /^[0-9a-f]{64}$/.test(value);
  }
}

function checkPrincipalValues(block: PrincipalBlock): void {
  if (block === '*') return;
  for (const type of PRINCIPAL_TYPES) {
    for (const value of block[type] ?? []) {
      if (!validPrincipalValue(type, value)) fail(`Invalid principal in policy: "${type}":"${value}"`);
    }
  }
}

function checkAction(action: string, kind: PolicyKind): void {
  if (action === '*') return;
  const parts = action.split(':');
  if (parts.length === 1) fail(POLICY_ERRORS.vendor);
  if (parts.length > 2) fail(POLICY_ERRORS.colons);
  const vendor = parts[0] ?? '';
  if (!/^[a-zA-Z0-9.*?-]+$/.test(vendor)) fail(`Vendor ${vendor} is not valid`);
  if (kind === 'trust' && !/^(sts|\*)$/i.test(vendor)) fail(POLICY_ERRORS.trustActions);
}

function checkResource(resource: string): void {
  if (resource === '*') return;
  if (!resource.startsWith('arn:') || resource.split(':').length < 6) {
    fail(`Resource ${resource} must be in ARN format or "*".`);
  }
}

function parseStatement(raw: unknown): Statement {
  if (!isRecord(raw)) return fail(POLICY_ERRORS.syntax);
  for (const field of Object.keys(raw)) if (!STATEMENT_FIELDS.has(field)) fail(POLICY_ERRORS.syntax);
  const pairs = [
    ['Action', 'NotAction'],
    ['Resource', 'NotResource'],
    ['Principal', 'NotPrincipal'],
  ] as const;
  for (const [a, b] of pairs) if (a in raw && b in raw) fail(POLICY_ERRORS.syntax);

  const effect = raw.Effect;
  if (typeof effect !== 'string') return fail(POLICY_ERRORS.syntax);
  const knownEffect = EFFECTS.find((name) => name === effect);
  if (!knownEffect) {
    // IAM reads `allow` in a first, lenient pass, then refuses it in the strict one.
    return fail(
      EFFECTS.some((name) => name.toLowerCase() === effect.toLowerCase()) ? POLICY_ERRORS.legacy : POLICY_ERRORS.syntax,
    );
  }
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') fail(POLICY_ERRORS.syntax);
  const sid = raw.Sid;

  const action = raw.Action === undefined ? undefined : stringList(raw.Action);
  const notAction = raw.NotAction === undefined ? undefined : stringList(raw.NotAction);
  const resource = raw.Resource === undefined ? undefined : stringList(raw.Resource);
  const notResource = raw.NotResource === undefined ? undefined : stringList(raw.NotResource);
  const principal = raw.Principal === undefined ? undefined : parsePrincipal(raw.Principal);
  const notPrincipal = raw.NotPrincipal === undefined ? undefined : parsePrincipal(raw.NotPrincipal);
  const condition = raw.Condition === undefined ? undefined : parseCondition(raw.Condition);

  return {
    ...(sid !== undefined && { sid }),
    effect: knownEffect,
    ...(principal && { principal }),
    ...(notPrincipal && { notPrincipal }),
    ...(action && { action }),
    ...(notAction && { notAction }),
    ...(resource && { resource }),
    ...(notResource && { notResource }),
    ...(condition && { condition }),
  };
}

/** The checks that depend on where the policy is attached, run after the syntax is known good. */
function checkSemantics(statements: readonly Statement[], kind: PolicyKind): void {
  const sids = new Set<string>();
  for (const statement of statements) {
    if (statement.sid) {
      if (!/^[0-9A-Za-z]*$/.test(statement.sid)) fail(POLICY_ERRORS.sidPattern);
      if (sids.has(statement.sid)) fail(POLICY_ERRORS.duplicateSid);
      sids.add(statement.sid);
    }
  }
  for (const statement of statements) {
    // The elements a kind of policy must not or must have come first: they say the document is
    // of the wrong kind altogether, which is more useful than a complaint about its actions.
    if (kind === 'identity') {
      if (statement.principal || statement.notPrincipal) fail(POLICY_ERRORS.principalInIdentity);
    } else {
      if (statement.resource) fail('Has prohibited field Resource');
      if (statement.notResource) fail('Has prohibited field NotResource');
      if (!statement.principal && !statement.notPrincipal) fail(POLICY_ERRORS.noPrincipal);
    }
    const actions = statement.action ?? statement.notAction;
    if (!actions || actions.length === 0) fail(POLICY_ERRORS.noActions);
    for (const action of actions) checkAction(action, kind);
    if (kind === 'identity') {
      const resources = statement.resource ?? statement.notResource;
      if (!resources || resources.length === 0) fail(POLICY_ERRORS.noResources);
      for (const resource of resources) checkResource(resource);
    } else {
      checkPrincipalValues(statement.principal ?? statement.notPrincipal ?? {});
    }
  }
}

/**
 * Parses and validates a policy document as IAM does when it stores one.
 *
 * @param text the JSON text of the document
 * @param kind `identity` for inline, managed and session policies; `trust` for a role's
 *   assume-role policy
 * @returns the normalized document, or the reason IAM gives with `MalformedPolicyDocument`
 * @example
 * const parsed = parsePolicyDocument('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}', 'identity');
 * if (!parsed.ok) throw new Error(parsed.reason);
 */
export function parsePolicyDocument(text: string, kind: PolicyKind): ParsePolicyResult {
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return fail(POLICY_ERRORS.syntax);
    }
    if (!isRecord(raw)) return fail(POLICY_ERRORS.syntax);
    for (const field of Object.keys(raw)) if (!TOP_LEVEL_FIELDS.has(field)) fail(POLICY_ERRORS.syntax);
    const version = raw.Version === undefined ? '2008-10-17' : POLICY_VERSIONS.find((v) => v === raw.Version);
    if (!version) return fail(POLICY_ERRORS.syntax);
    if (raw.Id !== undefined && typeof raw.Id !== 'string') fail(POLICY_ERRORS.syntax);
    const rawStatements: unknown[] = Array.isArray(raw.Statement)
      ? raw.Statement
      : isRecord(raw.Statement)
        ? [raw.Statement]
        : [];
    if (rawStatements.length === 0) return fail(POLICY_ERRORS.syntax);
    const statements = rawStatements.map((statement) => parseStatement(statement));
    checkSemantics(statements, kind);
    const document: PolicyDocument = {
      version,
      ...(typeof raw.Id === 'string' && { id: raw.Id }),
      statements,
    };
    return { ok: true, document };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * The size IAM counts against its policy quotas: the characters of the text, white space excluded.
 *
 * @example policySize('{ "Version": "2012-10-17" }') // 24
 */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}
