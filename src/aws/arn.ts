/**
 * ARN parsing: the one tested place where ARNs are split. Nothing else in the project splits an
 * ARN by hand.
 */

/** The parts of an Amazon Resource Name. */
export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  /** Everything after the fifth colon, e.g. `role/path/name` or `service/cluster/name`. */
  readonly resource: string;
}

/** Partitions AWS runs today. */
export const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
] as const;

/**
 * Parses an ARN, or returns `undefined` when the text is not one.
 *
 * @example parseArn('arn:aws:iam::123456789012:role/app')?.resource // 'role/app'
 */
export function parseArn(text: string): Arn | undefined {
  if (typeof text !== 'string' || !text.startsWith('arn:')) return undefined;
  const parts = text.split(':');
  if (parts.length < 6) return undefined;
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  const resource = parts.slice(5).join(':');
  if (!partition || !service || !resource) return undefined;
  return { partition, service, region, accountId, resource };
}

/** Formats ARN parts back into text. */
export function formatArn(arn: Arn): string {
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.accountId}:${arn.resource}`;
}

/** An IAM role ARN, parsed. */
export interface RoleArn extends Arn {
  /** The role's path, `/` when none, always starting and ending with `/`. */
  readonly path: string;
  readonly roleName: string;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * Parses an IAM role ARN (`arn:aws:iam::123456789012:role/optional/path/name`), or returns a reason
 * it is not one.
 */
export function parseRoleArn(text: string): { ok: true; arn: RoleArn } | { ok: false; reason: string } {
  const arn = parseArn(text);
  if (!arn) return { ok: false, reason: 'it is not an ARN (expected arn:aws:iam::ACCOUNT_ID:role/NAME)' };
  if (!(PARTITIONS as readonly string[]).includes(arn.partition))
    return { ok: false, reason: `'${arn.partition}' is not an AWS partition` };
  if (arn.service !== 'iam') return { ok: false, reason: `it is an ARN of service '${arn.service}', not of IAM` };
  if (arn.region !== '') return { ok: false, reason: 'IAM ARNs have no region' };
  if (!ACCOUNT_ID.test(arn.accountId)) return { ok: false, reason: `'${arn.accountId}' is not a 12-digit account id` };
  if (!arn.resource.startsWith('role/')) return { ok: false, reason: `'${arn.resource}' is not a role resource` };
  const segments = arn.resource.slice('role/'.length).split('/');
  const roleName = segments.pop() ?? '';
  if (!ROLE_NAME.test(roleName)) return { ok: false, reason: `'${roleName}' is not a valid role name` };
  const path = segments.length > 0 ? `/${segments.join('/')}/` : '/';
  return { ok: true, arn: { ...arn, path, roleName } };
}

/** `orders:1` from a task definition ARN (its last path segment). */
export function shortRevision(arn: string): string {
  return arn.split('/').pop() ?? arn;
}
