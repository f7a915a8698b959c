/**
 * The least-privilege round trip of task-stop: a principal with exactly the policy
 * `ecs-chaos policy --fault task-stop` prints runs the fault and recovers its leftovers; the policy
 * has no permission to register, deploy or pass roles; without ecs:StopTask, preflight refuses with
 * exit 2 naming it and stops no task.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRunner, type PolicyDoc, type Runner, withoutAction } from '../support/runner.js';
import { runCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const RUNNER_KEY = { accessKeyId: 'AKIARUNNER0000000003', secretAccessKey: 'runner-secret-runner-secret-runner-sec3' };

describe('least privilege of task-stop: the printed policy, exactly', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let adminEnv: NodeJS.ProcessEnv;
  let runnerEnv: NodeJS.ProcessEnv;
  let grant: Runner['grant'];
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    ({ adminEnv, runnerEnv, grant } = createRunner(ctx.sandbox, {
      key: RUNNER_KEY,
      policyPrefix: 'ecs-chaos-task-stop',
    }));
  });
  after(async () => {
    await ctx.sandbox.close();
  });

  test('the printed policy runs task-stop; without ecs:StopTask, exit 2 and no task stopped', async () => {
    const target = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];
    const printed = await runCli(['policy', '--fault', 'task-stop', ...target], { env: adminEnv });
    assert.equal(printed.code, 0, printed.stderr);
    const policy = JSON.parse(printed.stdout) as PolicyDoc;
    const actions = policy.Statement.flatMap((s) => s.Action);
    assert.ok(actions.includes('ecs:StopTask'));
    for (const action of ['ecs:RegisterTaskDefinition', 'ecs:UpdateService', 'ecs:CreateService', 'iam:PassRole'])
      assert.ok(!actions.includes(action), `task-stop does not need ${action}`);
    const stop = policy.Statement.find((s) => s.Action.includes('ecs:StopTask'))!;
    assert.deepEqual(stop.Resource, ['arn:aws:ecs:us-east-1:123456789012:task/demo/*']);

    const run = (): ReturnType<typeof runCli> =>
      runCli(['run', 'task-stop', ...target, '--task-count', '1', '--duration', '1'], {
        env: runnerEnv,
        timeoutMs: 120_000,
      });
    grant(policy);
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const ok = await run();
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /verdict:\s+Pass/);
    // status and recover work with the same policy.
    const status = await runCli(['status', ...target], { env: runnerEnv });
    assert.equal(status.code, 0, status.stderr);

    grant(withoutAction(policy, 'ecs:StopTask'));
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const refused = await run();
    assert.equal(refused.code, 2, `exit ${refused.code}\n${refused.stderr}`);
    assert.ok(refused.stderr.includes('ecs:StopTask'), refused.stderr);
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.action === 'StopTask'),
      [],
      'no task stopped',
    );
  });
});
