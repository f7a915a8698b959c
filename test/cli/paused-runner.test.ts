/**
 * A runner paused (SIGSTOP, then SIGCONT) while the world goes on: past the restore deadline it reads
 * AWS once more and finishes a restore done meanwhile; paused in the hold it reports the overrun.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { demoRunArgs, sandboxEnv, startCli } from '../support/cli.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a paused runner', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-paused-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('paused past the restore deadline while the restore completes: it reads AWS once more, finishes the cleanup, exits 0', async () => {
    // Tasks take a second to start: the restore is still going on when the runner is paused.
    const ctx = await withSandbox({ scenario: 'demo', pace: { provisioningMs: 1_000 } });
    const resultFile = join(dir, 'restore.json');
    // A slow heartbeat: the pause does not age the lease into ABANDONED.
    const env = sandboxEnv(ctx.sandbox, { LEASE_HEARTBEAT: '10' });
    const cli = startCli(
      demoRunArgs(
        'orders',
        '--duration',
        '1',
        '--interval',
        '1',
        '--restore-timeout',
        '2',
        '--result-file',
        resultFile,
      ),
      { env },
    );
    try {
      await waitSteady(ctx.ecs, 'demo', 'orders', 60_000);
      // The revert's UpdateService back to the original is the run's second UpdateService.
      await waitFor(
        "the revert's UpdateService",
        async () => (ctx.sandbox.requests().filter((r) => r.action === 'UpdateService').length >= 2 ? true : undefined),
        { timeoutMs: 60_000, everyMs: 5 },
      );
      cli.child.kill('SIGSTOP');
      const pausedAt = Date.now();
      // The world finishes the restore while the runner sleeps, and the 2 s deadline passes.
      await waitSteady(ctx.ecs, 'demo', 'orders', 60_000);
      await sleep(Math.max(0, pausedAt + 3_000 - Date.now()));
      cli.child.kill('SIGCONT');
      const { code } = await cli.exited;
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.equal(code, 0, `${result.verdictReason}\n${cli.output().stderr}`);
      assert.equal(result.verdict, 'Pass');
      assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
      assert.ok(result.iterations[0]!.restoredAt, 'the restore was seen done');
      const chaos = await ctx.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
      );
      assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
      const svc = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      assert.ok(!(svc.tags ?? []).some((t) => t.key!.startsWith('ecs-chaos:')), 'markers removed');
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      await ctx.sandbox.close();
    }
  });

  test('paused during the hold past its end: the revert starts at once, the overrun is in the result and the timeline', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const resultFile = join(dir, 'hold.json');
    const env = sandboxEnv(ctx.sandbox, { LEASE_HEARTBEAT: '10' });
    const cli = startCli(demoRunArgs('orders', '--duration', '8', '--interval', '8', '--result-file', resultFile), {
      env,
    });
    try {
      await waitFor('the hold', async () => (/holding the chaos for 8s/.test(cli.output().stderr) ? true : undefined), {
        timeoutMs: 60_000,
        everyMs: 5,
      });
      // Paused longer than the whole hold: however late this test saw the hold begin on a loaded
      // machine, the hold ends at least 2 s after its planned end.
      cli.child.kill('SIGSTOP');
      await sleep(10_000);
      cli.child.kill('SIGCONT');
      const { code } = await cli.exited;
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.equal(code, 0, `${result.verdictReason}\n${cli.output().stderr}`);
      const overrun = result.iterations[0]!.holdOverrunSeconds;
      assert.ok(overrun !== undefined && overrun >= 1, `holdOverrunSeconds ${overrun}`);
      assert.ok(
        result.timeline.some((e) => e.name === 'hold-overrun' && /after its planned end/.test(e.message)),
        'the timeline says so',
      );
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      await ctx.sandbox.close();
    }
  });
});
