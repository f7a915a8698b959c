/**
 * The fault's pure core: a faithful copy of a task definition with the task role swapped or removed.
 */
import type { RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { copyTaskDefinition } from '../task-definition-copy.js';

export { READ_ONLY_TASK_DEFINITION_FIELDS, diffValues, type FieldChange } from '../task-definition-copy.js';

/** Options of {@link chaosTaskDefinitionInput}. */
export interface ChaosCopyOptions {
  /** The chaos task role ARN, or null to remove the task role. */
  readonly taskRoleArn: string | null;
  /** Tags of the copy: the original's tags and the recovery markers. */
  readonly tags: readonly Tag[];
}

/** The task role of a RegisterTaskDefinition input set to `taskRoleArn`, or removed when it is null. */
export function withTaskRole(
  input: RegisterTaskDefinitionCommandInput,
  taskRoleArn: string | null,
): RegisterTaskDefinitionCommandInput {
  const copy = { ...input };
  if (taskRoleArn === null) delete copy.taskRoleArn;
  else copy.taskRoleArn = taskRoleArn;
  return copy;
}

/**
 * The RegisterTaskDefinition input of the chaos revision: the original, minus its read-only fields,
 * with `taskRoleArn` set to the chaos role or removed.
 *
 * @example chaosTaskDefinitionInput(original, { taskRoleArn: null, tags: markers }) // no task role
 */
export function chaosTaskDefinitionInput(
  original: TaskDefinition,
  options: ChaosCopyOptions,
): RegisterTaskDefinitionCommandInput {
  return withTaskRole(copyTaskDefinition(original, options.tags), options.taskRoleArn);
}
