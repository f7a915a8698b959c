import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { predictBlastRadius } from '../../src/engine/predict.js';
import { planExperiment } from '../../src/engine/plan.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { roleArn, specFor } from '../support/experiment.js';
import { withSandbox } from '../support/sandbox.js';

describe('blast radius: what the chaos role will refuse', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let ports: ReturnType<typeof createAwsPorts>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    ports = createAwsPorts({
      region: ctx.sandbox.region,
      endpoint: ctx.sandbox.endpoint,
      credentials: ctx.sandbox.credentials,
    });
    const iam = ctx.sandbox.world.iam;
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    iam.createRole({ roleName: 'superset-role', assumeRolePolicyDocument: trust });
    iam.putRolePolicy('superset-role', 'all', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:*', 'dynamodb:*', 'ssm:GetParameter'], Resource: '*' }],
    });
    iam.createRole({ roleName: 'deny-role', assumeRolePolicyDocument: trust });
    iam.putRolePolicy('deny-role', 'allow-then-deny', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: '*' },
      ],
    });
  });
  after(async () => {
    ports.destroy();
    await ctx.sandbox.close();
  });

  test('plan against the demo names s3:PutObject and ssm:GetParameter as the calls that will fail', async () => {
    const plan = await planExperiment(
      specFor(ctx.sandbox, { cluster: 'demo', service: 'orders', taskRole: roleArn('orders-chaos-role') }),
      {
        ecs: ports.ecs,
        iam: ports.iam,
        io: new RecordingIoHost(),
        now: () => new Date(),
      },
    );
    assert.ok(plan.prediction.ok);
    const lost = plan.prediction.blastRadius.lost;
    assert.deepEqual(
      lost.map((l) => [l.action, l.resource, l.reason]),
      [
        ['s3:PutObject', 'arn:aws:s3:::demo-orders-bucket/*', 'no allow'],
        ['ssm:GetParameter', 'arn:aws:ssm:us-east-1:123456789012:parameter/orders/*', 'no allow'],
      ],
    );
    assert.deepEqual(Object.keys(plan.prediction.blastRadius.byService).sort(), ['s3', 'ssm']);
    assert.match(plan.prediction.blastRadius.summary, /s3:PutObject/);
  });

  test('a chaos role that loses nothing says so plainly', async () => {
    const p = await predictBlastRadius(ports.iam, {
      originalRoleArn: roleArn('orders-task-role'),
      chaosRoleArn: roleArn('superset-role'),
    });
    assert.ok(p.ok);
    assert.deepEqual(p.blastRadius.lost, []);
    assert.match(p.blastRadius.summary, /loses nothing the original role allows.*no visible failures/);
  });

  test('an explicit deny in the chaos role is reported as such', async () => {
    const p = await predictBlastRadius(ports.iam, {
      originalRoleArn: roleArn('orders-task-role'),
      chaosRoleArn: roleArn('deny-role'),
    });
    assert.ok(p.ok);
    assert.deepEqual(
      p.blastRadius.lost.map((l) => [l.action, l.reason]),
      [['dynamodb:PutItem', 'explicit deny']],
    );
  });

  test('removing the task role loses everything the original role allows', async () => {
    const p = await predictBlastRadius(ports.iam, { originalRoleArn: roleArn('orders-task-role'), chaosRoleArn: null });
    assert.ok(p.ok);
    assert.deepEqual([...new Set(p.blastRadius.lost.map((l) => l.action))].sort(), [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      's3:GetObject',
      's3:PutObject',
      'ssm:GetParameter',
    ]);
    assert.ok(p.blastRadius.lost.every((l) => l.reason === 'no task role'));
  });

  test('a role the runner cannot read gives a reason, not a failure', async () => {
    const p = await predictBlastRadius(ports.iam, {
      originalRoleArn: roleArn('no-such-role'),
      chaosRoleArn: roleArn('orders-chaos-role'),
    });
    assert.equal(p.ok, false);
    assert.match((p as { reason: string }).reason, /NoSuchEntity/);
  });

  test('with a look-back window, the calls the tasks made are marked as going to fail or not', async () => {
    const events = [
      ['s3.amazonaws.com', 'PutObject'],
      ['s3.amazonaws.com', 'PutObject'],
      ['dynamodb.amazonaws.com', 'GetItem'],
    ].map(([source, name]) => ({
      CloudTrailEvent: JSON.stringify({
        eventSource: source,
        eventName: name,
        eventTime: new Date().toISOString(),
        userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: roleArn('orders-task-role') } } },
      }),
    }));
    const cloudtrail = { lookupEvents: async () => ({ Events: events, $metadata: {} }) };
    const p = await predictBlastRadius(ports.iam, {
      originalRoleArn: roleArn('orders-task-role'),
      chaosRoleArn: roleArn('orders-chaos-role'),
      cloudtrail,
      observedSinceSeconds: 86_400,
    });
    assert.ok(p.ok && p.observed?.ok);
    assert.deepEqual(
      p.observed.calls.map((c) => [c.action, c.count, c.willFail]),
      [
        ['s3:PutObject', 2, true],
        ['dynamodb:GetItem', 1, false],
      ],
    );
    const failing = await predictBlastRadius(ports.iam, {
      originalRoleArn: roleArn('orders-task-role'),
      chaosRoleArn: roleArn('orders-chaos-role'),
      cloudtrail: {
        lookupEvents: () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })),
      },
      observedSinceSeconds: 3600,
    });
    assert.ok(failing.ok && failing.observed && !failing.observed.ok);
    assert.match((failing.observed as { reason: string }).reason, /cloudtrail:LookupEvents/);
  });
});
