import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { waitFor, withSandbox } from '../support/sandbox.js';

describe('the workload publishes its counts to CloudWatch', () => {
  test('Requests grow; AccessDeniedErrors appear once the tasks run under a role that may not write S3', async () => {
    const ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    const cw = new CloudWatchClient({
      endpoint: ctx.sandbox.endpoint,
      region: 'us-east-1',
      credentials: ctx.sandbox.credentials,
      maxAttempts: 1,
    });
    const sum = async (metric: string): Promise<number> => {
      const now = Date.now();
      const out = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'ECSChaos/Workload',
          MetricName: metric,
          Dimensions: [
            { Name: 'ClusterName', Value: 'demo' },
            { Name: 'ServiceName', Value: 'orders' },
          ],
          StartTime: new Date(now - 5 * 60_000),
          EndTime: new Date(now + 60_000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      );
      return (out.Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0);
    };
    try {
      await waitFor('requests in CloudWatch', async () => ((await sum('Requests')) > 0 ? true : undefined));
      assert.equal(await sum('AccessDeniedErrors'), 0, 'the original role allows every call');

      const original = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' })))
        .taskDefinition!;
      const chaos = await ctx.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'orders',
          taskRoleArn: 'arn:aws:iam::123456789012:role/orders-chaos-role',
          executionRoleArn: original.executionRoleArn,
          networkMode: original.networkMode,
          requiresCompatibilities: original.requiresCompatibilities,
          cpu: original.cpu,
          memory: original.memory,
          containerDefinitions: original.containerDefinitions,
        }),
      );
      await ctx.ecs.send(
        new UpdateServiceCommand({
          cluster: 'demo',
          service: 'orders',
          taskDefinition: chaos.taskDefinition!.taskDefinitionArn!,
        }),
      );
      const denied = await waitFor('AccessDenied errors in CloudWatch', async () => {
        const n = await sum('AccessDeniedErrors');
        return n > 0 ? n : undefined;
      });
      assert.ok(denied > 0);
      assert.ok((await sum('Errors')) >= denied);
    } finally {
      cw.destroy();
      await ctx.sandbox.close();
    }
  });
});
