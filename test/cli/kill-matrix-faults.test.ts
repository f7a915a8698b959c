/**
 * The kill matrix for the other task-definition faults: each run is killed with SIGKILL once the
 * service was changed and again mid-hold, then `recover` runs in a fresh process. Every case must end
 * with the service on its original revision and deployment configuration, zero ACTIVE chaos
 * revisions, no markers and no sibling, and a second recover finds nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { RequestContext } from '../../sandbox/core/service.js';
import { runCli, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const ROLE = (name: string): string => `arn:aws:iam::123456789012:role/${name}`;

interface FaultCase {
  readonly fault: string;
  readonly service: string;
  readonly family: string;
  readonly args: readonly string[];
}

const FAULTS: readonly FaultCase[] = [
  {
    fault: 'update-execution-role',
    service: 'orders',
    family: 'orders',
    args: ['--execution-role', ROLE('orders-chaos-execution')],
  },
  {
    fault: 'update-container-resource-limit',
    service: 'billing',
    family: 'billing',
    args: ['--cpu-limit', '64', '--memory-limit', '128'],
  },
  {
    fault: 'update-container-timeout',
    service: 'orders',
    family: 'orders',
    args: ['--stop-timeout', '5', '--container-names', 'app'],
  },
  // Exact mode: one task that cannot pull its image beside the untouched ones.
  { fault: 'invalid-container-image', service: 'orders', family: 'orders', args: ['--affected-percent', '25'] },
];

/** When to kill: once the change reached the service (rolling update or sibling), or mid-hold. */
const KILL_POINTS = [
  {
    name: 'after the service was changed',
    decide: (call: RequestContext, seen: Map<string, number>): boolean =>
      call.action === 'ListTasks' && ((seen.get('UpdateService') ?? 0) >= 1 || (seen.get('CreateService') ?? 0) >= 1),
  },
  { name: 'mid-hold', decide: (): boolean => false, midHoldMs: 300 },
] as const;

async function activeRevisions(ecs: ECSClient, family: string): Promise<string[]> {
  return (
    (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' }))).taskDefinitionArns ??
    []
  ).filter((arn) => arn.includes(`:task-definition/${family}:`));
}

describe('kill matrix of the other faults: SIGKILL, then recover from a fresh process', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = sandboxEnv(ctx.sandbox);
    // A second execution role, as able as the demo's: the kill points are about the lifecycle.
    const iam = ctx.sandbox.world.iam;
    iam.createRole({
      roleName: 'orders-chaos-execution',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
    });
    iam.attachRolePolicy(
      'orders-chaos-execution',
      'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    );
  });
  after(() => ctx.sandbox.close());

  for (const f of FAULTS) {
    for (const point of KILL_POINTS) {
      test(`${f.fault} killed ${point.name}: recover restores everything`, async () => {
        await waitSteady(ctx.ecs, 'demo', f.service);
        const target = ['--cluster', 'demo', '--service', f.service, '--region', 'us-east-1'];
        const before = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [f.service] })))
          .services![0]!;
        const seen = new Map<string, number>();
        let killed = false;
        const cli = startCli(['run', f.fault, ...target, '--duration', '3', '--interval', '3', ...f.args], { env });
        const interceptor = (call: RequestContext): void => {
          if (!killed && call.principal && point.decide(call, seen)) {
            killed = true;
            cli.child.kill('SIGKILL');
          }
          seen.set(call.action, (seen.get(call.action) ?? 0) + 1);
        };
        ctx.sandbox.world.interceptors.push(interceptor);
        try {
          if ('midHoldMs' in point) {
            for (let i = 0; i < 800 && !/holding the chaos/.test(cli.output().stderr); i++)
              await new Promise((r) => setTimeout(r, 25));
            assert.match(cli.output().stderr, /holding the chaos/);
            await new Promise((r) => setTimeout(r, point.midHoldMs));
            killed = true;
            cli.child.kill('SIGKILL');
          }
          const exit = await cli.exited;
          assert.equal(exit.signal, 'SIGKILL', `the run was killed (stderr: ${cli.output().stderr.slice(-500)})`);
        } finally {
          ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(interceptor), 1);
        }
        assert.ok((await activeRevisions(ctx.ecs, f.family)).length > 1, 'the kill left a chaos revision');

        // The killed run's lease is LIVE until its heartbeat is stale: wait for status to say so.
        let status = await runCli(['status', ...target], { env });
        for (let i = 0; i < 40 && /LIVE EXPERIMENT/.test(status.stdout); i++) {
          await new Promise((r) => setTimeout(r, 250));
          status = await runCli(['status', ...target], { env });
        }
        assert.doesNotMatch(status.stdout, /LIVE EXPERIMENT/, 'the lease went stale');
        const recovered = await runCli(['recover', ...target], { env });
        assert.equal(recovered.code, 0, `recover exit ${recovered.code}\n${recovered.stdout}\n${recovered.stderr}`);

        const svc = (
          await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [f.service], include: ['TAGS'] }))
        ).services![0]!;
        assert.equal(svc.taskDefinition, before.taskDefinition);
        assert.equal(svc.deploymentConfiguration!.maximumPercent, before.deploymentConfiguration!.maximumPercent);
        assert.equal(
          svc.deploymentConfiguration!.minimumHealthyPercent,
          before.deploymentConfiguration!.minimumHealthyPercent,
        );
        assert.deepEqual(
          (svc.tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:')),
          [],
          'no markers on the service',
        );
        assert.deepEqual(
          await activeRevisions(ctx.ecs, f.family),
          [before.taskDefinition],
          'zero ACTIVE chaos revisions',
        );
        const siblings = ((await ctx.ecs.send(new ListServicesCommand({ cluster: 'demo' }))).serviceArns ?? []).filter(
          (a) => a.includes(`${f.service}-chaos-`),
        );
        assert.deepEqual(siblings, [], 'no sibling service left');
        const again = await runCli(['recover', ...target], { env });
        assert.equal(again.code, 0);
        assert.match(again.stdout, new RegExp(`${f.service}: clean`));
      });
    }
  }
});
