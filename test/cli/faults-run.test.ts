/**
 * The task-definition faults end to end from the built CLI against the sandbox: each by its env vars
 * alone, by flags and by an experiment file. An independent SDK client sees the chaos revision on
 * the service while the run holds (the fault's change, nothing else) and the original back after.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ECSClient, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../sandbox/index.js';
import { copyTaskDefinition, diffValues } from '../../src/faults/task-definition-copy.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { runCli, sandboxEnv, type RunResult } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const ROLE = (name: string): string => `arn:aws:iam::123456789012:role/${name}`;

/** One way of giving a fault its tunables. */
type Way = 'env' | 'flags' | 'file';

interface Case {
  readonly fault: string;
  readonly service: 'orders' | 'billing';
  /** The tunables as env vars; flags and file keys are derived from them. */
  readonly env: Readonly<Record<string, string>>;
  /** The only paths of the task definition the chaos revision may change, and what they become. */
  readonly expect: Readonly<Record<string, unknown>>;
}

const FLAG: Record<string, string> = {
  EXECUTION_ROLE: '--execution-role',
  CPU_LIMIT: '--cpu-limit',
  MEMORY_LIMIT: '--memory-limit',
  START_TIMEOUT: '--start-timeout',
  STOP_TIMEOUT: '--stop-timeout',
  IMAGE: '--image',
  CONTAINER_NAMES: '--container-names',
};

const CASES: readonly Case[] = [
  {
    fault: 'update-execution-role',
    service: 'orders',
    env: { EXECUTION_ROLE: ROLE('orders-chaos-execution') },
    expect: { executionRoleArn: ROLE('orders-chaos-execution') },
  },
  {
    fault: 'update-container-resource-limit',
    service: 'billing',
    env: { CPU_LIMIT: '64', MEMORY_LIMIT: '128' },
    expect: { 'containerDefinitions[0].cpu': 64, 'containerDefinitions[0].memory': 128 },
  },
  {
    fault: 'update-container-timeout',
    service: 'orders',
    env: { STOP_TIMEOUT: '5', CONTAINER_NAMES: 'app' },
    expect: { 'containerDefinitions[0].stopTimeout': 5 },
  },
];

/** The CLI arguments and env of a run of `c` given `way`. */
function invocation(c: Case, way: Way, dir: string): { args: string[]; env: Record<string, string> } {
  const common = { CLUSTER_NAME: 'demo', SERVICE_NAME: c.service, REGION: 'us-east-1', TOTAL_CHAOS_DURATION: '3' };
  if (way === 'env') return { args: ['run', c.fault], env: { ...common, ...c.env } };
  if (way === 'flags') {
    const args = [
      'run',
      c.fault,
      '--cluster',
      'demo',
      '--service',
      c.service,
      '--region',
      'us-east-1',
      '--duration',
      '3',
    ];
    for (const [k, v] of Object.entries(c.env)) args.push(FLAG[k]!, v);
    return { args, env: {} };
  }
  const file = join(dir, `${c.fault}.yaml`);
  writeFileSync(
    file,
    [
      `fault: ${c.fault}`,
      'target:',
      '  cluster: demo',
      `  service: ${c.service}`,
      '  region: us-east-1',
      'duration: 3',
      ...Object.entries(c.env).map(([k, v]) => `${k}: "${v}"`),
      '',
    ].join('\n'),
  );
  return { args: ['run', c.fault, '-f', file], env: {} };
}

async function taskDefinitionOf(ecs: ECSClient, service: string): Promise<TaskDefinition> {
  const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }))).services![0]!;
  return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition! }))).taskDefinition!;
}

/** Runs the CLI while polling the service with an independent client; the revisions it saw. */
async function runWatching(
  ecs: ECSClient,
  service: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ run: RunResult; seen: TaskDefinition[] }> {
  const seen = new Map<string, TaskDefinition>();
  let done = false;
  const running = runCli(args, { env, timeoutMs: 120_000 }).finally(() => (done = true));
  while (!done) {
    const td = await taskDefinitionOf(ecs, service);
    seen.set(td.taskDefinitionArn!, td);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { run: await running, seen: [...seen.values()] };
}

/**
 * A second execution role, as able as the demo's (AmazonECSTaskExecutionRolePolicy): the run asserts
 * the swap and the lifecycle, not what a weaker role breaks.
 */
function createChaosExecutionRole(iam: Sandbox['world']['iam']): void {
  iam.createRole({
    roleName: 'orders-chaos-execution',
    assumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    description: 'The chaos execution role',
  });
  iam.attachRolePolicy(
    'orders-chaos-execution',
    'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
  );
}

/** The timeline events of a result, by name. */
const events = (result: ExperimentResult, name: string): ExperimentResult['timeline'] =>
  result.timeline.filter((e) => e.kind === 'event' && e.name === name);

describe('the task-definition faults from the CLI', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-faults-'));
    createChaosExecutionRole(ctx.sandbox.world.iam);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  test('plan <fault> shows the exact task-definition diff and changes nothing', async () => {
    await waitSteady(ctx.ecs, 'demo', 'billing');
    const since = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    const run = await runCli(
      ['plan', 'update-container-resource-limit', '--cluster', 'demo', '--service', 'billing', '--memory-limit', '128'],
      { env: sandboxEnv(ctx.sandbox, { REGION: 'us-east-1' }) },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /containerDefinitions\[0\]\.memory: 256 -> 128/);
    assert.doesNotMatch(run.stdout, /containerDefinitions\[0\]\.cpu:/);
    assert.match(run.stdout, /ok +task-level limits/);
    assert.deepEqual(
      ctx.sandbox
        .requests(since)
        .filter((r) => r.mutating)
        .map((r) => r.action),
      [],
    );
  });

  const IMAGE_CASE: Case = {
    fault: 'invalid-container-image',
    service: 'orders',
    env: { CONTAINER_NAMES: 'app' },
    expect: { 'containerDefinitions[0].image': 'ecs-chaos.invalid/unpullable:chaos' },
  };
  for (const way of ['env', 'flags', 'file'] as const) {
    test(`invalid-container-image by ${way}: the chaos tasks fail to pull, the service keeps serving, the original back`, async () => {
      await waitSteady(ctx.ecs, 'demo', 'orders');
      const original = await taskDefinitionOf(ctx.ecs, 'orders');
      const resultFile = join(dir, `invalid-container-image-${way}.json`);
      const { args, env } = invocation(IMAGE_CASE, way, dir);
      let running = Infinity;
      const revisions = new Set<string>();
      let done = false;
      // Exact mode: a sibling service runs the chaos revision beside the untouched service.
      const run = runCli([...args, '--affected-percent', '50', '--result-file', resultFile], {
        env: sandboxEnv(ctx.sandbox, env),
        timeoutMs: 120_000,
      }).finally(() => (done = true));
      while (!done) {
        const svc = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
          .services![0]!;
        running = Math.min(running, svc.runningCount ?? 0);
        const listed = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'orders', status: 'ACTIVE' }));
        for (const arn of listed.taskDefinitionArns ?? []) revisions.add(arn);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { stderr } = await run;
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
      assert.notEqual(result.verdict, 'Error', `${result.verdictReason}\n${stderr}`);
      assert.equal(result.spec.CONTAINER_NAMES, 'app');
      const chaosArn = [...revisions].find((arn) => arn !== original.taskDefinitionArn);
      assert.ok(chaosArn, 'the independent client saw the chaos revision while the run held');
      const chaos = (await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: chaosArn })))
        .taskDefinition!;
      const changed = Object.fromEntries(
        diffValues(copyTaskDefinition(original), copyTaskDefinition(chaos)).map((x) => [x.path, x.after]),
      );
      assert.deepEqual(changed, IMAGE_CASE.expect, 'only the image changed');
      const effect = events(result, 'chaos-effect');
      assert.equal(effect.length, 1, 'the launch failure is recorded as the effect');
      assert.match(effect[0]!.message, /CannotPullContainerError/);
      assert.equal(running, 4, 'the untouched service kept its 4 tasks running throughout');
      assert.equal(result.residue.clean, true);
      assert.equal((await taskDefinitionOf(ctx.ecs, 'orders')).taskDefinitionArn, original.taskDefinitionArn);
    });
  }

  for (const c of CASES) {
    for (const way of ['env', 'flags', 'file'] as const) {
      test(`${c.fault} by ${way}: the change is live during the run, the original back after`, async () => {
        await waitSteady(ctx.ecs, 'demo', c.service);
        const original = await taskDefinitionOf(ctx.ecs, c.service);
        const resultFile = join(dir, `${c.fault}-${way}.json`);
        const { args, env } = invocation(c, way, dir);
        const { run, seen } = await runWatching(
          ctx.ecs,
          c.service,
          [...args, '--result-file', resultFile],
          sandboxEnv(ctx.sandbox, env),
        );
        assert.equal(run.code, 0, run.stderr);
        const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ExperimentResult;
        assert.equal(result.fault, c.fault);
        assert.equal(result.verdict, 'Pass', result.verdictReason);
        for (const [k, v] of Object.entries(c.env)) assert.equal(String(result.spec[k]), v, `the result records ${k}`);
        assert.ok(!('TASK_ROLE' in result.spec), 'no TASK_ROLE for this fault');
        const chaos = seen.find((td) => td.taskDefinitionArn !== original.taskDefinitionArn);
        assert.ok(chaos, 'the independent client saw the chaos revision on the service');
        const changes = diffValues(copyTaskDefinition(original), copyTaskDefinition(chaos));
        const changed = Object.fromEntries(
          changes.filter((x) => !x.path.startsWith('tags')).map((x) => [x.path, x.after]),
        );
        assert.deepEqual(changed, c.expect, 'only the fault’s fields changed');
        const back = await taskDefinitionOf(ctx.ecs, c.service);
        assert.equal(back.taskDefinitionArn, original.taskDefinitionArn, 'the original is back');
      });
    }
  }
});
