/**
 * The least-privilege round trip: a principal with exactly the policy `ecs-chaos policy` prints runs
 * a full experiment; with any single required action removed, preflight refuses with exit 2 naming
 * it, and nothing is registered; with an optional one (the signals) removed, it warns and goes on.
 * The policy is attached as a managed policy, as docs/iam.md advises: it is larger than the 2,048
 * characters IAM allows a user's inline policies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRunner, type PolicyDoc, type Runner, withoutAction } from '../support/runner.js';
import { runCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = 'arn:aws:iam::123456789012:role/orders-chaos-role';
/**
 * The actions an exact-mode run goes on without: the signals (no probe needs them here) and
 * UpdateService (rolling mode and recover only).
 */
const OPTIONAL = [
  'cloudtrail:LookupEvents',
  'cloudwatch:DescribeAlarms',
  'cloudwatch:GetMetricStatistics',
  'ecs:UpdateService',
];
const RUNNER_KEY = { accessKeyId: 'AKIARUNNER0000000001', secretAccessKey: 'runner-secret-runner-secret-runner-secr' };

describe('least privilege: the printed runner policy, exactly', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let policy: PolicyDoc;
  let adminEnv: NodeJS.ProcessEnv;
  let runnerEnv: NodeJS.ProcessEnv;
  const refusals: string[] = [];
  /** Gives the runner exactly this policy, as a managed policy. */
  let grant: Runner['grant'];
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    ({ adminEnv, runnerEnv, grant } = createRunner(ctx.sandbox, { key: RUNNER_KEY, policyPrefix: 'ecs-chaos-runner' }));
    const printed = await runCli(
      ['policy', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1', '--task-role', CHAOS_ROLE],
      { env: adminEnv },
    );
    assert.equal(printed.code, 0, printed.stderr);
    policy = JSON.parse(printed.stdout) as PolicyDoc;
  });
  after(async () => {
    console.log(`least privilege: ${refusals.length} single-action removals:\n  ${refusals.join('\n  ')}`);
    await ctx.sandbox.close();
  });

  const run = (...extra: string[]): ReturnType<typeof runCli> =>
    runCli(
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
        CHAOS_ROLE,
        '--duration',
        '1',
        // Exact mode (the default up to 50 %): a sibling service, so CreateService and DeleteService are required.
        '--affected-percent',
        '25',
        ...extra,
      ],
      {
        env: runnerEnv,
      },
    );

  test('the policy is scoped to the target where IAM allows', () => {
    const text = JSON.stringify(policy);
    assert.match(text, /arn:aws:ecs:us-east-1:123456789012:service\/demo\/orders/);
    assert.match(text, /arn:aws:ecs:us-east-1:123456789012:task-definition\/orders:\*/);
    const pass = policy.Statement.find((s) => s.Action.includes('iam:PassRole'))!;
    assert.deepEqual(pass.Resource.sort(), [
      'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      'arn:aws:iam::123456789012:role/orders-chaos-role',
      'arn:aws:iam::123456789012:role/orders-task-role',
    ]);
    assert.deepEqual(pass.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });

  test('a principal with exactly that policy runs a full experiment', async () => {
    grant(policy);
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const result = await run();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /verdict:\s+Pass/);
    assert.match(
      result.stderr,
      /runner permissions: \d+ permissions of arn:aws:iam::123456789012:user\/runner checked/,
    );
  });

  test('with any single action removed, preflight fails naming it and nothing is registered', async () => {
    const actions = [...new Set(policy.Statement.flatMap((s) => s.Action))].sort();
    assert.ok(actions.length >= 15, `${actions.length} actions`);
    for (const action of actions) {
      grant(withoutAction(policy, action));
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
      const result = await run();
      const registered = ctx.sandbox
        .requests(since)
        .filter((r) => r.action === 'RegisterTaskDefinition' && r.errorCode === null);
      if (action === 'iam:SimulatePrincipalPolicy') {
        // The check itself: preflight cannot simulate, says so, and goes on (the rest is allowed).
        assert.match(result.stderr, /cannot simulate .* going on unchecked/, result.stderr);
        assert.equal(result.code, 0, result.stderr);
        refusals.push(`${action}: warned and went on (exit 0)`);
        continue;
      }
      if (OPTIONAL.includes(action)) {
        // A signal only this run's extras need: preflight names it and what is lost, and goes on.
        assert.equal(result.code, 0, `${action} removed: exit ${result.code}\n${result.stderr}`);
        assert.match(result.stderr, new RegExp(`optional permissions: .*may not ${action}`), result.stderr);
        refusals.push(`${action}: optional, warned and went on (exit 0)`);
        continue;
      }
      assert.equal(result.code, 2, `${action} removed: exit ${result.code}\n${result.stderr}`);
      assert.ok(result.stderr.includes(action), `${action} removed: the message names it\n${result.stderr}`);
      assert.deepEqual(registered, [], `${action} removed: nothing registered`);
      refusals.push(`${action}: exit 2, named`);
    }
  });

  test('rolling mode needs UpdateService and goes on without CreateService and DeleteService', async () => {
    for (const [action, code] of [
      ['ecs:UpdateService', 2],
      ['ecs:CreateService', 0],
      ['ecs:DeleteService', 0],
    ] as const) {
      grant(withoutAction(policy, action));
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const result = await run('--exposure', 'rolling');
      assert.equal(result.code, code, `${action} removed, rolling mode: exit ${result.code}\n${result.stderr}`);
      assert.ok(result.stderr.includes(action), result.stderr);
      if (code === 0) assert.match(result.stderr, new RegExp(`optional permissions: .*may not ${action}.*exact mode`));
    }
  });
});
