/**
 * The pace of the sandbox's simulated world: how long tasks take to move between states, and how
 * often the scheduler looks at them. `fast` makes a rolling update of four tasks take about half a
 * second (for tests); `realistic` takes seconds per batch, as Fargate does (for demos).
 */

export interface PaceTimings {
  /** How often the scheduler runs, in milliseconds. */
  readonly tickMs: number;
  /** PROVISIONING -> PENDING (ENI attachment, capacity). */
  readonly provisioningMs: number;
  /** PENDING -> RUNNING (image pull, container start). */
  readonly pendingMs: number;
  /** DEACTIVATING -> STOPPING (load balancer draining). */
  readonly deactivatingMs: number;
  /** STOPPING -> STOPPED (SIGTERM, stop timeout, ENI detach). */
  readonly stoppingMs: number;
  /** How long STOPPED tasks stay listable, as ECS keeps them for about an hour. */
  readonly stoppedRetentionMs: number;
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
  },
  realistic: {
    tickMs: 100,
    provisioningMs: 1_200,
    pendingMs: 2_000,
    deactivatingMs: 500,
    stoppingMs: 1_500,
    stoppedRetentionMs: 60 * 60_000,
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
  return { ...PACES.fast, ...pace };
}
