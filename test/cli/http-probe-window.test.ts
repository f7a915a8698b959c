/**
 * `--http-probe` watches the chaos window too: an app that answers 503 while its tasks run under
 * the chaos role fails the run, even though it answers 200 before and after; the result says where
 * each probe was checked and how often. `--http-probe-checks before,after` keeps the old Edge probe.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExperimentResult } from '../../src/report/result.js';
import { demoRunArgs, runCli, sandboxEnv } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('--http-probe checks the chaos window', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-http-window-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  const run = async (
    name: string,
    ...extra: string[]
  ): Promise<{ code: number | null; stdout: string; result: ExperimentResult }> => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const resultFile = join(dir, `${name}.json`);
    const health = `${ctx.sandbox.endpoint}/_sandbox/workload/demo/orders/health`;
    // The demo's orders app fails its calls under the chaos role: its health answers 503 while a
    // chaos task runs, and 200 again once the service is restored.
    const out = await runCli(
      demoRunArgs('orders', '--duration', '20', '--http-probe', health, '--result-file', resultFile, ...extra),
      // A safety net against a hung run, far beyond what a run takes on a loaded machine.
      { env: sandboxEnv(ctx.sandbox), timeoutMs: 180_000 },
    );
    return {
      code: out.code,
      stdout: out.stdout,
      result: JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult,
    };
  };

  test('an app answering 503 during the chaos fails the run; before and after pass', async () => {
    const { code, stdout, result } = await run('default');
    const byName = new Map(result.probes.map((p) => [p.name, p]));
    const edge = byName.get('http-probe-1')!;
    const during = byName.get('http-probe-1-chaos')!;
    assert.equal(edge.mode, 'Edge');
    assert.equal(edge.status, 'Passed', edge.statusReason);
    assert.match(edge.statusReason, /2 of 2 evaluations passed \(1 before the chaos, 1 after\)/);
    assert.equal(during.mode, 'OnChaos');
    assert.equal(during.status, 'Failed', during.statusReason);
    assert.match(during.statusReason, /evaluations failed \(\d+ during the chaos\); first at chaos .*-> 503/);
    assert.equal(result.verdict, 'Fail');
    assert.match(result.verdictReason, /probe http-probe-1-chaos failed/);
    assert.equal(code, 1, stdout);
    assert.equal(result.residue.clean, true);
  });

  test('--http-probe-checks before,after checks only the edges (the app looks fine)', async () => {
    const { code, result } = await run('edges', '--http-probe-checks', 'before,after');
    assert.deepEqual(
      result.probes.map((p) => [p.name, p.mode, p.status]),
      [['http-probe-1', 'Edge', 'Passed']],
    );
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(code, 0);
  });

  test('--http-probe-checks refuses an unknown point before any AWS call', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const out = await runCli(
      demoRunArgs('orders', '--http-probe', 'http://127.0.0.1:9/', '--http-probe-checks', 'durring'),
      {
        env: sandboxEnv(ctx.sandbox),
      },
    );
    assert.equal(out.code, 2, out.stderr);
    assert.match(
      out.stderr,
      /--http-probe-checks .*does not know durring.*Fix: write a comma-separated subset of before, during, after/,
    );
    assert.deepEqual(ctx.sandbox.requests(since), []);
  });
});
