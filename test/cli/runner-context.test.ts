/**
 * The runner's permission check with the context AWS supplies: a correct runner policy scoped by
 * `ecs:cluster`, or limiting tag-on-create by `ecs:CreateAction` / `aws:RequestTag` / `aws:TagKeys`,
 * passes preflight and runs; a condition on a key the simulation cannot know is reported as
 * unknown (named), not denied; a session's role is simulated by its full ARN, path included (IAM
 * Identity Center roles live under /aws-reserved/sso.amazonaws.com/); a failed simulation names its
 * cause; and without simulation rights, an AccessDenied on the first change ends with exit 2,
 * nothing changed, and the `ecs-chaos policy` hint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_CHAOS_ROLE, demoRunArgs, runCli } from '../support/cli.js';
import { createRunner, type Runner } from '../support/runner.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const RUNNER_KEY = { accessKeyId: 'AKIARUNNER0000000002', secretAccessKey: 'runner-secret-runner-secret-runner-secr' };
const ACCOUNT = '123456789012';
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/demo`;
const SSO_PATH = '/aws-reserved/sso.amazonaws.com/';
const SSO_ROLE = 'AWSReservedSSO_ChaosRunner_0123456789abcdef';
const SSO_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role${SSO_PATH}${SSO_ROLE}`;

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface Doc {
  Version: string;
  Statement: Statement[];
}

/** The printed policy, scoped further as a careful SRE team would. */
function scoped(doc: Doc): Doc {
  const out: Statement[] = [];
  for (const s of doc.Statement) {
    const split = (actions: string[], condition: Statement['Condition'], sid: string): void => {
      const picked = s.Action.filter((a) => actions.includes(a));
      if (picked.length > 0) out.push({ ...s, Sid: sid, Action: picked, Condition: { ...s.Condition, ...condition } });
    };
    if (s.Sid === 'ServiceUnderChaos') {
      split(['ecs:DescribeServices', 'ecs:UpdateService'], { ArnEquals: { 'ecs:cluster': CLUSTER_ARN } }, 'OnCluster');
      split(
        ['ecs:TagResource', 'ecs:UntagResource'],
        { 'ForAllValues:StringLike': { 'aws:TagKeys': ['ecs-chaos:*'] }, Null: { 'aws:TagKeys': 'false' } },
        'MarkersOnly',
      );
    } else if (s.Sid === 'SiblingService') {
      split(
        ['ecs:CreateService', 'ecs:DeleteService', 'ecs:DescribeServices'],
        { ArnEquals: { 'ecs:cluster': CLUSTER_ARN } },
        'SiblingOnCluster',
      );
      split(['ecs:TagResource'], { StringEquals: { 'ecs:CreateAction': 'CreateService' } }, 'SiblingTagOnCreate');
    } else if (s.Sid === 'ChaosRevision') {
      split(
        ['ecs:RegisterTaskDefinition'],
        { StringEquals: { 'aws:RequestTag/ecs-chaos:fault': 'update-task-role' } },
        'RegisterMarked',
      );
      split(
        ['ecs:TagResource'],
        { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
        'RevisionTagOnCreate',
      );
    } else if (s.Sid === 'ReadTasks') {
      out.push({ ...s, Condition: { ArnEquals: { 'ecs:cluster': CLUSTER_ARN } } });
    } else if (s.Sid === 'ReadCluster') {
      // A key the simulation is not given (AWS supplies it with the real call): unknown, not denied.
      out.push({ ...s, Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } });
    } else {
      out.push(s);
    }
  }
  return { ...doc, Statement: out };
}

describe('runner permissions: simulated with the context of each call', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let policy: Doc;
  let runnerEnv: NodeJS.ProcessEnv;
  let grant: Runner['grant'];
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    let adminEnv: NodeJS.ProcessEnv;
    ({ adminEnv, runnerEnv, grant } = createRunner(ctx.sandbox, {
      key: RUNNER_KEY,
      policyPrefix: 'ecs-chaos-runner-ctx',
      env: { LEASE_HEARTBEAT: '1' },
    }));
    const printed = await runCli(
      ['policy', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1', '--task-role', DEMO_CHAOS_ROLE],
      { env: adminEnv },
    );
    assert.equal(printed.code, 0, printed.stderr);
    policy = JSON.parse(printed.stdout) as Doc;
  });
  after(async () => {
    await ctx.sandbox.close();
  });

  const run = (...extra: string[]): ReturnType<typeof runCli> =>
    runCli(demoRunArgs('orders', '--duration', '1', '--affected-percent', '25', ...extra), { env: runnerEnv });

  test('a policy scoped by ecs:cluster and tag-on-create keys passes preflight and runs; a key the simulation lacks is unknown, named', async () => {
    grant(scoped(policy));
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const result = await run();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /verdict:\s+Pass/);
    assert.match(
      result.stderr,
      /runner permissions: \d+ permissions of arn:aws:iam::123456789012:user\/runner checked by simulation, with the condition keys of each call \(simulation does not see resource control policies \(RCPs\), resource-based policies, VPC endpoint policies/,
    );
    assert.match(
      result.stderr,
      /warn runner permissions unknown: IAM could not decide 1 call\(s\) without context keys it was not given: ecs:DescribeClusters on arn:aws:ecs:us-east-1:123456789012:cluster\/demo: depends on aws:RequestedRegion/,
    );
  });

  test('a tag-on-create condition the run does not meet is still refused, named', async () => {
    const doc = scoped(policy);
    const register = doc.Statement.find((s) => s.Sid === 'RegisterMarked')!;
    register.Condition = { StringEquals: { 'aws:RequestTag/ecs-chaos:fault': 'something-else' } };
    grant(doc);
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const result = await run();
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /may not: ecs:RegisterTaskDefinition on arn:aws:ecs:us-east-1:123456789012:task-definition\/orders:\* \(implicitDeny\)/,
    );
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.action === 'RegisterTaskDefinition' || r.action === 'TagResource'),
      [],
    );
  });

  test('an IAM Identity Center session is simulated as its role, path included', async () => {
    const iam = ctx.sandbox.world.iam;
    iam.createRole({
      roleName: SSO_ROLE,
      path: SSO_PATH,
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/runner` }, Action: 'sts:AssumeRole' },
        ],
      },
    });
    const rolePolicy = iam.createPolicy({ policyName: 'ecs-chaos-runner-sso', document: scoped(policy) }).arn;
    iam.attachRolePolicy(SSO_ROLE, rolePolicy);
    grant({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Assume', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [SSO_ROLE_ARN] }],
    });
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const plan = await runCli(
      ['plan', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1', '--task-role', DEMO_CHAOS_ROLE],
      { env: { ...runnerEnv, ASSUME_ROLE_ARN: SSO_ROLE_ARN } },
    );
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stderr,
      new RegExp(`runner permissions: \\d+ permissions of ${SSO_ROLE_ARN.replace(/[./]/g, '\\$&')} checked`),
    );
    assert.doesNotMatch(plan.stderr, /cannot simulate/);

    // Without iam:GetRole on itself, the runner guesses the Identity Center path and says so.
    const withoutGetRole = scoped(policy);
    withoutGetRole.Statement = withoutGetRole.Statement.filter((s) => s.Sid !== 'ReadOwnRole');
    iam.detachRolePolicy(SSO_ROLE, rolePolicy);
    iam.attachRolePolicy(
      SSO_ROLE,
      iam.createPolicy({ policyName: 'ecs-chaos-runner-sso-2', document: withoutGetRole }).arn,
    );
    const guessed = await runCli(
      ['plan', '--cluster', 'demo', '--service', 'orders', '--region', 'us-east-1', '--task-role', DEMO_CHAOS_ROLE],
      { env: { ...runnerEnv, ASSUME_ROLE_ARN: SSO_ROLE_ARN } },
    );
    assert.equal(guessed.code, 0, guessed.stderr);
    assert.match(
      guessed.stderr,
      /warn runner principal: cannot read the runner's role AWSReservedSSO_ChaosRunner_0123456789abcdef \(AccessDenied\) to learn its path: simulating arn:aws:iam::123456789012:role\/aws-reserved\/sso\.amazonaws\.com\/AWSReservedSSO_ChaosRunner_0123456789abcdef/,
    );
  });

  test('without simulation rights: the cause is named, and an AccessDenied on the first change ends with exit 2, nothing changed, and the policy hint', async () => {
    const doc = scoped(policy);
    doc.Statement = doc.Statement.filter((s) => s.Sid !== 'CheckOwnPermissions' && s.Sid !== 'MarkersOnly');
    grant(doc);
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const result = await run();
    assert.match(
      result.stderr,
      /cannot simulate arn:aws:iam::123456789012:user\/runner's permissions \(AccessDenied: the runner may not call iam:SimulatePrincipalPolicy on arn:aws:iam::123456789012:user\/runner\); going on unchecked/,
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /ecs:TagResource[^\n]*\nFix: give the runner the permissions 'ecs-chaos policy --cluster demo --service orders --region us-east-1 --task-role arn:aws:iam::123456789012:role\/orders-chaos-role' prints\nnothing was changed\./,
    );
    const changed = ctx.sandbox
      .requests(since)
      .filter(
        (r) =>
          r.errorCode === null &&
          ['TagResource', 'RegisterTaskDefinition', 'UpdateService', 'CreateService'].includes(r.action),
      );
    assert.deepEqual(changed, []);
  });

  test("a permissions boundary's decision is shown, and a refusal by it named as such", async () => {
    const iam = ctx.sandbox.world.iam;
    grant(scoped(policy));
    const boundary = iam.createPolicy({
      policyName: 'runner-boundary',
      document: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 'ecs:CreateService', Resource: '*' },
        ],
      },
    }).arn;
    iam.putUserPermissionsBoundary('runner', boundary);
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const result = await run();
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /runner decision details: as IAM reports them: permissions boundary: denies ecs:CreateService on arn:aws:ecs:us-east-1:123456789012:service\/demo\/orders-chaos-\*/,
    );
    assert.match(
      result.stderr,
      /may not: ecs:CreateService on arn:aws:ecs:us-east-1:123456789012:service\/demo\/orders-chaos-\* \(explicitDeny, denied by the permissions boundary\)/,
    );
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.action === 'RegisterTaskDefinition' || r.action === 'TagResource'),
      [],
    );
  });
});
