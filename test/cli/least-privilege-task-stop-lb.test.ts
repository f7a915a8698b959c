/**
 * The least-privilege round trip of task-stop on a load-balanced service: `ecs-chaos policy --fault
 * task-stop` for it adds `elasticloadbalancing:DescribeTargetHealth` on `*`, a principal with
 * exactly that policy runs the fault and its recovery reads target health; without that action,
 * preflight refuses with exit 2 naming it and stops no task. For a service without target groups
 * the policy leaves it out.
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateServiceCommand, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli } from '../support/cli.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

const RUNNER_KEY = { accessKeyId: 'AKIARUNNERLB00000004', secretAccessKey: 'runner-lb-secret-runner-lb-secret-run4' };
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const ACTION = 'elasticloadbalancing:DescribeTargetHealth';

interface Doc {
  Version: string;
  Statement: Array<{ Sid: string; Effect: string; Action: string[]; Resource: string[]; Condition?: unknown }>;
}

const without = (doc: Doc, action: string): Doc => ({
  ...doc,
  Statement: doc.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== action) })).filter(
    (s) => s.Action.length > 0,
  ),
});

describe('least privilege of task-stop on a load-balanced service', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let adminEnv: NodeJS.ProcessEnv;
  let runnerEnv: NodeJS.ProcessEnv;
  let dir: string;
  let granted: string | undefined;
  let version = 0;
  const grant = (doc: Doc): void => {
    const iam = ctx.sandbox.world.iam;
    if (granted) iam.detachUserPolicy('runner', granted);
    granted = iam.createPolicy({ policyName: `ecs-chaos-task-stop-lb-${++version}`, document: doc }).arn;
    iam.attachUserPolicy('runner', granted);
  };
  before(async () => {
    ctx = await withSandbox({
      scenario: 'demo',
      pace: 'fast',
      targetGroups: { [TG]: { healthyThresholdCount: 3, intervalSeconds: 30, deregistrationDelaySeconds: 30 } },
    });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-task-stop-lb-'));
    const base = {
      AWS_ENDPOINT_URL: ctx.sandbox.endpoint,
      ECS_CHAOS_POLL_INTERVAL_MS: '50',
      AWS_PROFILE: '',
      AWS_REGION: '',
    };
    adminEnv = { ...base, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    runnerEnv = {
      ...base,
      AWS_ACCESS_KEY_ID: RUNNER_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: RUNNER_KEY.secretAccessKey,
    };
    ctx.sandbox.world.iam.createUser('runner');
    ctx.sandbox.world.iam.createAccessKey('runner', RUNNER_KEY);
    const taskDefinition = (
      await ctx.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'web', image: 'nginx:1', portMappings: [{ containerPort: 8080 }] }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'web',
        taskDefinition,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
      }),
    );
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  /** Steady, and (with eventual consistency on) ListTasks showing both tasks, as preflight needs. */
  const steady = async (): Promise<void> => {
    await waitSteady(ctx.ecs, 'demo', 'web');
    await waitFor(
      "ListTasks showing web's 2 tasks",
      async () =>
        (await ctx.ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'web' }))).taskArns!.length === 2
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
  };

  const policyFor = async (service: string): Promise<Doc> => {
    const target = ['--cluster', 'demo', '--service', service, '--region', 'us-east-1'];
    const printed = await runCli(['policy', '--fault', 'task-stop', ...target], { env: adminEnv });
    assert.equal(printed.code, 0, printed.stderr);
    return JSON.parse(printed.stdout) as Doc;
  };

  test('the policy of a service without target groups leaves DescribeTargetHealth out', async () => {
    const policy = await policyFor('orders');
    assert.ok(!policy.Statement.some((s) => s.Action.includes(ACTION)));
  });

  test('the printed policy runs task-stop reading target health; without it, exit 2 and no task stopped', async () => {
    const policy = await policyFor('web');
    const read = policy.Statement.find((s) => s.Action.includes(ACTION));
    assert.deepEqual(read && { Sid: read.Sid, Resource: read.Resource }, { Sid: 'ReadTargetHealth', Resource: ['*'] });

    const resultFile = join(dir, 'result.json');
    const run = (): ReturnType<typeof runCli> =>
      runCli(
        [
          ...['run', 'task-stop', '--cluster', 'demo', '--service', 'web', '--region', 'us-east-1'],
          ...['--task-count', '1', '--duration', '1', '--result-file', resultFile],
        ],
        { env: runnerEnv, timeoutMs: 120_000 },
      );
    grant(policy);
    await steady();
    const ok = await run();
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
    assert.deepEqual(result.taskStop?.iterations[0]?.targetHealth, { targetGroups: [TG], checked: true });
    assert.match(ok.stdout, /target health checked: healthy in web/);

    grant(without(policy, ACTION));
    await steady();
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const refused = await run();
    assert.equal(refused.code, 2, `exit ${refused.code}\n${refused.stderr}`);
    assert.ok(refused.stderr.includes(ACTION), refused.stderr);
    assert.deepEqual(
      ctx.sandbox.requests(since).filter((r) => r.action === 'StopTask'),
      [],
      'no task stopped',
    );
  });
});
