/**
 * The faithful copy every task-definition fault starts from: the original, minus the fields ECS
 * computes, so that fields added to the API later are kept too. Pure.
 */
import type { RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';

/**
 * Fields ECS computes and returns but RegisterTaskDefinition does not accept. A copy drops these and
 * keeps everything else.
 */
export const READ_ONLY_TASK_DEFINITION_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

/** The RegisterTaskDefinition input that registers `original` again, with `tags` (none when empty). */
export function copyTaskDefinition(
  original: TaskDefinition,
  tags: readonly Tag[] = [],
): RegisterTaskDefinitionCommandInput {
  const copy: Record<string, unknown> = structuredClone(original) as Record<string, unknown>;
  for (const field of READ_ONLY_TASK_DEFINITION_FIELDS) delete copy[field];
  delete copy.tags;
  if (tags.length > 0) copy.tags = tags.map((t) => ({ key: t.key, value: t.value }));
  return copy as unknown as RegisterTaskDefinitionCommandInput;
}

/** One difference between two JSON-like values. */
export interface FieldChange {
  /** A path like `taskRoleArn` or `containerDefinitions[0].image`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** The differences between two JSON-like values, leaf by leaf. */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      out.push(...diffValues(before[i], after[i], `${path}[${i}]`));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return [{ path: path || '(root)', before, after }];
}
