/**
 * A lease heartbeat the client gave up on (its answer too slow) may still be applied by the service
 * after the run released the lease: the release must read the tags again once such a write can no
 * longer land, and remove the lease that came back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand, ListTasksCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { LEASE_PREFIX } from '../../src/engine/lease.js';
import { roleArn, runFault } from '../support/experiment.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

/** How late the service applies the slowed heartbeats: longer than the client waits for any attempt. */
const LATE_MS = 2_500;

describe('the lease release against heartbeats applied late', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(() => ctx.sandbox.close());

  const leaseTags = async (): Promise<string[]> =>
    (
      (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] })))
        .services![0]!.tags ?? []
    )
      .map((t) => t.key!)
      .filter((k) => k.startsWith(LEASE_PREFIX));

  test('heartbeats abandoned by the client and applied after the release leave no lease behind', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const run = runFault(
      ctx.sandbox,
      { cluster: 'demo', service: 'orders', taskRole: roleArn('orders-chaos-role'), duration: '4', interval: '4' },
      // Every attempt the client makes is given up after 600 ms; the service applies it 2.5 s later.
      {
        pollIntervalMs: 50,
        ports: { requestTimeoutMs: 600, retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 } },
      },
    );
    // Once a chaos task runs (the hold), the heartbeats (every second) become slow.
    await waitFor('a chaos task running', async () => {
      const arns =
        (await ctx.ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }))).taskArns ?? [];
      if (arns.length === 0) return undefined;
      const tasks = (await ctx.ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? [];
      return tasks.some((t) => !t.taskDefinitionArn!.endsWith('orders:1') && t.lastStatus === 'RUNNING')
        ? true
        : undefined;
    });
    const rule = ctx.sandbox.world.faults.add({
      service: 'ecs',
      action: 'TagResource',
      kind: 'latency',
      latencyMs: LATE_MS,
    });
    const { result } = await run;
    ctx.sandbox.world.faults.remove(rule);
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    const slowed = ctx.sandbox
      .requests()
      .filter((r) => r.action === 'TagResource' && r.faults?.some((f) => f.kind === 'latency'));
    assert.ok(slowed.length > 0, 'heartbeats were slowed');
    // Every slowed write has been applied by now (each lands LATE_MS after it was sent, and none is
    // sent after the run ended): the lease must not be there.
    await new Promise((r) => setTimeout(r, LATE_MS + 500));
    assert.deepEqual(await leaseTags(), [], 'a lease tag came back after the release');
    assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
  });
});
