/**
 * A revision someone else registered and deployed that carries the change of a chaos revision: a
 * routine CI deploy that cloned the service's current task definition during the chaos window makes
 * the chaos permanent. The fault says what "carries the change" means (carries-change.ts).
 */
import type { Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { faultOfMarker } from '../faults/registry.js';
import { isGone, type ChaosRevision, type DescribedRevision, type RevisionCatalog } from './find-chaos-revisions.js';
import { MARKER, tagValue } from './markers.js';

/** A revision someone else deployed that carries a chaos revision's change (e.g. a CI build cloned from it). */
export interface ForeignRevision {
  /** The revision the service runs. */
  readonly arn: string;
  /** The chaos revision whose change it carries. */
  readonly chaosRevision: string;
  /** The revision the chaos revision was a copy of. */
  readonly original: string;
  /** The change it carries, e.g. `task role X (original: Y)`. */
  readonly change: string;
  /** The chaos revision's markers (the original revision and deployment configuration). */
  readonly chaosTags: readonly Tag[];
}

/**
 * The revision the service runs, when someone else registered it and it carries the change of one
 * of this service's chaos revisions: the ACTIVE ones, the one the service markers name, and, when an
 * experiment left evidence (markers, a lease) but no ACTIVE chaos revision, its INACTIVE ones (a run
 * deregisters its chaos revision once no task uses it). Only revisions registered after the chaos
 * revision count: a clone is newer than what it copies.
 */
export async function findForeignRevision(
  catalog: RevisionCatalog,
  service: Service,
  current: TaskDefinition | undefined,
  active: readonly ChaosRevision[],
  evidence: { experimentIds: readonly string[]; families: ReadonlySet<string>; chaosArn: string | undefined },
): Promise<ForeignRevision | undefined> {
  if (!current?.taskDefinitionArn || evidence.experimentIds.length === 0) return undefined;
  const candidates: ChaosRevision[] = [...active];
  const seen = new Set(active.map((r) => r.taskDefinition.taskDefinitionArn));
  if (evidence.chaosArn && !seen.has(evidence.chaosArn)) {
    const named = await catalog.describe(evidence.chaosArn).catch(gone);
    const experimentId = tagValue(named.tags, MARKER.experimentId);
    if (named.taskDefinition && experimentId)
      candidates.push({ ...named, taskDefinition: named.taskDefinition, experimentId });
  }
  const found = new Set(candidates.map((c) => c.experimentId));
  if (evidence.experimentIds.some((id) => !found.has(id))) {
    for (const family of evidence.families) {
      const scan = await catalog.scan(family, 'INACTIVE');
      candidates.push(
        ...scan.chaos.filter(
          (r) =>
            tagValue(r.tags, MARKER.service) === service.serviceArn && evidence.experimentIds.includes(r.experimentId),
        ),
      );
    }
  }
  for (const chaos of candidates) {
    const chaosTd = chaos.taskDefinition;
    if (chaosTd.family !== current.family || (current.revision ?? 0) <= (chaosTd.revision ?? 0)) continue;
    const originalArn = tagValue(chaos.tags, MARKER.originalTaskDefinition);
    if (!originalArn || originalArn === current.taskDefinitionArn) continue;
    const original = (await catalog.describe(originalArn).catch(gone)).taskDefinition;
    const fault = faultOfMarker(tagValue(chaos.tags, MARKER.fault));
    if (original && fault?.carries(current, original, chaosTd)) {
      return {
        arn: current.taskDefinitionArn,
        chaosRevision: chaosTd.taskDefinitionArn!,
        original: originalArn,
        change: fault.describeCarried(current, original),
        chaosTags: chaos.tags,
      };
    }
  }
  return undefined;
}

/** A revision deleted since its ARN was written in a marker: nothing to compare. */
function gone(error: unknown): DescribedRevision {
  if (isGone(error)) return { taskDefinition: undefined, tags: [] };
  throw error;
}
