/**
 * One experiment per service: the lease. Two runs started together end with exactly one injecting;
 * a live lease refuses a second run (naming it) and `recover`; an abandoned one is repaired.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand, TagResourceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { encodeLease, leaseKey, LEASE_PREFIX } from '../../src/engine/lease.js';
import { PreflightError } from '../../src/engine/preflight.js';
import { inspectCluster, recover } from '../../src/engine/recover.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = roleArn('orders-chaos-role');
const FLAGS = { cluster: 'demo', service: 'orders', taskRole: CHAOS_ROLE };

async function ordersTags(ecs: ECSClient) {
  return (
    (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] })))
      .services![0]!.tags ?? []
  );
}

describe('one experiment per service', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let ports: ReturnType<typeof createAwsPorts>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    ports = createAwsPorts({
      region: ctx.sandbox.region,
      endpoint: ctx.sandbox.endpoint,
      credentials: ctx.sandbox.credentials,
    });
  });
  after(async () => {
    ports.destroy();
    await ctx.sandbox.close();
  });

  /** Writes a lease as another runner would: heartbeat `ageSeconds` ago, every 1 s. */
  async function plantLease(experimentId: string, ageSeconds: number): Promise<void> {
    const serviceArn = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!.serviceArn!;
    const now = Date.now();
    await ctx.ecs.send(
      new TagResourceCommand({
        resourceArn: serviceArn,
        tags: [
          {
            key: leaseKey(experimentId),
            value: encodeLease({
              state: 'held',
              runner: 'elsewhere/42',
              heartbeatAt: new Date(now - ageSeconds * 1000),
              plannedEnd: new Date(now + 600_000),
              heartbeatSeconds: 1,
            }),
          },
        ],
      }),
    );
  }

  function recoverOrders(force = false) {
    return recover(
      { cluster: 'demo', service: 'orders', region: 'us-east-1', force, restoreTimeoutSeconds: 30 },
      { ecs: ports.ecs, io: new RecordingIoHost(), clock: SYSTEM_CLOCK, pollIntervalMs: 25 },
    );
  }

  test('two runs started together: exactly one injects, the other exits 2 naming it; the winner is intact', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const outcomes = await Promise.allSettled([
      runFault(ctx.sandbox, { ...FLAGS, duration: '2', interval: '2' }),
      runFault(ctx.sandbox, { ...FLAGS, duration: '2', interval: '2' }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(won.length, 1, 'exactly one run went on');
    assert.equal(lost.length, 1, 'exactly one run was refused');
    const winner = won[0]!.value.result;
    const error = lost[0]!.reason as unknown;
    assert.ok(error instanceof PreflightError, String(error));
    assert.match(error.message, /one experiment per service.*another experiment took the service first/);
    assert.ok(error.message.includes(winner.experimentId), 'the refusal names the winning experiment');
    assert.equal(winner.verdict, 'Pass', winner.verdictReason);
    assert.deepEqual(winner.residue, { clean: true, items: [] });
    const calls = ctx.sandbox.requests(since).filter((r) => r.mutating && r.status === 200);
    assert.equal(calls.filter((r) => r.action === 'RegisterTaskDefinition').length, 1, 'one chaos revision in all');
    assert.equal(calls.filter((r) => r.action === 'UpdateService').length, 2, 'one inject and one restore');
    assert.deepEqual(
      (await ordersTags(ctx.ecs)).filter((t) => t.key!.startsWith('ecs-chaos:')),
      [],
      'no lease or marker left by either',
    );
  });

  test('a live lease refuses a run (naming it) and recover; --force repairs; nothing else changed', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const id = 'ecs-chaos-20261128T000000Z-live00';
    await plantLease(id, 0);
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await assert.rejects(runFault(ctx.sandbox, FLAGS), (error: unknown) => {
      assert.ok(error instanceof PreflightError);
      assert.match(error.message, new RegExp(`another experiment is live on this service: experiment ${id} \\(LIVE`));
      assert.match(error.message, /runner elsewhere\/42.*planned end.*do not run 'recover' on a live experiment/);
      return true;
    });
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.mutating),
      [],
    );
    const status = await inspectCluster(
      ports.ecs,
      { cluster: 'demo', service: 'orders', region: 'us-east-1' },
      new Date(),
    );
    assert.equal(status.services[0]!.live, true);
    const refused = await recoverOrders();
    assert.equal(refused.services[0]!.status, 'live');
    assert.match(refused.services[0]!.error!, /an experiment runs on orders now/);
    assert.ok(
      (await ordersTags(ctx.ecs)).some((t) => t.key === leaseKey(id)),
      'the live lease is untouched',
    );
    const forced = await recoverOrders(true);
    assert.equal(forced.services[0]!.status, 'repaired');
    assert.ok(!(await ordersTags(ctx.ecs)).some((t) => t.key!.startsWith(LEASE_PREFIX)));
  });

  test('an abandoned lease: status says ABANDONED, a run is refused with the recover command, recover removes it', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const id = 'ecs-chaos-20261128T000000Z-dead00';
    await plantLease(id, 10);
    const status = await inspectCluster(
      ports.ecs,
      { cluster: 'demo', service: 'orders', region: 'us-east-1' },
      new Date(),
    );
    const orders = status.services[0]!;
    assert.equal(orders.live, false);
    assert.equal(orders.leases[0]!.status, 'ABANDONED');
    await assert.rejects(
      runFault(ctx.sandbox, FLAGS),
      /did not finish: experiment ecs-chaos-20261128T000000Z-dead00 \(ABANDONED.*Fix: run 'ecs-chaos recover/,
    );
    const repaired = await recoverOrders();
    assert.equal(repaired.services[0]!.status, 'repaired');
    assert.equal(repaired.clean, true);
    const { result } = await runFault(ctx.sandbox, FLAGS);
    assert.equal(result.verdict, 'Pass', result.verdictReason);
  });

  test('recover during a live run is refused; the run goes on and passes', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const running = runFault(ctx.sandbox, { ...FLAGS, duration: '3', interval: '3' });
    // Wait for the run's lease to be held (bounded by the run itself: it ends on its own).
    let refused: Awaited<ReturnType<typeof recoverOrders>> | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const tags = await ordersTags(ctx.ecs);
      if (tags.some((t) => t.key!.startsWith(LEASE_PREFIX) && /state=held/.test(t.value ?? '')))
        refused = await recoverOrders();
      else await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(refused, 'the run took its lease');
    assert.equal(refused.services[0]!.status, 'live');
    const { result } = await running;
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.deepEqual(result.conflicts, []);
  });
});
