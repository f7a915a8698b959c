import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { demoRunArgs, runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('output paths: checked before any change, and a late write failure is not a crash', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-hostile-paths-'));
    env = sandboxEnv(ctx.sandbox);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  const target = (duration: string): string[] => demoRunArgs('orders', '--duration', duration, '--interval', duration);

  const taskDefinition = async (): Promise<string> =>
    (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }))).services![0]!
      .taskDefinition!;

  for (const flag of ['--html', '--junit'] as const) {
    test(`a ${flag} path whose folder does not exist is refused with exit 2 before any change`, async () => {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const original = await taskDefinition();
      const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
      const run = await runCli([...target('1s'), flag, join(dir, 'no-such-folder', 'report.out')], { env });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`${flag}.*does not exist`));
      assert.match(run.stderr, /nothing was changed/);
      const calls = ctx.sandbox.requests().filter((r) => r.seq > since);
      assert.deepEqual(calls, [], 'no AWS call at all');
      assert.equal(await taskDefinition(), original);
    });
  }

  test('the result and HTML folders vanish mid-run: the report is printed anyway, JUnit written, exit 0', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const original = await taskDefinition();
    const resultDir = join(dir, 'results');
    const htmlDir = join(dir, 'html');
    mkdirSync(resultDir);
    mkdirSync(htmlDir);
    const junit = join(dir, 'junit.xml');
    const cli = startCli(
      [
        ...target('2s'),
        '--result-file',
        join(resultDir, 'r.json'),
        '--html',
        join(htmlDir, 'r.html'),
        '--junit',
        junit,
      ],
      { env },
    );
    try {
      for (let i = 0; i < 800 && !/holding the chaos/.test(cli.output().stderr); i++)
        await new Promise((r) => setTimeout(r, 25));
      assert.match(cli.output().stderr, /holding the chaos/);
      // The folders become files: nothing can be written there any more (as with a full disk).
      rmSync(resultDir, { recursive: true });
      rmSync(htmlDir, { recursive: true });
      writeFileSync(resultDir, 'not a folder');
      writeFileSync(htmlDir, 'not a folder');
      const { code } = await cli.exited;
      const { stdout, stderr } = cli.output();
      assert.equal(code, 0, stderr);
      assert.match(stdout, /verdict:\s+Pass/);
      assert.match(stderr, /could not write the result file/);
      assert.match(stderr, /could not write the HTML report/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      assert.ok(existsSync(junit));
      assert.match(readFileSync(junit, 'utf8'), /<testsuite/);
      assert.equal(await taskDefinition(), original);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  test('a result is still parseable when written normally (control)', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const file = join(dir, 'ok.json');
    const run = await runCli([...target('1s'), '--result-file', file], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as ExperimentResult).verdict, 'Pass');
  });
});
