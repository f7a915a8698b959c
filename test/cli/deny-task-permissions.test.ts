/**
 * deny-task-permissions through the built program: bad input refused before any AWS change, a role
 * shared by two services refused without --allow-shared-role (and both listed by plan), and the
 * least-privilege round trip: a principal with exactly the policy `ecs-chaos policy --fault
 * deny-task-permissions` prints runs it, and without iam:PutRolePolicy preflight refuses, naming it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { createRunner, type PolicyDoc } from '../support/runner.js';
import { runCli, sandboxEnv } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const TARGET = ['--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1'];
const RUNNER_KEY = { accessKeyId: 'AKIARUNNER0000000014', secretAccessKey: 'runner-secret-runner-secret-runner-s14' };

describe('deny-task-permissions (the built program)', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = sandboxEnv(ctx.sandbox);
  });
  after(async () => {
    await ctx.sandbox.close();
  });

  /** The mutating calls answered since `since`. */
  const mutations = (since: number): string[] =>
    ctx.sandbox
      .requests(since)
      .filter((r) => r.mutating && r.errorCode === null)
      .map((r) => r.action);
  const last = (): number => ctx.sandbox.requests().at(-1)?.seq ?? 0;

  test('a run denying s3:PutObject: the result file and the HTML report show the Deny and both propagation times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deny-cli-'));
    try {
      const file = join(dir, 'experiment.yaml');
      writeFileSync(
        file,
        [
          'probes:',
          '  - name: orders-health',
          '    type: http',
          '    mode: OnChaos',
          '    http:',
          `      url: ${ctx.sandbox.endpoint}/_sandbox/workload/demo/orders/health`,
          '      status: "== 200"',
          '    runProperties: { attempts: 1, pollingInterval: 1s, timeout: 2s }',
          '',
        ].join('\n'),
      );
      const resultFile = join(dir, 'result.json');
      const html = join(dir, 'report.html');
      const before = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
        .services![0]!;
      const run = await runCli(
        [
          'run',
          'deny-task-permissions',
          ...TARGET,
          '-f',
          file,
          '--actions',
          's3:PutObject',
          '--duration',
          '3',
          '--result-file',
          resultFile,
          '--html',
          html,
        ],
        { env, timeoutMs: 120_000 },
      );
      // The probe saw the app fail during the window: verdict Fail (exit 1), the Deny's effect.
      assert.ok([0, 1].includes(run.code ?? -1), run.stderr);
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as {
        deny: {
          iterations: Array<{ deniedAfterSeconds?: number; allowedAfterSeconds?: number }>;
          roleUnchanged: boolean;
        };
        residue: { clean: boolean };
        mutations: Array<{ operation: string }>;
      };
      const it = result.deny.iterations[0]!;
      assert.equal(typeof it.deniedAfterSeconds, 'number', JSON.stringify(result.deny));
      assert.equal(typeof it.allowedAfterSeconds, 'number', JSON.stringify(result.deny));
      assert.equal(result.deny.roleUnchanged, true);
      assert.equal(result.residue.clean, true);
      assert.ok(result.mutations.every((m) => !/TaskDefinition|Service/.test(m.operation)));
      const after = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
        .services![0]!;
      assert.equal(after.taskDefinition, before.taskDefinition);
      assert.deepEqual(
        after.deployments?.map((d) => d.id),
        before.deployments?.map((d) => d.id),
      );
      assert.match(
        run.stdout,
        /window 1: inline ecs-chaos-deny-\S+ until \S+; denied [\d.]+s after the attach \(probe orders-health\); allowed again [\d.]+s after the removal/,
      );
      assert.match(readFileSync(html, 'utf8'), /<h2>Deny on the task role<\/h2>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad input: each refused with the field, the value and the fix, before any change', async () => {
    const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; code: number; says: RegExp }> = [
      { args: [], code: 2, says: /DENY_ACTIONS.*required by deny-task-permissions/s },
      { args: ['--actions', 's3PutObject'], code: 2, says: /DENY_ACTIONS.*"s3PutObject", not an IAM action/s },
      { args: ['--actions', 's3:PutObject', '--deny-all'], code: 2, says: /pass either --actions or --deny-all/ },
      {
        args: ['--actions', 's3:PutObject', '--resources', 'bucket'],
        code: 2,
        says: /DENY_RESOURCES.*'\*' or an ARN/s,
      },
      {
        args: ['--deny-all'],
        env: { ALLOW_SHARED_ROLE: 'maybe' },
        code: 2,
        says: /ALLOW_SHARED_ROLE.*not true or false/s,
      },
      // Known to the loader's syntax, unknown to IAM: preflight names it with the nearest action.
      {
        args: ['--actions', 's3:PutObjekt,dynamodb:PutItem'],
        code: 2,
        says: /s3:PutObjekt.*did you mean 's3:PutObject'/s,
      },
      { args: ['--actions', 's4:PutObject'], code: 2, says: /'s4' is not a service prefix/ },
    ];
    for (const c of cases) {
      const since = last();
      const out = await runCli(['run', 'deny-task-permissions', ...TARGET, ...c.args, '--duration', '1'], {
        env: { ...env, ...c.env },
      });
      assert.equal(out.code, c.code, `${c.args.join(' ')}: exit ${out.code}\n${out.stderr}`);
      assert.match(out.stderr, c.says, c.args.join(' '));
      assert.deepEqual(mutations(since), [], `${c.args.join(' ')}: nothing changed`);
    }
    // A tunable of this fault given to another one.
    const other = await runCli(['run', 'update-container-timeout', ...TARGET, '--stop-timeout', '5'], {
      env: { ...env, DENY_ACTIONS: 's3:PutObject' },
    });
    assert.equal(other.code, 2);
    assert.match(other.stderr, /DENY_ACTIONS.*a tunable of deny-task-permissions, not of update-container-timeout/s);
  });

  test('a role shared by two services: refused without --allow-shared-role; plan lists both', async () => {
    const orders = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!;
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'orders-reports',
        taskDefinition: orders.taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: orders.networkConfiguration,
      }),
    );
    try {
      const since = last();
      const refused = await runCli(['run', 'deny-task-permissions', ...TARGET, '--actions', 's3:PutObject'], { env });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /service demo\/orders \(the target\); service demo\/orders-reports/);
      assert.match(refused.stderr, /--allow-shared-role/);
      assert.deepEqual(mutations(since), []);
      for (const extra of [[], ['--allow-shared-role']]) {
        const plan = await runCli(['plan', 'deny-task-permissions', ...TARGET, '--actions', 's3:PutObject', ...extra], {
          env,
        });
        assert.match(
          plan.stdout + plan.stderr,
          /demo\/orders \(the target\); service demo\/orders-reports/,
          extra.join(),
        );
      }
      const allowed = await runCli(
        [
          'run',
          'deny-task-permissions',
          ...TARGET,
          '--actions',
          's3:PutObject',
          '--allow-shared-role',
          '--duration',
          '1',
        ],
        { env, timeoutMs: 120_000 },
      );
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(allowed.stdout, /also reached: service demo\/orders-reports/);
    } finally {
      await ctx.ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'orders-reports', force: true }));
    }
  });

  test('least privilege: the printed policy runs it; without iam:PutRolePolicy, exit 2 naming it', async () => {
    const { runnerEnv, grant } = createRunner(ctx.sandbox, {
      name: 'deny-runner',
      key: RUNNER_KEY,
      policyPrefix: 'deny-runner',
      env,
    });
    const printed = await runCli(['policy', '--fault', 'deny-task-permissions', ...TARGET], { env });
    assert.equal(printed.code, 0, printed.stderr);
    const policy = JSON.parse(printed.stdout) as PolicyDoc;
    const actions = policy.Statement.flatMap((s) => s.Action);
    for (const absent of ['ecs:RegisterTaskDefinition', 'ecs:UpdateService', 'iam:PassRole', 'ecs:CreateService'])
      assert.ok(!actions.includes(absent), `${absent} is not needed`);
    const writes = policy.Statement.find((s) => s.Sid === 'DenyOnTaskRole')!;
    assert.deepEqual(writes.Resource, ['arn:aws:iam::123456789012:role/orders-task-role']);
    const managed = policy.Statement.find((s) => s.Sid === 'DenyManagedPolicy')!;
    assert.deepEqual(managed.Resource, ['arn:aws:iam::123456789012:policy/ecs-chaos-deny-*']);

    const run = (): ReturnType<typeof runCli> =>
      runCli(['run', 'deny-task-permissions', ...TARGET, '--actions', 's3:PutObject', '--duration', '1'], {
        env: runnerEnv,
        timeoutMs: 120_000,
      });
    grant(policy);
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const ok = await run();
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /verdict:\s+Pass/);
    const status = await runCli(['status', ...TARGET], { env: runnerEnv });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.doesNotMatch(status.stdout, /not checked/);

    grant({
      ...policy,
      Statement: policy.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== 'iam:PutRolePolicy') })),
    });
    const since = last();
    const refused = await run();
    assert.equal(refused.code, 2, refused.stderr);
    assert.ok(refused.stderr.includes('iam:PutRolePolicy'), refused.stderr);
    assert.deepEqual(mutations(since), [], 'nothing changed');
    const left = await ctx.iam.send(new ListRolePoliciesCommand({ RoleName: 'orders-task-role' }));
    assert.deepEqual(left.PolicyNames, ['orders-data']);
  });
});
