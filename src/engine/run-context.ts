/**
 * What the parts of a run share: the spec, the ports, the preflight's findings, the record, the
 * exposure and reaction logs, and one way to look at the service and its tasks.
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import type { ExperimentSpec } from '../config/spec.js';
import type { ProbeResult } from '../probes/types.js';
import type { IterationRecord, MutationRecord } from '../report/result.js';
import type { EngineDeps } from './engine-deps.js';
import type { ExposureTracker } from './exposure.js';
import type { PreflightResult } from './preflight.js';
import type { ReactionLog } from './reactions.js';
import type { RunRecord } from './run-record.js';

/** One look at the service, the sibling services of the run, and the family's tasks. */
export interface Look {
  /** The target service (undefined when DescribeServices no longer finds it). */
  readonly service: Service | undefined;
  /** The run's sibling services that DescribeServices still shows, by name. */
  readonly siblings: ReadonlyMap<string, Service>;
  /** Tasks of the family not yet STOPPED, and the stopped ones ECS still lists. */
  readonly tasks: readonly Task[];
}

export interface RunContext {
  readonly spec: ExperimentSpec;
  readonly deps: EngineDeps;
  readonly pf: PreflightResult;
  readonly record: RunRecord;
  readonly exposure: ExposureTracker;
  readonly reactions: ReactionLog;
  readonly pollMs: number;
  /** Exact mode: every sibling service the run created (or tried to). */
  readonly siblings: Set<string>;
  /**
   * The revision a revert puts the service back on: the original, or the copy of it the run
   * registered when someone deregistered the original mid-run (ECS cannot deploy an INACTIVE one).
   */
  restoreArn: string;
  /** Looks at the service, the siblings and the tasks; counts exposure and reactions. */
  look(signal: AbortSignal, iteration?: number): Promise<Look>;
  /**
   * The probes' results so far, their evaluations timestamped (a fault reads when its effect was
   * first seen, and when it was gone again). Absent outside a run.
   */
  readonly probeResults?: () => readonly ProbeResult[];
}

/** The state of one iteration, as far as the run knows it. */
export interface IterationState {
  readonly record: IterationRecord;
  /** Set when RegisterTaskDefinition answered. */
  chaosArn?: string;
  registerAttempted: boolean;
  tagAttempted: boolean;
  /** Rolling mode: UpdateService onto the chaos revision was sent. */
  serviceUpdateAttempted: boolean;
  /** Exact mode: the sibling service's name, once CreateService was sent. */
  sibling?: string;
  mutations: { register?: MutationRecord; tag?: MutationRecord; update?: MutationRecord; create?: MutationRecord };
}

export function newIterationState(record: IterationRecord): IterationState {
  return { record, registerAttempted: false, tagAttempted: false, serviceUpdateAttempted: false, mutations: {} };
}
