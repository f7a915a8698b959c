/**
 * Exposure you choose and get, and a restore that means restored: checked by an independent client
 * right after each run (no task of a chaos revision left, the service steady on its original
 * revision, exact mode's sibling gone and the service's own tasks untouched).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { PreflightError } from '../../src/engine/preflight.js';
import { mutatingCalls, roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = roleArn('orders-chaos-role');

/** Every task of the family, as an independent client sees it (desired RUNNING and STOPPED). */
async function familyTasks(ecs: ECSClient, family: string): Promise<Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    arns.push(...((await ecs.send(new ListTasksCommand({ cluster: 'demo', family, desiredStatus }))).taskArns ?? []));
  }
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    tasks.push(
      ...((await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns.slice(i, i + 100) }))).tasks ?? []),
    );
  }
  return tasks;
}

async function serviceOf(ecs: ECSClient, name: string) {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name], include: ['TAGS'] })))
    .services![0]!;
}

describe('exposure modes and the restore condition', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let taskDefinition: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    taskDefinition = (await serviceOf(ctx.ecs, 'orders')).taskDefinition!;
  });
  after(() => ctx.sandbox.close());

  /** A Fargate service of `n` tasks running the demo's orders revision. */
  async function serviceOfSize(n: number): Promise<string> {
    const name = `size-${n}`;
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: name,
        taskDefinition,
        desiredCount: n,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      }),
    );
    await waitSteady(ctx.ecs, 'demo', name);
    return name;
  }

  /** After a run: nothing of the chaos left, as an independent client sees it. */
  async function assertNothingLeft(service: string, chaosArns: readonly string[]): Promise<void> {
    const up = (await familyTasks(ctx.ecs, 'orders')).filter(
      (t) => chaosArns.includes(t.taskDefinitionArn!) && t.lastStatus !== 'STOPPED',
    );
    assert.deepEqual(
      up.map((t) => `${t.taskArn} ${t.lastStatus}`),
      [],
      'no task of a chaos revision is left',
    );
    const svc = await serviceOf(ctx.ecs, service);
    assert.equal(svc.taskDefinition, taskDefinition);
    assert.deepEqual(
      svc.deployments!.map((d) => [d.status, d.taskDefinition, d.rolloutState]),
      [['PRIMARY', taskDefinition, 'COMPLETED']],
      'steady on the original revision',
    );
    assert.equal(svc.runningCount, svc.desiredCount);
  }

  const sizes: Array<[number, number, number]> = [
    // [tasks, percent, k]
    [1, 50, 1],
    [2, 34, 1],
    [3, 40, 2],
    [4, 25, 1],
    [10, 25, 3],
  ];
  for (const [n, percent, k] of sizes) {
    test(`exact mode, ${percent}% of ${n} task(s): ${k} chaos task(s) at peak, the service's own tasks untouched`, async () => {
      const service = await serviceOfSize(n);
      const before = (await familyTasks(ctx.ecs, 'orders'))
        .filter((t) => t.group === `service:${service}` && t.lastStatus === 'RUNNING')
        .map((t) => t.taskArn)
        .sort();
      const { result } = await runFault(ctx.sandbox, {
        cluster: 'demo',
        service,
        taskRole: CHAOS_ROLE,
        affectedPercent: String(percent),
        duration: '2',
        interval: '2',
      });
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      assert.equal(result.exposure.mode, 'exact');
      assert.equal(result.exposure.predicted!.chaosTasks, k);
      assert.equal(result.exposure.predicted!.ofTasks, n + k);
      assert.equal(result.exposure.peakChaosTasks, k, 'the measured peak is exactly k');
      assert.ok(result.exposure.peakShare <= percent / 100 + 1e-9, `share ${result.exposure.peakShare}`);
      assert.deepEqual(
        result.mutations.map((m) => [m.operation, m.undone]),
        [
          ['RegisterTaskDefinition', true],
          ['TagResource', true],
          ['CreateService', true],
        ],
      );
      await assertNothingLeft(service, [result.effect.chaosTaskDefinitionArn!]);
      const sibling = await serviceOf(ctx.ecs, result.iterations[0]!.siblingService!);
      assert.notEqual(sibling.status, 'ACTIVE', 'the sibling service is deleted');
      const afterTasks = (await familyTasks(ctx.ecs, 'orders'))
        .filter((t) => t.group === `service:${service}` && t.lastStatus === 'RUNNING')
        .map((t) => t.taskArn)
        .sort();
      assert.deepEqual(afterTasks, before, "the service's own tasks were never replaced");
    });
  }

  test('rolling mode, 25% of 4 with several iterations: every chaos task of every iteration gone before the next and after exit', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const { result, io } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: CHAOS_ROLE,
      affectedPercent: '25',
      exposure: 'rolling',
      duration: '4',
      interval: '2',
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(result.exposure.mode, 'rolling');
    assert.match(result.exposure.predicted!.warning!, /reaches 4 of 4 tasks \(100%\)/);
    const arns = result.iterations.map((i) => i.chaosTaskDefinitionArn!);
    assert.equal(arns.length, 2);
    await assertNothingLeft('orders', arns);
    // Each revert waited for the restore condition before the next injection.
    for (const iteration of result.iterations) assert.ok(iteration.restoredAt, `iteration ${iteration.index} restored`);
    const second = result.timeline.find((e) => e.name === 'inject' && e.iteration === 2)!;
    assert.ok(Date.parse(result.iterations[0]!.restoredAt!) <= Date.parse(second.time));
    // The exposure counts both chaos revisions, each labelled with its iteration.
    assert.deepEqual(
      result.exposure.byRevision!.map((r) => r.label),
      ['chaos, iteration 1', 'chaos, iteration 2'],
    );
    assert.ok(io.messages.some((m) => m.code === 'warning' && /rolling mode: exposure reaches/.test(m.message)));
  });

  test('exact mode refuses a share that rounds to no task: exit-2 preflight, nothing changed', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await assert.rejects(
      runFault(ctx.sandbox, { cluster: 'demo', service: 'size-1', taskRole: CHAOS_ROLE, affectedPercent: '25' }),
      (error: unknown) => {
        assert.ok(error instanceof PreflightError);
        assert.match(
          error.message,
          /exposure.*25% of 1 task rounds down to no chaos task.*at least 50, or use --exposure rolling/,
        );
        return true;
      },
    );
    assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
  });

  test('the chaos revision of a run is INACTIVE only once no task runs it', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: CHAOS_ROLE,
      affectedPercent: '50',
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    const deregistered = result.timeline.find((e) => e.name === 'undo' && /DeregisterTaskDefinition/.test(e.message))!;
    const restored = result.timeline.find((e) => e.name === 'restored')!;
    assert.ok(Date.parse(restored.time) <= Date.parse(deregistered.time), 'restored before deregistered');
    const chaos = await ctx.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
    );
    assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
  });

  test("a service already named like the sibling is someone else's: the run fails and leaves it alone", async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'orders-chaos-abcdef-1',
        taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      }),
    );
    const { result } = await runFault(
      ctx.sandbox,
      { cluster: 'demo', service: 'orders', taskRole: CHAOS_ROLE, affectedPercent: '25' },
      { experimentId: 'ecs-chaos-20261129T000000Z-abcdef' },
    );
    assert.equal(result.verdict, 'Error', result.verdictReason);
    assert.match(result.verdictReason, /not idempotent/);
    assert.ok(result.conflicts.some((c) => /orders-chaos-abcdef-1 exists and is not this run's/.test(c)));
    assert.equal((await serviceOf(ctx.ecs, 'orders-chaos-abcdef-1')).status, 'ACTIVE', 'their service is untouched');
    assert.deepEqual(result.residue, { clean: true, items: [] });
  });
});
