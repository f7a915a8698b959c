/**
 * Residue through the built program: a CI deploy cloned from the chaos revision during the window
 * ends the run with exit 4 naming it; `status` says what to do; `recover` leaves it in place (exit 4)
 * until `--repair-foreign`. A bad `--scan-limit` is refused before any AWS call.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { chaosTaskDefinitionInput } from '../../src/faults/update-task-role/chaos-task-definition.js';
import { demoRunArgs, runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

const TARGET = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];

describe('residue, between processes', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = sandboxEnv(ctx.sandbox);
  });
  after(() => ctx.sandbox.close());

  test('--scan-limit must be a positive whole number: exit 2 naming it, before any AWS call', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const out = await runCli(['status', ...TARGET, '--scan-limit', 'lots'], { env });
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /--scan-limit: must be a positive whole number of revisions \(got "lots"\)/);
    assert.deepEqual(ctx.sandbox.requests(since), []);
  });

  test('a CI deploy cloned from the chaos revision: run exit 4 naming it, status says what to do, recover leaves it until --repair-foreign', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const cli = startCli(demoRunArgs('orders', '--duration', '20', '--output', 'json'), { env });
    const chaos = await waitFor(
      'the chaos revision to be deployed',
      async () => {
        const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
          .services![0]!;
        return /orders:1$/.test(s.taskDefinition!) ? undefined : s.taskDefinition!;
      },
      { timeoutMs: 60_000 },
    );
    // The CI job: clone the current task definition, new image, register, deploy.
    const td = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: chaos }))).taskDefinition!;
    const input = chaosTaskDefinitionInput(td, { taskRoleArn: td.taskRoleArn ?? null, tags: [] });
    input.containerDefinitions = input.containerDefinitions!.map((c) => ({ ...c, image: 'orders:ci-42' }));
    const theirs = (await ctx.ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
    await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: theirs }));
    const run = await cli.exited;
    assert.equal(run.code, 4, cli.output().stderr);
    const result = JSON.parse(cli.output().stdout) as { residue: { items: { kind: string; resource: string }[] } };
    assert.deepEqual(
      result.residue.items.filter((i) => i.kind === 'foreign-revision-with-chaos-change').map((i) => i.resource),
      [theirs],
    );

    const status = await runCli(['status', ...TARGET], { env });
    assert.equal(status.code, 4, status.stderr);
    const short = theirs.split('/').pop()!;
    assert.match(status.stdout, new RegExp(`${short}, deployed by someone else, carries the chaos change`));
    assert.match(status.stdout, /what to do: .*--repair-foreign/);

    const left = await runCli(['recover', ...TARGET], { env });
    assert.equal(left.code, 4, left.stderr);
    assert.match(left.stdout, /LEFT IN PLACE \(someone's deployment\)/);

    const repaired = await runCli(['recover', ...TARGET, '--repair-foreign'], { env });
    assert.equal(repaired.code, 0, `${repaired.stdout}\n${repaired.stderr}`);
    const clean = await runCli(['status', ...TARGET], { env });
    assert.equal(clean.code, 0, clean.stdout);
    assert.match(clean.stdout, /nothing under chaos\./);
  });
});
