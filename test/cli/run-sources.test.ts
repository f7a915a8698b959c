import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsError } from '../../sandbox/index.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

describe('ecs-chaos run: experiment files, credentials files, and a failed restore', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-sources-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  test('an experiment file and a credentials file (AWS_AUTHENTICATION_SECRET) with an assumed role', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const file = join(dir, 'experiment.yaml');
    writeFileSync(
      file,
      [
        'fault: update-task-role',
        'target:',
        '  cluster: demo',
        '  service: orders',
        '  region: us-east-1',
        'TASK_ROLE: arn:aws:iam::123456789012:role/orders-chaos-role',
        'duration: 1s',
        'interval: 1',
        'ASSUME_ROLE_ARN: arn:aws:iam::123456789012:role/chaos-runner',
        '',
      ].join('\n'),
    );
    const secret = join(dir, 'credentials');
    writeFileSync(secret, '[default]\naws_access_key_id = test\naws_secret_access_key = test\n');
    const resultFile = join(dir, 'result.json');
    const run = await runCli(['run', 'update-task-role', '-f', file, '--result-file', resultFile], {
      env: {
        AWS_AUTHENTICATION_SECRET: secret,
        AWS_ENDPOINT_URL: ctx.sandbox.endpoint,
        ECS_CHAOS_POLL_INTERVAL_MS: '50',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
      },
    });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
    assert.equal(result.verdict, 'Pass');
    const assumed = ctx.sandbox
      .requests()
      .filter((r) => r.action === 'RegisterTaskDefinition')
      .at(-1)!;
    assert.match(
      assumed.principal!,
      /^arn:aws:sts::123456789012:assumed-role\/chaos-runner\//,
      'the run acted as the assumed role',
    );
  });

  test('a restore that fails exits 4 and prints what is left and the exact recover command', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    let updates = 0;
    const deny = (call: { action: string }): void => {
      if (call.action === 'UpdateService' && ++updates > 1) {
        throw new AwsError('AccessDeniedException', 'User is not authorized to perform: ecs:UpdateService');
      }
    };
    ctx.sandbox.world.interceptors.push(deny);
    try {
      const run = await runCli(
        [
          'run',
          'update-task-role',
          '--cluster',
          'demo',
          '--service',
          'orders',
          '--region',
          'us-east-1',
          '--task-role',
          'arn:aws:iam::123456789012:role/orders-chaos-role',
          '--duration',
          '1',
        ],
        {
          env: {
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_ENDPOINT_URL: ctx.sandbox.endpoint,
            ECS_CHAOS_POLL_INTERVAL_MS: '50',
          },
        },
      );
      assert.equal(run.code, 4, run.stderr);
      assert.match(run.stdout, /residue:\s+LEFT BEHIND/);
      assert.match(run.stdout, /service-on-chaos-revision/);
      assert.ok(
        run.stderr.includes(
          `ecs-chaos recover --cluster demo --service orders --region us-east-1 --endpoint-url ${ctx.sandbox.endpoint}`,
        ),
        run.stderr,
      );
    } finally {
      ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(deny), 1);
    }
  });
});
