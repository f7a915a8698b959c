/**
 * Bad input to the task-definition faults, from the built program against the sandbox: a tunable
 * of another fault, a missing or invalid one (exit 2, no AWS call at all), and what ECS would
 * reject, refused by the fault's preflight (exit 2, reads only, nothing changed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, seedVarsEnv } from '../support/cli.js';
import { assertRefused, type BadInputCase } from '../support/bad-input.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const ROLE = (name: string): string => `arn:aws:iam::123456789012:role/${name}`;
const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-bad-faults-'));
const TIMEOUT_FILE = join(dir, 'timeout.yaml');
writeFileSync(TIMEOUT_FILE, 'fault: update-container-timeout\nSTOP_TIMEOUT: 5\n');

interface Case extends BadInputCase {
  readonly fault: string;
}

const CASES: readonly Case[] = [
  {
    name: 'TASK_ROLE given to another fault',
    fault: 'update-container-timeout',
    env: { TASK_ROLE: ROLE('orders-chaos-role'), STOP_TIMEOUT: '5' },
    names: 'TASK_ROLE',
    says: /is a tunable of update-task-role, not of update-container-timeout/,
    by: 'config',
  },
  {
    name: "CPU_LIMIT given to update-task-role (another fault's tunable)",
    fault: 'update-task-role',
    env: { TASK_ROLE: ROLE('orders-chaos-role'), CPU_LIMIT: '128' },
    names: 'CPU_LIMIT',
    says: /is a tunable of update-container-resource-limit, not of update-task-role/,
    by: 'config',
  },
  {
    name: 'IMAGE given to update-container-timeout by flag',
    fault: 'update-container-timeout',
    env: { STOP_TIMEOUT: '5' },
    args: ['--image', 'nginx'],
    names: 'IMAGE',
    says: /is a tunable of invalid-container-image/,
    by: 'config',
  },
  {
    name: 'EXECUTION_ROLE missing',
    fault: 'update-execution-role',
    names: 'EXECUTION_ROLE',
    says: /is required by update-execution-role/,
    by: 'config',
  },
  {
    name: 'neither CPU_LIMIT nor MEMORY_LIMIT',
    fault: 'update-container-resource-limit',
    names: 'CPU_LIMIT',
    says: /or MEMORY_LIMIT, or both/,
    by: 'config',
  },
  {
    name: 'neither START_TIMEOUT nor STOP_TIMEOUT',
    fault: 'update-container-timeout',
    names: 'START_TIMEOUT',
    says: /or STOP_TIMEOUT, or both/,
    by: 'config',
  },
  {
    name: 'MEMORY_LIMIT not a number',
    fault: 'update-container-resource-limit',
    env: { MEMORY_LIMIT: '1g' },
    names: 'MEMORY_LIMIT',
    says: /is not a whole number/,
    by: 'config',
  },
  {
    name: 'MEMORY_LIMIT below 6 MiB',
    fault: 'update-container-resource-limit',
    env: { MEMORY_LIMIT: '4' },
    names: 'MEMORY_LIMIT',
    says: /out of range/,
    by: 'config',
  },
  {
    name: 'STOP_TIMEOUT of 0',
    fault: 'update-container-timeout',
    env: { STOP_TIMEOUT: '0' },
    names: 'STOP_TIMEOUT',
    says: /Fix:/,
    by: 'config',
  },
  {
    name: 'CONTAINER_NAMES with a name twice',
    fault: 'invalid-container-image',
    env: { CONTAINER_NAMES: 'app,app' },
    names: 'CONTAINER_NAMES',
    says: /names app twice/,
    by: 'config',
  },
  {
    name: 'IMAGE with a space',
    fault: 'invalid-container-image',
    env: { IMAGE: 'not an image' },
    names: 'IMAGE',
    says: /not an image reference ECS accepts/,
    by: 'config',
  },
  {
    name: 'EXECUTION_ROLE not a role ARN',
    fault: 'update-execution-role',
    env: { EXECUTION_ROLE: 'ecsTaskExecutionRole' },
    names: 'EXECUTION_ROLE',
    says: /is not an IAM role ARN/,
    by: 'config',
  },
  {
    name: "a command line fault other than the experiment file's",
    fault: 'invalid-container-image',
    args: ['-f', TIMEOUT_FILE],
    names: 'fault',
    says: /the command line runs invalid-container-image/,
    by: 'config',
  },
  {
    name: 'a container name the task definition does not have',
    fault: 'invalid-container-image',
    env: { CONTAINER_NAMES: 'web' },
    names: 'containers exist',
    says: /its containers: app/,
    by: 'preflight',
  },
  {
    name: 'container cpu above the task cpu (Fargate)',
    fault: 'update-container-resource-limit',
    env: { CPU_LIMIT: '512' },
    names: 'container cpu within the task cpu',
    says: /CPU_LIMIT at most 256.*Fargate task of cpu 512/,
    by: 'preflight',
  },
  {
    name: 'container memory above the task memory (Fargate)',
    fault: 'update-container-resource-limit',
    env: { MEMORY_LIMIT: '1024' },
    names: 'container memory within the task memory',
    says: /MEMORY_LIMIT at most 512/,
    by: 'preflight',
  },
  {
    name: 'a Fargate stopTimeout above 120 s',
    fault: 'update-container-timeout',
    env: { STOP_TIMEOUT: '300' },
    names: 'stopTimeout within Fargate range',
    says: /STOP_TIMEOUT at most 120/,
    by: 'preflight',
  },
  {
    name: 'removing the execution role of a Fargate service using awslogs',
    fault: 'update-execution-role',
    env: { EXECUTION_ROLE: '' },
    names: 'ECS accepts the chaos revision',
    says: /awslogs driver without an executionRoleArn/,
    by: 'preflight',
  },
  {
    name: "the service's own execution role",
    fault: 'update-execution-role',
    env: { EXECUTION_ROLE: ROLE('ecsTaskExecutionRole') },
    names: 'the fault changes something',
    says: /would change nothing/,
    by: 'preflight',
  },
  {
    name: 'a chaos execution role that does not exist',
    fault: 'update-execution-role',
    env: { EXECUTION_ROLE: ROLE('no-such-role') },
    names: 'chaos role exists',
    says: /correct --execution-role \/ EXECUTION_ROLE/,
    by: 'preflight',
  },
];

describe('bad input to the task-definition faults: exit 2, named, nothing changed', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = seedVarsEnv(ctx.sandbox.endpoint);
    await waitSteady(ctx.ecs, 'demo', 'orders');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  test('policy --fault refuses an unknown fault, naming the known ones', async () => {
    const run = await runCli(['policy', '--fault', 'task-kill'], { env });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /--fault .*is not a fault ecs-chaos knows \(known faults: update-task-role, update-execution-role/,
    );
  });

  for (const c of CASES) {
    test(`refuses ${c.name}`, () => assertRefused(ctx.sandbox, env, c, c.fault, 'no change'));
  }
});
