/**
 * The lease between processes: two built programs started together on one service end with exactly
 * one injecting (the other exits 2 naming it); `recover` refuses the live run (exit 2) and the run
 * goes on to Pass; a SIGKILLed run is LIVE until its heartbeat is stale, then ABANDONED, and
 * `recover` repairs it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { demoRunArgs, runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const TARGET = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];

describe('the lease, between processes', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = sandboxEnv(ctx.sandbox);
  });
  after(() => ctx.sandbox.close());

  async function ecsTags(): Promise<string[]> {
    const svc = (
      await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
    ).services![0]!;
    return (svc.tags ?? []).map((t) => t.key!).filter((k) => k.startsWith('ecs-chaos:'));
  }

  test('two runs started together: one passes, the other exits 2 naming it, and only one registered', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const [a, b] = await Promise.all([
      runCli(demoRunArgs('orders', '--duration', '2', '--output', 'json'), { env }),
      runCli(demoRunArgs('orders', '--duration', '2', '--output', 'json'), { env }),
    ]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 2], `exits ${a.code} and ${b.code}\n${a.stderr}\n${b.stderr}`);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    const result = JSON.parse(winner.stdout) as { experimentId: string; verdict: string };
    assert.equal(result.verdict, 'Pass');
    assert.match(loser.stderr, /one experiment per service/);
    assert.ok(loser.stderr.includes(result.experimentId), `the refusal names ${result.experimentId}`);
    const registered = ctx.sandbox
      .requests(since)
      .filter((r) => r.action === 'RegisterTaskDefinition' && r.errorCode === null);
    assert.equal(registered.length, 1);
    assert.deepEqual(await ecsTags(), []);
  });

  test('recover refuses a live run with exit 2; the run goes on and passes', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    // A hold long enough for two CLI processes to start and answer on a busy machine (about 2.5 s each seen).
    const cli = startCli(demoRunArgs('orders', '--duration', '15', '--log-format', 'text'), { env });
    for (let i = 0; i < 400 && !/holding the chaos/.test(cli.output().stderr) && cli.child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.match(cli.output().stderr, /holding the chaos/);
    const refused = await runCli(['recover', ...TARGET], { env });
    assert.equal(refused.code, 2, `${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stdout, /orders: LIVE EXPERIMENT[\s\S]*REFUSED: an experiment runs on orders now/);
    const status = await runCli(['status', ...TARGET], { env });
    assert.equal(status.code, 4);
    assert.match(status.stdout, /1 LIVE: an experiment runs there now and restores it itself/);
    const exit = await cli.exited;
    assert.equal(exit.code, 0, cli.output().stderr);
    assert.match(cli.output().stdout, /verdict:\s+Pass/);
  });

  test('a SIGKILLed run is LIVE, then ABANDONED once its heartbeat is stale; recover repairs it', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const cli = startCli(
      demoRunArgs('orders', '--duration', '60', '--affected-percent', '25', '--log-format', 'text'),
      {
        env,
      },
    );
    for (let i = 0; i < 400 && !/holding the chaos/.test(cli.output().stderr) && cli.child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.match(cli.output().stderr, /holding the chaos/);
    cli.child.kill('SIGKILL');
    await cli.exited;
    // Right after the kill the lease is still fresh: status says LIVE, recover refuses.
    const live = await runCli(['status', ...TARGET], { env });
    assert.match(live.stdout, /LIVE EXPERIMENT|ABANDONED/);
    // The heartbeat (1 s in these tests) goes stale after 4 beats: poll status until it says so.
    let status = live;
    for (let i = 0; i < 40 && !/orders: ABANDONED/.test(status.stdout); i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = await runCli(['status', ...TARGET], { env });
    }
    assert.match(status.stdout, /orders: ABANDONED[\s\S]*sibling service orders-chaos-[0-9a-f]{6}-1/);
    assert.match(status.stdout, /lease: experiment ecs-chaos-\S+ \(ABANDONED, held/);
    const recovered = await runCli(['recover', ...TARGET], { env });
    assert.equal(recovered.code, 0, `${recovered.stdout}\n${recovered.stderr}`);
    assert.match(recovered.stdout, /DeleteService orders-chaos-[0-9a-f]{6}-1/);
    assert.match(recovered.stdout, /UntagResource orders: .*ecs-chaos:lease:ecs-chaos-/);
    const clean = await runCli(['status', ...TARGET], { env });
    assert.equal(clean.code, 0, clean.stdout);
    assert.match(clean.stdout, /nothing under chaos/);
    assert.deepEqual(await ecsTags(), []);
  });
});
