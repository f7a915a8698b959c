/**
 * One experiment per service: a lease in AWS, on the service's tags, so it holds across machines.
 *
 * Each run writes its own tag `ecs-chaos:lease:<experiment id>` (never another run's), whose value
 * names its state (candidate or held), the runner, the planned end and a heartbeat it refreshes. A
 * lease not refreshed for 4 heartbeats is ABANDONED (its runner died); a fresh one is LIVE.
 *
 * Tags are not conditional writes, so two runs started together are ordered by a write-then-read
 * election that needs no clock agreement:
 *
 * 1. preflight: any other lease on the service refuses the run (live: name it; abandoned: recover);
 * 2. write our lease as `candidate`;
 * 3. wait the settle time (longer than twice the tags' propagation lag);
 * 4. read the tags again: another lease that is `held` wins; among candidates the smallest
 *    experiment id wins; the loser removes its own tag and exits 2 naming the winner;
 * 5. the winner writes `held`, then (only then) changes anything else.
 *
 * A run that read before the other's candidate was visible wrote `held` before the other's read
 * (step 5 follows step 4 at once, and the other's read comes a settle time after its write), so the
 * late one sees `held` and loses: exactly one injects.
 */
import { hostname } from 'node:os';
import type { Tag } from '@aws-sdk/client-ecs';

/** The prefix of every lease tag key; the experiment id follows. */
export const LEASE_PREFIX = 'ecs-chaos:lease:';

/** How many heartbeats a lease may miss before it counts as abandoned. */
export const MISSED_HEARTBEATS = 4;

export interface Lease {
  readonly experimentId: string;
  /** candidate: in the election; held: won, running; ended: the run ended and left something for `recover`. */
  readonly state: 'candidate' | 'held' | 'ended';
  readonly runner: string;
  readonly heartbeatAt: Date;
  readonly plannedEnd: Date;
  /** Seconds between heartbeats. */
  readonly heartbeatSeconds: number;
}

/** The runner's name in a lease: host and pid, in the characters ECS tag values allow. */
export function runnerName(pid: number = process.pid): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9.\-_]/g, '-')
    .slice(0, 60);
  return `${host || 'unknown'}/${pid}`;
}

export function leaseKey(experimentId: string): string {
  return `${LEASE_PREFIX}${experimentId}`;
}

/** `state=held by=host/123 beat=2026-...Z end=2026-...Z every=15` (ECS tag value characters only). */
export function encodeLease(lease: Omit<Lease, 'experimentId'>): string {
  return [
    `state=${lease.state}`,
    `by=${lease.runner}`,
    `beat=${lease.heartbeatAt.toISOString()}`,
    `end=${lease.plannedEnd.toISOString()}`,
    `every=${lease.heartbeatSeconds}`,
  ].join(' ');
}

/** The lease a tag holds, or undefined when the tag is not a lease. */
export function decodeLease(tag: Tag): Lease | undefined {
  if (!tag.key?.startsWith(LEASE_PREFIX)) return undefined;
  const experimentId = tag.key.slice(LEASE_PREFIX.length);
  const fields = new Map<string, string>();
  for (const part of (tag.value ?? '').trim().split(/\s+/)) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  const text = fields.get('state');
  const state = text === 'held' || text === 'ended' ? text : 'candidate';
  const heartbeatAt = new Date(fields.get('beat') ?? '');
  const plannedEnd = new Date(fields.get('end') ?? '');
  const every = Number(fields.get('every'));
  return {
    experimentId,
    state,
    runner: fields.get('by') ?? 'unknown',
    // An unreadable lease reads as abandoned long ago: recover may remove it.
    heartbeatAt: Number.isNaN(heartbeatAt.getTime()) ? new Date(0) : heartbeatAt,
    plannedEnd: Number.isNaN(plannedEnd.getTime()) ? new Date(0) : plannedEnd,
    heartbeatSeconds: Number.isFinite(every) && every > 0 ? every : 15,
  };
}

/** Every lease on a resource's tags. */
export function leasesOf(tags: readonly Tag[] | undefined): Lease[] {
  return (tags ?? []).map(decodeLease).filter((l): l is Lease => l !== undefined);
}

/**
 * LIVE while the heartbeat is fresh, ABANDONED once it missed {@link MISSED_HEARTBEATS} or its run
 * ended leaving something behind.
 */
export function leaseStatus(lease: Lease, now: Date): 'LIVE' | 'ABANDONED' {
  if (lease.state === 'ended') return 'ABANDONED';
  const ageMs = now.getTime() - lease.heartbeatAt.getTime();
  return ageMs <= lease.heartbeatSeconds * MISSED_HEARTBEATS * 1000 ? 'LIVE' : 'ABANDONED';
}

/** One line: `experiment X (LIVE: runner host/12, heartbeat 3s ago, planned end ...)`. */
export function describeLease(lease: Lease, now: Date, status: 'LIVE' | 'ABANDONED' = leaseStatus(lease, now)): string {
  const age = Math.max(0, Math.round((now.getTime() - lease.heartbeatAt.getTime()) / 1000));
  return `experiment ${lease.experimentId} (${status}, ${lease.state}: runner ${lease.runner}, heartbeat ${age}s ago, planned end ${lease.plannedEnd.toISOString()})`;
}

/** The time a candidate waits before reading the others' leases: min(5 s, one heartbeat). */
export function settleMs(heartbeatSeconds: number): number {
  return Math.min(5_000, heartbeatSeconds * 1000);
}

/**
 * The election's decision from the leases read after the settle time: undefined when we win, else
 * the lease that wins against us.
 */
export function electionWinner(ours: string, leases: readonly Lease[]): Lease | undefined {
  const others = leases.filter((l) => l.experimentId !== ours);
  const held = others.find((l) => l.state === 'held');
  if (held) return held;
  return others.filter((l) => l.experimentId < ours).sort((a, b) => (a.experimentId < b.experimentId ? -1 : 1))[0];
}
