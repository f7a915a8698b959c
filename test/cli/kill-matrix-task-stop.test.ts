/**
 * The kill matrix of task-stop: the run is killed with SIGKILL right after its first StopTask, between
 * two serial stops, and mid-hold; `status` from a fresh process shows the leftover markers, and
 * `recover` only removes them and the lease (no revision, no UpdateService, no StopTask). A SIGINT
 * during a serial run stops no further task, and the run still waits for the service to recover
 * before its verdict.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeServicesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import type { RequestContext } from '../../sandbox/core/service.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const TARGET = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];

/** When to kill: after the n-th StopTask was answered (the next call), or mid-hold. */
const KILL_POINTS = [
  { name: 'right after the first StopTask', afterStops: 1, sequence: 'parallel', count: '1' },
  { name: 'between two serial stops', afterStops: 2, sequence: 'serial', count: '3' },
  { name: 'mid-hold', afterStops: 0, sequence: 'serial', count: '1' },
] as const;

describe('kill matrix of task-stop: SIGKILL, then status and recover from a fresh process', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = sandboxEnv(ctx.sandbox);
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-task-stop-kill-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  for (const point of KILL_POINTS) {
    test(`killed ${point.name}: status shows the markers, recover only removes them`, async () => {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const before = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      const revisions = (await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' })))
        .taskDefinitionArns;
      let stops = 0;
      let killed = false;
      const cli = startCli(
        [
          'run',
          'task-stop',
          ...TARGET,
          '--task-count',
          point.count,
          '--sequence',
          point.sequence,
          '--duration',
          '30',
          '--interval',
          '30',
        ],
        { env },
      );
      const interceptor = (call: RequestContext): void => {
        if (killed || !call.principal) return;
        if (point.afterStops > 0 && stops >= point.afterStops && call.action !== 'StopTask') {
          killed = true;
          cli.child.kill('SIGKILL');
        }
        if (call.action === 'StopTask') stops++;
      };
      ctx.sandbox.world.interceptors.push(interceptor);
      try {
        if (point.afterStops === 0) {
          for (let i = 0; i < 800 && !/holding/.test(cli.output().stderr); i++)
            await new Promise((r) => setTimeout(r, 25));
          assert.match(cli.output().stderr, /holding/);
          killed = true;
          cli.child.kill('SIGKILL');
        }
        const exit = await cli.exited;
        assert.equal(exit.signal, 'SIGKILL', `the run was killed (stderr: ${cli.output().stderr.slice(-500)})`);
      } finally {
        ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(interceptor), 1);
      }

      // The killed run's lease is LIVE until its heartbeat is stale; then status shows what is left.
      let status = await runCli(['status', ...TARGET], { env });
      for (let i = 0; i < 40 && /LIVE EXPERIMENT/.test(status.stdout); i++) {
        await new Promise((r) => setTimeout(r, 250));
        status = await runCli(['status', ...TARGET], { env });
      }
      assert.match(status.stdout, /orders: ABANDONED/, status.stdout);
      assert.match(status.stdout, /fault task-stop: nothing to restore/, status.stdout);

      const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
      const recovered = await runCli(['recover', ...TARGET], { env });
      assert.equal(recovered.code, 0, `recover exit ${recovered.code}\n${recovered.stdout}\n${recovered.stderr}`);
      const mutations = ctx.sandbox
        .requests(since)
        .filter((r) => r.mutating)
        .map((r) => r.action);
      assert.deepEqual([...new Set(mutations)], ['UntagResource'], 'recover only removed the markers and the lease');

      const svc = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      assert.equal(svc.taskDefinition, before.taskDefinition);
      assert.deepEqual(svc.deploymentConfiguration, before.deploymentConfiguration);
      assert.deepEqual(
        (svc.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
        [],
        'no markers and no lease on the service',
      );
      assert.deepEqual(
        (await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders' }))).taskDefinitionArns,
        revisions,
        'no revision registered or deregistered',
      );
      // ECS replaced what the run stopped: the service is steady again on its own.
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const again = await runCli(['recover', ...TARGET], { env });
      assert.equal(again.code, 0);
      assert.match(again.stdout, /orders: clean/);
    });
  }

  test('SIGINT during a serial run: no further task is stopped, the recovery is still awaited', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const resultFile = join(dir, 'sigint.json');
    let stops = 0;
    const cli = startCli(
      [
        'run',
        'task-stop',
        ...TARGET,
        '--task-count',
        '3',
        '--sequence',
        'serial',
        '--duration',
        '30',
        '--result-file',
        resultFile,
      ],
      { env },
    );
    const interceptor = (call: RequestContext): void => {
      if (!call.principal || call.action !== 'StopTask') return;
      // The signal arrives while the first StopTask is in flight.
      if (++stops === 1) cli.child.kill('SIGINT');
    };
    ctx.sandbox.world.interceptors.push(interceptor);
    try {
      const exit = await cli.exited;
      assert.equal(exit.code, 3, cli.output().stderr.slice(-800));
    } finally {
      ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(interceptor), 1);
    }
    assert.equal(stops, 1, 'no StopTask after the signal');
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
    assert.equal(result.verdict, 'Stopped', result.verdictReason);
    const it = result.taskStop!.iterations[0]!;
    assert.equal(it.stopped.length, 1);
    assert.equal(it.recovered, true, 'the run waited for the recovery before its verdict');
    assert.ok(it.replacements.length >= 1);
    assert.equal(result.effect.restored, true);
    assert.equal(result.residue.clean, true);
  });
});
