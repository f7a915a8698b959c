/**
 * Whether ECS tasks may assume a role, judged as ECS asks: `sts:AssumeRole` by the service principal
 * `ecs-tasks.amazonaws.com` with the confused-deputy keys ECS supplies (`aws:SourceAccount`, the
 * task's account; `aws:SourceArn`, a task ARN of the cluster), as AWS's documentation recommends
 * trust policies to require them. A condition on any other key cannot be evaluated here: that is a
 * warning, not a refusal.
 */
import type { PolicyDocument } from './policy.js';
import { trustAllows } from './evaluate.js';

export const ECS_TASKS = 'ecs-tasks.amazonaws.com';

/** Where the tasks run: the context keys ECS supplies come from it. */
export interface EcsTrustContext {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly cluster: string;
}

export type EcsTrustVerdict =
  | { readonly kind: 'trusted' }
  /** Allowed only under conditions on keys ECS's context lacks: unknown, not refused. */
  | { readonly kind: 'conditional'; readonly keys: readonly string[] }
  | { readonly kind: 'not-trusted' };

/** The condition keys ECS supplies when it assumes a task's role. */
export function ecsTaskContext(where: EcsTrustContext): Record<string, string> {
  return {
    'aws:SourceAccount': where.accountId,
    'aws:SourceArn': `arn:${where.partition}:ecs:${where.region}:${where.accountId}:task/${where.cluster}/0123456789abcdef0123456789abcdef`,
  };
}

/** Judges a trust policy for ECS tasks in `where`. */
export function ecsTasksTrust(document: PolicyDocument, where: EcsTrustContext): EcsTrustVerdict {
  const request = { action: 'sts:AssumeRole' as const, principal: { kind: 'Service' as const, service: ECS_TASKS } };
  if (trustAllows(document, { ...request, context: ecsTaskContext(where) })) return { kind: 'trusted' };
  // Would it allow with its Allow statements' conditions satisfied? Then the conditions decide.
  const known = new Set(Object.keys(ecsTaskContext(where)).map((k) => k.toLowerCase()));
  const unconditional: PolicyDocument = {
    ...document,
    statements: document.statements.map((s) => {
      if (s.effect !== 'Allow' || !s.condition) return s;
      const { condition: _dropped, ...rest } = s;
      return rest;
    }),
  };
  if (!trustAllows(unconditional, { ...request, context: ecsTaskContext(where) })) return { kind: 'not-trusted' };
  const keys = new Set<string>();
  for (const s of document.statements) {
    if (s.effect !== 'Allow' || !s.condition) continue;
    for (const byKey of Object.values(s.condition)) {
      for (const key of Object.keys(byKey)) if (!known.has(key.toLowerCase())) keys.add(key);
    }
  }
  // Conditions only on the keys ECS supplies, and still refused: the values do not match.
  if (keys.size === 0) return { kind: 'not-trusted' };
  return { kind: 'conditional', keys: [...keys].sort() };
}
