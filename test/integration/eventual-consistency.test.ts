/**
 * ECS's eventual consistency: the sandbox's opt-in mode (reads show the state before a write for a
 * while), and the fault run tolerating it: the swap judged from UpdateService's answer and stale
 * reads read again, a lost RegisterTaskDefinition looked for over the lag and never leaving two
 * chaos revisions. The fault's main tests run in this mode too with
 * `SANDBOX_EVENTUAL_CONSISTENCY=1 node scripts/test.mjs test/integration/fault-run.test.ts ...`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { runExperiment } from '../../src/engine/run.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { roleArn, runFault, specFor } from '../support/experiment.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

const FLAGS = {
  cluster: 'demo',
  service: 'orders',
  taskRole: roleArn('orders-chaos-role'),
  duration: '2',
  interval: '2',
};

/** The revisions of `orders` in the sandbox's store, as `orders:N STATUS` (the store is never stale). */
function revisions(ctx: Awaited<ReturnType<typeof withSandbox>>): string[] {
  return (ctx.sandbox.world.ecs.region(ctx.sandbox.region).families.get('orders') ?? []).map(
    (r) => `orders:${r.revision} ${String(r.def.status)}`,
  );
}

describe('eventual consistency', () => {
  test('the sandbox: DescribeServices shows the service before an UpdateService, ListTaskDefinitions misses a new revision, for the lag', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast', eventualConsistency: { lagMs: 60_000 } });
    try {
      const td = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' })))
        .taskDefinition!;
      const registered = await ctx.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'orders',
          taskRoleArn: td.taskRoleArn,
          executionRoleArn: td.executionRoleArn,
          networkMode: td.networkMode,
          requiresCompatibilities: td.requiresCompatibilities,
          cpu: td.cpu,
          memory: td.memory,
          containerDefinitions: td.containerDefinitions,
        }),
      );
      const arn = registered.taskDefinition!.taskDefinitionArn!;
      const listed = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' }));
      assert.deepEqual(
        listed.taskDefinitionArns!.map((a) => a.split('/').pop()),
        ['orders:1'],
      );
      // Described by its ARN, the new revision is there.
      const described = await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      assert.equal(described.taskDefinition!.revision, 2);

      const updated = await ctx.ecs.send(
        new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: arn }),
      );
      // The mutation's own answer is current...
      assert.equal(updated.service!.taskDefinition, arn);
      assert.equal(updated.service!.deployments!.find((d) => d.status === 'PRIMARY')!.taskDefinition, arn);
      // ...a read right after it is not.
      const read = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
        .services![0]!;
      assert.match(read.taskDefinition!, /orders:1$/);
      assert.ok(!read.deployments!.some((d) => d.id === updated.service!.deployments![0]!.id));
      // The store itself moved on.
      const svc = ctx.sandbox.world.ecs.region(ctx.sandbox.region).cluster('demo').services.get('orders')!;
      assert.equal(svc.taskDefinition, arn);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a fault run passes and restores everything while ECS reads lag 1.5 s behind its writes', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast', eventualConsistency: { lagMs: 1_500 } });
    try {
      const { result } = await runFault(ctx.sandbox, FLAGS);
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      assert.equal(result.effect.swapped, true);
      assert.equal(result.effect.restored, true);
      assert.deepEqual(result.conflicts, []);
      assert.deepEqual(result.residue, { clean: true, items: [] });
      assert.deepEqual(revisions(ctx), ['orders:1 ACTIVE', 'orders:2 INACTIVE']);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a lost RegisterTaskDefinition answer, listed only after a lag, is found and not registered twice', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast', eventualConsistency: { lagMs: 1_000 } });
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
      assert.equal(ctx.sandbox.requests().filter((r) => r.action === 'RegisterTaskDefinition').length, 1);
      assert.ok(
        io.messages.some((m) => /not listed yet/.test(m.message)),
        'the first look missed it',
      );
      assert.ok(io.messages.some((m) => /found orders:2 by its markers/.test(m.message)));
      assert.deepEqual(revisions(ctx), ['orders:1 ACTIVE', 'orders:2 INACTIVE']);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a lost registration listed too late for every look: the retry registers, and the lost copy is deregistered', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast', eventualConsistency: { lagMs: 4_500 } });
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
      assert.equal(ctx.sandbox.requests().filter((r) => r.action === 'RegisterTaskDefinition').length, 2);
      assert.ok(
        io.messages.some((m) =>
          /a lost RegisterTaskDefinition had registered orders:2 too: deregistered it, orders:3 is the chaos revision/.test(
            m.message,
          ),
        ),
      );
      assert.equal(result.effect.chaosTaskDefinitionArn?.split('/').pop(), 'orders:3');
      // No chaos revision is left ACTIVE: the lost one was deregistered at once, the used one at the restore.
      assert.deepEqual(revisions(ctx), ['orders:1 ACTIVE', 'orders:2 INACTIVE', 'orders:3 INACTIVE']);
      assert.deepEqual(result.residue, { clean: true, items: [] });
      await waitSteady(ctx.ecs, 'demo', 'orders', 30_000);
      await waitFor('the service back on orders:1', async () => {
        const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
          .services![0]!;
        return s.taskDefinition?.endsWith('orders:1') ? true : undefined;
      });
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('an UpdateService answer that does not show the chaos revision is read again before the swap is judged', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast', eventualConsistency: { lagMs: 1_000 } });
    const ports = createAwsPorts({
      region: ctx.sandbox.region,
      endpoint: ctx.sandbox.endpoint,
      credentials: ctx.sandbox.credentials,
    });
    try {
      // The answer of the first UpdateService (the injection) is cut to its ARN: it says nothing of the deployment.
      let cut = 0;
      const ecs = {
        ...ports.ecs,
        updateService: async (...args: Parameters<typeof ports.ecs.updateService>) => {
          const out = await ports.ecs.updateService(...args);
          if (cut++ > 0) return out;
          return { ...out, service: { serviceArn: out.service?.serviceArn, serviceName: out.service?.serviceName } };
        },
      };
      const io = new RecordingIoHost();
      const result = await runExperiment(
        specFor(ctx.sandbox, FLAGS),
        {
          ecs,
          sts: ports.sts,
          iam: ports.iam,
          cloudwatch: ports.cloudwatch,
          cloudtrail: ports.cloudtrail,
          io,
          clock: SYSTEM_CLOCK,
          version: 'test',
          pollIntervalMs: 25,
        },
        new AbortController().signal,
      );
      assert.equal(cut, 2, 'the injection and the restore');
      assert.equal(result.effect.swapped, true, JSON.stringify(result.effect.notes));
      assert.ok(!result.effect.notes.some((n) => /after injection the primary deployment runs/.test(n)));
      assert.equal(result.verdict, 'Pass', result.verdictReason);
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });
});
