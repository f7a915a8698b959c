import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { READ_ONLY_TASK_DEFINITION_FIELDS } from '../../src/faults/update-task-role/chaos-task-definition.js';
import { MARKER_KEYS } from '../../src/engine/markers.js';
import { mutatingCalls, roleArn, runFault as runFaultNow } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('the update-task-role fault against the sandbox', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
  });
  after(() => ctx.sandbox.close());

  /** Each run starts on a steady service, as preflight requires. */
  async function runFault(...args: Parameters<typeof runFaultNow>) {
    await waitSteady(ctx.ecs, 'demo', String(args[1].service));
    return runFaultNow(...args);
  }

  async function describeService(name: string) {
    return (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name], include: ['TAGS'] })))
      .services![0]!;
  }

  test('swaps the task role of the Fargate service, holds, restores it and leaves nothing behind', async () => {
    const before = await describeService('orders');
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: roleArn('orders-chaos-role'),
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(result.effect.swapped, true);
    assert.equal(result.effect.chaosTasksRan, true);
    assert.equal(result.effect.restored, true);
    assert.equal(result.effect.originalTaskDefinitionArn, before.taskDefinition);
    assert.equal(result.effect.chaosTaskRoleArn, roleArn('orders-chaos-role'));
    assert.ok(result.exposure.peakChaosTasks >= 1);
    assert.equal(result.exposure.desiredCount, 4);
    assert.equal(result.exposure.peakShare, result.exposure.peakChaosTasks / 4);
    assert.deepEqual(result.residue, { clean: true, items: [] });
    assert.deepEqual(
      result.mutations.map((m) => [m.operation, m.undone, m.undoneBy]),
      [
        ['RegisterTaskDefinition', true, 'DeregisterTaskDefinition'],
        ['TagResource', true, 'UntagResource'],
        ['UpdateService', true, 'UpdateService'],
      ],
    );
    // AWS's view, independently of the result.
    const after = await describeService('orders');
    assert.equal(after.taskDefinition, before.taskDefinition);
    assert.deepEqual(after.deploymentConfiguration, before.deploymentConfiguration);
    assert.ok(!(after.tags ?? []).some((t) => MARKER_KEYS.includes(t.key!)));
    const chaos = await ctx.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn!, include: ['TAGS'] }),
    );
    assert.equal(chaos.taskDefinition!.status, 'INACTIVE');
    assert.equal(chaos.taskDefinition!.taskRoleArn, roleArn('orders-chaos-role'));
    assert.ok(chaos.tags!.some((t) => t.key === 'ecs-chaos:experiment-id' && t.value === result.experimentId));
    const phases = result.timeline.filter((e) => e.kind === 'phase').map((e) => e.name);
    assert.deepEqual(phases, ['preflight', 'inject', 'hold', 'revert', 'verify']);
  });

  test('the EC2 service: same lifecycle on the container instance', async () => {
    const before = await describeService('billing');
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'billing',
      taskRole: roleArn('orders-chaos-role'),
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal((await describeService('billing')).taskDefinition, before.taskDefinition);
  });

  test('an empty TASK_ROLE removes the task role from the chaos revision', async () => {
    const { result } = await runFault(ctx.sandbox, { cluster: 'demo', service: 'orders', taskRole: '' });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(result.effect.chaosTaskRoleArn, null);
    const chaos = await ctx.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn! }),
    );
    assert.equal(chaos.taskDefinition!.taskRoleArn, undefined);
  });

  test('rolling mode: TASK_REPLICA_AFFECTED_PERC drives maximumPercent during the chaos window', async () => {
    const seen: Array<[number | undefined, number | undefined, string | undefined]> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const s = await describeService('orders');
        seen.push([
          s.deploymentConfiguration?.maximumPercent,
          s.deploymentConfiguration?.minimumHealthyPercent,
          s.taskDefinition,
        ]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: roleArn('orders-chaos-role'),
      affectedPercent: '30',
      exposure: 'rolling',
    });
    polling = false;
    await poller;
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    const during = seen.filter(([, , td]) => td === result.effect.chaosTaskDefinitionArn);
    assert.ok(during.length > 0, 'the poller saw the chaos window');
    assert.ok(
      during.every(([max, min]) => max === 130 && min === 100),
      JSON.stringify(during),
    );
    const final = seen[seen.length - 1]!;
    assert.deepEqual(final.slice(0, 2), [200, 100], 'restored afterwards');
  });

  test('duration 3 s with interval 1 s makes three inject/revert cycles, each with its own revision', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: roleArn('orders-chaos-role'),
      duration: '3',
      interval: '1',
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(result.iterations.length, 3);
    assert.deepEqual(
      result.iterations.map((i) => i.holdSeconds),
      [1, 1, 1],
    );
    const calls = mutatingCalls(ctx.sandbox, since);
    assert.equal(calls.filter((c) => c === 'RegisterTaskDefinition').length, 3);
    assert.equal(calls.filter((c) => c === 'DeregisterTaskDefinition').length, 3);
    assert.equal(calls.filter((c) => c === 'UpdateService').length, 6);
    const arns = new Set(result.iterations.map((i) => i.chaosTaskDefinitionArn));
    assert.equal(arns.size, 3);
    for (const arn of arns) {
      const td = await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn! }));
      assert.equal(td.taskDefinition!.status, 'INACTIVE');
    }
  });

  test('an interval longer than what is left is capped: duration 3 s, interval 2 s holds 2 s then 1 s', async () => {
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: roleArn('orders-chaos-role'),
      duration: '3',
      interval: '2',
    });
    assert.deepEqual(
      result.iterations.map((i) => i.holdSeconds),
      [2, 1],
    );
  });

  test('RAMP_TIME is waited before the first mutation and after the last restore', async () => {
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: roleArn('orders-chaos-role'),
      rampTime: '1',
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    const phase = (name: string) => Date.parse(result.timeline.find((e) => e.name === name)!.time);
    const firstMutation = Date.parse(result.mutations[0]!.at);
    assert.ok(firstMutation - phase('ramp-up') >= 1000, 'a second of ramp before the first mutation');
    const lastUndo = Math.max(...result.mutations.map((m) => Date.parse(m.undoneAt!)));
    assert.ok(phase('verify') - phase('ramp-down') >= 1000, 'a second of ramp after the restore');
    assert.ok(phase('ramp-down') >= lastUndo);
  });

  test('a task definition using every optional field is copied unchanged except the task role', async () => {
    const registered = await ctx.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'full-copy',
        taskRoleArn: roleArn('orders-task-role'),
        executionRoleArn: roleArn('ecsTaskExecutionRole'),
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '512',
        memory: '1024',
        pidMode: 'task',
        ipcMode: 'none',
        ephemeralStorage: { sizeInGiB: 50 },
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        proxyConfiguration: {
          type: 'APPMESH',
          containerName: 'envoy',
          properties: [{ name: 'IgnoredUID', value: '1337' }],
        },
        volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-1', transitEncryption: 'ENABLED' } }],
        placementConstraints: [],
        inferenceAccelerators: [],
        enableFaultInjection: true,
        tags: [{ key: 'team', value: 'payments' }],
        containerDefinitions: [
          {
            name: 'app',
            image: 'app:1',
            portMappings: [{ containerPort: 8080, name: 'http', appProtocol: 'http' }],
            environment: [{ name: 'A', value: '1' }],
            secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/demo/s' }],
            linuxParameters: { initProcessEnabled: true },
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
            healthCheck: { command: ['CMD', 'true'], interval: 5 },
            dockerLabels: { tier: 'web' },
            stopTimeout: 20,
          },
          { name: 'envoy', image: 'envoy:1', essential: false, memoryReservation: 64 },
        ],
      }),
    );
    const original = registered.taskDefinition!;
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'full-copy',
        taskDefinition: original.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      }),
    );
    const { result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'full-copy',
      taskRole: roleArn('orders-chaos-role'),
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    const chaos = await ctx.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: result.effect.chaosTaskDefinitionArn!, include: ['TAGS'] }),
    );
    const strip = (td: Record<string, unknown>) => {
      const copy = { ...td };
      for (const f of [...READ_ONLY_TASK_DEFINITION_FIELDS, 'taskRoleArn']) delete copy[f];
      return copy;
    };
    assert.deepEqual(
      strip(chaos.taskDefinition as Record<string, unknown>),
      strip(original as Record<string, unknown>),
    );
    assert.equal(chaos.taskDefinition!.taskRoleArn, roleArn('orders-chaos-role'));
    assert.ok(
      chaos.tags!.some((t) => t.key === 'team' && t.value === 'payments'),
      'the original tags are kept',
    );
    const active = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'full-copy' }));
    assert.deepEqual(active.taskDefinitionArns, [original.taskDefinitionArn]);
  });
});
