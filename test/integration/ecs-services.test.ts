import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { rejectsWith, waitFor, withSandbox } from '../support/sandbox.js';

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } };

async function registerFargate(ecs: ECSClient, family: string): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'nginx' }],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

describe('ECS clusters and services in the sandbox', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let td1: string;
  let td2: string;
  before(async () => {
    ctx = await withSandbox();
    await ctx.ecs.send(new CreateClusterCommand({ clusterName: 'c1', tags: [{ key: 'env', value: 'test' }] }));
    td1 = await registerFargate(ctx.ecs, 'web');
    td2 = await registerFargate(ctx.ecs, 'web');
  });
  after(() => ctx.sandbox.close());

  test('clusters: create is idempotent, describe reports missing ones as failures', async () => {
    const again = await ctx.ecs.send(new CreateClusterCommand({ clusterName: 'c1' }));
    assert.equal(again.cluster!.clusterArn, 'arn:aws:ecs:us-east-1:123456789012:cluster/c1');
    const listed = await ctx.ecs.send(new ListClustersCommand({}));
    assert.deepEqual(listed.clusterArns, ['arn:aws:ecs:us-east-1:123456789012:cluster/c1']);
    const described = await ctx.ecs.send(new DescribeClustersCommand({ clusters: ['c1', 'nope'], include: ['TAGS'] }));
    assert.equal(described.clusters![0]!.status, 'ACTIVE');
    assert.deepEqual(described.clusters![0]!.tags, [{ key: 'env', value: 'test' }]);
    assert.deepEqual(described.failures, [
      { arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/nope', reason: 'MISSING' },
    ]);
  });

  test('creates a Fargate service whose tasks reach RUNNING, with the defaults ECS applies', async () => {
    const created = await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'c1',
        serviceName: 'api',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
      }),
    );
    const service = created.service!;
    assert.equal(service.serviceArn, 'arn:aws:ecs:us-east-1:123456789012:service/c1/api');
    assert.deepEqual(service.deploymentConfiguration, {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: false, rollback: false },
    });
    assert.deepEqual(service.deploymentController, { type: 'ECS' });
    assert.equal(service.deployments!.length, 1);
    assert.equal(service.deployments![0]!.status, 'PRIMARY');
    assert.equal(service.deployments![0]!.rolloutState, 'IN_PROGRESS');
    const steady = await waitFor('api to be steady', async () => {
      const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['api'] }))).services![0]!;
      return s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
    });
    assert.equal(steady.runningCount, 2);
    assert.equal(steady.deployments![0]!.runningCount, 2);
    assert.match(steady.events![0]!.message!, /^\(service api\) has reached a steady state\.$/);
    assert.ok(
      steady.events!.some((e) =>
        /^\(service api\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(e.message!),
      ),
    );
  });

  test('UpdateService changes the desired count without a new deployment', async () => {
    const out = await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'c1', service: 'api', desiredCount: 3 }));
    assert.equal(out.service!.desiredCount, 3);
    assert.equal(out.service!.deployments!.length, 1);
    await waitFor('3 running', async () => {
      const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['api'] }))).services![0]!;
      return s.runningCount === 3 ? s : undefined;
    });
  });

  test('refuses what ECS refuses, naming the problem', async () => {
    await rejectsWith(
      ctx.ecs.send(new DescribeServicesCommand({ cluster: 'nope', services: ['api'] })),
      'ClusterNotFoundException',
    );
    await rejectsWith(
      ctx.ecs.send(new UpdateServiceCommand({ cluster: 'c1', service: 'nope', desiredCount: 1 })),
      'ServiceNotFoundException',
    );
    const dup = await rejectsWith(
      ctx.ecs.send(
        new CreateServiceCommand({
          cluster: 'c1',
          serviceName: 'api',
          taskDefinition: 'web:1',
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
        }),
      ),
      'InvalidParameterException',
    );
    assert.match(dup.message, /not idempotent/);
    const noNet = await rejectsWith(
      ctx.ecs.send(
        new CreateServiceCommand({ cluster: 'c1', serviceName: 'x', taskDefinition: 'web:1', launchType: 'FARGATE' }),
      ),
      'InvalidParameterException',
    );
    assert.match(noNet.message, /Network Configuration must be provided/);
    const missingTd = await rejectsWith(
      ctx.ecs.send(new UpdateServiceCommand({ cluster: 'c1', service: 'api', taskDefinition: 'web:99' })),
      'ClientException',
    );
    assert.match(missingTd.message, /TaskDefinition not found/);
    await rejectsWith(
      ctx.ecs.send(
        new UpdateServiceCommand({ cluster: 'c1', service: 'api', deploymentConfiguration: { maximumPercent: 90 } }),
      ),
      'InvalidParameterException',
    );
    const missing = await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['ghost'] }));
    assert.deepEqual(missing.failures, [
      { arn: 'arn:aws:ecs:us-east-1:123456789012:service/c1/ghost', reason: 'MISSING' },
    ]);
  });

  test('a CODE_DEPLOY or EXTERNAL service rejects a task definition change through UpdateService', async () => {
    for (const type of ['CODE_DEPLOY', 'EXTERNAL'] as const) {
      await ctx.ecs.send(
        new CreateServiceCommand({
          cluster: 'c1',
          serviceName: `cd-${type.toLowerCase()}`,
          taskDefinition: 'web:1',
          desiredCount: 0,
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
          deploymentController: { type },
        }),
      );
      const error = await rejectsWith(
        ctx.ecs.send(
          new UpdateServiceCommand({ cluster: 'c1', service: `cd-${type.toLowerCase()}`, taskDefinition: 'web:2' }),
        ),
        'InvalidParameterException',
      );
      assert.match(
        error.message,
        new RegExp(`Unable to update task definition on services with a ${type} deployment controller`),
      );
      // Other changes are still accepted.
      const ok = await ctx.ecs.send(
        new UpdateServiceCommand({ cluster: 'c1', service: `cd-${type.toLowerCase()}`, desiredCount: 0 }),
      );
      assert.equal(ok.service!.taskDefinition, td1);
    }
  });

  test('an INACTIVE revision keeps running in its service but cannot start a new service or deployment', async () => {
    await ctx.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: td1 }));
    const api = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['api'] }))).services![0]!;
    assert.equal(api.taskDefinition, td1);
    assert.equal(api.runningCount, 3);
    const create = await rejectsWith(
      ctx.ecs.send(
        new CreateServiceCommand({
          cluster: 'c1',
          serviceName: 'api2',
          taskDefinition: td1,
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
        }),
      ),
      'ClientException',
    );
    assert.match(create.message, /inactive/i);
    await rejectsWith(
      ctx.ecs.send(
        new UpdateServiceCommand({ cluster: 'c1', service: 'api', taskDefinition: td1, forceNewDeployment: true }),
      ),
      'ClientException',
    );
    // A new revision still deploys.
    const moved = await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'c1', service: 'api', taskDefinition: td2 }));
    assert.equal(moved.service!.taskDefinition, td2);
  });

  test('tags on services can be added, listed and removed; DescribeServices includes them on request', async () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:service/c1/api';
    await ctx.ecs.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'chaos', value: 'on' },
          { key: 'owner', value: 'me' },
        ],
      }),
    );
    await ctx.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['owner'] }));
    const listed = await ctx.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    assert.deepEqual(listed.tags, [{ key: 'chaos', value: 'on' }]);
    const described = await ctx.ecs.send(
      new DescribeServicesCommand({ cluster: 'c1', services: [arn], include: ['TAGS'] }),
    );
    assert.deepEqual(described.services![0]!.tags, [{ key: 'chaos', value: 'on' }]);
    await rejectsWith(
      ctx.ecs.send(
        new TagResourceCommand({
          resourceArn: 'arn:aws:ecs:us-east-1:123456789012:service/c1/ghost',
          tags: [{ key: 'a', value: 'b' }],
        }),
      ),
      'ResourceNotFoundException',
    );
    await rejectsWith(
      ctx.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'aws:x', value: 'b' }] })),
      'InvalidParameterException',
    );
    const chars = await rejectsWith(
      ctx.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'cfg', value: '{"a":1}' }] })),
      'InvalidParameterException',
    );
    assert.match(chars.message, /characters ECS does not allow/);
  });

  test('a deleted service drains to INACTIVE, stays describable, and leaves the service list', async () => {
    const refused = await rejectsWith(
      ctx.ecs.send(new DeleteServiceCommand({ cluster: 'c1', service: 'api' })),
      'InvalidParameterException',
    );
    assert.match(refused.message, /scaled above 0/);
    const draining = await ctx.ecs.send(new DeleteServiceCommand({ cluster: 'c1', service: 'api', force: true }));
    assert.equal(draining.service!.status, 'DRAINING');
    await rejectsWith(
      ctx.ecs.send(new UpdateServiceCommand({ cluster: 'c1', service: 'api', desiredCount: 1 })),
      'ServiceNotActiveException',
    );
    await waitFor('api INACTIVE', async () => {
      const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['api'] }))).services![0]!;
      return s.status === 'INACTIVE' ? s : undefined;
    });
    const list = await ctx.ecs.send(new ListServicesCommand({ cluster: 'c1' }));
    assert.ok(!list.serviceArns!.includes('arn:aws:ecs:us-east-1:123456789012:service/c1/api'));
  });
});
