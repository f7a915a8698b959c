/**
 * A task definition with members the pinned AWS SDK does not know: the SDK drops them from its
 * answer, so a copy would silently lose them. Preflight refuses with exit 2, names the members and
 * the fix, and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { judgeTaskDefinitionAnswer } from '../../src/aws/raw-members.js';
import { demoRunArgs, runCli, sandboxEnv } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('members of a task definition the AWS SDK does not know', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(() => ctx.sandbox.close());

  test('run: exit 2 naming the members and the fix, nothing changed', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const service = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!;
    const answer = await fetch(`${ctx.sandbox.endpoint}/_sandbox/task-definitions/members`, {
      method: 'POST',
      body: JSON.stringify({
        taskDefinition: service.taskDefinition,
        members: { futureIsolation: { mode: 'strict' } },
        containerMembers: { restartPolicyV2: { enabled: true } },
      }),
    });
    assert.equal(answer.status, 200);
    // The premise: the SDK's parsed answer lacks them.
    const parsed = await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
    assert.equal('futureIsolation' in parsed.taskDefinition!, false);
    const revisionsBefore = (await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' })))
      .taskDefinitionArns;
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;

    const run = await runCli(demoRunArgs('orders', '--duration', '1', '--interval', '1'), {
      env: sandboxEnv(ctx.sandbox),
      timeoutMs: 60_000,
    });
    assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(
      run.stderr,
      /task definition fully understood: \S+orders:1 has members the AWS SDK of this ecs-chaos does not know \(taskDefinition\.containerDefinitions\[\]\.restartPolicyV2, taskDefinition\.futureIsolation\): its chaos copy would silently lose them.*Fix: upgrade ecs-chaos/,
    );
    assert.ok(
      ctx.sandbox.requests().every((r) => r.seq <= since || !r.mutating),
      'no mutating call: nothing changed',
    );
    const revisionsAfter = (await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' })))
      .taskDefinitionArns;
    assert.deepEqual(revisionsAfter, revisionsBefore);
  });

  test('members beside the task definition (not copied) warn; a fully known answer passes', () => {
    const raw = Symbol.for('ecs-chaos.rawAnswer');
    const answer = (rawJson: unknown): unknown =>
      Object.defineProperty({ taskDefinition: { taskDefinitionArn: 'arn:x:1', family: 'x' }, tags: [] }, raw, {
        value: rawJson,
      });
    const beside = judgeTaskDefinitionAnswer(
      answer({ taskDefinition: { taskDefinitionArn: 'arn:x:1', family: 'x' }, tags: [], failures: [] }),
    );
    assert.equal(beside?.status, 'warn');
    assert.match(beside.detail, /\(failures\); they are not copied/);
    const known = judgeTaskDefinitionAnswer(
      answer({ taskDefinition: { taskDefinitionArn: 'arn:x:1', family: 'x', taskRoleArn: null }, tags: [] }),
    );
    assert.equal(known?.status, 'pass', 'null members are not unknown members');
    assert.equal(judgeTaskDefinitionAnswer({ taskDefinition: {} }), undefined, 'no raw answer: not judged');
  });
});

describe('members of a service the AWS SDK does not know', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(() => ctx.sandbox.close());

  test('exact mode: members of the service the SDK does not know are named as not copied by the sibling', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const hook = await fetch(`${ctx.sandbox.endpoint}/_sandbox/services/members`, {
      method: 'POST',
      body: JSON.stringify({ cluster: 'demo', service: 'orders', members: { futureRouting: { mode: 'zonal' } } }),
    });
    assert.equal(hook.status, 200);
    // The premise: the SDK's parsed answer lacks it.
    const parsed = await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }));
    assert.equal('futureRouting' in parsed.services![0]!, false);
    const plan = (...extra: string[]) =>
      runCli(['plan', ...demoRunArgs('orders').slice(2), '--affected-percent', '25', '--output', 'json', ...extra], {
        env: sandboxEnv(ctx.sandbox),
        timeoutMs: 60_000,
      });
    const exact = await plan();
    assert.equal(exact.code, 0, exact.stderr);
    const checks = (JSON.parse(exact.stdout) as { checks: { name: string; status: string; detail: string }[] }).checks;
    const sibling = checks.filter((c) => c.name === 'the sibling service can stand in');
    assert.ok(
      sibling.some(
        (c) => c.status === 'warn' && /not copied: futureRouting: members of the service the AWS SDK/.test(c.detail),
      ),
      JSON.stringify(sibling),
    );
    // Rolling mode copies nothing from the service: no such warning.
    const rolling = await plan('--exposure', 'rolling');
    assert.equal(rolling.code, 0, rolling.stderr);
    assert.doesNotMatch(rolling.stdout, /futureRouting/);
  });
});
