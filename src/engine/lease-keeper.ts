/**
 * Takes, keeps and gives back a run's lease on its service (see lease.ts for the protocol). The lease
 * is taken after preflight and before any other change; its heartbeat runs until the run ends.
 */
import type { EcsPort } from '../aws/ports.js';
import type { Clock } from './clock.js';
import { describeError } from './describe-error.js';
import { describeLease, electionWinner, encodeLease, leaseKey, leasesOf, settleMs, type Lease } from './lease.js';
import { ONE_EXPERIMENT_CHECK, PreflightError, type PreflightCheck } from './preflight.js';
import type { RunRecord } from './run-record.js';

/** A lease write slower than this may have had an attempt abandoned by the client (a timeout, a retry). */
const SLOW_WRITE_MS = 500;

export interface LeaseKeeperOptions {
  readonly ecs: EcsPort;
  readonly clock: Clock;
  readonly record: RunRecord;
  readonly cluster: string;
  readonly service: string;
  readonly serviceArn: string;
  readonly experimentId: string;
  readonly runner: string;
  readonly heartbeatSeconds: number;
  readonly plannedEnd: Date;
}

export class LeaseKeeper {
  readonly #o: LeaseKeeperOptions;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #held = false;
  #written = false;
  /** The longest a lease write took, retries included: a slow one may have left an attempt behind. */
  #slowestWriteMs = 0;

  constructor(options: LeaseKeeperOptions) {
    this.#o = options;
  }

  get held(): boolean {
    return this.#held;
  }

  #value(state: Lease['state']): string {
    const o = this.#o;
    return encodeLease({
      state,
      runner: o.runner,
      heartbeatAt: o.clock.now(),
      plannedEnd: o.plannedEnd,
      heartbeatSeconds: o.heartbeatSeconds,
    });
  }

  async #write(state: Lease['state'], signal?: AbortSignal): Promise<void> {
    const o = this.#o;
    const started = o.clock.now().getTime();
    try {
      await o.ecs.tagResource(
        { resourceArn: o.serviceArn, tags: [{ key: leaseKey(o.experimentId), value: this.#value(state) }] },
        signal ? { abortSignal: signal } : {},
      );
    } finally {
      this.#slowestWriteMs = Math.max(this.#slowestWriteMs, o.clock.now().getTime() - started);
    }
    this.#written = true;
  }

  /**
   * How long a lease write the client gave up on may still be applied after the release: none when
   * every write answered at once (no attempt was abandoned), otherwise twice the slowest write, at
   * least the settle time.
   */
  #ghostWindowMs(): number {
    if (this.#slowestWriteMs < SLOW_WRITE_MS) return 0;
    return Math.max(settleMs(this.#o.heartbeatSeconds), 2 * this.#slowestWriteMs);
  }

  /**
   * The election: write a candidate lease, wait the settle time, read every lease, then hold or give
   * up. Throws a PreflightError (exit 2) naming the winner when another experiment wins; our own tag
   * is removed first, so nothing is left.
   */
  async acquire(checks: readonly PreflightCheck[], signal: AbortSignal): Promise<void> {
    try {
      await this.#elect(checks, signal);
    } catch (error) {
      // Aborted or failed before holding: our candidate tag goes, nothing else was changed.
      if (this.#written && !this.#held) await this.#remove().catch(() => undefined);
      throw error;
    }
  }

  async #elect(checks: readonly PreflightCheck[], signal: AbortSignal): Promise<void> {
    const o = this.#o;
    await this.#write('candidate', signal);
    const settle = settleMs(o.heartbeatSeconds);
    o.record.say(
      'info',
      'lease.changed',
      `lease: candidate written on ${o.service}; waiting ${settle / 1000}s for another experiment's lease to show before taking it`,
      { experimentId: o.experimentId, state: 'candidate' },
    );
    await o.clock.sleep(settle, signal);
    const described = await o.ecs.describeServices(
      { cluster: o.cluster, services: [o.service], include: ['TAGS'] },
      { abortSignal: signal },
    );
    const winner = electionWinner(o.experimentId, leasesOf(described.services?.[0]?.tags));
    if (winner) {
      await this.#remove();
      const check: PreflightCheck = {
        name: ONE_EXPERIMENT_CHECK,
        status: 'fail',
        detail: `another experiment took the service first: ${describeLease(winner, o.clock.now())}. Fix: wait for it to end; nothing was changed`,
      };
      o.record.say('error', 'preflight.check', `FAIL ${check.name}: ${check.detail}`, { ...check });
      throw new PreflightError(check, [...checks, check]);
    }
    await this.#write('held', signal);
    this.#held = true;
    o.record.event(
      'lease',
      `lease taken on ${o.service} (runner ${o.runner}, heartbeat every ${o.heartbeatSeconds}s)`,
      { experimentId: o.experimentId, state: 'held' },
    );
    this.#loop = this.#heartbeats();
  }

  async #heartbeats(): Promise<void> {
    const o = this.#o;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await o.clock.sleep(o.heartbeatSeconds * 1000, signal);
      } catch {
        return;
      }
      try {
        // Not cancelled by the release: a cancelled request may still be applied by AWS after the
        // release removed the lease. The release waits for this write to answer instead.
        await this.#write('held', AbortSignal.timeout(Math.max(10_000, o.heartbeatSeconds * 2000)));
      } catch (error) {
        if (signal.aborted) return;
        o.record.say(
          'warn',
          'warning',
          `the lease heartbeat failed (${describeError(error)}); retrying at the next beat`,
        );
      }
    }
  }

  async #remove(): Promise<void> {
    const o = this.#o;
    await o.ecs.untagResource(
      { resourceArn: o.serviceArn, tagKeys: [leaseKey(o.experimentId)] },
      { abortSignal: AbortSignal.timeout(30_000) },
    );
    this.#written = false;
  }

  /**
   * Stops the heartbeat and gives the lease back: removed when nothing is left, marked `ended` when
   * something is (so `status` shows ABANDONED at once and `recover` may repair it). Retried like any
   * cleanup call; returns false when the lease could not be given back (it is then residue).
   */
  async release(somethingLeft: boolean): Promise<boolean> {
    const o = this.#o;
    this.#stop.abort();
    await this.#loop;
    if (!this.#written) return true;
    const deadline = AbortSignal.timeout(60_000);
    try {
      if (somethingLeft) {
        await o.record.persist('TagResource (lease ended)', () => this.#write('ended', deadline), deadline);
      } else {
        // Removed, then read back: a heartbeat whose answer was lost may land after the removal.
        let confirmed = false;
        for (let attempt = 1; ; attempt++) {
          await o.record.persist(
            'UntagResource (lease)',
            () =>
              o.ecs.untagResource(
                { resourceArn: o.serviceArn, tagKeys: [leaseKey(o.experimentId)] },
                { abortSignal: deadline },
              ),
            deadline,
          );
          const tags = await o.record.persist(
            'DescribeServices (lease)',
            () =>
              o.ecs.describeServices(
                { cluster: o.cluster, services: [o.service], include: ['TAGS'] },
                { abortSignal: deadline },
              ),
            deadline,
          );
          const left = (tags.services?.[0]?.tags ?? []).some((t) => t.key === leaseKey(o.experimentId));
          // Gone: unless a slow write may still land (an attempt the client abandoned, applied by
          // the service later), in which case the read is repeated once that window has passed.
          const ghostMs = left ? 0 : this.#ghostWindowMs();
          if (!left && (ghostMs === 0 || confirmed)) break;
          if (attempt >= 5) throw new Error('the lease tag came back after each removal');
          if (!left) confirmed = true;
          await o.clock.sleep(Math.max(ghostMs, 1_000, left ? o.heartbeatSeconds * 1000 : 0), deadline);
        }
        this.#written = false;
      }
      this.#held = false;
      o.record.event(
        'lease',
        somethingLeft ? 'lease marked ended: recover may repair what is left' : 'lease released',
        {
          experimentId: o.experimentId,
          state: somethingLeft ? 'ended' : 'released',
        },
      );
      return true;
    } catch (error) {
      o.record.say(
        'warn',
        'warning',
        `the lease could not be ${somethingLeft ? 'marked ended' : 'released'} (${describeError(error)}): it goes stale after ${o.heartbeatSeconds * 4}s and 'recover' removes it`,
      );
      return false;
    }
  }
}
