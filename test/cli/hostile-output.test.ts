import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { demoRunArgs, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

/** A run that a world outside the tool disturbs mid-hold: a closed pipe, a terminal's signal. */
describe('nothing the world does leaves chaos behind (the built program)', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-hostile-'));
    env = sandboxEnv(ctx.sandbox);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  const start = (resultFile: string, duration: string): ReturnType<typeof startCli> =>
    startCli(demoRunArgs('orders', '--duration', duration, '--interval', duration, '--result-file', resultFile), {
      env,
    });

  const taskDefinition = async (): Promise<string> =>
    (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }))).services![0]!
      .taskDefinition!;

  /** Waits (bounded by a count of polls) until `read()` matches. */
  const until = async (read: () => string, pattern: RegExp): Promise<void> => {
    for (let i = 0; i < 800 && !pattern.test(read()); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(read(), pattern);
  };

  for (const stream of ['stderr', 'stdout'] as const) {
    test(`the reader of ${stream} exits mid-hold: the run goes on, restores, writes its result, exits 0`, async () => {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const original = await taskDefinition();
      const resultFile = join(dir, `closed-${stream}.json`);
      const cli = start(resultFile, '3s');
      try {
        await until(() => cli.output().stderr, /holding the chaos/);
        // The reader goes away: every later write of the run to this stream fails with EPIPE.
        cli.child[stream].destroy();
        const { code, signal } = await cli.exited;
        assert.equal(signal, null, cli.output().stderr);
        assert.equal(code, 0, cli.output().stderr);
        const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
        assert.equal(result.verdict, 'Pass');
        assert.equal(result.effect.restored, true);
        assert.equal(result.residue.clean, true);
        assert.equal(await taskDefinition(), original);
      } finally {
        if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      }
    });
  }

  for (const name of ['SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const) {
    test(`${name} mid-hold stops the chaos and restores the service, exits 3`, async () => {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const original = await taskDefinition();
      const resultFile = join(dir, `${name}.json`);
      const cli = start(resultFile, '5m');
      try {
        await until(() => cli.output().stderr, /holding the chaos for 300s/);
        cli.child.kill(name);
        const { code, signal } = await cli.exited;
        assert.equal(signal, null, `killed by ${signal}: ${cli.output().stderr}`);
        assert.equal(code, 3, cli.output().stderr);
        assert.match(cli.output().stderr, new RegExp(`received ${name}`));
        const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
        assert.equal(result.verdict, 'Stopped');
        assert.equal(result.residue.clean, true);
        assert.equal(await taskDefinition(), original);
      } finally {
        if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      }
    });
  }
});
