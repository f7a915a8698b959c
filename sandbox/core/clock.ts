/**
 * The pace of the sandbox's simulated world: how long tasks take to move between states, how often
 * the scheduler looks at them, and the time scale every modelled AWS delay is shrunk by.
 *
 * - The explicit timings (`provisioningMs`...) are the sandbox's own choices for steps AWS does not
 *   publish a figure for.
 * - `scale` is sandbox milliseconds per real AWS millisecond: a delay AWS documents (the 40 seconds
 *   a task without health checks waits before it counts as healthy, a target group's 300-second
 *   deregistration delay...) lasts `figure × scale` in the sandbox ({@link awsDelayMs}).
 *
 * `fast` (tests) makes a rolling update of four tasks take well under a second and uses 1/500;
 * `realistic` (demos) takes seconds per batch, as Fargate does, and uses 1/20.
 */

export interface PaceTimings {
  /** How often the scheduler runs, in milliseconds. */
  readonly tickMs: number;
  /** PROVISIONING -> PENDING (ENI attachment, capacity). */
  readonly provisioningMs: number;
  /** PENDING -> RUNNING (image pull, container start). */
  readonly pendingMs: number;
  /** DEACTIVATING -> STOPPING for a task without a load balancer (no target to deregister). */
  readonly deactivatingMs: number;
  /** STOPPING -> STOPPED (SIGTERM, stop timeout, ENI detach). */
  readonly stoppingMs: number;
  /** How long STOPPED tasks stay listable, as ECS keeps them for about an hour. */
  readonly stoppedRetentionMs: number;
  /**
   * Sandbox milliseconds per real AWS millisecond: every delay the sandbox takes from an AWS figure
   * (health check grace, target health, deregistration delay, launch throttling) is the figure
   * times this.
   */
  readonly scale: number;
}

export type PaceName = 'fast' | 'realistic';

export const PACES: Readonly<Record<PaceName, PaceTimings>> = {
  fast: {
    tickMs: 20,
    provisioningMs: 80,
    pendingMs: 120,
    deactivatingMs: 40,
    stoppingMs: 80,
    stoppedRetentionMs: 10 * 60_000,
    scale: 1 / 500,
  },
  realistic: {
    tickMs: 100,
    provisioningMs: 1_200,
    pendingMs: 2_000,
    deactivatingMs: 500,
    stoppingMs: 1_500,
    stoppedRetentionMs: 60 * 60_000,
    scale: 1 / 20,
  },
};

/** A pace by name, or explicit timings (missing ones taken from `fast`). */
export type PaceOption = PaceName | Partial<PaceTimings>;

export function resolvePace(pace: PaceOption | undefined): PaceTimings {
  if (pace === undefined) return PACES.fast;
  if (typeof pace === 'string') {
    const timings = PACES[pace];
    if (!timings) throw new Error(`unknown pace '${String(pace)}': use fast or realistic`);
    return timings;
  }
  const resolved = { ...PACES.fast, ...pace };
  if (!(resolved.scale > 0) || resolved.scale > 1) {
    throw new Error(`pace scale must be above 0 and at most 1 (got ${String(resolved.scale)})`);
  }
  return resolved;
}

/** An AWS delay of `seconds` on AWS, in sandbox milliseconds at this pace (at least 1 ms when above 0). */
export function awsDelayMs(pace: PaceTimings, seconds: number): number {
  if (seconds <= 0) return 0;
  return Math.max(1, Math.round(seconds * 1000 * pace.scale));
}

/**
 * The AWS figures the sandbox scales, in seconds on AWS. Each names its source in docs/sandbox.md
 * ("Time scale").
 */
export const AWS_SECONDS = {
  /** A task without an essential container health check and without a load balancer counts as healthy this long after RUNNING (DeploymentConfiguration.minimumHealthyPercent). */
  runningGrace: 40,
  /** The longest wait between launch attempts of a service whose tasks keep failing to start (service throttle logic). */
  launchThrottleMax: 15 * 60,
  /**
   * How long a change to a role's policies takes to reach the calls made with the role's
   * credentials: IAM is eventually consistent and AWS publishes no figure beyond "a few seconds";
   * the sandbox's choice (SandboxOptions.iamPropagationSeconds).
   */
  iamPropagation: 5,
} as const;

/**
 * A clock that moves only when told, for tests that drive the sandbox's time:
 * `startSandbox({ now: clock.now })`, then `clock.advance(ms)`; the next call to the sandbox moves
 * the world there tick by tick. Keep it within 15 minutes of the real time: SigV4 refuses requests
 * signed further from the sandbox's clock.
 */
export class ManualClock {
  #ms: number;

  constructor(startMs: number = Date.now()) {
    this.#ms = startMs;
  }

  /** The current time, epoch milliseconds (pass it as `startSandbox({ now })`). */
  readonly now = (): number => this.#ms;

  /** Moves the clock forward by `ms` (at least 0) and returns the new time. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward (got ${String(ms)} ms)`);
    this.#ms += ms;
    return this.#ms;
  }
}
