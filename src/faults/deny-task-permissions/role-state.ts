/**
 * The task role as the fault must leave it: its inline policies (names and documents), its attached
 * managed policies and its tags, read before the change and again after the undo, and compared.
 */
import type { IamPort, CallOptions } from '../../aws/ports.js';
import { collectRolePermissions } from '../../iam/role-permissions.js';
import { policySize } from '../../iam/policy.js';

/** A role's policies and tags at one moment. */
export interface RoleState {
  readonly roleName: string;
  readonly roleArn: string;
  /** Inline policy name -> document text. */
  readonly inline: Readonly<Record<string, string>>;
  /** Attached managed policy ARNs, sorted. */
  readonly managed: readonly string[];
  /** Tag key -> value. */
  readonly tags: Readonly<Record<string, string>>;
  /** The trust policy's text (who may assume the role). */
  readonly trustPolicyText: string;
}

/** Reads a role's policies and tags. */
export async function readRoleState(iam: IamPort, roleName: string, options: CallOptions = {}): Promise<RoleState> {
  const perms = await collectRolePermissions(iam, roleName, options);
  const role = (await iam.getRole({ RoleName: roleName }, options)).Role;
  return {
    roleName,
    roleArn: perms.roleArn,
    inline: Object.fromEntries(perms.inline.map((p) => [p.name, p.text])),
    managed: perms.managed.map((p) => p.arn!).sort(),
    tags: Object.fromEntries((role?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    trustPolicyText: perms.trustPolicyText,
  };
}

/** The characters the role's inline policies use together (IAM's count, white space excluded). */
export function inlineSize(state: RoleState): number {
  return Object.values(state.inline).reduce((sum, text) => sum + policySize(text), 0);
}

/** How `after` differs from `before`, one line each (names, documents, attachments, tags); empty when identical. */
export function roleDifferences(before: RoleState, after: RoleState): string[] {
  const out: string[] = [];
  const names = new Set([...Object.keys(before.inline), ...Object.keys(after.inline)]);
  for (const name of [...names].sort()) {
    const a = before.inline[name];
    const b = after.inline[name];
    if (a === undefined) out.push(`inline policy ${name} was added`);
    else if (b === undefined) out.push(`inline policy ${name} is gone`);
    else if (normalized(a) !== normalized(b)) out.push(`inline policy ${name} has another document`);
  }
  for (const arn of after.managed) if (!before.managed.includes(arn)) out.push(`managed policy ${arn} is attached`);
  for (const arn of before.managed) if (!after.managed.includes(arn)) out.push(`managed policy ${arn} is detached`);
  const keys = new Set([...Object.keys(before.tags), ...Object.keys(after.tags)]);
  for (const key of [...keys].sort()) {
    if (before.tags[key] === after.tags[key]) continue;
    out.push(
      before.tags[key] === undefined
        ? `tag ${key} was added`
        : after.tags[key] === undefined
          ? `tag ${key} is gone`
          : `tag ${key} changed`,
    );
  }
  return out;
}

/** A document compared by its JSON value (IAM may answer it re-serialized). */
function normalized(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}
