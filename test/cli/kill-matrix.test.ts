/**
 * The kill matrix: the CLI is killed with SIGKILL at each step of the lifecycle, then `recover` runs
 * in a fresh process. Every case must end with the service on its original revision and deployment
 * configuration, zero ACTIVE chaos revisions and no markers, and a second recover finds nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { AwsError } from '../../sandbox/index.js';
import type { RequestContext } from '../../sandbox/core/service.js';
import { runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = 'arn:aws:iam::123456789012:role/orders-chaos-role';

/** When to kill: a predicate over the calls the sandbox receives, and whether the fatal call applies. */
interface KillPoint {
  readonly name: string;
  readonly args?: string[];
  /** Returns 'kill' to kill before the call applies, 'kill-after' to kill and let it apply. */
  readonly decide: (call: RequestContext, seen: Map<string, number>) => 'kill' | 'kill-after' | undefined;
  /** Kill this long after the hold began instead (ms). */
  readonly midHoldMs?: number;
}

const count = (seen: Map<string, number>, action: string): number => seen.get(action) ?? 0;

const KILL_POINTS: KillPoint[] = [
  {
    name: 'while taking the lease (a candidate lease left)',
    decide: (c, s) =>
      c.action === 'TagResource' && count(s, 'RegisterTaskDefinition') === 0 ? 'kill-after' : undefined,
  },
  {
    name: 'after registering the chaos revision',
    decide: (c, s) =>
      (c.action === 'TagResource' && count(s, 'RegisterTaskDefinition') >= 1) || c.action === 'UpdateService'
        ? 'kill'
        : undefined,
  },
  {
    name: 'after tagging the service, before its update',
    decide: (c) => (c.action === 'UpdateService' ? 'kill' : undefined),
  },
  {
    name: 'after updating the service',
    decide: (c, s) => (c.action === 'ListTasks' && count(s, 'UpdateService') >= 1 ? 'kill' : undefined),
  },
  { name: 'mid-hold', decide: () => undefined, midHoldMs: 300 },
  {
    name: 'after the restoring update',
    decide: (c, s) => (c.action === 'ListTasks' && count(s, 'UpdateService') >= 2 ? 'kill' : undefined),
  },
  { name: 'before deregistration', decide: (c) => (c.action === 'DeregisterTaskDefinition' ? 'kill' : undefined) },
  {
    name: 'during deregistration',
    decide: (c) => (c.action === 'DeregisterTaskDefinition' ? 'kill-after' : undefined),
  },
  { name: 'before removing the markers', decide: (c) => (c.action === 'UntagResource' ? 'kill' : undefined) },
  {
    name: 'exact mode: after creating the sibling service',
    args: ['--duration', '2', '--interval', '2', '--affected-percent', '25'],
    decide: (c, s) => (c.action === 'ListTasks' && count(s, 'CreateService') >= 1 ? 'kill' : undefined),
  },
  {
    name: 'exact mode: mid-hold',
    args: ['--duration', '2', '--interval', '2', '--affected-percent', '25'],
    decide: () => undefined,
    midHoldMs: 300,
  },
  {
    name: 'exact mode: after deleting the sibling service',
    args: ['--duration', '1', '--interval', '1', '--affected-percent', '25'],
    decide: (c, s) => (c.action === 'ListTasks' && count(s, 'DeleteService') >= 1 ? 'kill' : undefined),
  },
  {
    name: 'between iterations (before the second registration)',
    args: ['--duration', '2', '--interval', '1'],
    decide: (c, s) =>
      c.action === 'RegisterTaskDefinition' && count(s, 'RegisterTaskDefinition') >= 1 ? 'kill' : undefined,
  },
  {
    name: 'between iterations (right after the second registration)',
    args: ['--duration', '2', '--interval', '1'],
    decide: (c, s) =>
      c.action === 'RegisterTaskDefinition' && count(s, 'RegisterTaskDefinition') >= 1 ? 'kill-after' : undefined,
  },
];

/** Tasks of a chaos revision of the orders family not yet STOPPED, as an independent client sees them. */
async function chaosTasksUp(ecs: ECSClient): Promise<string[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const)
    arns.push(
      ...((await ecs.send(new ListTasksCommand({ cluster: 'demo', family: 'orders', desiredStatus }))).taskArns ?? []),
    );
  if (arns.length === 0) return [];
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? [];
  const up: string[] = [];
  for (const t of tasks.filter((x) => x.lastStatus !== 'STOPPED')) {
    const td = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: t.taskDefinitionArn!, include: ['TAGS'] }),
    );
    if ((td.tags ?? []).some((tag) => tag.key === 'ecs-chaos:experiment-id')) up.push(`${t.taskArn} ${t.lastStatus}`);
  }
  return up;
}

async function activeOrders(ecs: ECSClient): Promise<string[]> {
  return (
    (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders', status: 'ACTIVE' }))).taskDefinitionArns ??
    []
  );
}

describe('kill matrix: SIGKILL at each step, then recover from a fresh process', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  let original: { taskDefinition: string; max: number; min: number };
  const outcomes: string[] = [];
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = sandboxEnv(ctx.sandbox);
    const svc = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!;
    original = {
      taskDefinition: svc.taskDefinition!,
      max: svc.deploymentConfiguration!.maximumPercent!,
      min: svc.deploymentConfiguration!.minimumHealthyPercent!,
    };
  });
  after(async () => {
    console.log(`kill matrix: ${outcomes.length} kill points, all recovered:\n  ${outcomes.join('\n  ')}`);
    await ctx.sandbox.close();
  });

  for (const point of KILL_POINTS) {
    test(`killed ${point.name}: recover restores everything`, async () => {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const seen = new Map<string, number>();
      let killed = false;
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
          ...(point.args ?? ['--duration', '2', '--interval', '2']),
        ],
        { env },
      );
      const interceptor = (call: RequestContext): void => {
        if (!killed && call.principal) {
          const verdict = point.decide(call, seen);
          if (verdict) {
            killed = true;
            cli.child.kill('SIGKILL');
            if (verdict === 'kill') throw new AwsError('ServerException', 'the caller died', 500);
          }
        }
        seen.set(call.action, count(seen, call.action) + 1);
      };
      ctx.sandbox.world.interceptors.push(interceptor);
      try {
        if (point.midHoldMs !== undefined) {
          for (let i = 0; i < 400 && !/holding the chaos/.test(cli.output().stderr); i++)
            await new Promise((r) => setTimeout(r, 25));
          await new Promise((r) => setTimeout(r, point.midHoldMs));
          killed = true;
          cli.child.kill('SIGKILL');
        }
        const exit = await cli.exited;
        assert.equal(exit.signal, 'SIGKILL', `the run was killed (stderr: ${cli.output().stderr.slice(-500)})`);
      } finally {
        ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(interceptor), 1);
      }
      const left = (await activeOrders(ctx.ecs)).length - 1;

      // The killed run's lease stays LIVE until its heartbeat is stale (4 beats of 1 s): recover
      // refuses a live experiment, so wait for status to call it ABANDONED, as an operator would.
      let status = await runCli(['status', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'], {
        env,
      });
      for (let i = 0; i < 40 && /LIVE EXPERIMENT/.test(status.stdout); i++) {
        await new Promise((r) => setTimeout(r, 250));
        status = await runCli(['status', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'], { env });
      }
      assert.doesNotMatch(status.stdout, /LIVE EXPERIMENT/, 'the lease went stale');

      const recovered = await runCli(['recover', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'], {
        env,
      });
      assert.equal(recovered.code, 0, `recover exit ${recovered.code}\n${recovered.stdout}\n${recovered.stderr}`);

      const svc = (
        await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'], include: ['TAGS'] }))
      ).services![0]!;
      const restoredTd = await ctx.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition!, include: ['TAGS'] }),
      );
      assert.ok(
        !(restoredTd.tags ?? []).some((t) => t.key!.startsWith('ecs-chaos:')),
        `the service runs a non-chaos revision (${svc.taskDefinition})`,
      );
      assert.equal(svc.taskDefinition, original.taskDefinition);
      assert.equal(svc.deploymentConfiguration!.maximumPercent, original.max);
      assert.equal(svc.deploymentConfiguration!.minimumHealthyPercent, original.min);
      assert.deepEqual(
        (svc.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
        [],
        'no markers on the service',
      );
      assert.deepEqual(await activeOrders(ctx.ecs), [original.taskDefinition], 'zero ACTIVE chaos revisions');
      assert.deepEqual(await chaosTasksUp(ctx.ecs), [], 'no task of a chaos revision is left');
      const siblings = ((await ctx.ecs.send(new ListServicesCommand({ cluster: 'demo' }))).serviceArns ?? []).filter(
        (a) => /orders-chaos-/.test(a),
      );
      assert.deepEqual(siblings, [], 'no sibling service left');

      const again = await runCli(['recover', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'], {
        env,
      });
      assert.equal(again.code, 0);
      assert.match(again.stdout, /orders: clean/);
      outcomes.push(
        `${point.name}: ${left} chaos revision(s) left ACTIVE by the kill; recover: ${
          recovered.stdout
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('  - ')).length
        } action(s)`,
      );
    });
  }
});
