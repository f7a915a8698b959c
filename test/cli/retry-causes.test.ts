/**
 * Every retry line names the real cause of the failed call: the network code (ECONNREFUSED when
 * nothing listens, ECONNRESET when the connection is dropped), or the AWS error and its HTTP status.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startSandbox } from '../../sandbox/index.js';
import { demoRunArgs, runCli, sandboxEnv, startCli } from '../support/cli.js';

/** The messages of the `aws.retry` lines of a run's JSON-lines stderr. */
function retryLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.includes('"aws.retry"'))
    .map((line) => (JSON.parse(line) as { message: string }).message);
}

describe('retry lines name the cause', () => {
  test('dropped connections and throttling: ECONNRESET, the error code and the HTTP status', async () => {
    const sandbox = await startSandbox({
      scenario: 'demo',
      pace: 'fast',
      faults: ['ecs:ListTasks=dropx2', 'ecs:DescribeServices=throttlex1'],
    });
    try {
      const run = await runCli(demoRunArgs('orders', '--duration', '1', '--interval', '1'), {
        env: sandboxEnv(sandbox),
        timeoutMs: 120_000,
      });
      assert.equal(run.code, 0, run.stderr);
      const lines = retryLines(run.stderr);
      assert.ok(
        lines.some((l) =>
          /^DescribeServices failed \(ThrottlingException \(HTTP 400\): Rate exceeded\); retry 1 in \d+ ms$/.test(l),
        ),
        lines.join('\n'),
      );
      const resets = lines.filter((l) =>
        /^ListTasks failed \(TimeoutError \(ECONNRESET\): socket hang up\); retry \d in \d+ ms$/.test(l),
      );
      assert.equal(resets.length, 2, lines.join('\n'));
      assert.ok(
        lines.every((l) => !/failed \((Error|TimeoutError)\)/.test(l)),
        `no line without its cause:\n${lines.join('\n')}`,
      );
    } finally {
      await sandbox.close();
    }
  });

  test('the sandbox gone mid-run: the retry lines say ECONNREFUSED', async () => {
    const sandbox = await startSandbox({ scenario: 'demo', pace: 'fast' });
    const cli = startCli(demoRunArgs('orders', '--duration', '600', '--interval', '600'), { env: sandboxEnv(sandbox) });
    let stderr = '';
    const seen = (pattern: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stderr)) resolve();
          else if (cli.child.exitCode !== null) reject(new Error(`the run exited before ${pattern}:\n${stderr}`));
        };
        cli.child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          check();
        });
        cli.child.on('close', check);
      });
    try {
      await seen(/"message":"iteration 1: holding the chaos/);
      await sandbox.close();
      await seen(/"aws\.retry"/);
      const refused = retryLines(stderr)[0] ?? '';
      assert.match(
        refused,
        /^\w+ failed \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+\); retry 1 in \d+ ms$/,
        stderr,
      );
    } finally {
      cli.child.kill('SIGKILL');
      await cli.exited;
      await sandbox.close().catch(() => undefined);
    }
  });
});
