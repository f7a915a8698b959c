import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { roleArn, runFault } from '../support/experiment.js';
import { waitFor, withSandbox } from '../support/sandbox.js';

const FLAGS = {
  cluster: 'demo',
  service: 'orders',
  taskRole: roleArn('orders-chaos-role'),
  duration: '5',
  interval: '5',
};

describe('conflicts during the chaos window', () => {
  test('someone deploys a new revision during the hold: it is not overwritten, the chaos revision goes once unused, the conflict is reported', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      const run = runFault(ctx.sandbox, FLAGS);
      // Wait for the hold (every task on the chaos revision), then deploy a revision of our own, as a team would.
      await waitFor('the chaos revision to run', async () => {
        const arns = (await ctx.ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }))).taskArns!;
        if (arns.length === 0) return undefined;
        const tasks = (await ctx.ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks!;
        const chaos = tasks.filter((t) => /orders:2$/.test(t.taskDefinitionArn!) && t.lastStatus === 'RUNNING');
        return chaos.length === 4 ? true : undefined;
      });
      const original = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' })))
        .taskDefinition!;
      const theirs = await ctx.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'orders',
          taskRoleArn: original.taskRoleArn,
          executionRoleArn: original.executionRoleArn,
          networkMode: original.networkMode,
          requiresCompatibilities: original.requiresCompatibilities,
          cpu: original.cpu,
          memory: original.memory,
          containerDefinitions: [{ ...original.containerDefinitions![0]!, image: 'orders:1.5.0' }],
        }),
      );
      const theirArn = theirs.taskDefinition!.taskDefinitionArn!;
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: theirArn }));
      const { result } = await run;

      assert.equal(result.verdict, 'Fail');
      assert.match(result.conflicts[0]!, new RegExp(`someone deployed ${theirArn}`));
      assert.match(result.verdictReason, /someone deployed/);
      const svc = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      assert.equal(svc.taskDefinition, theirArn, 'their deployment was not overwritten');
      assert.equal(svc.deploymentConfiguration!.maximumPercent, 200, 'the chaos window configuration is gone');
      assert.deepEqual(
        (svc.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
        [],
      );
      const chaos = await ctx.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
      );
      assert.equal(chaos.taskDefinition!.status, 'INACTIVE', 'deregistered once no task used it');
      assert.equal(result.residue.clean, true);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('the service is deleted while the chaos rolls out: a clear conflict, no crash, nothing left behind', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      const run = runFault(ctx.sandbox, FLAGS);
      // Right after injection, while the chaos revision is still rolling out.
      await waitFor('the chaos revision to be deployed', async () => {
        const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
          .services![0]!;
        return /orders:2$/.test(s.taskDefinition!) ? true : undefined;
      });
      await ctx.ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'orders', force: true }));
      const { result } = await run;
      assert.equal(result.verdict, 'Fail');
      assert.match(result.verdictReason, /the service orders was deleted during the chaos window/);
      assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
      const chaos = await ctx.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
      );
      assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
    } finally {
      await ctx.sandbox.close();
    }
  });
});
