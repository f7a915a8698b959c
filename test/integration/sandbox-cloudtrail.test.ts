/** CloudTrail in the sandbox: LookupEvents with the pinned client over the calls the sandbox answered. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { pacedTrailClient } from '../support/cloudtrail.js';
import { clientsFor, rejectsWith, withSandbox, type Clients, type Credentials } from '../support/sandbox.js';
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

/** Paced under LookupEvents' two requests per second, which the sandbox enforces. */
function trailFor(sandbox: Sandbox, credentials: Credentials = sandbox.credentials): CloudTrailClient {
  return pacedTrailClient(sandbox, credentials);
}

function record(event: Event): TrailRecord {
  return JSON.parse(event.CloudTrailEvent ?? '{}') as TrailRecord;
}

describe('sandbox CloudTrail', () => {
  let sandbox: Sandbox;
  let admin: Clients;
  let trail: CloudTrailClient;
  let limitedKeys: Credentials;
  let startedAt: Date;

  before(async () => {
    ({ sandbox, ...admin } = await withSandbox({ scenario: 'demo' }));
    trail = trailFor(sandbox);
    startedAt = new Date(Date.now() - 1000);
    const td = (await admin.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1' })))
      .taskDefinition!;
    await admin.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'orders',
        taskRoleArn: td.taskRoleArn,
        executionRoleArn: td.executionRoleArn,
        networkMode: td.networkMode,
        requiresCompatibilities: td.requiresCompatibilities,
        cpu: td.cpu,
        memory: td.memory,
        containerDefinitions: td.containerDefinitions,
      }),
    );
    await admin.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: 'orders:2' }));
    await admin.iam.send(new CreateUserCommand({ UserName: 'limited' }));
    await admin.iam.send(
      new PutUserPolicyCommand({
        UserName: 'limited',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' }],
        }),
      }),
    );
    const key = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: 'limited' }))).AccessKey!;
    limitedKeys = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const limited = clientsFor(sandbox, limitedKeys);
    await rejectsWith(
      limited.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', desiredCount: 1 })),
      'AccessDeniedException',
    );
  });

  after(() => sandbox.close());

  test('sees the administrator’s RegisterTaskDefinition and UpdateService with its identity', async () => {
    for (const name of ['RegisterTaskDefinition', 'UpdateService']) {
      const { Events = [] } = await trail.send(
        new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: name }] }),
      );
      const ok = Events.find((e) => record(e).errorCode === undefined);
      assert.ok(ok, `an event of ${name}`);
      assert.equal(ok.EventSource, 'ecs.amazonaws.com');
      assert.equal(ok.Username, 'admin');
      assert.equal(ok.AccessKeyId, 'test');
      assert.equal(ok.ReadOnly, 'false');
      const r = record(ok);
      assert.equal(r.eventName, name);
      assert.equal(r.eventSource, 'ecs.amazonaws.com');
      assert.equal(r.eventType, 'AwsApiCall');
      assert.equal(r.managementEvent, true);
      assert.equal(r.recipientAccountId, ACCOUNT);
      assert.equal(r.awsRegion, 'us-east-1');
      assert.equal(r.userIdentity.type, 'IAMUser');
      assert.equal(r.userIdentity.arn, `arn:aws:iam::${ACCOUNT}:user/admin`);
      assert.equal(r.userIdentity.accountId, ACCOUNT);
      assert.equal(r.userIdentity.accessKeyId, 'test');
      assert.ok(r.requestParameters);
    }
    const update = (
      await trail.send(
        new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'UpdateService' }] }),
      )
    ).Events!.find((e) => e.Username === 'admin')!;
    assert.equal(record(update).requestParameters.taskDefinition, 'orders:2');
    assert.ok(update.Resources?.some((r) => r.ResourceType === 'AWS::ECS::Service' && r.ResourceName === 'orders'));
  });

  test('records the AccessDenied of a limited user and never its own lookups', async () => {
    const { Events = [] } = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'limited' }] }),
    );
    const denied = Events.find((e) => e.EventName === 'UpdateService');
    assert.ok(denied);
    const r = record(denied);
    assert.equal(r.errorCode, 'AccessDenied');
    assert.match(r.errorMessage, /user\/limited is not authorized to perform: ecs:UpdateService/);
    assert.equal(denied.AccessKeyId, limitedKeys.accessKeyId);
    const byKey = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: limitedKeys.accessKeyId }],
      }),
    );
    assert.deepEqual(
      byKey.Events?.map((e) => e.EventId),
      Events.map((e) => e.EventId),
    );
    const lookups = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'LookupEvents' }] }),
    );
    assert.equal(lookups.Events?.length, 0);
  });

  test('filters by event source, resource name, read-only and time, newest first', async () => {
    const iamEvents = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'iam.amazonaws.com' }],
      }),
    );
    assert.deepEqual(
      new Set(iamEvents.Events?.map((e) => e.EventName)),
      new Set(['CreateUser', 'PutUserPolicy', 'CreateAccessKey']),
    );
    const times = iamEvents.Events!.map((e) => e.EventTime!.getTime());
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    const byResource = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'limited' }] }),
    );
    assert.ok(byResource.Events!.some((e) => e.EventName === 'CreateUser'));
    const readOnly = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'true' }] }),
    );
    assert.ok(readOnly.Events!.length > 0);
    assert.ok(readOnly.Events!.every((e) => e.ReadOnly === 'true'));
    const future = await trail.send(new LookupEventsCommand({ StartTime: new Date(Date.now() + 60_000) }));
    assert.equal(future.Events?.length, 0);
    const past = await trail.send(
      new LookupEventsCommand({ StartTime: new Date(startedAt.getTime() - 60_000), EndTime: startedAt }),
    );
    assert.equal(past.Events?.filter((e) => e.EventSource !== 'ecs.amazonaws.com' || e.Username === 'admin').length, 0);
    await rejectsWith(
      trail.send(new LookupEventsCommand({ StartTime: new Date(), EndTime: new Date(Date.now() - 1000) })),
      'InvalidTimeRangeException',
    );
    await rejectsWith(trail.send(new LookupEventsCommand({ MaxResults: 51 })), 'InvalidMaxResultsException');
  });

  test('pages with MaxResults and NextToken without repeating or missing events', async () => {
    const source = { AttributeKey: 'EventSource' as const, AttributeValue: 'ecs.amazonaws.com' };
    const all = (await trail.send(new LookupEventsCommand({ LookupAttributes: [source] }))).Events!;
    assert.ok(all.length >= 4);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await trail.send(
        new LookupEventsCommand({ LookupAttributes: [source], MaxResults: 2, NextToken: token }),
      );
      assert.ok(page.Events!.length <= 2);
      seen.push(...page.Events!.map((e) => e.EventId!));
      token = page.NextToken;
    } while (token);
    const now = (await trail.send(new LookupEventsCommand({ LookupAttributes: [source] }))).Events!;
    assert.deepEqual(
      seen,
      now.map((e) => e.EventId),
    );
  });

  test('requires cloudtrail:LookupEvents', async () => {
    await rejectsWith(trailFor(sandbox, limitedKeys).send(new LookupEventsCommand({})), 'AccessDeniedException');
  });
});
