/**
 * Other people's changes the revert meets: the original revision deregistered, the deployment
 * configuration changed, a deploy while the restore waits, a hung API call during the hold. The run
 * restores what is its own, keeps what is someone else's, reports it, and does not wait for nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { RecordingIoHost } from '../../src/io/io-host.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { roleArn, runFault } from '../support/experiment.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

type Ctx = Awaited<ReturnType<typeof withSandbox>>;

const FLAGS = {
  cluster: 'demo',
  service: 'orders',
  taskRole: roleArn('orders-chaos-role'),
  duration: '3',
  interval: '3',
  restoreTimeout: '120',
  rolloutTimeout: '120',
};

async function chaosRunning(ecs: ECSClient): Promise<void> {
  await waitFor(
    'a chaos task to run',
    async () => {
      const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }))).taskArns ?? [];
      if (arns.length === 0) return undefined;
      const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? [];
      return tasks.some((t) => /orders:2$/.test(t.taskDefinitionArn!) && t.lastStatus === 'RUNNING') ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

async function orders(ecs: ECSClient) {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] })))
    .services![0]!;
}

async function assertNothingLeft(ctx: Ctx, result: ExperimentResult): Promise<void> {
  assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
  const chaos = await ctx.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
  );
  assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
  assert.deepEqual(
    ((await orders(ctx.ecs)).tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
    [],
  );
}

describe("the revert meets other people's changes", () => {
  test('the original revision deregistered mid-run: the revert deploys a copy of it, as recover does, and leaves nothing', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const run = runFault(ctx.sandbox, FLAGS);
      await chaosRunning(ctx.ecs);
      await ctx.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'orders:1' }));
      const { result } = await run;
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      assert.equal(result.effect.restored, true);
      const copy = result.mutations.find((m) => m.operation === 'RegisterTaskDefinition' && /orders:3$/.test(m.target));
      assert.ok(copy, JSON.stringify(result.mutations));
      assert.match(copy.detail, /a copy of orders:1, which someone deregistered/);
      const svc = await orders(ctx.ecs);
      assert.match(svc.taskDefinition!, /orders:3$/);
      const copied = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:3' })))
        .taskDefinition!;
      assert.equal(copied.taskRoleArn, roleArn('orders-task-role'), 'the copy has the original task role');
      await assertNothingLeft(ctx, result);
      const active = (await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' })))
        .taskDefinitionArns!;
      assert.deepEqual(
        active.map((a) => a.split('/').pop()),
        ['orders:3'],
      );
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('someone changes the deployment limits mid-run: the restore keeps them and reports the conflict', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      // 50% rolling: the chaos window's limits are 150/100, the original's 200/100.
      const run = runFault(ctx.sandbox, { ...FLAGS, affectedPercent: '50', exposure: 'rolling' });
      await chaosRunning(ctx.ecs);
      await ctx.ecs.send(
        new UpdateServiceCommand({
          cluster: 'demo',
          service: 'orders',
          deploymentConfiguration: {
            maximumPercent: 175,
            minimumHealthyPercent: 50,
            deploymentCircuitBreaker: { enable: true, rollback: true },
          },
        }),
      );
      const { result } = await run;
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(
        result.conflicts.join('\n'),
        /someone changed the deployment configuration of orders during the run \(maximumPercent 175, minimumHealthyPercent 50/,
      );
      const svc = await orders(ctx.ecs);
      assert.match(svc.taskDefinition!, /orders:1$/);
      assert.equal(svc.deploymentConfiguration!.maximumPercent, 175, 'their limits are kept');
      assert.equal(svc.deploymentConfiguration!.minimumHealthyPercent, 50);
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('someone turns the circuit breaker off mid-run: kept and reported, while the chaos limits go back', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const run = runFault(ctx.sandbox, { ...FLAGS, affectedPercent: '50', exposure: 'rolling' });
      await chaosRunning(ctx.ecs);
      await ctx.ecs.send(
        new UpdateServiceCommand({
          cluster: 'demo',
          service: 'orders',
          deploymentConfiguration: {
            maximumPercent: 150,
            minimumHealthyPercent: 100,
            deploymentCircuitBreaker: { enable: false, rollback: false },
          },
        }),
      );
      const { result } = await run;
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(result.conflicts.join('\n'), /circuit breaker off, rollback off \(was circuit breaker on/);
      const cfg = (await orders(ctx.ecs)).deploymentConfiguration!;
      assert.deepEqual(
        [cfg.maximumPercent, cfg.minimumHealthyPercent, cfg.deploymentCircuitBreaker?.enable],
        [200, 100, false],
        'the chaos limits restored, their circuit breaker setting kept',
      );
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a deploy while the restore waits: a conflict, their revision kept, no restore timeout', async () => {
    // Tasks take seconds to start, so the restore waits long enough to be interrupted.
    const ctx = await withSandbox({ scenario: 'demo', pace: { provisioningMs: 1_500 } });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders', 60_000);
      const run = runFault(ctx.sandbox, { ...FLAGS, duration: '1', interval: '1' });
      await waitFor('the chaos revision deployed', async () =>
        /orders:2$/.test((await orders(ctx.ecs)).taskDefinition!) ? true : undefined,
      );
      await waitFor(
        "the revert's UpdateService back to orders:1",
        async () => (/orders:1$/.test((await orders(ctx.ecs)).taskDefinition!) ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const original = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' })))
        .taskDefinition!;
      const theirs = (
        await ctx.ecs.send(
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
        )
      ).taskDefinition!.taskDefinitionArn!;
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: theirs }));
      const { result } = await run;
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(
        result.conflicts.join('\n'),
        new RegExp(`someone deployed ${theirs} on orders while the restore waited`),
      );
      assert.equal((await orders(ctx.ecs)).taskDefinition, theirs, 'their deployment was not overwritten');
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a scale to 0 while the restore waits: the restore needs no rollout, the cleanup finishes, their desired count kept', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: { provisioningMs: 1_500 } });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders', 60_000);
      const run = runFault(ctx.sandbox, { ...FLAGS, duration: '1', interval: '1' });
      await waitFor('the chaos revision deployed', async () =>
        /orders:2$/.test((await orders(ctx.ecs)).taskDefinition!) ? true : undefined,
      );
      await waitFor(
        "the revert's UpdateService back to orders:1",
        async () => (/orders:1$/.test((await orders(ctx.ecs)).taskDefinition!) ? true : undefined),
        { timeoutMs: 60_000 },
      );
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', desiredCount: 0 }));
      const { result } = await run;
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.match(result.conflicts.join('\n'), /someone scaled orders to 0 during the run/);
      const svc = await orders(ctx.ecs);
      assert.equal(svc.desiredCount, 0, 'their scale change is kept');
      assert.match(svc.taskDefinition!, /orders:1$/);
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a hung ListTasks during the hold: the poll is cut at the end of the hold and the revert starts on time', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const requestTimeoutMs = 120_000;
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const io = new RecordingIoHost();
      const run = runFault(ctx.sandbox, FLAGS, { ports: { requestTimeoutMs }, io });
      await waitFor(
        'the hold',
        async () => (io.withCode('phase.start').some((m) => m.data?.phase === 'hold') ? true : undefined),
        { timeoutMs: 60_000, everyMs: 5 },
      );
      // The next ListTasks gets no answer for 10 minutes; without a bound, the hold would last as long
      // as the SDK's request timeout.
      ctx.sandbox.faults.add({ service: 'ecs', action: 'ListTasks', kind: 'hang', hangMs: 600_000, count: 1 });
      const { result } = await run;
      assert.ok(
        ctx.sandbox.requests().some((r) => r.errorCode === 'RequestHung'),
        'a ListTasks call hung during the hold',
      );
      const at = (name: string) => Date.parse(result.timeline.find((e) => e.kind === 'phase' && e.name === name)!.time);
      const late = at('revert') - at('hold') - 3_000;
      assert.ok(
        late < requestTimeoutMs / 2,
        `the revert started ${late} ms after the planned end of the hold, not after the hung call's request timeout`,
      );
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
    } finally {
      await ctx.sandbox.close();
    }
  });
});
