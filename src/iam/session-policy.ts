/**
 * The iam-sudo session of a role (../shared/DOMAIN.md section 3): the role's inline policies merged
 * into one inline session policy and its managed policy ARNs passed as `PolicyArns`, so that a
 * session of a broader base role, bounded by them, is allowed what the role is allowed.
 *
 * AWS checks three limits on session policies, and this module measures the two it can:
 *
 * - at most {@link SESSION_POLICY_LIMITS.managedPolicyArns} managed policy ARNs;
 * - an inline session policy of at most {@link SESSION_POLICY_LIMITS.inlinePolicyCharacters}
 *   characters of plain text (measured here on the minified JSON, the form sent);
 * - a packed size: STS compresses the session policies and the session tags with an unpublished
 *   algorithm and refuses the session (`PackedPolicyTooLarge`) when they take more than 100% of the
 *   allotted space. STS reports the share as `PackedPolicySize` (a percentage) in the AssumeRole
 *   answer. It cannot be computed beforehand, only read back; a policy under 2,048 characters may
 *   still exceed it in theory, although JSON packs well.
 *
 * Pure functions: no AWS call, no I/O.
 */
import type { RolePermissions } from './role-permissions.js';

/** AWS's limits on the session policies of one AssumeRole call. */
export const SESSION_POLICY_LIMITS = {
  /** Managed session policy ARNs (`PolicyArns`). */
  managedPolicyArns: 10,
  /** Characters of the inline session policy (`Policy`), plain text. */
  inlinePolicyCharacters: 2048,
} as const;

/** The limits {@link checkSessionPolicyLimits} checks. */
export const SESSION_POLICY_LIMIT_NAMES = ['managed-policy-arns', 'inline-policy-characters'] as const;

/** A limit of {@link SESSION_POLICY_LIMIT_NAMES}. */
export type SessionPolicyLimit = (typeof SESSION_POLICY_LIMIT_NAMES)[number];

/**
 * A policy that allows nothing: the session policy of a role that has no policy at all. Without it
 * the session would get everything the base role has, the opposite of the role it simulates.
 */
export const DENY_ALL_SESSION_POLICY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';

/** The session policies that make a base role's session behave like a role. */
export interface SessionPolicy {
  /** The role simulated. */
  readonly roleName: string;
  readonly roleArn: string;
  /**
   * The inline session policy (`Policy` of AssumeRole): the statements of all the role's inline
   * policies, minified, without their Sids, under Version 2012-10-17. Undefined when the role has
   * no inline policy but has managed ones (they alone bound the session); the
   * {@link DENY_ALL_SESSION_POLICY} when it has no policy at all.
   */
  readonly policy: string | undefined;
  /** Characters of {@link policy} (0 when undefined). */
  readonly policyCharacters: number;
  /** The managed policy ARNs (`PolicyArns` of AssumeRole), in the order IAM lists them. */
  readonly policyArns: readonly string[];
  /** The names of the inline policies merged into {@link policy}. */
  readonly inlinePolicyNames: readonly string[];
  /** Statements merged into {@link policy}. */
  readonly statementCount: number;
  /** Things worth knowing about the merge (e.g. a 2008-10-17 policy with policy variables). */
  readonly notes: readonly string[];
}

/** A limit the session policies exceed. */
export interface SessionPolicyViolation {
  readonly limit: SessionPolicyLimit;
  /** The measured value: ARNs or characters. */
  readonly measured: number;
  /** AWS's maximum. */
  readonly maximum: number;
  /** One sentence naming the limit and the measured value. */
  readonly message: string;
  /** How to get under the limit. */
  readonly fix: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the session policies of a role: its inline policies merged into one minified document
 * (statements concatenated in policy order, Sids dropped so they cannot collide, Version
 * 2012-10-17) and its managed policy ARNs. Limits are not checked here: see
 * {@link checkSessionPolicyLimits}.
 *
 * An inline policy whose text is not JSON is an error (IAM never stores one).
 *
 * @example
 * const session = buildSessionPolicy(await collectRolePermissions(ports.iam, 'orders-task-role'));
 * // session.policy === '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[...],...}]}'
 */
export function buildSessionPolicy(perms: RolePermissions): SessionPolicy {
  const statements: Record<string, unknown>[] = [];
  const notes: string[] = [];
  for (const inline of perms.inline) {
    let raw: unknown;
    try {
      raw = JSON.parse(inline.text);
    } catch {
      throw new Error(`inline policy ${inline.name} of role ${perms.roleName} is not JSON`);
    }
    if (!isRecord(raw)) throw new Error(`inline policy ${inline.name} of role ${perms.roleName} is not a JSON object`);
    const list: unknown[] = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
    if (raw.Version !== '2012-10-17' && inline.text.includes('${')) {
      notes.push(
        `inline policy ${inline.name} has Version ${typeof raw.Version === 'string' ? raw.Version : '2008-10-17 (none given)'}, where \${...} is ` +
          'literal text; in the merged 2012-10-17 session policy it is a policy variable',
      );
    }
    for (const statement of list) {
      if (!isRecord(statement)) continue;
      const { Sid: _sid, ...rest } = statement;
      statements.push(rest);
    }
  }
  const policyArns = perms.managed.map((m) => m.arn ?? m.id);
  const policy =
    statements.length > 0
      ? JSON.stringify({ Version: '2012-10-17', Statement: statements })
      : policyArns.length === 0
        ? DENY_ALL_SESSION_POLICY
        : undefined;
  if (statements.length === 0 && policyArns.length === 0) {
    notes.push(`role ${perms.roleName} has no policy: the session is given a policy that denies everything`);
  }
  return {
    roleName: perms.roleName,
    roleArn: perms.roleArn,
    policy,
    policyCharacters: policy?.length ?? 0,
    policyArns,
    inlinePolicyNames: perms.inline.map((p) => p.name),
    statementCount: statements.length,
    notes,
  };
}

/**
 * Checks the session policies against AWS's limits. Returns every limit exceeded (none: an empty
 * list), each with the measured value and the fix. The packed size is not checked: STS alone knows
 * it (see the module comment).
 *
 * @example
 * for (const v of checkSessionPolicyLimits(session)) console.error(`${v.message} Fix: ${v.fix}`);
 */
export function checkSessionPolicyLimits(session: SessionPolicy): SessionPolicyViolation[] {
  const violations: SessionPolicyViolation[] = [];
  const arns = session.policyArns.length;
  if (arns > SESSION_POLICY_LIMITS.managedPolicyArns) {
    violations.push({
      limit: 'managed-policy-arns',
      measured: arns,
      maximum: SESSION_POLICY_LIMITS.managedPolicyArns,
      message:
        `role ${session.roleName} has ${arns} managed policies attached; AWS accepts at most ` +
        `${SESSION_POLICY_LIMITS.managedPolicyArns} managed session policy ARNs (PolicyArns) in one AssumeRole.`,
      fix:
        `combine the role's managed policies into at most ${SESSION_POLICY_LIMITS.managedPolicyArns} ` +
        '(e.g. one customer managed policy holding their statements), or move some into an inline policy',
    });
  }
  const characters = session.policyCharacters;
  if (characters > SESSION_POLICY_LIMITS.inlinePolicyCharacters) {
    violations.push({
      limit: 'inline-policy-characters',
      measured: characters,
      maximum: SESSION_POLICY_LIMITS.inlinePolicyCharacters,
      message:
        `the inline policies of role ${session.roleName} (${session.inlinePolicyNames.join(', ')}) merge into a ` +
        `session policy of ${characters} characters (minified); AWS accepts at most ` +
        `${SESSION_POLICY_LIMITS.inlinePolicyCharacters} characters for the inline session policy (Policy).`,
      fix:
        "move inline statements into a customer managed policy attached to the role (managed policies are passed by ARN and don't count), " +
        'or shorten them (wildcards, fewer Resource entries)',
    });
  }
  return violations;
}
