/**
 * Probes, stop conditions and the demo through the built program: the demo's verdict backed by probe
 * evidence and its HTML report; `--http-probe` and `--stop-alarm` on `run`, with an alarm going to
 * ALARM mid-chaos (exit 3, restored); a bad probe refused before any AWS call (exit 2).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { parse } from 'yaml';
import type { ExperimentResult } from '../../src/report/result.js';
import { DEMO_CHAOS_ROLE as CHAOS_ROLE, demoRunArgs, runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

describe('ecs-chaos demo: a verdict backed by probe evidence, and an HTML report', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-demo-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('runs three probes, passes, and writes the experiment, the result and the report', async () => {
    const demo = await runCli(['demo', '--pace', 'fast', '--duration', '3s'], { cwd: dir, timeoutMs: 90_000 });
    assert.equal(demo.code, 0, demo.stderr);
    assert.match(demo.stdout, /probes:\s+100% passed/);
    for (const name of ['orders-health', 'access-denied-errors-metric', 'access-denied-in-cloudtrail'])
      assert.match(demo.stdout, new RegExp(`Passed ${name} `));
    assert.match(demo.stdout, /stop:\s+alarms orders-error-budget watched; none fired/);
    assert.match(
      demo.stdout,
      /cloudtrail: \d+ AccessDenied events of .*orders-chaos-role .*ssm:GetParameter x\d+\); management events only/,
    );
    assert.match(demo.stdout, /verdict:\s+Pass: .*3 of 3 probes passed/);

    const experiment = parse(readFileSync(join(dir, 'ecs-chaos-demo-experiment.yaml'), 'utf8')) as {
      probes: Array<{ name: string; type: string; mode: string }>;
      stopConditions: unknown;
    };
    assert.deepEqual(
      experiment.probes.map((p) => `${p.name} ${p.type} ${p.mode}`),
      [
        'orders-health http Edge',
        'access-denied-errors-metric cloudwatch EOT',
        'access-denied-in-cloudtrail cloudtrail EOT',
      ],
    );
    const result = JSON.parse(readFileSync(join(dir, 'ecs-chaos-demo-result.json'), 'utf8')) as ExperimentResult;
    assert.equal(result.verdict, 'Pass');
    assert.equal(result.probeSuccessPercentage, 100);
    assert.ok(result.probes.every((p) => p.status === 'Passed' && p.evaluations.length > 0));
    const trail = result.probes.find((p) => p.type === 'cloudtrail')!;
    assert.ok(
      Number(trail.evaluations[0]!.actual) >= 1,
      'CloudTrail holds the AccessDenied events of the chaos window',
    );
    assert.ok(result.signals.accessDenied?.ok && result.signals.accessDenied.total >= 1);

    const html = readFileSync(join(dir, 'ecs-chaos-demo-report.html'), 'utf8');
    assert.match(html, /id="probes"/);
    assert.match(html, /access-denied-in-cloudtrail/);
    assert.match(html, /id="access-denied"/);
    assert.match(demo.stderr, /HTML report written to .*ecs-chaos-demo-report\.html/);
  });
});

describe('ecs-chaos run with --http-probe and --stop-alarm', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let cloudwatch: CloudWatchClient;
  let dir: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    cloudwatch = new CloudWatchClient({
      endpoint: ctx.sandbox.endpoint,
      region: ctx.sandbox.region,
      credentials: ctx.sandbox.credentials,
    });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-probes-cli-'));
  });
  after(async () => {
    cloudwatch.destroy();
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  const args = (...extra: string[]): string[] => demoRunArgs('orders', ...extra);

  test('an alarm going to ALARM mid-chaos stops it: exit 3, verdict Stopped, the service restored', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const resultFile = join(dir, 'stopped.json');
    const health = `${ctx.sandbox.endpoint}/_sandbox/workload/demo/orders/health`;
    const run = startCli(
      args(
        '--duration',
        '60',
        '--interval',
        '60',
        '--stop-alarm',
        'orders-error-budget',
        '--http-probe',
        health,
        '--result-file',
        resultFile,
        '--log-format',
        'json',
      ),
      { env: sandboxEnv(ctx.sandbox) },
    );
    await waitFor('the hold', async () => (/"phase":"hold"/.test(run.output().stderr) ? true : undefined), {
      timeoutMs: 30_000,
    });
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'orders-error-budget',
        StateValue: 'ALARM',
        StateReason: 'error budget burnt (set by the test)',
      }),
    );
    const exited = await run.exited;
    const { stdout, stderr } = run.output();
    assert.equal(exited.code, 3, stderr);
    assert.match(stdout, /verdict:\s+Stopped: stop condition: alarm orders-error-budget was ALARM/);
    assert.match(stderr, /"code":"stop.triggered"/);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
    assert.equal(result.stopConditions.triggered?.alarmName, 'orders-error-budget');
    assert.equal(result.residue.clean, true);
    // The http probe of the flag: evaluated before the chaos, not after (the run was stopped).
    const probe = result.probes[0]!;
    assert.equal(probe.name, 'http-probe-1');
    assert.equal(probe.mode, 'Edge');
    assert.deepEqual(
      probe.evaluations.map((e) => [e.phase, e.passed]),
      [['pre-chaos', true]],
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'orders-error-budget', StateValue: 'OK', StateReason: 'test done' }),
    );
  });

  test('plan shows the probes, when each runs, and the stop conditions, checks the alarms, and changes nothing', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const file = join(dir, 'plan.yaml');
    writeFileSync(
      file,
      [
        'probes:',
        '  - { name: health, type: http, mode: Edge, http: { url: "http://127.0.0.1:9/health" } }',
        '  - name: guard',
        '    type: ecs',
        '    mode: OnChaos',
        '    ecs: { runningCount: ">= 2" }',
        '    runProperties: { stopOnFailure: true }',
        '',
      ].join('\n'),
    );
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const plan = await runCli(['plan', ...args('-f', file, '--stop-alarm', 'orders-error-budget').slice(2)], {
      env: sandboxEnv(ctx.sandbox),
    });
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /health \(http, Edge, before and after the chaos\): GET http:\/\/127\.0\.0\.1:9\/health/);
    assert.match(plan.stdout, /guard \(ecs, OnChaos, repeatedly, during the chaos window; a failure stops the chaos\)/);
    assert.match(plan.stdout, /stop conditions: alarm orders-error-budget/);
    assert.match(plan.stdout, /DescribeAlarms orders-error-budget \(exist, none in ALARM\)/);
    assert.match(plan.stderr, /stop conditions ready/);
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.mutating),
      [],
    );
    const missing = await runCli(['plan', ...args('--stop-alarm', 'no-such-alarm').slice(2)], {
      env: sandboxEnv(ctx.sandbox),
    });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /no CloudWatch alarm named no-such-alarm/);
  });

  test('a bad probe in the experiment file is refused before any AWS call, naming its key and line', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'cluster: demo',
        'service: orders',
        'region: us-east-1',
        `taskRole: ${CHAOS_ROLE}`,
        'probes:',
        '  - name: health',
        '    type: http',
        '    mode: Edge',
        '    http:',
        '      url: orders.internal/health',
        '',
      ].join('\n'),
    );
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const run = await runCli(['run', 'update-task-role', '-f', file], { env: sandboxEnv(ctx.sandbox) });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /probes\[0\]\.http\.url \(from .*bad\.yaml line 10\): is not an http:\/\/ or https:\/\/ URL/,
    );
    assert.match(run.stderr, /Fix: write a full URL/);
    assert.deepEqual(ctx.sandbox.requests(since), []);
  });
});
