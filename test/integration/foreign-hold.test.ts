/**
 * Other people's changes while the chaos holds: `recover --force`, a rollback to the original (right
 * after injection and during the hold), a scale to 0, a sandbox that restarts. The run notices each
 * one, ends the hold at once, reports a conflict and still leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { startSandbox } from '../../sandbox/index.js';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { recover } from '../../src/engine/recover.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { roleArn, runFault } from '../support/experiment.js';
import { clientsFor, waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

type Ctx = Awaited<ReturnType<typeof withSandbox>>;

/** A hold long enough that only a noticed change ends the run early. */
const FLAGS = {
  cluster: 'demo',
  service: 'orders',
  taskRole: roleArn('orders-chaos-role'),
  duration: '600',
  interval: '600',
  restoreTimeout: '120',
  rolloutTimeout: '120',
};

/** Waits until the run's hold has begun (its `hold` phase). */
async function inHold(io: RecordingIoHost): Promise<void> {
  await waitFor(
    'the hold',
    async () => (io.withCode('phase.start').some((m) => m.data?.phase === 'hold') ? true : undefined),
    { timeoutMs: 60_000, everyMs: 5 },
  );
}

async function orders(ecs: ECSClient) {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] })))
    .services![0]!;
}

/** Nothing of the run is left: the chaos revision INACTIVE, no marker, no chaos task. */
async function assertNothingLeft(ctx: Ctx, result: ExperimentResult): Promise<void> {
  assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
  const chaos = await ctx.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
  );
  assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
  const svc = await orders(ctx.ecs);
  assert.deepEqual(
    (svc.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
    [],
  );
}

function recoverForce(ctx: Ctx) {
  const ports = createAwsPorts({
    region: ctx.sandbox.region,
    endpoint: ctx.sandbox.endpoint,
    credentials: ctx.sandbox.credentials,
  });
  return recover(
    { cluster: 'demo', service: 'orders', region: 'us-east-1', force: true },
    { ecs: ports.ecs, io: new RecordingIoHost(), clock: SYSTEM_CLOCK, pollIntervalMs: 25 },
  ).finally(() => ports.destroy());
}

describe('someone changes the service while the chaos holds', () => {
  for (const exposure of ['rolling', 'exact'] as const) {
    test(`${exposure} mode: 'recover --force' repairs the service mid-hold; the run notices, ends with a conflict, leaves nothing`, async () => {
      const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
      try {
        await waitSteady(ctx.ecs, 'demo', 'orders');
        const io = new RecordingIoHost();
        const run = runFault(
          ctx.sandbox,
          { ...FLAGS, exposure, ...(exposure === 'exact' ? { affectedPercent: '50' } : {}) },
          { io },
        );
        await inHold(io);
        const report = await recoverForce(ctx);
        assert.equal(report.services[0]!.status, 'repaired', report.services[0]!.error);
        const { result } = await run;
        assert.equal(result.verdict, 'Fail', result.verdictReason);
        assert.ok(result.conflicts.length > 0, 'a conflict is reported');
        assert.match(
          result.conflicts.join('\n'),
          exposure === 'exact' ? /sibling service .* was deleted by someone else/ : /back on orders:1/,
        );
        assert.ok(result.iterations[0]!.holdSeconds === 600);
        assert.match((await orders(ctx.ecs)).taskDefinition!, /orders:1$/);
        assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
      } finally {
        await ctx.sandbox.close();
      }
    });
  }

  test('a rollback to the original right after injection, before a chaos task runs: a conflict at once, not a rollout timeout', async () => {
    // Tasks take seconds to start, so the rollback lands before any chaos task runs.
    const ctx = await withSandbox({ scenario: 'demo', pace: { provisioningMs: 3_000 } });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders', 60_000);
      const run = runFault(ctx.sandbox, FLAGS);
      await waitFor('the chaos revision to be deployed', async () =>
        /orders:2$/.test((await orders(ctx.ecs)).taskDefinition!) ? true : undefined,
      );
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: 'orders:1' }));
      const { result } = await run;
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.equal(result.error?.code, 'CONFLICT', JSON.stringify(result.error));
      assert.match(result.verdictReason, /back on orders:1/);
      assert.equal(result.effect.chaosTasksRan, false);
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a rollback to the original during the hold: a conflict, the hold ends, never Pass', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const io = new RecordingIoHost();
      const run = runFault(ctx.sandbox, FLAGS, { io });
      await inHold(io);
      await ctx.ecs.send(
        new UpdateServiceCommand({
          cluster: 'demo',
          service: 'orders',
          taskDefinition: 'orders:1',
          deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
        }),
      );
      const { result } = await run;
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(result.conflicts.join('\n'), /back on orders:1/);
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a scale to 0 mid-hold: the hold ends, the cleanup finishes (revision deregistered, markers removed), their desired count kept', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const io = new RecordingIoHost();
      const run = runFault(ctx.sandbox, FLAGS, { io });
      await inHold(io);
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', desiredCount: 0 }));
      const { result } = await run;
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(result.conflicts.join('\n'), /scaled orders to 0/);
      const svc = await orders(ctx.ecs);
      assert.equal(svc.desiredCount, 0, 'their scale change is kept');
      assert.match(svc.taskDefinition!, /orders:1$/);
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('a scale to 0 right after injection, before a chaos task runs: a conflict at once, not a rollout timeout', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: { provisioningMs: 3_000 } });
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders', 60_000);
      const run = runFault(ctx.sandbox, FLAGS);
      await waitFor('the chaos revision to be deployed', async () =>
        /orders:2$/.test((await orders(ctx.ecs)).taskDefinition!) ? true : undefined,
      );
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', desiredCount: 0 }));
      const { result } = await run;
      assert.equal(result.error?.code, 'CONFLICT', JSON.stringify(result.error));
      assert.match(result.verdictReason, /someone scaled orders to 0/);
      assert.equal((await orders(ctx.ecs)).desiredCount, 0);
      await assertNothingLeft(ctx, result);
    } finally {
      await ctx.sandbox.close();
    }
  });

  test('the sandbox restarts mid-hold (its state reset): the run notices the service back on the original', async () => {
    let sandbox = await startSandbox({ scenario: 'demo', pace: 'fast' });
    const port = Number(new URL(sandbox.endpoint).port);
    let ecs = clientsFor(sandbox).ecs;
    try {
      await waitSteady(ecs, 'demo', 'orders');
      const io = new RecordingIoHost();
      const run = runFault(sandbox, FLAGS, { io });
      await inHold(io);
      await sandbox.close();
      sandbox = await startSandbox({ scenario: 'demo', pace: 'fast', port });
      ecs = clientsFor(sandbox).ecs;
      const { result } = await run;
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(result.conflicts.join('\n'), /back on orders:1|deleted/);
      assert.match((await orders(ecs)).taskDefinition!, /orders:1$/);
    } finally {
      await sandbox.close();
    }
  });
});
