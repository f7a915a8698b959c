/** The demo's simulated apps: health and metrics endpoints, and their calls in CloudTrail under the task role. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { pacedTrailClient } from '../support/cloudtrail.js';
import { waitFor, waitSteady, withSandbox, type Clients } from '../support/sandbox.js';
import type { Sandbox } from '../../sandbox/index.js';

const ACCOUNT = '123456789012';

/** The fields of a CloudTrail record the tests read. */
interface TrailRecord {
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventType: string;
  readonly managementEvent: boolean;
  readonly recipientAccountId: string;
  readonly awsRegion: string;
  readonly errorCode?: string;
  readonly errorMessage: string;
  readonly requestParameters: Record<string, unknown>;
  readonly userIdentity: {
    readonly type: string;
    readonly arn: string;
    readonly accountId: string;
    readonly accessKeyId?: string;
    readonly sessionContext: { readonly sessionIssuer: { readonly arn: string; readonly userName: string } };
  };
}
const CHAOS_ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-chaos-role`;

async function get(sandbox: Sandbox, what: 'health' | 'metrics'): Promise<{ status: number; body: string }> {
  const res = await fetch(`${sandbox.endpoint}/_sandbox/workload/demo/orders/${what}`);
  return { status: res.status, body: await res.text() };
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const DENIED_SERIES = 'ecs_chaos_app_errors_total{service="orders",action="s3:PutObject",code="AccessDenied"}';

describe('sandbox workload', () => {
  let sandbox: Sandbox;
  let clients: Clients;

  before(async () => {
    ({ sandbox, ...clients } = await withSandbox({ scenario: 'demo' }));
  });
  after(() => sandbox.close());

  test('the orders app is healthy and its metrics count requests', async () => {
    await waitFor('orders requests', async () =>
      metric(
        (await get(sandbox, 'metrics')).body,
        'ecs_chaos_app_requests_total{service="orders",action="s3:PutObject"}',
      ) >= 4
        ? true
        : undefined,
    );
    const health = await get(sandbox, 'health');
    assert.equal(health.status, 200, health.body);
    const metrics = await get(sandbox, 'metrics');
    assert.match(metrics.body, /# TYPE ecs_chaos_app_requests_total counter/);
    assert.ok(metric(metrics.body, 'ecs_chaos_app_requests_total{service="orders",action="dynamodb:PutItem"}') >= 4);
    assert.equal(metric(metrics.body, 'ecs_chaos_app_tasks_running{service="orders",task_definition="orders:1"}'), 4);
    assert.equal(metric(metrics.body, DENIED_SERIES), 0);
    assert.equal(sandbox.world.workload.counters('demo', 'orders')?.errorsTotal, 0);
    assert.ok((sandbox.world.workload.counters('demo', 'billing')?.requests['sqs:SendMessage'] ?? 0) > 0);
  });

  test('a task role that may not write S3 makes the app fail, visibly, until restored', async () => {
    const td = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' })))
      .taskDefinition!;
    const registered = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'orders',
        taskRoleArn: CHAOS_ROLE,
        executionRoleArn: td.executionRoleArn,
        networkMode: td.networkMode,
        requiresCompatibilities: td.requiresCompatibilities,
        cpu: td.cpu,
        memory: td.memory,
        containerDefinitions: td.containerDefinitions,
      }),
    );
    const chaosRevision = `orders:${registered.taskDefinition!.revision}`;
    await clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: chaosRevision }),
    );

    const unhealthy = await waitFor('orders to be unhealthy', async () => {
      const h = await get(sandbox, 'health');
      return h.status === 503 ? h : undefined;
    });
    const body = JSON.parse(unhealthy.body) as { failing?: { action: string; code: string } };
    assert.equal(body.failing?.action, 's3:PutObject');
    assert.equal(body.failing?.code, 'AccessDenied');
    const before = metric((await get(sandbox, 'metrics')).body, DENIED_SERIES);
    await waitFor('AccessDenied errors to grow', async () =>
      metric((await get(sandbox, 'metrics')).body, DENIED_SERIES) > before ? true : undefined,
    );

    // PutObject is a data event: CloudTrail's event history (LookupEvents) never holds it, though the
    // sandbox keeps the record, as a trail logging data events would.
    const trail = pacedTrailClient(sandbox);
    const puts = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PutObject' }] }),
    );
    assert.deepEqual(puts.Events, []);
    const kept = sandbox.world.trail.all().filter((e) => e.eventName === 'PutObject' && e.errorCode === 'AccessDenied');
    assert.ok(kept.length > 0);
    assert.ok(kept.every((e) => e.record.eventCategory === 'Data' && e.record.managementEvent === false));
    // GetParameter is a management event: its refusals are in the event history.
    const { Events = [] } = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetParameter' }] }),
    );
    const denied = Events.map((e) => JSON.parse(e.CloudTrailEvent!) as TrailRecord).filter(
      (r) => r.errorCode === 'AccessDenied',
    );
    assert.ok(denied.length > 0);
    for (const r of denied) {
      assert.equal(r.eventSource, 'ssm.amazonaws.com');
      assert.equal(r.managementEvent, true);
      assert.equal(r.userIdentity.type, 'AssumedRole');
      assert.equal(r.userIdentity.sessionContext.sessionIssuer.arn, CHAOS_ROLE);
      assert.equal(r.userIdentity.sessionContext.sessionIssuer.userName, 'orders-chaos-role');
      assert.match(r.userIdentity.arn, /^arn:aws:sts::123456789012:assumed-role\/orders-chaos-role\/[0-9a-f]{32}$/);
      assert.match(r.errorMessage, /is not authorized to perform: ssm:GetParameter/);
    }

    await clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: 'orders:1' }),
    );
    await waitSteady(clients.ecs, 'demo', 'orders');
    await waitFor('orders to be healthy again', async () =>
      (await get(sandbox, 'health')).status === 200 ? true : undefined,
    );
  });

  test('an undeclared service has no workload endpoint', async () => {
    const res = await fetch(`${sandbox.endpoint}/_sandbox/workload/demo/nothing/health`);
    assert.equal(res.status, 404);
  });
});
