import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, sandboxEnv } from '../support/cli.js';
import { waitFor, withSandbox } from '../support/sandbox.js';

describe('the IAM commands of the built program', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = sandboxEnv(ctx.sandbox, { AWS_REGION: 'us-east-1' });
  });
  after(() => ctx.sandbox.close());

  test('policy without a target prints a wildcard policy; a bad task role exits 2', async () => {
    const out = await runCli(['policy'], { env });
    assert.equal(out.code, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as {
      Version: string;
      Statement: Array<{ Action: string[]; Resource: string[] }>;
    };
    assert.equal(doc.Version, '2012-10-17');
    assert.ok(
      doc.Statement.some(
        (s) => s.Action.includes('ecs:UpdateService') && s.Resource.includes('arn:aws:ecs:*:*:service/*/*'),
      ),
    );
    assert.match(out.stderr, /what each statement is for/);
    const bad = await runCli(['policy', '--task-role', 'orders-chaos-role'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /TASK_ROLE .*"orders-chaos-role".*Fix:/);
  });

  test('audit of the demo service has no high finding (exit 0)', async () => {
    const out = await runCli(['audit', '--cluster', 'demo', '--service', 'orders'], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /audit: service orders of cluster demo/);
    assert.doesNotMatch(out.stdout, /\[HIGH\]/);
  });

  test('simulate-role runs a command with the simulated session and passes its exit code through', async () => {
    const out = await runCli(
      [
        'simulate-role',
        '--role-name',
        'orders-task-role',
        '--base-role',
        'chaos-runner',
        '--',
        process.execPath,
        '-e',
        'process.exit(process.env.AWS_SESSION_TOKEN ? 7 : 3)',
      ],
      { env },
    );
    assert.equal(out.code, 7, out.stderr);
    assert.match(out.stderr, /assumed-role\/chaos-runner\/ecs-chaos-simulate-orders-task-role/);
  });

  test('plan --observed-since marks the calls the tasks made (sandbox CloudTrail) that will fail', async () => {
    // The demo's orders tasks read an SSM parameter (a management event) and write S3 and DynamoDB
    // (data events, never in CloudTrail's event history) every second under orders-task-role.
    await waitFor('workload events in CloudTrail', async () =>
      ctx.sandbox.world.trail.all().some((e) => e.eventName === 'GetParameter') ? true : undefined,
    );
    const out = await runCli(
      [
        'plan',
        '--cluster',
        'demo',
        '--service',
        'orders',
        '--task-role',
        'arn:aws:iam::123456789012:role/orders-chaos-role',
        '--observed-since',
        '1h',
      ],
      { env },
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /calls the tasks made since .*\(management events only/);
    assert.match(out.stdout, /WILL FAIL ssm:GetParameter x\d+/);
    assert.doesNotMatch(out.stdout, /x\d+.*(PutObject|PutItem)/);
    assert.match(out.stdout, /cannot show the refusals of: s3:PutObject \(data events/);
  });
});
