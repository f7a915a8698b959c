import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecs';
import { PreflightError } from '../../src/engine/preflight.js';
import { mutatingCalls, roleArn, runFault } from '../support/experiment.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('preflight refuses before any change', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const net = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'blue-green',
        taskDefinition: 'orders:1',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: net,
        deploymentController: { type: 'CODE_DEPLOY' },
      }),
    );
    await ctx.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'no-role',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'c', image: 'c:1' }],
      }),
    );
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'no-role',
        taskDefinition: 'no-role:1',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: net,
      }),
    );
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'empty',
        taskDefinition: 'orders:1',
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: net,
      }),
    );
    await waitSteady(ctx.ecs, 'demo', 'no-role');
  });
  after(() => ctx.sandbox.close());

  const orders = { cluster: 'demo', service: 'orders', taskRole: roleArn('orders-chaos-role') };
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    [
      'a chaos role that does not trust ecs-tasks',
      { ...orders, taskRole: roleArn('untrusted-role') },
      'chaos role trusts ECS tasks',
      /does not let ecs-tasks\.amazonaws\.com assume it.*Fix:/,
    ],
    [
      'a chaos role that does not exist',
      { ...orders, taskRole: roleArn('ghost-role') },
      'chaos role exists',
      /does not exist/,
    ],
    [
      'a CODE_DEPLOY service',
      { ...orders, service: 'blue-green' },
      'deployment controller is ECS',
      /CODE_DEPLOY deployment controller/,
    ],
    ['a missing cluster', { ...orders, cluster: 'nope' }, 'cluster exists', /cluster 'nope' was not found/],
    ['a missing service', { ...orders, service: 'nope' }, 'service exists', /service 'nope' was not found/],
    [
      'removing a task role that is not there',
      { cluster: 'demo', service: 'no-role', taskRole: '' },
      'the fault changes something',
      /no-op/,
    ],
    [
      "the service's own role as the chaos role",
      { ...orders, taskRole: roleArn('orders-task-role') },
      'the fault changes something',
      /would change nothing/,
    ],
    ['a service with no tasks', { ...orders, service: 'empty' }, 'service has tasks', /desired count of 0/],
    [
      'an affected share too small for ECS to replace a single task',
      { ...orders, affectedPercent: '20', exposure: 'rolling' },
      'the chaos can roll out',
      /4 desired tasks, TASK_REPLICA_AFFECTED_PERC 20 gives maximumPercent 120, which ECS rounds down to 4 tasks.*at least 25/,
    ],
  ];
  for (const [what, flags, check, message] of cases) {
    test(`refuses ${what}, with exit-2 input and no mutation`, async () => {
      const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
      await assert.rejects(runFault(ctx.sandbox, flags), (error: unknown) => {
        assert.ok(error instanceof PreflightError, String(error));
        assert.equal(error.fault, 'user');
        assert.equal((error.detail as { check: string }).check, check);
        assert.match(error.message, message);
        return true;
      });
      assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
    });
  }

  test('refuses a service already under chaos and names the recover command', async () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:service/demo/orders';
    await ctx.ecs.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [{ key: 'ecs-chaos:under-chaos', value: 'ecs-chaos-earlier' }],
      }),
    );
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    try {
      await assert.rejects(runFault(ctx.sandbox, orders), (error: unknown) => {
        assert.ok(error instanceof PreflightError);
        assert.match(
          error.message,
          /ecs-chaos-earlier.*Fix: run 'ecs-chaos recover --cluster demo --service orders --region us-east-1/,
        );
        return true;
      });
      assert.deepEqual(mutatingCalls(ctx.sandbox, since), []);
    } finally {
      await ctx.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['ecs-chaos:under-chaos'] }));
    }
  });
});
