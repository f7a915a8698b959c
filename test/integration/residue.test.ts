import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { AwsError } from '../../sandbox/index.js';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { exitCodeOf } from '../../src/cli/exit-status.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { inspectCluster, recover } from '../../src/engine/recover.js';
import { chaosTaskDefinitionInput } from '../../src/faults/update-task-role/chaos-task-definition.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { roleArn, runFault } from '../support/experiment.js';
import { waitFor, withSandbox } from '../support/sandbox.js';

type Ctx = Awaited<ReturnType<typeof withSandbox>>;

const FLAGS = {
  cluster: 'demo',
  service: 'orders',
  taskRole: roleArn('orders-chaos-role'),
  duration: '5',
  interval: '5',
};

/** Waits until every task of orders runs the chaos revision orders:2 (the hold). */
async function waitForHold(ecs: ECSClient): Promise<void> {
  await waitFor('the chaos revision to run', async () => {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }))).taskArns!;
    if (arns.length === 0) return undefined;
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks!;
    const chaos = tasks.filter((t) => /orders:2$/.test(t.taskDefinitionArn!) && t.lastStatus === 'RUNNING');
    return chaos.length === 4 ? true : undefined;
  });
}

/**
 * A routine CI deploy: clone the service's CURRENT task definition (the chaos revision now), change
 * the image, register, deploy. Returns the new revision's ARN.
 */
async function ciDeploy(ecs: ECSClient, image = 'orders:1.5.0'): Promise<string> {
  const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }))).services![0]!;
  const current = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition! })))
    .taskDefinition!;
  const input = chaosTaskDefinitionInput(current, { taskRoleArn: current.taskRoleArn ?? null, tags: [] });
  input.containerDefinitions = input.containerDefinitions!.map((c, i) => (i === 0 ? { ...c, image } : c));
  const theirs = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
  await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: theirs }));
  return theirs;
}

function portsOf(ctx: Ctx) {
  const ports = createAwsPorts({
    region: ctx.sandbox.region,
    endpoint: ctx.sandbox.endpoint,
    credentials: ctx.sandbox.credentials,
  });
  return { ports, deps: { ecs: ports.ecs, io: new RecordingIoHost(), clock: SYSTEM_CLOCK, pollIntervalMs: 25 } };
}

describe('residue: what a run, status and recover call left behind', () => {
  test('a CI deploy cloned from the chaos revision keeps the chaos role: residue named, exit 4; status and recover report it and recover does not overwrite it', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps } = portsOf(ctx);
    try {
      const run = runFault(ctx.sandbox, FLAGS);
      await waitForHold(ctx.ecs);
      const theirs = await ciDeploy(ctx.ecs);
      const { result } = await run;

      const item = result.residue.items.find((i) => i.kind === 'foreign-revision-with-chaos-change');
      assert.ok(item, JSON.stringify(result.residue));
      assert.equal(item.resource, theirs);
      assert.match(item.detail, /orders-chaos-role \(original: arn:aws:iam::123456789012:role\/orders-task-role\)/);
      assert.match(item.detail, /--repair-foreign/);
      assert.equal(result.residue.clean, false);
      assert.equal(exitCodeOf(result), 4);
      const svc = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
        .services![0]!;
      assert.equal(svc.taskDefinition, theirs, 'their deployment was not overwritten');

      // status sees it (the chaos revision is INACTIVE by now; the run's ended lease points to it).
      const status = await inspectCluster(
        ports.ecs,
        { cluster: 'demo', service: 'orders', region: 'us-east-1' },
        new Date(),
      );
      const orders = status.services[0]!;
      assert.equal(orders.underChaos, true, JSON.stringify(orders));
      assert.equal(orders.foreignRevisionWithChaosChange?.arn, theirs);

      // recover reports it with the fix, changes nothing on their revision, keeps the evidence.
      const report = await recover({ cluster: 'demo', service: 'orders', region: 'us-east-1' }, deps);
      assert.equal(report.clean, false);
      assert.equal(report.services[0]!.status, 'foreign');
      assert.match(report.services[0]!.error!, /--repair-foreign/);
      const after = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      assert.equal(after.taskDefinition, theirs);
      assert.ok(
        (after.tags ?? []).some((t) => t.key!.startsWith('ecs-chaos:lease:')),
        'the evidence stays until the chaos change is gone',
      );

      // --repair-foreign: a copy of their revision (their image) with the original role, deployed.
      const repaired = await recover(
        { cluster: 'demo', service: 'orders', region: 'us-east-1', repairForeign: true },
        deps,
      );
      assert.equal(repaired.clean, true, JSON.stringify(repaired.services[0]));
      const final = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      const td = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: final.taskDefinition! })))
        .taskDefinition!;
      assert.notEqual(final.taskDefinition, theirs);
      assert.equal(td.taskRoleArn, roleArn('orders-task-role'));
      assert.equal(td.containerDefinitions![0]!.image, 'orders:1.5.0', 'their image is kept');
      assert.deepEqual(
        (final.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
        [],
      );
      const again = await inspectCluster(
        ports.ecs,
        { cluster: 'demo', service: 'orders', region: 'us-east-1' },
        new Date(),
      );
      assert.equal(again.services[0]!.underChaos, false, JSON.stringify(again.services[0]));
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });

  test('the end state cannot be read: the residue says it was not checked and what to run, never "none" or residue it did not read', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    let reverted = false;
    const cut = (call: { action: string }): void => {
      if (call.action === 'DeregisterTaskDefinition') reverted = true;
      else if (reverted && call.action === 'DescribeServices')
        throw new AwsError('AccessDeniedException', 'denied for the test');
    };
    ctx.sandbox.world.interceptors.push(cut);
    try {
      const { result } = await runFault(ctx.sandbox, FLAGS);
      assert.equal(result.residue.clean, false);
      const kinds = result.residue.items.map((i) => i.kind);
      assert.ok(kinds.includes('not-checked'), JSON.stringify(result.residue));
      assert.ok(!kinds.includes('service-on-chaos-revision'), 'no residue that was not read');
      const item = result.residue.items.find((i) => i.kind === 'not-checked')!;
      assert.match(item.detail, /ecs-chaos status --cluster demo --service orders/);
      assert.equal(exitCodeOf(result), 4);
    } finally {
      await ctx.sandbox.close();
    }
  });
});
