/**
 * The blast radius counts both roles' permissions boundaries: a grant the chaos role's boundary
 * refuses is lost (not kept), and a grant the original role's boundary refuses was never usable
 * (not lost). GetRole answers the boundary as IAM does, and plan says which boundaries it used.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { createAwsPorts } from '../../src/aws/sdk.js';
import { planExperiment } from '../../src/engine/plan.js';
import { predictBlastRadius } from '../../src/engine/predict.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import { roleArn, specFor } from '../support/experiment.js';
import { withSandbox } from '../support/sandbox.js';

describe('blast radius with permissions boundaries', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let ports: ReturnType<typeof createAwsPorts>;
  let onlyS3: string;
  let onlyDynamo: string;
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
    onlyS3 = iam.createPolicy({
      policyName: 'only-s3',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
    }).arn;
    onlyDynamo = iam.createPolicy({
      policyName: 'only-dynamodb',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] },
    }).arn;
    // Its policies allow everything the original role does; its boundary allows only S3.
    iam.createRole({ roleName: 'bounded-superset-role', assumeRolePolicyDocument: trust });
    iam.putRolePolicy('bounded-superset-role', 'all', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:*', 'dynamodb:*', 'ssm:*'], Resource: '*' }],
    });
    iam.putRolePermissionsBoundary('bounded-superset-role', onlyS3);
  });
  after(async () => {
    ports.destroy();
    await ctx.sandbox.close();
  });

  test('GetRole answers the permissions boundary, as IAM does', async () => {
    const client = new IAMClient({
      region: ctx.sandbox.region,
      endpoint: ctx.sandbox.endpoint,
      credentials: ctx.sandbox.credentials,
    });
    try {
      const out = await client.send(new GetRoleCommand({ RoleName: 'bounded-superset-role' }));
      assert.deepEqual(out.Role?.PermissionsBoundary, {
        PermissionsBoundaryType: 'Policy',
        PermissionsBoundaryArn: onlyS3,
      });
      const plain = await client.send(new GetRoleCommand({ RoleName: 'orders-task-role' }));
      assert.equal(plain.Role?.PermissionsBoundary, undefined);
    } finally {
      client.destroy();
    }
  });

  test("what the chaos role's boundary refuses is lost, with the boundary as the reason", async () => {
    const p = await predictBlastRadius(ports.iam, {
      originalRoleArn: roleArn('orders-task-role'),
      chaosRoleArn: roleArn('bounded-superset-role'),
    });
    assert.ok(p.ok);
    assert.deepEqual(
      p.blastRadius.lost.map((l) => [l.action, l.reason]),
      [
        ['dynamodb:PutItem', 'permissions boundary'],
        ['dynamodb:GetItem', 'permissions boundary'],
        ['dynamodb:Query', 'permissions boundary'],
        ['ssm:GetParameter', 'permissions boundary'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    assert.ok(
      p.blastRadius.notes.some((n) =>
        n.includes(`permissions boundaries included: the original role's (none); the chaos role's ${onlyS3}`),
      ),
      p.blastRadius.notes.join('\n'),
    );
  });

  test("what the original role's boundary refuses was never usable: not counted as lost", async () => {
    // The demo's chaos role loses s3:PutObject and ssm:GetParameter; with an original boundary of
    // DynamoDB only, the original role never could do either.
    ctx.sandbox.world.iam.putRolePermissionsBoundary('orders-task-role', onlyDynamo);
    const plan = await planExperiment(
      specFor(ctx.sandbox, { cluster: 'demo', service: 'orders', taskRole: roleArn('orders-chaos-role') }),
      { ecs: ports.ecs, iam: ports.iam, io: new RecordingIoHost(), now: () => new Date() },
    );
    assert.ok(plan.prediction.ok);
    assert.deepEqual(plan.prediction.blastRadius.lost, []);
    assert.ok(
      plan.prediction.blastRadius.notes.some((n) =>
        /the original role's arn:aws:iam::123456789012:policy\/only-dynamodb \(caps 3 of its grants: never usable, not counted as lost\); the chaos role's \(none\)/.test(
          n,
        ),
      ),
      plan.prediction.blastRadius.notes.join('\n'),
    );
  });
});
