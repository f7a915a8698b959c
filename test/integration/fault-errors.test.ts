import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { AwsError } from '../../sandbox/index.js';
import { exitCodeOf } from '../../src/cli/exit-status.js';
import { roleArn, runFault } from '../support/experiment.js';
import { withSandbox } from '../support/sandbox.js';

const FLAGS = {
  cluster: 'demo',
  service: 'orders',
  taskRole: roleArn('orders-chaos-role'),
  duration: '2',
  interval: '2',
};

describe('errors after injection', () => {
  test('an error after injection still restores the service; the verdict is Error and nothing is left', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      let injected = false;
      let failed = false;
      ctx.sandbox.world.interceptors.push((call) => {
        if (call.action === 'UpdateService' && !injected) injected = true;
        else if (call.action === 'ListTasks' && injected && !failed) {
          failed = true;
          throw new AwsError('AccessDeniedException', 'User is not authorized to perform: ecs:ListTasks');
        }
      });
      const { result } = await runFault(ctx.sandbox, FLAGS);
      assert.ok(failed, 'the fault was injected into the run');
      assert.equal(result.verdict, 'Error');
      assert.match(result.error!.message, /not authorized to perform: ecs:ListTasks/);
      assert.equal(result.effect.restored, true);
      assert.deepEqual(result.residue, { clean: true, items: [] });
      assert.ok(result.mutations.every((m) => m.undone));
      assert.equal(exitCodeOf(result), 1);
      const svc = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
        .services![0]!;
      assert.match(svc.taskDefinition!, /orders:1$/);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('when the restore itself fails, the result lists what is left and the exact recover command (exit 4)', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      let updates = 0;
      ctx.sandbox.world.interceptors.push((call) => {
        if (call.action === 'UpdateService' && ++updates > 1) {
          throw new AwsError('AccessDeniedException', 'User is not authorized to perform: ecs:UpdateService');
        }
      });
      const { result } = await runFault(ctx.sandbox, FLAGS);
      assert.equal(result.verdict, 'Error');
      assert.equal(result.error!.code, 'RESTORE_FAILED');
      assert.equal(result.residue.clean, false);
      assert.deepEqual(result.residue.items.map((i) => i.kind).sort(), [
        'active-chaos-revision',
        'chaos-tasks-running',
        'service-markers',
        'service-on-chaos-revision',
      ]);
      assert.equal(
        result.residue.recoverCommand,
        `ecs-chaos recover --cluster demo --service orders --region us-east-1 --endpoint-url ${ctx.sandbox.endpoint}`,
      );
      assert.equal(exitCodeOf(result), 4);
      const chaos = await ctx.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
      );
      assert.equal(chaos.taskDefinition!.status, 'ACTIVE', 'the chaos revision is kept while the service runs it');
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('an abort while RegisterTaskDefinition is in flight lets it finish, then deregisters it', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      const controller = new AbortController();
      ctx.sandbox.world.interceptors.push(async (call) => {
        if (call.action === 'RegisterTaskDefinition') {
          const reason = new Error('SIGTERM received');
          reason.name = 'AbortError';
          controller.abort(reason);
          await new Promise((r) => setTimeout(r, 300));
        }
      });
      const { result } = await runFault(ctx.sandbox, FLAGS, { signal: controller.signal });
      assert.equal(result.verdict, 'Stopped');
      assert.equal(result.residue.clean, true);
      assert.deepEqual(
        result.mutations.map((m) => [m.operation, m.undone]),
        [['RegisterTaskDefinition', true]],
      );
      const chaos = await ctx.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
      );
      assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
      assert.equal(exitCodeOf(result), 3);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a RegisterTaskDefinition applied but answered by a dropped connection is found, not registered twice', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      ctx.sandbox.faults.add({
        service: 'ecs',
        action: 'RegisterTaskDefinition',
        kind: 'drop',
        when: 'after',
        count: 1,
      });
      const { result, io } = await runFault(ctx.sandbox, FLAGS);
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      assert.equal(
        ctx.sandbox.requests().filter((r) => r.action === 'RegisterTaskDefinition').length,
        1,
        'no second registration',
      );
      assert.ok(io.messages.some((m) => /found orders:2 by its markers/.test(m.message)));
      const all = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders', status: 'INACTIVE' }));
      assert.deepEqual(
        all.taskDefinitionArns!.map((a) => a.split('/').pop()),
        ['orders:2'],
        'one chaos revision, deregistered',
      );
      const active = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' }));
      assert.deepEqual(
        active.taskDefinitionArns!.map((a) => a.split('/').pop()),
        ['orders:1'],
      );
    } finally {
      await ctx.sandbox.close();
    }
  });
});
