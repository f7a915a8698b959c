/**
 * deny-task-permissions' policy: one Deny statement on the chosen actions and resources, bounded by
 * `DateLessThan aws:CurrentTime <planned end>` so it stops applying by itself at the end of the
 * window even if nothing removes it; its name and the role's tag are the recovery markers.
 */
import { policySize } from '../../iam/policy.js';

/** Every policy the fault creates starts with this: status and recover find leftovers by it. */
export const DENY_POLICY_PREFIX = 'ecs-chaos-deny-';
/** The role tag the fault writes while its policy is in place: `ecs-chaos:deny:<experiment id>`. */
export const DENY_TAG_PREFIX = 'ecs-chaos:deny:';
/** IAM's quota on a role's inline policies together, in characters (white space excluded). */
export const ROLE_INLINE_QUOTA = 10_240;
/** IAM's default quota of managed policies attached to one role. */
export const ROLE_MANAGED_QUOTA = 10;
/** IAM's quota of tags on one role. */
export const ROLE_TAG_QUOTA = 50;

/** How the Deny is put on the role: an inline policy, or a customer managed policy attached to it. */
export type DenyForm = 'inline' | 'managed';

/** The policy name of one iteration: `ecs-chaos-deny-20261121T073000Z-1a2b3c-1`. */
export function denyPolicyName(experimentId: string, iteration: number): string {
  return `${DENY_POLICY_PREFIX}${experimentId.replace(/^ecs-chaos-/, '')}-${iteration}`;
}

/** The role tag key of an experiment. */
export function denyTagKey(experimentId: string): string {
  return `${DENY_TAG_PREFIX}${experimentId}`;
}

/** IAM's `aws:CurrentTime` format: seconds, `Z`. */
export function iamTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The role tag's value: which policy, in which form, until when (`inline ecs-chaos-deny-... until 2026-...Z`). */
export function denyTagValue(form: DenyForm, policyName: string, end: Date): string {
  return `${form} ${policyName} until ${iamTime(end)}`;
}

/** A tag value read back; undefined when it is not one the fault wrote. */
export function parseDenyTag(value: string | undefined): { form: DenyForm; policyName: string; end: Date } | undefined {
  const m = /^(inline|managed) (\S+) until (\S+)$/.exec(value ?? '');
  if (!m) return undefined;
  const end = new Date(m[3]!);
  return Number.isNaN(end.getTime()) ? undefined : { form: m[1] as DenyForm, policyName: m[2]!, end };
}

/** The Deny document: the actions on the resources, until `end`. */
export function denyDocument(actions: readonly string[], resources: readonly string[], end: Date): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EcsChaosDenyTaskPermissions',
        Effect: 'Deny',
        Action: actions.length === 1 ? actions[0] : [...actions],
        Resource: resources.length === 1 ? resources[0] : [...resources],
        Condition: { DateLessThan: { 'aws:CurrentTime': iamTime(end) } },
      },
    ],
  });
}

/** The size IAM counts for the Deny document (its end time has a fixed length). */
export function denyDocumentSize(actions: readonly string[], resources: readonly string[]): number {
  return policySize(denyDocument(actions, resources, new Date(0)));
}

/** The end a Deny document names (its `DateLessThan aws:CurrentTime`), or undefined. */
export function denyEnd(document: string): Date | undefined {
  const m = /"aws:CurrentTime"\s*:\s*"([^"]+)"/.exec(document);
  if (!m) return undefined;
  const end = new Date(m[1]!);
  return Number.isNaN(end.getTime()) ? undefined : end;
}

/** The managed form's policy ARN. */
export function managedPolicyArn(partition: string, accountId: string, policyName: string): string {
  return `arn:${partition}:iam::${accountId}:policy/${policyName}`;
}

/** The experiment id a policy name or a role tag key names (`ecs-chaos-20261121T073000Z-1a2b3c`), or undefined. */
export function experimentOf(nameOrTagKey: string): string | undefined {
  if (nameOrTagKey.startsWith(DENY_TAG_PREFIX)) return nameOrTagKey.slice(DENY_TAG_PREFIX.length) || undefined;
  const m = new RegExp(`^${DENY_POLICY_PREFIX}(.+)-\\d+$`).exec(nameOrTagKey);
  return m ? `ecs-chaos-${m[1]}` : undefined;
}
