/**
 * The least-privilege round trip of the task-definition faults: a principal with exactly the policy
 * `ecs-chaos policy --fault <name>` prints runs the fault; without iam:PassRole or
 * ecs:RegisterTaskDefinition, preflight refuses with exit 2 naming it and registers nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRunner, type PolicyDoc, type Runner, withoutAction } from '../support/runner.js';
import { runCli } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const ROLE = (name: string): string => `arn:aws:iam::123456789012:role/${name}`;
const RUNNER_KEY = { accessKeyId: 'AKIARUNNER0000000002', secretAccessKey: 'runner-secret-runner-secret-runner-sec2' };

/** Per fault: its tunables as flags (for `policy` and `run`) and the service it runs on. */
const FAULTS = [
  {
    fault: 'update-execution-role',
    service: 'orders',
    tunables: ['--execution-role', ROLE('orders-chaos-execution')],
  },
  { fault: 'update-container-resource-limit', service: 'billing', tunables: ['--memory-limit', '128'] },
  { fault: 'update-container-timeout', service: 'orders', tunables: ['--stop-timeout', '5'] },
] as const;

describe('least privilege of the task-definition faults: the printed policy, exactly', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let adminEnv: NodeJS.ProcessEnv;
  let runnerEnv: NodeJS.ProcessEnv;
  let grant: Runner['grant'];
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    ({ adminEnv, runnerEnv, grant } = createRunner(ctx.sandbox, { key: RUNNER_KEY, policyPrefix: 'ecs-chaos-runner' }));
    const iam = ctx.sandbox.world.iam;
    iam.createRole({
      roleName: 'orders-chaos-execution',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
    });
    iam.attachRolePolicy(
      'orders-chaos-execution',
      'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    );
  });
  after(async () => {
    await ctx.sandbox.close();
  });

  for (const f of FAULTS) {
    test(`${f.fault}: the printed policy runs it; without PassRole or RegisterTaskDefinition, exit 2`, async () => {
      const target = ['--cluster', 'demo', '--service', f.service, '--region', 'us-east-1'];
      const printed = await runCli(
        ['policy', '--fault', f.fault, ...target, ...(f.fault === 'update-execution-role' ? f.tunables : [])],
        {
          env: adminEnv,
        },
      );
      assert.equal(printed.code, 0, printed.stderr);
      const policy = JSON.parse(printed.stdout) as PolicyDoc;
      const pass = policy.Statement.find((s) => s.Action.includes('iam:PassRole'))!;
      if (f.fault === 'update-execution-role') assert.ok(pass.Resource.includes(ROLE('orders-chaos-execution')));
      else
        assert.ok(
          !policy.Statement.some((s) => s.Action.includes('iam:GetRole') && s.Sid === 'ReadRoles'),
          'no role is read',
        );
      const run = (): ReturnType<typeof runCli> =>
        runCli(['run', f.fault, ...target, ...f.tunables, '--duration', '1', '--affected-percent', '50'], {
          env: runnerEnv,
        });

      grant(policy);
      await waitSteady(ctx.ecs, 'demo', f.service);
      const ok = await run();
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /verdict:\s+Pass/);

      for (const action of ['iam:PassRole', 'ecs:RegisterTaskDefinition']) {
        grant(withoutAction(policy, action));
        await waitSteady(ctx.ecs, 'demo', f.service);
        const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
        const refused = await run();
        assert.equal(refused.code, 2, `${action} removed: exit ${refused.code}\n${refused.stderr}`);
        assert.ok(refused.stderr.includes(action), refused.stderr);
        const registered = ctx.sandbox
          .requests(since)
          .filter((r) => r.action === 'RegisterTaskDefinition' && r.errorCode === null);
        assert.deepEqual(registered, [], `${action} removed: nothing registered`);
      }
    });
  }
});
