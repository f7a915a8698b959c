/**
 * What CloudTrail's event history can show, against the sandbox made as strict as AWS: LookupEvents
 * answers management events only (data events such as s3:PutObject never appear), at most two
 * requests per second (ThrottlingException past it), under its short and its full target name; the
 * tool paces its lookups under the limit, and its plan, summary and probe say what CloudTrail can and
 * cannot see.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { scanTrail } from '../../src/aws/cloudtrail-scan.js';
import { planExperiment } from '../../src/engine/plan.js';
import { accessDeniedSummary, describeAccessDenied } from '../../src/engine/signals.js';
import { renderPlan } from '../../src/cli/render-report.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { pacedTrailClient } from '../support/cloudtrail.js';
import { roleArn, specFor } from '../support/experiment.js';
import { rejectsWith, waitFor, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = roleArn('orders-chaos-role');

describe('CloudTrail: management events only, two lookups a second', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let ports: ReturnType<typeof createAwsPorts>;
  let chaosFrom: Date;
  let planText: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    ports = createAwsPorts({
      region: ctx.sandbox.region,
      endpoint: ctx.sandbox.endpoint,
      credentials: ctx.sandbox.credentials,
      // No retry: a throttled lookup would fail the test.
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    planText = renderPlan(
      await planExperiment(specFor(ctx.sandbox, { cluster: 'demo', service: 'orders', taskRole: CHAOS_ROLE }), {
        ecs: ports.ecs,
        iam: ports.iam,
        io: new RecordingIoHost(),
        now: () => new Date(),
      }),
    );
    // The orders tasks under the chaos role: their S3 writes and their parameter reads are refused.
    chaosFrom = new Date(Date.now() - 1000);
    const td = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' }))).taskDefinition!;
    const chaos = await ctx.ecs.send(
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
    await ctx.ecs.send(
      new UpdateServiceCommand({
        cluster: 'demo',
        service: 'orders',
        taskDefinition: chaos.taskDefinition!.taskDefinitionArn,
      }),
    );
    await waitFor('refused calls of both kinds', async () => {
      const denied = ctx.sandbox.world.trail.all().filter((e) => e.errorCode === 'AccessDenied');
      return denied.some((e) => e.eventName === 'PutObject') && denied.some((e) => e.eventName === 'GetParameter')
        ? true
        : undefined;
    });
  });
  after(async () => {
    ports.destroy();
    await ctx.sandbox.close();
  });

  test('LookupEvents never returns data events; the sandbox still holds them as a trail would', async () => {
    const sources = new Set<string>();
    await scanTrail(ports.cloudtrail, { start: chaosFrom, end: new Date(), maxPages: 4 }, (r) => {
      sources.add(`${r.eventSource}:${r.eventName}`);
    });
    assert.ok(sources.has('ssm.amazonaws.com:GetParameter'), [...sources].join(', '));
    for (const data of [
      's3.amazonaws.com:PutObject',
      'dynamodb.amazonaws.com:PutItem',
      'sqs.amazonaws.com:SendMessage',
    ])
      assert.ok(!sources.has(data), `${data} is a data event`);
    const held = new Set(ctx.sandbox.world.trail.all().map((e) => `${e.eventName}:${String(e.record.eventCategory)}`));
    assert.ok(held.has('PutObject:Data') && held.has('SendMessage:Data') && held.has('GetParameter:Management'));
  });

  test('the AccessDenied summary counts the management calls and says data events are not in it', async () => {
    const summary = await accessDeniedSummary(ports.cloudtrail, {
      principal: CHAOS_ROLE,
      start: chaosFrom,
      end: new Date(),
    });
    assert.ok(summary.ok, JSON.stringify(summary));
    assert.ok(summary.total >= 1);
    assert.deepEqual(Object.keys(summary.byAction), ['ssm:GetParameter']);
    assert.match(summary.note ?? '', /management events only/);
    assert.match(
      describeAccessDenied(summary),
      /ssm:GetParameter x\d+\); management events only: refused data-plane calls/,
    );
  });

  test('plan says which refusals CloudTrail will show and which it cannot', async () => {
    const text = planText;
    assert.match(text, /CloudTrail's event history will show the refusals of: ssm:GetParameter/);
    assert.match(
      text,
      /CloudTrail's event history cannot show the refusals of: s3:PutObject \(data events: a trail that logs data events/,
    );
  });

  test('EventCategory: insight finds none here; another value is InvalidEventCategoryException', async () => {
    const trail = pacedTrailClient(ctx.sandbox);
    assert.deepEqual((await trail.send(new LookupEventsCommand({ EventCategory: 'insight' }))).Events, []);
    await rejectsWith(
      trail.send(new LookupEventsCommand({ EventCategory: 'management' as 'insight' })),
      'InvalidEventCategoryException',
    );
  });

  test('the full target name com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101 is accepted', async () => {
    const trail = pacedTrailClient(ctx.sandbox);
    let sent = '';
    trail.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['x-amz-target'] = `com.amazonaws.cloudtrail.v20131101.${request.headers['x-amz-target']}`;
        sent = request.headers['x-amz-target'];
        return next(args);
      },
      { step: 'build', name: 'fullTarget' },
    );
    const out = await trail.send(new LookupEventsCommand({ MaxResults: 1 }));
    assert.equal(sent, 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents');
    assert.equal(out.Events?.length, 1);
  });

  test('a burst of lookups is throttled, as AWS limits them to two per second', async () => {
    const raw = new CloudTrailClient({
      endpoint: ctx.sandbox.endpoint,
      region: ctx.sandbox.region,
      credentials: ctx.sandbox.credentials,
      maxAttempts: 1,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => raw.send(new LookupEventsCommand({ MaxResults: 1 }))),
    );
    const throttled = outcomes.filter((o) => o.status === 'rejected').map((o) => (o.reason as Error).name);
    assert.ok(throttled.length >= 1, 'eight lookups at once exceed two a second');
    assert.deepEqual(new Set(throttled), new Set(['ThrottlingException']));
    raw.destroy();
    // The account's bucket refills at two a second: let it, for the readers that follow.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  test('the tool paces its lookups: eight at once all pass, with no retry', async () => {
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const pages = await Promise.all(Array.from({ length: 8 }, () => ports.cloudtrail.lookupEvents({ MaxResults: 1 })));
    assert.equal(pages.length, 8);
    const lookups = ctx.sandbox.requests(since).filter((r) => r.action === 'LookupEvents');
    assert.equal(lookups.length, 8);
    assert.ok(
      lookups.every((r) => r.errorCode === null),
      JSON.stringify(lookups.map((r) => r.errorCode)),
    );
  });
});
