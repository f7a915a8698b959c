/**
 * Probes, stop conditions and the verdict, through the library with real SDK clients against the
 * sandbox: the workload's health endpoint (http), its CloudWatch metrics, CloudTrail, ECS and a
 * command, in every mode, with their run properties.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { stringify } from 'yaml';
import { PreflightError } from '../../src/engine/preflight.js';
import { mutatingCalls, roleArn, runFault as runFaultNow } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = roleArn('orders-chaos-role');
const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-probes-'));
let files = 0;

/** Writes an experiment file with these probes and stop conditions. */
function experimentFile(body: Record<string, unknown>): string {
  const path = join(dir, `experiment-${++files}.yaml`);
  writeFileSync(path, stringify(body));
  return path;
}

describe('probes, stop conditions and the verdict', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let cloudwatch: CloudWatchClient;
  let health: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    cloudwatch = new CloudWatchClient({
      endpoint: ctx.sandbox.endpoint,
      region: ctx.sandbox.region,
      credentials: ctx.sandbox.credentials,
    });
    health = `${ctx.sandbox.endpoint}/_sandbox/workload/demo/orders/health`;
  });
  after(async () => {
    cloudwatch.destroy();
    await ctx.sandbox.close();
  });

  async function runFault(flags: Record<string, string | string[]>, file: Record<string, unknown>) {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    // The workload reports unhealthy for a few seconds after a restore: start from a healthy service.
    for (let i = 0; i < 100 && (await fetch(health)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    return runFaultNow(
      ctx.sandbox,
      { cluster: 'demo', service: 'orders', taskRole: CHAOS_ROLE, ...flags },
      { file: experimentFile(file) },
    );
  }

  test('a run whose probes all pass ends Pass with each probe evidence in the result', async () => {
    const { result, io } = await runFault(
      { duration: '4', interval: '4', affectedPercent: '50' },
      {
        probes: [
          {
            name: 'orders-health',
            type: 'http',
            mode: 'Edge',
            http: { url: health, status: '== 200' },
            runProperties: { attempts: 20, interval: '1s', timeout: '2s' },
          },
          {
            name: 'access-denied-metric',
            type: 'cloudwatch',
            mode: 'EOT',
            cloudwatch: {
              metric: {
                namespace: 'ECSChaos/Workload',
                metricName: 'AccessDeniedErrors',
                dimensions: { ClusterName: 'demo', ServiceName: 'orders' },
                statistic: 'Sum',
                window: 'chaos',
                comparator: '>= 1',
              },
            },
          },
          {
            name: 'denied-in-cloudtrail',
            type: 'cloudtrail',
            mode: 'EOT',
            cloudtrail: { errorCode: 'AccessDenied', principal: '${CHAOS_ROLE}', comparator: '>= 1' },
          },
          {
            name: 'back-on-original',
            type: 'ecs',
            mode: 'EOT',
            ecs: { revision: 'original', runningCount: '>= 4' },
            runProperties: { attempts: 20, interval: '1s' },
          },
          {
            name: 'runs-a-command',
            type: 'cmd',
            mode: 'SOT',
            cmd: {
              command: [process.execPath, '-e', 'console.log(process.env.ECS_CHAOS_SERVICE)'],
              stdout: 'equal orders',
            },
          },
        ],
      },
    );
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(result.probeSuccessPercentage, 100);
    assert.match(result.verdictReason, /5 of 5 probes passed/);
    const byName = Object.fromEntries(result.probes.map((p) => [p.name, p]));
    assert.deepEqual(
      result.probes.map((p) => [p.name, p.status]),
      [
        ['orders-health', 'Passed'],
        ['access-denied-metric', 'Passed'],
        ['denied-in-cloudtrail', 'Passed'],
        ['back-on-original', 'Passed'],
        ['runs-a-command', 'Passed'],
      ],
    );
    // Edge: once before the chaos, once after.
    assert.deepEqual(
      byName['orders-health']!.evaluations.map((e) => e.phase),
      ['pre-chaos', 'post-chaos'],
    );
    assert.match(byName['orders-health']!.evaluations[0]!.evidence, /GET .*\/health -> 200/);
    const metric = byName['access-denied-metric']!.evaluations[0]!;
    assert.equal(metric.phase, 'post-chaos');
    assert.ok(Number(metric.actual) >= 1, `AccessDeniedErrors ${metric.actual}`);
    const trail = byName['denied-in-cloudtrail']!.evaluations[0]!;
    // The refused parameter reads: management events. The refused S3 writes are data events, never in LookupEvents.
    assert.match(trail.evidence, /ssm:GetParameter x\d+/, trail.evidence);
    assert.doesNotMatch(trail.evidence, /s3:PutObject/, trail.evidence);
    assert.equal(byName['runs-a-command']!.evaluations[0]!.actual, 'orders');
    // The AccessDenied counts of the chaos window, from CloudTrail.
    const denied = result.signals.accessDenied;
    assert.ok(denied?.ok, JSON.stringify(denied));
    assert.equal(denied.principal, CHAOS_ROLE);
    assert.ok(denied.total >= 1);
    assert.equal(denied.byAction['ssm:GetParameter'], denied.total);
    assert.equal(
      denied.buckets.reduce((n, b) => n + b.count, 0),
      denied.total,
    );
    assert.equal(io.withCode('probe.evaluated').length, 6);
  });

  test('a failed steady state injects nothing: verdict Fail and no mutating call', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const { result } = await runFault(
      {},
      {
        probes: [
          {
            name: 'precondition',
            type: 'cmd',
            mode: 'SOT',
            cmd: { command: [process.execPath, '-e', 'process.exit(3)'] },
          },
          { name: 'after', type: 'ecs', mode: 'EOT', ecs: { steady: true } },
        ],
      },
    );
    assert.equal(result.verdict, 'Fail');
    assert.match(result.verdictReason, /steady state was not met .* precondition .* exit 3.*nothing was injected/);
    assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
    assert.equal(result.probes[1]!.status, 'N/A');
    assert.match(result.probes[1]!.statusReason, /chaos never started/);
    assert.equal(result.probeSuccessPercentage, 0);
  });

  test('a Continuous probe sees the chaos: it fails during it, the verdict is Fail and the service is restored', async () => {
    const { result } = await runFault(
      { duration: '3', interval: '3', affectedPercent: '100' },
      {
        probes: [
          {
            name: 'always-healthy',
            type: 'http',
            mode: 'Continuous',
            http: { url: health },
            runProperties: { pollingInterval: '1s', timeout: '2s' },
          },
        ],
      },
    );
    const probe = result.probes[0]!;
    assert.equal(result.verdict, 'Fail', result.verdictReason);
    assert.match(result.verdictReason, /probe always-healthy failed/);
    assert.equal(probe.status, 'Failed');
    assert.ok(probe.evaluations.some((e) => e.phase === 'pre-chaos' && e.passed));
    const failed = probe.evaluations.filter((e) => !e.passed);
    assert.ok(failed.length >= 1);
    assert.ok(failed.every((e) => e.phase === 'chaos'));
    assert.match(failed[0]!.evidence, /-> 503 .*s3:PutObject failed with AccessDenied/, failed[0]!.evidence);
    assert.equal(result.residue.clean, true);
    assert.equal(result.effect.restored, true);
  });

  test('an OnChaos probe with stopOnFailure stops the chaos early and restores the service', async () => {
    const { result } = await runFault(
      { duration: '60', interval: '60', affectedPercent: '100' },
      {
        probes: [
          {
            name: 'guard',
            type: 'http',
            mode: 'OnChaos',
            http: { url: health },
            runProperties: { pollingInterval: '1s', timeout: '2s', stopOnFailure: true },
          },
        ],
      },
    );
    // The hold ended at the probe's failure, not at its planned 60 s (from the run's own timeline).
    const hold = result.timeline.find((e) => e.kind === 'phase' && e.name === 'hold');
    const revert = result.timeline.find((e) => e.kind === 'phase' && e.name === 'revert')!;
    if (hold) assert.ok(Date.parse(revert.time) - Date.parse(hold.time) < 60_000, 'the hold was cut short');
    assert.equal(result.verdict, 'Fail');
    assert.match(result.verdictReason, /probe guard failed during the chaos \(stopOnFailure\).*service was restored/);
    assert.equal(result.probes[0]!.stoppedExperiment, true);
    assert.ok(result.probes[0]!.evaluations.every((e) => e.phase === 'chaos'));
    assert.equal(result.residue.clean, true);
    assert.ok(result.timeline.some((e) => e.name === 'probe-stop'));
  });

  test('run properties: attempts retry a failing check, a hung endpoint times out, the initial delay is waited', async () => {
    const counter = join(dir, 'attempts');
    writeFileSync(counter, '0');
    const hung: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as { port: number }).port;
    try {
      const script = `const fs=require('fs');const n=Number(fs.readFileSync(${JSON.stringify(counter)},'utf8'))+1;fs.writeFileSync(${JSON.stringify(counter)},String(n));process.exit(n<3?1:0)`;
      const { result } = await runFault(
        {},
        {
          probes: [
            {
              name: 'third-time-lucky',
              type: 'cmd',
              mode: 'SOT',
              cmd: { command: [process.execPath, '-e', script] },
              runProperties: { attempts: 3, interval: 0 },
            },
            {
              name: 'hangs',
              type: 'http',
              mode: 'EOT',
              http: { url: `http://127.0.0.1:${port}/` },
              runProperties: { timeout: '1s', attempts: 2, interval: 0, initialDelay: '1s' },
            },
          ],
        },
      );
      const [lucky, hangs] = result.probes;
      assert.equal(lucky!.status, 'Passed');
      assert.equal(lucky!.evaluations[0]!.attempts, 3);
      assert.equal(hangs!.status, 'Failed');
      assert.equal(hangs!.evaluations[0]!.attempts, 2);
      assert.equal(hangs!.evaluations[0]!.error, 'no answer within 1s (timeout)');
      const postChaos = Date.parse(result.timeline.find((e) => e.name === 'post-chaos')!.time);
      // initial delay 1 s + two attempts of 1 s each.
      assert.ok(Date.parse(hangs!.evaluations[0]!.at) - postChaos >= 2_900);
      assert.equal(result.verdict, 'Fail');
      assert.equal(result.probeSuccessPercentage, 50);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  });

  test('a stop-condition alarm that goes to ALARM during the chaos stops it: verdict Stopped, service restored', async () => {
    // A real alarm on the workload's AccessDeniedErrors, evaluated by the sandbox every 10 s.
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'orders-denied',
        Namespace: 'ECSChaos/Workload',
        MetricName: 'AccessDeniedErrors',
        Dimensions: [
          { Name: 'ClusterName', Value: 'demo' },
          { Name: 'ServiceName', Value: 'orders' },
        ],
        Statistic: 'Sum',
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'orders-denied', StateValue: 'OK', StateReason: 'test start' }),
    );
    const { result, io } = await runFault(
      { duration: '90', interval: '90', affectedPercent: '100', stopAlarm: ['orders-denied'] },
      {},
    );
    // The hold ended at the stop condition, not at its planned 90 s (from the run's own timeline).
    const hold = result.timeline.find((e) => e.kind === 'phase' && e.name === 'hold');
    const stop = result.timeline.find((e) => e.name === 'stop-condition');
    const revert = result.timeline.find((e) => e.kind === 'phase' && e.name === 'revert')!;
    assert.ok(stop, 'the stop condition is in the timeline');
    assert.ok(Date.parse(stop.time) <= Date.parse(revert.time));
    if (hold) assert.ok(Date.parse(revert.time) - Date.parse(hold.time) < 90_000, 'the hold was cut short');
    assert.equal(result.verdict, 'Stopped', result.verdictReason);
    assert.match(result.verdictReason, /stop condition: alarm orders-denied was ALARM .*service was restored/);
    assert.equal(result.stopConditions.triggered?.alarmName, 'orders-denied');
    assert.deepEqual(result.stopConditions.alarms, ['orders-denied']);
    assert.equal(result.residue.clean, true);
    assert.equal(io.withCode('stop.triggered').length, 1);
    // The window's AccessDenied events are counted (the alarm may fire on the earlier tests' errors
    // before the chaos tasks made a call, so the count itself may be 0).
    assert.ok(result.signals.accessDenied?.ok);
  });

  test('preflight refuses a stop condition whose alarm is missing or already in ALARM, before any change', async () => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'already-firing',
        Namespace: 'ECSChaos/Workload',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1000000,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'already-firing', StateValue: 'ALARM', StateReason: 'set by the test' }),
    );
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await assert.rejects(
      runFault({ stopAlarm: ['no-such-alarm'] }, {}),
      (error: unknown) =>
        error instanceof PreflightError && /no CloudWatch alarm named no-such-alarm/.test(error.message),
    );
    await assert.rejects(
      runFault({}, { stopConditions: [{ alarm: 'already-firing' }] }),
      (error: unknown) => error instanceof PreflightError && /already-firing is already in ALARM/.test(error.message),
    );
    assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
  });
});
