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

/** What one scan of a family found. */
export interface FamilyScan {
  readonly family: string;
  readonly status: 'ACTIVE' | 'INACTIVE';
  /** Revisions carrying ecs-chaos markers, newest first. */
  readonly chaos: readonly ChaosRevision[];
  /** Revisions listed (every page) and revisions read for their markers. */
  readonly listed: number;
  readonly read: number;
  /** More revisions were listed than the scan limit allows reading: older ones were not looked at. */
  readonly truncated: boolean;
}

/** The default number of revisions read per family and status; more are listed, not read. */
export const DEFAULT_SCAN_LIMIT = 2000;

/**
 * One read of each family per command, shared by every service that uses it (status and recover
 * look at a whole cluster: reading a family of M revisions once per service costs services x M
 * calls). Lists every page of ListTaskDefinitions, reads the newest `limit` revisions with their
 * tags, a few at a time, and remembers every answer. Not for state that changes under it: a new
 * catalog reads afresh.
 */
export class RevisionCatalog {
  readonly #ecs: EcsPort;
  readonly #limit: number;
  readonly #call: CallOptions;
  readonly #described = new Map<string, Promise<DescribedRevision>>();
  readonly #scans = new Map<string, Promise<FamilyScan>>();
  readonly #tasks = new Map<string, Promise<unknown>>();

  constructor(ecs: EcsPort, options: { limit?: number; signal?: AbortSignal } = {}) {
    this.#ecs = ecs;
    this.#limit = options.limit ?? DEFAULT_SCAN_LIMIT;
    this.#call = options.signal ? { abortSignal: options.signal } : {};
  }

  /** DescribeTaskDefinition with its tags, once per ARN. */
  describe(arn: string): Promise<DescribedRevision> {
    let found = this.#described.get(arn);
    if (!found) {
      found = this.#ecs
        .describeTaskDefinition({ taskDefinition: arn, include: ['TAGS'] }, this.#call)
        .then((out) => ({ taskDefinition: out.taskDefinition, tags: out.tags ?? [] }));
      // A failed read is not remembered.
      found.catch(() => this.#described.delete(arn));
      this.#described.set(arn, found);
    }
    return found;
  }

  /** The chaos revisions of a family (ACTIVE or INACTIVE), once per family and status. */
  scan(family: string, status: 'ACTIVE' | 'INACTIVE' = 'ACTIVE'): Promise<FamilyScan> {
    const key = `${status} ${family}`;
    let found = this.#scans.get(key);
    if (!found) {
      found = this.#scan(family, status);
      found.catch(() => this.#scans.delete(key));
      this.#scans.set(key, found);
    }
    return found;
  }

  /** Something computed once per key (e.g. a family's tasks), shared like the scans. */
  once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let found = this.#tasks.get(key) as Promise<T> | undefined;
    if (!found) {
      found = compute();
      found.catch(() => this.#tasks.delete(key));
      this.#tasks.set(key, found);
    }
    return found;
  }

  /** The scans done so far that were truncated, one line each. */
  async truncations(): Promise<string[]> {
    const scans = await Promise.all([...this.#scans.values()].map((p) => p.catch(() => undefined)));
    return scans
      .filter((s): s is FamilyScan => s?.truncated === true)
      .map(
        (s) =>
          `family ${s.family}: ${s.listed} ${s.status} revisions, only the newest ${s.read} were read for ecs-chaos markers (--scan-limit ${s.read}); older chaos revisions were not looked for`,
      );
  }

  async #scan(family: string, status: 'ACTIVE' | 'INACTIVE'): Promise<FamilyScan> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#ecs.listTaskDefinitions(
        { familyPrefix: family, status, sort: 'DESC', maxResults: 100, nextToken },
        this.#call,
      );
      arns.push(...(page.taskDefinitionArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const toRead = arns.slice(0, this.#limit);
    const described: DescribedRevision[] = new Array<DescribedRevision>(toRead.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < toRead.length) {
        const i = next++;
        described[i] = await this.describe(toRead[i]!).catch((error: unknown) => {
          // Deleted between the list and the read (DeleteTaskDefinitions): nothing to look at.
          if (isGone(error)) return { taskDefinition: undefined, tags: [] };
          throw error;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, toRead.length) }, worker));
    const chaos: ChaosRevision[] = [];
    for (const d of described) {
      const experimentId = tagValue(d.tags, MARKER.experimentId);
      if (experimentId !== undefined && d.taskDefinition) {
        chaos.push({ taskDefinition: d.taskDefinition, tags: d.tags, experimentId });
      }
    }
    return { family, status, chaos, listed: arns.length, read: toRead.length, truncated: arns.length > toRead.length };
  }
}

/** A revision and its tags. */
export interface DescribedRevision {
  readonly taskDefinition: TaskDefinition | undefined;
  readonly tags: readonly Tag[];
}

/** DescribeTaskDefinition calls in flight at once during a scan (ECS throttles bursts). */
const SCAN_CONCURRENCY = 4;

/** ECS's answer for a revision that does not exist (any more). */
export function isGone(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'ClientException' || name === 'InvalidParameterException';
}
