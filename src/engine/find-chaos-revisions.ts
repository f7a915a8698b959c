/** Finding chaos revisions in AWS by their markers, from any machine. */
import type { Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { CallOptions, EcsPort } from '../aws/ports.js';
import { MARKER, tagValue } from './markers.js';

/** A task definition revision that ecs-chaos registered. */
export interface ChaosRevision {
  readonly taskDefinition: TaskDefinition;
  readonly tags: readonly Tag[];
  readonly experimentId: string;
}

/** Options of {@link findChaosRevisions}. */
export interface FindChaosRevisionsOptions extends CallOptions {
  /** Only the revisions of this experiment. */
  readonly experimentId?: string;
  /** Only the revision of this iteration (with experimentId). */
  readonly iteration?: number;
  /** Only the revisions registered for this service (ARN). */
  readonly serviceArn?: string;
  /** ACTIVE (default) or INACTIVE revisions. */
  readonly status?: 'ACTIVE' | 'INACTIVE';
  /** Look at the newest N revisions of the family at most. @default 100 */
  readonly limit?: number;
}

/**
 * The revisions of a family that carry ecs-chaos markers, newest first.
 *
 * @example await findChaosRevisions(ecs, 'orders', { experimentId }) // after a lost RegisterTaskDefinition answer
 */
export async function findChaosRevisions(
  ecs: EcsPort,
  family: string,
  options: FindChaosRevisionsOptions = {},
): Promise<ChaosRevision[]> {
  const limit = options.limit ?? 100;
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.listTaskDefinitions(
      {
        familyPrefix: family,
        status: options.status ?? 'ACTIVE',
        sort: 'DESC',
        maxResults: Math.min(100, limit),
        nextToken,
      },
      call,
    );
    arns.push(...(page.taskDefinitionArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken && arns.length < limit);
  const found: ChaosRevision[] = [];
  for (const arn of arns.slice(0, limit)) {
    const out = await ecs.describeTaskDefinition({ taskDefinition: arn, include: ['TAGS'] }, call);
    const experimentId = tagValue(out.tags, MARKER.experimentId);
    if (experimentId === undefined || !out.taskDefinition) continue;
    if (options.experimentId !== undefined && experimentId !== options.experimentId) continue;
    if (options.iteration !== undefined && tagValue(out.tags, MARKER.iteration) !== String(options.iteration)) continue;
    if (options.serviceArn !== undefined && tagValue(out.tags, MARKER.service) !== options.serviceArn) continue;
    found.push({ taskDefinition: out.taskDefinition, tags: out.tags ?? [], experimentId });
  }
  return found;
}
