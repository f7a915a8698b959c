import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DescribeServicesCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { readFileSync } from 'node:fs';
import { runCli, startCli } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('the ecs-chaos program', () => {
  test('--version prints the package version and exits 0', async () => {
    const result = await runCli(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), pkg.version);
  });

  test('--help lists the sandbox command', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /sandbox/);
  });

  test('an unknown command or flag exits 2 with a message', async () => {
    const unknown = await runCli(['nonsense']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'nonsense'/);
    const flag = await runCli(['sandbox', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option '--bogus'/);
    const scenario = await runCli(['sandbox', '--scenario', 'mars']);
    assert.equal(scenario.code, 2);
    assert.match(scenario.stderr, /mars/);
  });

  test('a bad --port names the flag, the value and the fix', async () => {
    const result = await runCli(['sandbox', '--port', 'eighty']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port: must be a whole number from 0 to 65535 \(got "eighty"\)\. Fix: /);
  });
});

describe('ecs-chaos sandbox', () => {
  test('prints the ready line and the exports, serves the demo scenario, and stops on SIGTERM', async () => {
    const cli = startCli(['sandbox', '--port', '0', '--scenario', 'demo', '--pace', 'fast']);
    try {
      const [, endpoint, region] = await cli.waitForOutput(
        /^sandbox ready endpoint=(http:\/\/127\.0\.0\.1:\d+) region=(\S+)$/m,
      );
      await cli.waitForOutput(/export AWS_REGION=/);
      const { stdout } = cli.output();
      assert.match(stdout, new RegExp(`^export AWS_ENDPOINT_URL=${endpoint}$`, 'm'));
      assert.match(stdout, /^export AWS_ACCESS_KEY_ID=test$/m);
      assert.match(stdout, /^export AWS_SECRET_ACCESS_KEY=test$/m);
      assert.match(stdout, new RegExp(`^export AWS_REGION=${region}$`, 'm'));

      const ecs = new ECSClient({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const services = await ecs.send(
        new DescribeServicesCommand({ cluster: 'demo', services: ['orders', 'billing'] }),
      );
      assert.deepEqual(
        services.services!.map((s) => [s.serviceName, s.launchType, s.desiredCount, s.runningCount]),
        [
          ['orders', 'FARGATE', 4, 4],
          ['billing', 'EC2', 2, 2],
        ],
      );
      const tasks = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }));
      assert.equal(tasks.taskArns!.length, 4);
      ecs.destroy();
    } finally {
      cli.child.kill('SIGTERM');
    }
    const { code } = await cli.exited;
    assert.equal(code, 0);
    assert.match(cli.output().stderr, /sandbox stopped/);
  });

  test('a port already in use is refused with exit 2', async () => {
    const first = startCli(['sandbox', '--port', '0', '--scenario', 'empty']);
    try {
      const [, port] = await first.waitForOutput(/endpoint=http:\/\/127\.0\.0\.1:(\d+)/);
      const second = await runCli(['sandbox', '--port', port!, '--scenario', 'empty']);
      assert.equal(second.code, 2);
      assert.match(second.stderr, /--port: is already in use/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});
