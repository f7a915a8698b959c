/**
 * deny-task-permissions killed mid-window with SIGKILL, and no recover: the Deny still applies, then
 * ends by itself at its planned end on the sandbox's clock (its `DateLessThan aws:CurrentTime`), so
 * the workload's calls succeed again; `status` shows the leftover (expired) policy and `recover`
 * removes it, leaving the role as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { ManualClock } from '../../sandbox/index.js';
import { runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitFor, withSandbox } from '../support/sandbox.js';

const TARGET = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];
const RoleName = 'orders-task-role';

describe('deny-task-permissions killed mid-window', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  // The sandbox's clock follows the real one, and jumps when the test says.
  const clock = new ManualClock();
  let lastReal = Date.now();
  const ticker = setInterval(() => {
    const now = Date.now();
    clock.advance(now - lastReal);
    lastReal = now;
  }, 10);
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast', now: clock.now });
    env = sandboxEnv(ctx.sandbox);
  });
  after(async () => {
    clearInterval(ticker);
    await ctx.sandbox.close();
  });

  const denied = (): number =>
    ctx.sandbox.world.workload.counters('demo', 'orders')?.errors['s3:PutObject']?.AccessDenied ?? 0;
  const requests = (): number => ctx.sandbox.world.workload.counters('demo', 'orders')?.requests['s3:PutObject'] ?? 0;
  /** Moves the sandbox's world to its clock (the next call catches up). */
  const poke = (): Promise<unknown> =>
    ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }));

  test('the Deny expires by itself at its planned end; status shows it, recover removes it', async () => {
    const policiesBefore = (await ctx.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames;
    const cli = startCli(
      ['run', 'deny-task-permissions', ...TARGET, '--actions', 's3:PutObject', '--duration', '6', '--interval', '6'],
      { env },
    );
    const before = denied();
    for (let i = 0; i < 800 && !/hold: 6s with the Deny in place/.test(cli.output().stderr); i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.match(cli.output().stderr, /hold: 6s with the Deny in place/);
    await waitFor('denied PutObject calls', async () => (denied() > before ? true : undefined));
    cli.child.kill('SIGKILL');
    const exit = await cli.exited;
    assert.equal(exit.signal, 'SIGKILL');

    // The Deny is left on the role, and its end is in it.
    const names = (await ctx.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? [];
    const left = names.find((n) => n.startsWith('ecs-chaos-deny-'));
    assert.ok(left, `a Deny policy is left: ${names.join(', ')}`);
    const document = decodeURIComponent(
      (await ctx.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: left }))).PolicyDocument ?? '',
    );
    const end = Date.parse(/"aws:CurrentTime":"([^"]+)"/.exec(document)![1]!);

    // Before its end the calls are still denied...
    await poke();
    const stillDenied = denied();
    await waitFor('more denied calls before the end', async () => {
      await poke();
      return denied() > stillDenied ? true : undefined;
    });
    // ...and past it, on the sandbox's clock, they succeed with the policy still in place.
    clock.advance(Math.max(0, end - clock.now()) + 1_000);
    await poke();
    const atEnd = denied();
    const calls = requests();
    await waitFor('more PutObject calls after the end', async () => {
      await poke();
      return requests() > calls + 8 ? true : undefined;
    });
    assert.equal(denied(), atEnd, 'no PutObject call is denied after the planned end');
    assert.ok((await ctx.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames?.includes(left));

    // status: the leftover, expired once the runner's planned end has passed (the lease stale by then too).
    let status = await runCli(['status', ...TARGET], { env });
    for (let i = 0; i < 80 && !/expired .* ago/.test(status.stdout); i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = await runCli(['status', ...TARGET], { env });
    }
    assert.equal(status.code, 4, status.stdout);
    assert.match(status.stdout, new RegExp(`inline policy ${left} on role ${RoleName}, expired .* ago`));
    assert.match(status.stdout, /tag ecs-chaos:deny:ecs-chaos-\S+ on role orders-task-role/);
    assert.doesNotMatch(status.stdout, /LIVE EXPERIMENT/);

    const recovered = await runCli(['recover', ...TARGET], { env });
    assert.equal(recovered.code, 0, `${recovered.stdout}\n${recovered.stderr}`);
    assert.match(recovered.stdout, new RegExp(`DeleteRolePolicy ${RoleName}: ${left}`));
    assert.match(recovered.stdout, /UntagRole orders-task-role: ecs-chaos:deny:/);
    assert.deepEqual((await ctx.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames, policiesBefore);
    const tags = (await ctx.iam.send(new GetRoleCommand({ RoleName }))).Role?.Tags ?? [];
    assert.deepEqual(
      tags.filter((t) => t.Key?.startsWith('ecs-chaos')),
      [],
    );
    const again = await runCli(['status', ...TARGET], { env });
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /orders: clean/);
  });
});
