/**
 * A role's permissions as IAM holds them: its trust policy, its inline policies and its attached
 * managed policies (default versions), read through the IAM port. Blast radius, simulate-role and
 * audit all start here.
 */
import type { CallOptions, IamPort } from '../aws/ports.js';
import { parsePolicyDocument, type PolicyDocument } from './policy.js';
import type { PolicySource } from './evaluate.js';

/** One policy of a role, as text and parsed. */
export interface RolePolicy {
  /** `inline:NAME` or the managed policy's ARN. */
  readonly id: string;
  readonly name: string;
  readonly kind: 'inline' | 'managed';
  /** The managed policy's ARN (managed policies only). */
  readonly arn?: string;
  /** The document as IAM stores it (decoded). */
  readonly text: string;
  readonly document: PolicyDocument | undefined;
  /** Why the document did not parse, if it did not. */
  readonly parseError?: string;
}

/** What a role may do, and who may assume it. */
export interface RolePermissions {
  readonly roleName: string;
  readonly roleArn: string;
  readonly trustPolicyText: string;
  readonly trustPolicy: PolicyDocument | undefined;
  readonly inline: readonly RolePolicy[];
  readonly managed: readonly RolePolicy[];
  /**
   * The role's permissions boundary (GetRole's `PermissionsBoundary`, the managed policy's default
   * version), when one is set: the role may do only what its policies and the boundary both allow.
   */
  readonly boundary?: RolePolicy;
}

/** IAM answers policy documents URL-encoded. */
export function decodePolicyText(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parsed(
  text: string,
  kind: 'identity' | 'trust',
): { document: PolicyDocument | undefined; parseError?: string } {
  const result = parsePolicyDocument(text, kind);
  return result.ok ? { document: result.document } : { document: undefined, parseError: result.reason };
}

/**
 * Reads a role's trust policy, inline policies and attached managed policies (default versions).
 *
 * @example const perms = await collectRolePermissions(ports.iam, 'orders-task-role');
 */
export async function collectRolePermissions(
  iam: IamPort,
  roleName: string,
  options: CallOptions = {},
): Promise<RolePermissions> {
  const role = (await iam.getRole({ RoleName: roleName }, options)).Role!;
  const trustPolicyText = decodePolicyText(role.AssumeRolePolicyDocument);
  const inlineNames: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.listRolePolicies({ RoleName: roleName, Marker: marker }, options);
    inlineNames.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const inline: RolePolicy[] = [];
  for (const name of inlineNames) {
    const text = decodePolicyText(
      (await iam.getRolePolicy({ RoleName: roleName, PolicyName: name }, options)).PolicyDocument,
    );
    inline.push({ id: `inline:${name}`, name, kind: 'inline', text, ...parsed(text, 'identity') });
  }
  const attached: { PolicyArn?: string; PolicyName?: string }[] = [];
  marker = undefined;
  do {
    const page = await iam.listAttachedRolePolicies({ RoleName: roleName, Marker: marker }, options);
    attached.push(...(page.AttachedPolicies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const managed: RolePolicy[] = [];
  for (const a of attached) {
    const policy = (await iam.getPolicy({ PolicyArn: a.PolicyArn }, options)).Policy!;
    const version = await iam.getPolicyVersion({ PolicyArn: a.PolicyArn, VersionId: policy.DefaultVersionId }, options);
    const text = decodePolicyText(version.PolicyVersion?.Document);
    managed.push({
      id: a.PolicyArn!,
      name: a.PolicyName ?? policy.PolicyName!,
      kind: 'managed',
      arn: a.PolicyArn!,
      text,
      ...parsed(text, 'identity'),
    });
  }
  const boundaryArn = role.PermissionsBoundary?.PermissionsBoundaryArn;
  let boundary: RolePolicy | undefined;
  if (boundaryArn !== undefined) {
    const policy = (await iam.getPolicy({ PolicyArn: boundaryArn }, options)).Policy!;
    const version = await iam.getPolicyVersion({ PolicyArn: boundaryArn, VersionId: policy.DefaultVersionId }, options);
    const text = decodePolicyText(version.PolicyVersion?.Document);
    boundary = {
      id: boundaryArn,
      name: policy.PolicyName ?? boundaryArn,
      kind: 'managed',
      arn: boundaryArn,
      text,
      ...parsed(text, 'identity'),
    };
  }
  return {
    ...(boundary ? { boundary } : {}),
    roleName,
    roleArn: role.Arn!,
    trustPolicyText,
    ...(() => {
      const t = parsed(trustPolicyText, 'trust');
      return { trustPolicy: t.document };
    })(),
    inline,
    managed,
  };
}

/** The role's permissions boundary, ready for the evaluator (undefined when none, or unparseable). */
export function boundaryPolicySource(perms: RolePermissions): PolicySource | undefined {
  const b = perms.boundary;
  return b?.document ? { id: b.id, document: b.document } : undefined;
}

/** The role's identity policies, ready for the evaluator. */
export function identityPolicySources(perms: RolePermissions): PolicySource[] {
  return [...perms.inline, ...perms.managed]
    .filter((p): p is RolePolicy & { document: PolicyDocument } => p.document !== undefined)
    .map((p) => ({ id: p.id, document: p.document }));
}
