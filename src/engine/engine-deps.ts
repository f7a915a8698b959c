/** What the engine needs to run an experiment: ports, clock, IoHost; nothing ambient. */
import type { CloudTrailPort, CloudWatchPort, EcsPort, ElbPort, IamPort, StsPort } from '../aws/ports.js';
import type { RetryPolicy } from '../aws/retry.js';
import type { ActionLookup } from '../iam/blast-radius.js';
import type { IoHost } from '../io/io-host.js';
import type { Observer } from '../probes/runner.js';
import type { ProbeSpec } from '../probes/types.js';
import type { Clock } from './clock.js';

/** What the runner needs; nothing ambient. */
export interface EngineDeps {
  readonly ecs: EcsPort;
  readonly iam: IamPort;
  /** With STS, preflight checks the runner's permissions by simulation. */
  readonly sts?: StsPort;
  /**
   * With CloudTrail and OBSERVED_SINCE, the prediction marks the calls the tasks really made; the
   * result counts the AccessDenied events of the chaos window; cloudtrail probes read it.
   */
  readonly cloudtrail?: CloudTrailPort;
  /** Stop conditions and cloudwatch probes read CloudWatch. */
  readonly cloudwatch?: CloudWatchPort;
  /** task-stop reads target health (DescribeTargetHealth) of a load-balanced service; without it, ECS's condition alone. */
  readonly elb?: ElbPort;
  /** The environment `cmd` probes inherit. @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Probe observers by type, replacing the real ones (tests). */
  readonly probeObservers?: Readonly<Record<ProbeSpec['type'], Observer>>;
  readonly io: IoHost;
  readonly clock: Clock;
  /** The version of ecs-chaos, for the result. */
  readonly version: string;
  /** How often tasks are polled during waits and holds. @default 1000 */
  readonly pollIntervalMs?: number;
  /** A fixed experiment id (tests); generated when absent. */
  readonly experimentId?: string;
  /** The retry policy of RegisterTaskDefinition and the cleanup. @default DEFAULT_RETRY_POLICY */
  readonly retry?: RetryPolicy;
  /** The runner's name in the lease (host/pid). @default runnerName() */
  readonly runner?: string;
  /** The action catalog for the blast radius (wildcards, access levels), or a loader of the services needed. */
  readonly catalog?: ActionLookup | ((services: readonly string[]) => Promise<ActionLookup>);
}
