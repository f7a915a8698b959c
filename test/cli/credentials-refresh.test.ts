/**
 * A run outlives its first credentials: when AWS answers ExpiredTokenException mid-run, the run
 * reads the credentials file again (another tool renewed it) or assumes its role again, repeats the
 * call, and goes on to restore the service.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { ExperimentResult } from '../../src/report/result.js';
import { demoRunArgs, sandboxEnv, startCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const RUNNER = 'arn:aws:iam::123456789012:role/chaos-runner';

describe('credentials that expire mid-run', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-refresh-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  async function session(name: string): Promise<{ id: string; text: string }> {
    const out = await ctx.sts.send(new AssumeRoleCommand({ RoleArn: RUNNER, RoleSessionName: name }));
    const c = out.Credentials!;
    return {
      id: c.AccessKeyId!,
      text:
        `[default]\naws_access_key_id = ${c.AccessKeyId}\naws_secret_access_key = ${c.SecretAccessKey}\n` +
        `aws_session_token = ${c.SessionToken}\naws_expiration = ${c.Expiration!.toISOString()}\n`,
    };
  }

  async function expire(body: { accessKeyId?: string; roleArn?: string }): Promise<number> {
    const answer = await fetch(`${ctx.sandbox.endpoint}/_sandbox/credentials/expire`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    return ((await answer.json()) as { expired: number }).expired;
  }

  /**
   * Runs a long hold; once it holds, `midRun` ends the first credentials; once the run has resolved
   * them again, SIGTERM ends the hold and the restore must still work. Returns the result and stderr.
   */
  async function runThrough(
    name: string,
    env: NodeJS.ProcessEnv,
    midRun: () => Promise<void>,
  ): Promise<{ code: number | null; stderr: string; result: ExperimentResult }> {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const resultFile = join(dir, `${name}.json`);
    const cli = startCli(demoRunArgs('orders', '--duration', '10m', '--interval', '10m', '--result-file', resultFile), {
      env,
    });
    try {
      const stderrHas = (pattern: RegExp): Promise<void> =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            if (pattern.test(cli.output().stderr)) resolve();
            else if (cli.child.exitCode !== null)
              reject(new Error(`the run exited before ${pattern}:\n${cli.output().stderr}`));
          };
          cli.child.stderr.on('data', check);
          cli.child.on('close', check);
          check();
        });
      await stderrHas(/holding the chaos for 600s/);
      await midRun();
      await stderrHas(
        /ExpiredTokenException \(HTTP \d+\)[^"]*; the credentials are resolved again and the call repeated/,
      );
      cli.child.kill('SIGTERM');
      const { code } = await cli.exited;
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      return { code, stderr: cli.output().stderr, result };
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  }

  test('temporary keys in a credentials file: renewed in the file, read again on ExpiredTokenException', async () => {
    const first = await session('first-keys');
    const file = join(dir, 'credentials');
    writeFileSync(file, first.text);
    const env = sandboxEnv(ctx.sandbox, {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_AUTHENTICATION_SECRET: file,
    });
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const { code, stderr, result } = await runThrough('file', env, async () => {
      // Another tool renews the file, then the first session ends.
      writeFileSync(file, (await session('second-keys')).text);
      assert.equal(await expire({ accessKeyId: first.id }), 1);
    });
    assert.equal(code, 3, stderr);
    assert.equal(result.verdict, 'Stopped');
    assert.equal(result.residue.clean, true, stderr);
    const requests = ctx.sandbox.requests().filter((r) => r.seq > since);
    assert.ok(requests.some((r) => r.errorCode === 'ExpiredTokenException'));
    assert.ok(
      requests.some((r) => r.action === 'UpdateService' && r.status === 200 && /second-keys$/.test(r.principal ?? '')),
      'the restore ran with the renewed keys',
    );
  });

  test('an assumed role: its session is assumed again when it expires', async () => {
    const env = sandboxEnv(ctx.sandbox, { ASSUME_ROLE_ARN: RUNNER });
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const { code, stderr, result } = await runThrough('assume', env, async () => {
      assert.ok((await expire({ roleArn: RUNNER })) >= 1);
    });
    assert.equal(code, 3, stderr);
    assert.equal(result.residue.clean, true, stderr);
    const assumed = ctx.sandbox
      .requests()
      .filter((r) => r.seq > since && r.action === 'AssumeRole' && r.status === 200);
    assert.ok(assumed.length >= 2, `AssumeRole twice, got ${assumed.length}`);
  });
});
