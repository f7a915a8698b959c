import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
} from '@aws-sdk/client-ecs';
import { AwsError } from '../../sandbox/index.js';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { inspectCluster, recover } from '../../src/engine/recover.js';
import { chaosTaskDefinitionInput } from '../../src/faults/update-task-role/chaos-task-definition.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

type Ctx = Awaited<ReturnType<typeof withSandbox>>;

const TARGET = { cluster: 'demo', region: 'us-east-1' } as const;

function portsOf(ctx: Ctx) {
  const ports = createAwsPorts({
    region: ctx.sandbox.region,
    endpoint: ctx.sandbox.endpoint,
    credentials: ctx.sandbox.credentials,
  });
  return { ports, deps: { ecs: ports.ecs, io: new RecordingIoHost(), clock: SYSTEM_CLOCK, pollIntervalMs: 25 } };
}

/** A service on orders:1 with its own deployment configuration, steady. */
async function createService(ctx: Ctx, name: string, config: DeploymentConfiguration, desiredCount = 4) {
  await ctx.ecs.send(
    new CreateServiceCommand({
      cluster: 'demo',
      serviceName: name,
      taskDefinition: 'orders:1',
      desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      deploymentConfiguration: config,
    }),
  );
  await waitSteady(ctx.ecs, 'demo', name, 60_000);
}

/** Leaves a service under chaos with its markers, as a killed run would (its restoring UpdateService is refused). */
async function leaveUnderChaos(ctx: Ctx, service: string, affectedPercent = '100'): Promise<void> {
  let updates = 0;
  const deny = (call: { action: string }): void => {
    if (call.action === 'UpdateService' && ++updates > 1)
      throw new AwsError('AccessDeniedException', 'denied for the test');
  };
  ctx.sandbox.world.interceptors.push(deny);
  try {
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service,
      taskRole: roleArn('orders-chaos-role'),
      affectedPercent,
      exposure: 'rolling',
    });
    assert.equal(result.residue.clean, false, `${result.verdict}: ${result.verdictReason}`);
  } finally {
    ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(deny), 1);
  }
}

/** Registers a revision of orders from `from` with another image (and the role given); returns its ARN. */
async function register(ctx: Ctx, from: string, image: string, taskRoleArn?: string | null): Promise<string> {
  const td = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: from }))).taskDefinition!;
  const role = taskRoleArn === undefined ? (td.taskRoleArn ?? null) : taskRoleArn;
  const input = chaosTaskDefinitionInput(td, { taskRoleArn: role, tags: [] });
  input.containerDefinitions = input.containerDefinitions!.map((c, i) => (i === 0 ? { ...c, image } : c));
  return (await ctx.ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
}

async function describe1(ctx: Ctx, name: string) {
  return (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name], include: ['TAGS'] })))
    .services![0]!;
}

const markersOf = (tags: { key?: string }[] | undefined) => (tags ?? []).filter((t) => t.key!.startsWith('ecs-chaos:'));

const ORIGINAL_175_75: DeploymentConfiguration = {
  maximumPercent: 175,
  minimumHealthyPercent: 75,
  deploymentCircuitBreaker: { enable: true, rollback: false },
};

describe('recover after a kill and a later foreign deploy', () => {
  test("their own build (original role): recover keeps their revision, restores the original deployment configuration (175/75, not the chaos window's 125/100), then removes the markers", async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps } = portsOf(ctx);
    try {
      await createService(ctx, 'shop', ORIGINAL_175_75);
      await leaveUnderChaos(ctx, 'shop', '25');
      assert.equal((await describe1(ctx, 'shop')).deploymentConfiguration!.maximumPercent, 125);
      const theirs = await register(ctx, 'orders:1', 'orders:2.0.0');
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'shop', taskDefinition: theirs }));

      const status = await inspectCluster(ports.ecs, { ...TARGET, service: 'shop' }, new Date());
      assert.equal(status.services[0]!.chaosDeploymentLeft, true);

      const report = await recover({ ...TARGET, service: 'shop' }, deps);
      assert.equal(report.clean, true, JSON.stringify(report.services[0]));
      const after = await describe1(ctx, 'shop');
      assert.equal(after.taskDefinition, theirs, 'their revision is kept');
      assert.deepEqual(after.deploymentConfiguration, ORIGINAL_175_75);
      assert.deepEqual(markersOf(after.tags), []);
      const again = await inspectCluster(ports.ecs, { ...TARGET, service: 'shop' }, new Date());
      assert.equal(again.services[0]!.underChaos, false);
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });

  test('a CI build cloned from the chaos revision: recover restores the deployment configuration, leaves their revision and keeps the markers that say what to restore', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps } = portsOf(ctx);
    try {
      await createService(ctx, 'shop', ORIGINAL_175_75);
      await leaveUnderChaos(ctx, 'shop', '25');
      const chaos = (await describe1(ctx, 'shop')).taskDefinition!;
      const theirs = await register(ctx, chaos, 'orders:2.0.0');
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'shop', taskDefinition: theirs }));
      const before = markersOf((await describe1(ctx, 'shop')).tags);

      const report = await recover({ ...TARGET, service: 'shop' }, deps);
      assert.equal(report.clean, false);
      assert.equal(report.services[0]!.status, 'foreign');
      assert.match(report.services[0]!.error!, /--repair-foreign/);
      const after = await describe1(ctx, 'shop');
      assert.equal(after.taskDefinition, theirs);
      assert.deepEqual(after.deploymentConfiguration, ORIGINAL_175_75);
      assert.deepEqual(markersOf(after.tags), before, 'no marker whose information was not acted on is deleted');
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });
});

describe('status and recover read whole families, once', () => {
  test('a chaos revision behind 101 CI builds is found; a family is read once for all its services; a truncated scan says so', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps } = portsOf(ctx);
    try {
      await createService(ctx, 'shop', ORIGINAL_175_75, 1);
      await leaveUnderChaos(ctx, 'shop');
      const svc = await describe1(ctx, 'shop');
      const chaos = svc.taskDefinition!;
      // Someone put the service back by hand and removed its tags, but left the chaos revision ACTIVE.
      await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'shop', taskDefinition: 'orders:1' }));
      await ctx.ecs.send(
        new UntagResourceCommand({
          resourceArn: svc.serviceArn!,
          tagKeys: (svc.tags ?? []).map((t) => t.key!).filter((k) => k.startsWith('ecs-chaos:')),
        }),
      );
      for (let i = 0; i < 101; i++) await register(ctx, 'orders:1', `orders:ci-${i}`);
      for (const name of ['a', 'b', 'c']) await createService(ctx, name, ORIGINAL_175_75, 1);

      const since = ctx.sandbox.requests().at(-1)!.seq;
      const status = await inspectCluster(ports.ecs, TARGET, new Date());
      const shop = status.services.find((s) => s.serviceName === 'shop')!;
      assert.deepEqual(shop.chaosRevisions, [chaos], 'found behind 101 newer revisions');
      assert.equal(shop.underChaos, true);
      assert.deepEqual(status.truncated, []);
      const reads = ctx.sandbox.requests(since).filter((r) => r.action === 'DescribeTaskDefinition').length;
      // 103 revisions in the family, 5 services using it: each revision read once.
      assert.ok(reads <= 110, `${reads} DescribeTaskDefinition calls for one family of 103 revisions`);

      const truncated = await inspectCluster(ports.ecs, { ...TARGET, scanLimit: 50 }, new Date());
      assert.equal(truncated.services.find((s) => s.serviceName === 'shop')!.underChaos, false);
      assert.match(truncated.truncated.join('\n'), /family orders: 103 ACTIVE revisions, only the newest 50 were read/);
      const dry = await recover({ ...TARGET, scanLimit: 50, dryRun: true }, deps);
      assert.equal(dry.clean, false, 'a truncated scan is never "all clean"');

      const report = await recover({ ...TARGET, service: 'shop' }, deps);
      assert.equal(report.clean, true, JSON.stringify(report.services[0]));
      const td = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: chaos }))).taskDefinition!;
      assert.equal(td.status, 'INACTIVE');
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });
});

describe('recover restores the whole deployment configuration', () => {
  test('alarms too long for the full marker are kept: the limits and circuit breaker come from the short marker, the rest is left as the chaos window kept it', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const { ports, deps } = portsOf(ctx);
    try {
      const alarmNames = Array.from({ length: 6 }, (_, i) => `orders-${i}-${'x'.repeat(40)}`);
      const original: DeploymentConfiguration = {
        ...ORIGINAL_175_75,
        alarms: { alarmNames, enable: true, rollback: true },
      };
      await createService(ctx, 'alarmed', original);
      await leaveUnderChaos(ctx, 'alarmed', '25');
      const tags = (await describe1(ctx, 'alarmed')).tags ?? [];
      assert.ok(!tags.some((t) => t.key === 'ecs-chaos:original-deployment-full'), 'the full marker did not fit');
      const report = await recover({ ...TARGET, service: 'alarmed' }, deps);
      assert.equal(report.clean, true, JSON.stringify(report.services[0]));
      assert.deepEqual((await describe1(ctx, 'alarmed')).deploymentConfiguration, original);
    } finally {
      ports.destroy();
      await ctx.sandbox.close();
    }
  });
});
