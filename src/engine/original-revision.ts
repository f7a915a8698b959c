/**
 * The original revision, made deployable again: ECS cannot deploy an INACTIVE revision, so when
 * someone deregistered the original while it was away, a faithful copy of it (its own tags, without
 * the recovery markers and the keys AWS reserves) is registered and deployed instead.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { EcsPort } from '../aws/ports.js';
import { copyTaskDefinition } from '../faults/task-definition-copy.js';
import { MARKER_KEYS } from './markers.js';
import { LEASE_PREFIX } from './lease.js';
import { reservedTag } from './preflight-shape.js';

/** The revision to deploy for `originalArn`: itself when ACTIVE, otherwise a new copy of it. */
export interface DeployableOriginal {
  readonly taskDefinitionArn: string;
  /** Set when the original was INACTIVE and this is a new copy of it. */
  readonly copyOf?: string;
  readonly taskDefinition: TaskDefinition;
}

/**
 * Reads `originalArn`; when it is INACTIVE, registers a copy of it. `register` makes the call
 * (the caller's retry and abort policy); by default `ecs.registerTaskDefinition`.
 */
export async function deployableOriginal(
  ecs: EcsPort,
  originalArn: string,
  options: {
    abortSignal?: AbortSignal;
    register?: (input: Parameters<EcsPort['registerTaskDefinition']>[0]) => Promise<TaskDefinition>;
  } = {},
): Promise<DeployableOriginal> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const described = await ecs.describeTaskDefinition({ taskDefinition: originalArn, include: ['TAGS'] }, call);
  const td = described.taskDefinition!;
  if (td.status === 'ACTIVE') return { taskDefinitionArn: originalArn, taskDefinition: td };
  const tags = (described.tags ?? []).filter(
    (t) => !MARKER_KEYS.includes(t.key ?? '') && !(t.key ?? '').startsWith(LEASE_PREFIX) && !reservedTag(t.key),
  );
  const input = copyTaskDefinition(td, tags);
  const copy = options.register
    ? await options.register(input)
    : (await ecs.registerTaskDefinition(input, call)).taskDefinition!;
  return { taskDefinitionArn: copy.taskDefinitionArn!, copyOf: originalArn, taskDefinition: copy };
}
