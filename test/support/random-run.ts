/**
 * Test support for the randomized runs (random-faults, random-foreign): a seeded generator and what
 * a run left behind, read from the sandbox's own state (no faults, no SDK).
 */
import { MARKER } from '../../src/engine/markers.js';
import type { TaskDefinitionRecord } from '../../sandbox/ecs/model.js';
import type { EcsRegion } from '../../sandbox/ecs/store.js';

/** A small seeded generator for the experiments' own choices. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What an experiment left of its chaos, by kind, as the sandbox holds it. */
export interface ChaosLeft {
  /** `ecs-chaos:*` tags on the service (leases included). */
  readonly markers: string[];
  /** `ecs-chaos:lease:*` tags on the service. */
  readonly leases: string[];
  /** ACTIVE revisions of the family that carry the experiment's marker: their ARNs. */
  readonly activeChaosRevisions: string[];
  /** ACTIVE services named `<service>-chaos-*`. */
  readonly siblings: string[];
  /** Tasks of the experiment's revisions not STOPPED: `<id> <lastStatus>`. */
  readonly chaosTasksUp: string[];
}

/** The chaos an experiment left on a service of a cluster, from the sandbox's state. */
export function chaosLeft(
  region: EcsRegion,
  where: { cluster: string; service: string; family: string; experimentId: string },
  /** Which of the revisions carrying the experiment's marker are chaos (all by default). */
  isChaos: (revision: TaskDefinitionRecord) => boolean = () => true,
): ChaosLeft {
  const cluster = region.cluster(where.cluster);
  const svc = cluster.services.get(where.service)!;
  const ofRun = (region.families.get(where.family) ?? []).filter(
    (r) => r.tags.some((t) => t.key === MARKER.experimentId && t.value === where.experimentId) && isChaos(r),
  );
  const chaosArns = new Set(ofRun.map((r) => r.arn));
  return {
    markers: svc.tags.filter((t) => t.key.startsWith('ecs-chaos:')).map((t) => t.key),
    leases: svc.tags.filter((t) => t.key.startsWith('ecs-chaos:lease:')).map((t) => t.key),
    activeChaosRevisions: ofRun.filter((r) => r.def.status === 'ACTIVE').map((r) => r.arn),
    siblings: [...cluster.services.values()]
      .filter((s) => s.serviceName.startsWith(`${where.service}-chaos-`) && s.status === 'ACTIVE')
      .map((s) => s.serviceName),
    chaosTasksUp: [...cluster.tasks.values()]
      .filter((t) => chaosArns.has(t.taskDefinitionArn) && t.lastStatus !== 'STOPPED')
      .map((t) => `${t.id} ${t.lastStatus}`),
  };
}

/** The revision number at the end of a task definition ARN. */
export const revisionOf = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);
