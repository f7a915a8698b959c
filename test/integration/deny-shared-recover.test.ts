/**
 * deny-task-permissions with --allow-shared-role, and `recover` of the cluster while it runs: the
 * Deny on the shared task role belongs to the LIVE experiment, so recover leaves it on both services
 * (reported live) rather than pull it from under the run; the run then removes it itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { recover } from '../../src/engine/recover.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { waitFor, withSandbox } from '../support/sandbox.js';
import { runDeny } from '../support/deny.js';

describe('recover while deny-task-permissions runs on a shared role', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(async () => {
    await ctx.sandbox.close();
  });

  test('the live experiment keeps its Deny; its own restore removes it', async () => {
    const orders = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!;
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'orders-reports',
        taskDefinition: orders.taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: orders.networkConfiguration,
      }),
    );
    const ports = createAwsPorts({
      region: ctx.sandbox.region,
      endpoint: ctx.sandbox.endpoint,
      credentials: ctx.sandbox.credentials,
    });
    const stop = new AbortController();
    const policies = async (): Promise<string[]> =>
      (await ctx.iam.send(new ListRolePoliciesCommand({ RoleName: 'orders-task-role' }))).PolicyNames ?? [];
    try {
      const run = runDeny(
        ctx.sandbox,
        { actions: 's3:PutObject', allowSharedRole: true, duration: '60', interval: '60' },
        undefined,
        stop.signal,
      );
      await waitFor('the Deny on the role', async () =>
        (await policies()).some((n) => n.startsWith('ecs-chaos-deny-')) ? true : undefined,
      );
      const report = await recover(
        { cluster: 'demo', region: 'us-east-1' },
        { ecs: ports.ecs, iam: ports.iam, io: new RecordingIoHost(), clock: SYSTEM_CLOCK, pollIntervalMs: 25 },
      );
      const status = Object.fromEntries(report.services.map((s) => [s.inspection.serviceName, s.status]));
      assert.equal(status.orders, 'live');
      assert.equal(status['orders-reports'], 'live', JSON.stringify(report.services.map((s) => s.error)));
      assert.ok(
        (await policies()).some((n) => n.startsWith('ecs-chaos-deny-')),
        'the live Deny is still there',
      );
      stop.abort(new Error('SIGINT'));
      const { result } = await run;
      assert.equal(result.verdict, 'Stopped');
      assert.equal(result.residue.clean, true);
      assert.deepEqual(await policies(), ['orders-data']);
    } finally {
      stop.abort();
      ports.destroy();
      await ctx.ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'orders-reports', force: true }));
    }
  });
});
