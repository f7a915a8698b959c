import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = 'arn:aws:iam::123456789012:role/orders-chaos-role';

describe('ecs-chaos run update-task-role (the built program)', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-cli-'));
    env = sandboxEnv(ctx.sandbox);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  test('runs with the seed env vars alone, exits 0 and writes the result file', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const resultFile = join(dir, 'env-only.json');
    const run = await runCli(['run', 'update-task-role', '--result-file', resultFile], {
      env: {
        ...env,
        CLUSTER_NAME: 'demo',
        SERVICE_NAME: 'orders',
        REGION: 'us-east-1',
        TASK_ROLE: CHAOS_ROLE,
        TOTAL_CHAOS_DURATION: '1',
        CHAOS_INTERVAL: '1',
        TASK_REPLICA_AFFECTED_PERC: '50',
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /verdict:\s+Pass/);
    assert.match(run.stdout, /residue:\s+none/);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
    assert.equal(result.schemaVersion, 1);
    assert.equal(result.verdict, 'Pass');
    assert.deepEqual(result.target, {
      cluster: 'demo',
      service: 'orders',
      region: 'us-east-1',
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/demo/orders',
    });
    assert.equal(result.spec.TASK_REPLICA_AFFECTED_PERC, 50);
    assert.ok(!readFileSync(resultFile, 'utf8').includes('"test"'), 'no credentials in the result');
  });

  test('--output json prints the result on stdout', async () => {
    await waitSteady(ctx.ecs, 'demo', 'billing');
    const run = await runCli(
      [
        'run',
        'update-task-role',
        '--cluster',
        'demo',
        '--service',
        'billing',
        '--region',
        'us-east-1',
        '--task-role',
        CHAOS_ROLE,
        '--duration',
        '1s',
        '--interval',
        '1',
        '--output',
        'json',
      ],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ExperimentResult;
    assert.equal(result.verdict, 'Pass');
    assert.equal(result.effect.restored, true);
  });

  test('SIGTERM mid-hold restores the original revision, deregisters the chaos revision, exits 3', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const before = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!;
    const resultFile = join(dir, 'sigterm.json');
    const cli = startCli(
      [
        'run',
        'update-task-role',
        '--cluster',
        'demo',
        '--service',
        'orders',
        '--region',
        'us-east-1',
        '--task-role',
        CHAOS_ROLE,
        '--duration',
        '5m',
        '--interval',
        '5m',
        '--result-file',
        resultFile,
      ],
      { env },
    );
    try {
      const stderrHas = async (pattern: RegExp): Promise<void> => {
        for (let i = 0; i < 400 && !pattern.test(cli.output().stderr); i++) await new Promise((r) => setTimeout(r, 25));
        assert.match(cli.output().stderr, pattern);
      };
      await stderrHas(/holding the chaos for 300s/);
      cli.child.kill('SIGTERM');
      await stderrHas(/received SIGTERM/);
      // A second signal during cleanup does not skip it.
      cli.child.kill('SIGINT');
      const { code } = await cli.exited;
      assert.equal(code, 3, cli.output().stderr);
      assert.match(cli.output().stderr, /cleanup is running and will not be skipped/);
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.equal(result.verdict, 'Stopped');
      assert.equal(result.residue.clean, true);
      const after = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      assert.equal(after.taskDefinition, before.taskDefinition);
      assert.deepEqual(after.deploymentConfiguration, before.deploymentConfiguration);
      assert.ok(!(after.tags ?? []).some((t) => t.key!.startsWith('ecs-chaos:')));
      const chaos = await ctx.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
      );
      assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  test('invalid input exits 2, names the field, the value and the fix, and changes nothing', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const run = await runCli(
      [
        'run',
        'update-task-role',
        '--cluster',
        'demo',
        '--service',
        'orders',
        '--region',
        'us-east-1',
        '--task-role',
        CHAOS_ROLE,
        '--duration',
        'soon',
      ],
      { env },
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /TOTAL_CHAOS_DURATION/);
    assert.match(run.stderr, /"soon"/);
    assert.match(run.stderr, /Fix:/);
    assert.deepEqual(ctx.sandbox.requests(since), [], 'no AWS call at all');
  });

  test('a failed preflight exits 2 and registers nothing', async () => {
    const run = await runCli(
      [
        'run',
        'update-task-role',
        '--cluster',
        'demo',
        '--service',
        'orders',
        '--region',
        'us-east-1',
        '--task-role',
        'arn:aws:iam::123456789012:role/untrusted-role',
      ],
      { env },
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /chaos role trusts ECS tasks/);
    const active = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' }));
    assert.ok(
      active.taskDefinitionArns!.every((arn) => arn.endsWith(':1')),
      active.taskDefinitionArns!.join(),
    );
  });

  test('plan prints the diff, the deployment configuration and the calls, and changes nothing', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const run = await runCli(
      [
        'plan',
        '--cluster',
        'demo',
        '--service',
        'orders',
        '--region',
        'us-east-1',
        '--task-role',
        CHAOS_ROLE,
        '--affected-percent',
        '25',
      ],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /taskRoleArn: "arn:aws:iam::123456789012:role\/orders-task-role" -> "arn:aws:iam::123456789012:role\/orders-chaos-role"/,
    );
    // 25% is exact mode by default: one chaos task in a sibling service beside the four.
    assert.match(run.stdout, /exposure \(exact mode\): 1 chaos task\(s\) of 5 serving \(20%\)/);
    assert.match(run.stdout, /k = floor\(4 × 25 \/ 75\)/);
    assert.match(run.stdout, /RegisterTaskDefinition/);
    assert.match(run.stdout, /\* CreateService iteration 1: sibling orders-chaos-<experiment>-1: 1 task\(s\)/);
    assert.match(run.stdout, /\* DeleteService iteration 1: the sibling/);
    assert.match(run.stdout, /until no chaos task is left and orders is steady on orders:1/);
    assert.match(run.stdout, /DeregisterTaskDefinition/);
    assert.doesNotMatch(run.stdout, /maximumPercent 200 -> 125/);
    assert.match(run.stdout, /\(--exposure rolling would give 4 chaos task\(s\) of 4 \(100%\)/);
    // Rolling mode: the batch size, and the warning that exposure reaches every task.
    const rolling = await runCli(
      [
        'plan',
        '--cluster',
        'demo',
        '--service',
        'orders',
        '--region',
        'us-east-1',
        '--task-role',
        CHAOS_ROLE,
        '--affected-percent',
        '25',
        '--exposure',
        'rolling',
      ],
      { env },
    );
    assert.equal(rolling.code, 0, rolling.stderr);
    assert.match(rolling.stdout, /maximumPercent 200 -> 125, minimumHealthyPercent 100 -> 100/);
    assert.match(rolling.stdout, /WARNING: rolling mode: exposure reaches 4 of 4 tasks \(100%\)/);
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.mutating),
      [],
    );
  });

  test('--html and --junit write the reports of the run; report rewrites them from the result file', async () => {
    await waitSteady(ctx.ecs, 'demo', 'billing');
    const html = join(dir, 'run.html');
    const junit = join(dir, 'run.xml');
    const resultFile = join(dir, 'for-report.json');
    const run = await runCli(
      [
        'run',
        'update-task-role',
        '--cluster',
        'demo',
        '--service',
        'billing',
        '--region',
        'us-east-1',
        '--task-role',
        CHAOS_ROLE,
        '--duration',
        '1',
        '--html',
        html,
        '--junit',
        junit,
        '--result-file',
        resultFile,
      ],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(readFileSync(html, 'utf8'), /id="verdict"[^>]*>Pass</);
    assert.match(readFileSync(junit, 'utf8'), /<testsuite [^>]*failures="0"/);
    const again = join(dir, 'again.html');
    const report = await runCli(['report', resultFile, '--html', again], { env });
    assert.equal(report.code, 0, report.stderr);
    assert.equal(readFileSync(again, 'utf8'), readFileSync(html, 'utf8'));
  });
});
