import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { AwsError } from '../../sandbox/index.js';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { inspectCluster, recover } from '../../src/engine/recover.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { mutatingCalls, roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

type Ctx = Awaited<ReturnType<typeof withSandbox>>;

/** Leaves orders under chaos, as a run whose restore failed (or that was killed) would. */
async function leaveUnderChaos(ctx: Ctx, service = 'orders'): Promise<void> {
  let updates = 0;
  const deny = (call: { action: string }): void => {
    if (call.action === 'UpdateService' && ++updates > 1)
      throw new AwsError('AccessDeniedException', 'denied for the test');
  };
  ctx.sandbox.world.interceptors.push(deny);
  try {
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service,
      taskRole: roleArn('orders-chaos-role'),
    });
    assert.equal(result.residue.clean, false);
  } finally {
    ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(deny), 1);
  }
}

function deps(ctx: Ctx) {
  const ports = createAwsPorts({
    region: ctx.sandbox.region,
    endpoint: ctx.sandbox.endpoint,
    credentials: ctx.sandbox.credentials,
  });
  return { ports, deps: { ecs: ports.ecs, io: new RecordingIoHost(), clock: SYSTEM_CLOCK, pollIntervalMs: 25 } };
}

async function serviceState(ctx: Ctx, name: string) {
  const svc = (
    await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name], include: ['TAGS'] }))
  ).services![0]!;
  const active = (await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' }))).taskDefinitionArns!;
  return { svc, active, markers: (svc.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')) };
}

describe('status and recover', () => {
  test('status finds a service left under chaos; recover repairs it, idempotently; a dry run changes nothing', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps: d } = deps(ctx);
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      await leaveUnderChaos(ctx);
      const status = (await inspectCluster(ports.ecs, { cluster: 'demo', region: 'us-east-1' }, new Date())).services;
      const orders = status.find((s) => s.serviceName === 'orders')!;
      assert.equal(orders.underChaos, true);
      assert.equal(orders.onChaosRevision, true);
      assert.match(orders.originalTaskDefinitionArn!, /orders:1$/);
      assert.deepEqual(orders.originalDeployment, {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      });
      assert.equal(status.find((s) => s.serviceName === 'billing')!.underChaos, false);

      const since = ctx.sandbox.requests().at(-1)!.seq;
      const dry = await recover({ cluster: 'demo', service: 'orders', region: 'us-east-1', dryRun: true }, d);
      assert.equal(dry.clean, false);
      assert.equal(dry.services[0]!.status, 'would-repair');
      assert.ok(dry.services[0]!.actions.some((a) => /UpdateService orders -> orders:1/.test(a)));
      assert.deepEqual(mutatingCalls(ctx.sandbox, since), [], 'a dry run changes nothing');

      const report = await recover({ cluster: 'demo', region: 'us-east-1' }, d);
      assert.equal(report.clean, true, JSON.stringify(report.services.map((s) => [s.status, s.error])));
      assert.equal(report.services.find((s) => s.inspection.serviceName === 'orders')!.status, 'repaired');
      const after = await serviceState(ctx, 'orders');
      assert.match(after.svc.taskDefinition!, /orders:1$/);
      assert.equal(after.svc.deploymentConfiguration!.maximumPercent, 200);
      assert.deepEqual(after.markers, []);
      assert.deepEqual(
        after.active.map((a) => a.split('/').pop()),
        ['orders:1'],
      );

      const again = await recover({ cluster: 'demo', region: 'us-east-1' }, d);
      assert.equal(again.clean, true);
      assert.ok(again.services.every((s) => s.status === 'clean'));
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });

  test('an original revision deregistered meanwhile is re-registered as a copy and deployed', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps: d } = deps(ctx);
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      await leaveUnderChaos(ctx);
      await ctx.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'orders:1' }));
      const report = await recover({ cluster: 'demo', service: 'orders', region: 'us-east-1' }, d);
      assert.equal(report.clean, true, report.services[0]!.error);
      assert.ok(
        report.services[0]!.actions.some((a) => /registered orders:3, a copy of orders:1/.test(a)),
        report.services[0]!.actions.join('\n'),
      );
      const after = await serviceState(ctx, 'orders');
      assert.match(after.svc.taskDefinition!, /orders:3$/);
      assert.deepEqual(after.markers, []);
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });

  test('a revision someone deployed after the experiment is left in place; the leftovers go', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps: d } = deps(ctx);
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      await leaveUnderChaos(ctx);
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: 'orders:1' }));
      const report = await recover({ cluster: 'demo', service: 'orders', region: 'us-east-1' }, d);
      assert.equal(report.clean, true, report.services[0]!.error);
      const after = await serviceState(ctx, 'orders');
      assert.match(after.svc.taskDefinition!, /orders:1$/);
      assert.equal(
        after.svc.deploymentConfiguration!.maximumPercent,
        200,
        'the deployment configuration is restored from the markers',
      );
      assert.deepEqual(after.markers, []);
      assert.deepEqual(
        after.active.map((a) => a.split('/').pop()),
        ['orders:1'],
      );
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });

  test('chaos revisions of a deleted service are deregistered by a cluster-wide recover', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps: d } = deps(ctx);
    try {
      await ctx.ecs.send(
        new CreateServiceCommand({
          cluster: 'demo',
          serviceName: 'temp',
          taskDefinition: 'orders:1',
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        }),
      );
      await waitSteady(ctx.ecs, 'demo', 'temp');
      await leaveUnderChaos(ctx, 'temp');
      await ctx.ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'temp', force: true }));
      const report = await recover({ cluster: 'demo', region: 'us-east-1' }, d);
      assert.equal(report.orphanRevisions.length, 1);
      assert.equal(report.orphanRevisions[0]!.action, 'deregistered');
      assert.equal(report.clean, true);
      const active = (await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' })))
        .taskDefinitionArns!;
      assert.deepEqual(
        active.map((a) => a.split('/').pop()),
        ['orders:1'],
      );
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });

  test('recover restores the whole original deployment configuration: deployment alarms included', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps: d } = deps(ctx);
    try {
      const original = {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ['orders-5xx', 'orders-latency'], enable: true, rollback: true },
      };
      await ctx.ecs.send(
        new CreateServiceCommand({
          cluster: 'demo',
          serviceName: 'alarmed',
          taskDefinition: 'orders:1',
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
          deploymentConfiguration: original,
        }),
      );
      await waitSteady(ctx.ecs, 'demo', 'alarmed', 60_000);
      await leaveUnderChaos(ctx, 'alarmed');
      const report = await recover({ cluster: 'demo', service: 'alarmed', region: 'us-east-1' }, d);
      assert.equal(report.clean, true, JSON.stringify(report.services[0]));
      const svc = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['alarmed'] })))
        .services![0]!;
      assert.deepEqual(svc.deploymentConfiguration, original);
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });
});
