/**
 * task-stop end to end from the built CLI against the sandbox: by env vars alone, by flags and by an
 * experiment file; an independent SDK client sees the chosen tasks STOPPED with the run's reason and
 * ECS's replacements RUNNING. Serial and parallel differ in how many tasks are down at once; a
 * service whose replacements cannot start does not recover, and the verdict is Fail.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli, sandboxEnv } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

type Way = 'env' | 'flags' | 'file';

/** The service's tasks not yet STOPPED, by ARN. */
async function aliveTasks(ecs: ECSClient, service: string): Promise<string[]> {
  return (
    (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: service, desiredStatus: 'RUNNING' })))
      .taskArns ?? []
  );
}

/** Runs the CLI while an independent client counts the service's RUNNING tasks; the fewest it saw. */
async function runWatching(
  ecs: ECSClient,
  service: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string; stdout: string; fewestRunning: number }> {
  let done = false;
  let fewest = Infinity;
  const running = runCli(args, { env, timeoutMs: 180_000 }).finally(() => (done = true));
  while (!done) {
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }))).services![0]!;
    fewest = Math.min(fewest, svc.runningCount ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const run = await running;
  return { ...run, fewestRunning: fewest };
}

function invocation(
  way: Way,
  dir: string,
  tunables: Record<string, string>,
): { args: string[]; env: Record<string, string> } {
  const FLAG: Record<string, string> = {
    TASK_COUNT: '--task-count',
    TASK_REPLICA_ID: '--task-replica-id',
    SEQUENCE: '--sequence',
    TASK_REPLICA_AFFECTED_PERC: '--affected-percent',
    CHAOS_INTERVAL: '--interval',
    TOTAL_CHAOS_DURATION: '--duration',
  };
  const all = { TOTAL_CHAOS_DURATION: '1', ...tunables };
  if (way === 'env')
    return {
      args: ['run', 'task-stop'],
      env: { CLUSTER_NAME: 'demo', SERVICE_NAME: 'orders', REGION: 'us-east-1', ...all },
    };
  if (way === 'flags') {
    const args = ['run', 'task-stop', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];
    for (const [k, v] of Object.entries(all)) args.push(FLAG[k]!, v);
    return { args, env: {} };
  }
  const file = join(dir, `task-stop-${Object.keys(tunables).join('-')}.yaml`);
  writeFileSync(
    file,
    [
      'fault: task-stop',
      'target:',
      '  cluster: demo',
      '  service: orders',
      '  region: us-east-1',
      ...Object.entries(all).map(([k, v]) => `${k}: "${v}"`),
      '',
    ].join('\n'),
  );
  return { args: ['run', 'task-stop', '-f', file], env: {} };
}

describe('task-stop from the CLI', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-task-stop-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  test('plan task-stop shows the tasks to stop and the rounding, and changes nothing', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const run = await runCli(
      ['plan', 'task-stop', '--cluster', 'demo', '--service', 'orders', '--affected-percent', '60'],
      { env: sandboxEnv(ctx.sandbox, { REGION: 'us-east-1' }) },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /floor\(4 × 60 \/ 100\) = 2/);
    assert.match(run.stdout, /StopTask/);
    for (const arn of await aliveTasks(ctx.ecs, 'orders')) assert.ok(run.stdout.includes(arn.split('/').pop()!));
    const mutations = ctx.sandbox.requests(since).filter((r) => r.mutating);
    assert.deepEqual(
      mutations.map((r) => r.action),
      [],
    );
  });

  const WAYS: Array<[Way, Record<string, string>]> = [
    ['env', { TASK_COUNT: '1' }],
    ['flags', { TASK_COUNT: '2', SEQUENCE: 'parallel' }],
    ['file', { TASK_REPLICA_AFFECTED_PERC: '50', SEQUENCE: 'serial' }],
  ];
  for (const [way, tunables] of WAYS) {
    test(`by ${way} (${Object.entries(tunables)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}): the tasks are stopped with the reason and replaced`, async () => {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const beforeTasks = await aliveTasks(ctx.ecs, 'orders');
      const resultFile = join(dir, `run-${way}.json`);
      const { args, env } = invocation(way, dir, tunables);
      const run = await runWatching(
        ctx.ecs,
        'orders',
        [...args, '--result-file', resultFile],
        sandboxEnv(ctx.sandbox, env),
      );
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.equal(result.fault, 'task-stop');
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      for (const [k, v] of Object.entries(tunables)) assert.equal(String(result.spec[k]), v, `the result records ${k}`);
      const record = result.taskStop!;
      const stopped = record.iterations.flatMap((i) => i.stopped);
      const expected = way === 'env' ? 1 : 2;
      assert.equal(stopped.length, expected);
      assert.equal(record.recovered, true);
      assert.equal(result.effect.restored, true);
      assert.ok(record.iterations[0]!.recoverySeconds !== undefined, 'the time to recovery is reported');
      // The independent client: the stopped tasks are STOPPED with the run's reason, UserInitiated.
      const described = (
        await ctx.ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: stopped.map((s) => s.taskArn) }))
      ).tasks!;
      for (const t of described) {
        assert.ok(beforeTasks.includes(t.taskArn!), 'a task of the service before the run');
        assert.equal(t.desiredStatus, 'STOPPED');
        assert.equal(t.stopCode, 'UserInitiated');
        assert.match(t.stoppedReason!, new RegExp(`ecs-chaos experiment ${result.experimentId}`));
      }
      // ...and their replacements RUNNING in the service.
      const now = await aliveTasks(ctx.ecs, 'orders');
      const replacements = record.iterations.flatMap((i) => i.replacements);
      assert.ok(replacements.length >= expected, `replacements: ${replacements.join(', ')}`);
      for (const arn of replacements) assert.ok(now.includes(arn), `${arn} runs in the service`);
      for (const s of stopped) assert.ok(!now.includes(s.taskArn));
      assert.equal(result.residue.clean, true, JSON.stringify(result.residue));
      const svc = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      assert.deepEqual(svc.tags?.filter((t) => t.key?.startsWith('ecs-chaos')) ?? [], [], 'no marker left');
    });
  }

  test('serial keeps all but one task RUNNING; parallel takes several down at once', async () => {
    const fewest: Record<string, number> = {};
    for (const sequence of ['serial', 'parallel']) {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const resultFile = join(dir, `sequence-${sequence}.json`);
      const run = await runWatching(
        ctx.ecs,
        'orders',
        [
          'run',
          'task-stop',
          '--cluster',
          'demo',
          '--service',
          'orders',
          '--region',
          'us-east-1',
          '--task-count',
          '3',
          '--sequence',
          sequence,
          '--duration',
          '1',
          '--result-file',
          resultFile,
        ],
        sandboxEnv(ctx.sandbox),
      );
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.equal(result.verdict, 'Pass', result.verdictReason);
      const stops = result.iterations.length && result.taskStop!.iterations[0]!.stopped;
      assert.ok(stops && stops.length === 3);
      if (sequence === 'serial') {
        // Each stop after the service recovered from the one before: each has its own time to recovery.
        for (const [n, s] of stops.entries()) {
          assert.ok(s.recoverySeconds !== undefined && s.replacements!.length >= 1);
          if (n > 0) {
            const prev = stops[n - 1]!;
            assert.ok(Date.parse(s.stoppedAt) >= Date.parse(prev.stoppedAt) + prev.recoverySeconds! * 1000 - 100);
          }
        }
      } else {
        // All three stopped before the service recovered from any of them.
        const recoveredAt = Date.parse(result.taskStop!.iterations[0]!.recoveredAt!);
        for (const s of stops) assert.ok(Date.parse(s.stoppedAt) <= recoveredAt);
        assert.equal(stops[0]!.recoverySeconds, undefined, 'no wait between the stops');
      }
      fewest[sequence] = run.fewestRunning;
    }
    // The independent client never saw fewer than 3 of 4 RUNNING under serial (a missed poll only raises it).
    assert.ok(fewest.serial! >= 3, `serial: at least 3 of 4 RUNNING throughout (saw ${fewest.serial})`);
  });

  test('a service whose replacements cannot start does not recover: Fail, with the reason', async () => {
    await waitSteady(ctx.ecs, 'demo', 'billing');
    const iam = ctx.sandbox.world.iam;
    const trustsEc2 = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const trustsTasks = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    // Running tasks keep their credentials; new ones cannot assume the role and fail to start.
    iam.updateAssumeRolePolicy('billing-task-role', trustsEc2);
    try {
      const resultFile = join(dir, 'not-recovered.json');
      const run = await runCli(
        [
          'run',
          'task-stop',
          '--cluster',
          'demo',
          '--service',
          'billing',
          '--region',
          'us-east-1',
          '--task-count',
          '1',
          '--duration',
          '1',
          '--restore-timeout',
          '3',
          '--result-file',
          resultFile,
        ],
        { env: sandboxEnv(ctx.sandbox), timeoutMs: 120_000 },
      );
      assert.equal(run.code, 1, run.stderr);
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.equal(result.verdict, 'Fail');
      assert.match(result.verdictReason, /did not recover within 3s/);
      assert.equal(result.effect.restored, false);
      assert.equal(result.taskStop!.recovered, false);
      assert.match(result.taskStop!.iterations[0]!.notRecovered!, /2 tasks RUNNING \(1 now\)/);
      assert.equal(result.residue.clean, true, 'nothing of ecs-chaos is left: the markers are removed');
    } finally {
      iam.updateAssumeRolePolicy('billing-task-role', trustsTasks);
    }
  });
});
