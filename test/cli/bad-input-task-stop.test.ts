/**
 * Bad input to task-stop, from the built program against the sandbox: a tunable given twice over
 * (count and ids, count and percentage), an invalid one or one of another fault (exit 2, no AWS
 * call at all), and what the service cannot give, refused by preflight (exit 2, reads only, no task
 * stopped): more tasks than run, a share that rounds to none, ids that are not the service's RUNNING
 * tasks, ids with a second iteration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { runCli, seedVarsEnv } from '../support/cli.js';
import { assertRefused, type BadInputCase } from '../support/bad-input.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const HEX = (n: number): string => n.toString(16).padStart(32, '0');

const CASES: readonly BadInputCase[] = [
  {
    name: 'TASK_COUNT with TASK_REPLICA_ID',
    env: { TASK_COUNT: '1', TASK_REPLICA_ID: HEX(1) },
    names: 'TASK_COUNT',
    says: /cannot be given with TASK_REPLICA_ID/,
    by: 'config',
  },
  {
    name: 'TASK_COUNT with TASK_REPLICA_AFFECTED_PERC',
    env: { TASK_COUNT: '1' },
    args: ['--affected-percent', '50'],
    names: 'TASK_COUNT',
    says: /cannot be given with TASK_REPLICA_AFFECTED_PERC \(from flag --affected-percent\)/,
    by: 'config',
  },
  {
    name: 'TASK_REPLICA_ID with TASK_REPLICA_AFFECTED_PERC',
    env: { TASK_REPLICA_ID: HEX(1), TASK_REPLICA_AFFECTED_PERC: '50' },
    names: 'TASK_REPLICA_ID',
    says: /cannot be given with TASK_REPLICA_AFFECTED_PERC/,
    by: 'config',
  },
  {
    name: 'TASK_COUNT 0',
    env: { TASK_COUNT: '0' },
    names: 'TASK_COUNT',
    says: /out of range \(1 to 5000\)/,
    by: 'config',
  },
  {
    name: 'TASK_COUNT that is not a number',
    args: ['--task-count', 'two'],
    names: 'TASK_COUNT',
    says: /is not a whole number/,
    by: 'config',
  },
  {
    name: 'TASK_REPLICA_ID that is not a task id',
    env: { TASK_REPLICA_ID: 'web-1' },
    names: 'TASK_REPLICA_ID',
    says: /"web-1", neither a task id/,
    by: 'config',
  },
  {
    name: 'TASK_REPLICA_ID naming a task twice (id and ARN)',
    env: { TASK_REPLICA_ID: `${HEX(7)},arn:aws:ecs:us-east-1:123456789012:task/demo/${HEX(7)}` },
    names: 'TASK_REPLICA_ID',
    says: /names the task 0+7 twice/,
    by: 'config',
  },
  {
    name: 'SEQUENCE neither serial nor parallel',
    env: { TASK_COUNT: '1', SEQUENCE: 'random' },
    names: 'SEQUENCE',
    says: /is neither serial nor parallel/,
    by: 'config',
  },
  {
    name: 'SEQUENCE given to update-container-timeout',
    fault: 'update-container-timeout',
    env: { STOP_TIMEOUT: '5', SEQUENCE: 'serial' },
    names: 'SEQUENCE',
    says: /is a tunable of task-stop, not of update-container-timeout/,
    by: 'config',
  },
  {
    name: 'TASK_COUNT above the RUNNING tasks',
    env: { TASK_COUNT: '5' },
    names: 'tasks to stop',
    says: /5 tasks to stop, but the service runs 4.*set TASK_COUNT to at most 4/,
    by: 'preflight',
  },
  {
    name: 'a percentage that rounds to no task',
    service: 'billing',
    env: { TASK_REPLICA_AFFECTED_PERC: '20' },
    names: 'tasks to stop',
    says: /20% of 2 desired tasks rounds down to no task.*at least 50/,
    by: 'preflight',
  },
  {
    name: 'TASK_REPLICA_ID naming a task that is not the service’s',
    env: { TASK_REPLICA_ID: HEX(3) },
    names: 'tasks to stop',
    says: /not among the RUNNING tasks of orders/,
    by: 'preflight',
  },
  {
    name: 'TASK_REPLICA_ID with a second iteration',
    env: { TASK_REPLICA_ID: HEX(3), TOTAL_CHAOS_DURATION: '60', CHAOS_INTERVAL: '30' },
    names: 'tasks to stop',
    says: /a second iteration would find none/,
    by: 'preflight',
  },
];

describe('bad input to task-stop: exit 2, named, no task stopped', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    env = seedVarsEnv(ctx.sandbox.endpoint);
    await waitSteady(ctx.ecs, 'demo', 'orders');
    await waitSteady(ctx.ecs, 'demo', 'billing');
  });
  after(async () => {
    await ctx.sandbox.close();
  });

  for (const c of CASES) {
    test(`refuses ${c.name}`, () => assertRefused(ctx.sandbox, env, c, 'task-stop', 'no change, no task stopped'));
  }

  test('refuses a billing task named for orders, listing the RUNNING tasks of orders', async () => {
    const billing = (await ctx.ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'billing' }))).taskArns!;
    const orders = (await ctx.ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }))).taskArns!;
    const run = await runCli(['run', 'task-stop', '--task-replica-id', billing[0]!], {
      env: { ...env, SERVICE_NAME: 'orders' },
      timeoutMs: 60_000,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.ok(run.stderr.includes(billing[0]!.split('/').pop()!));
    for (const arn of orders) assert.ok(run.stderr.includes(arn.split('/').pop()!), 'the RUNNING tasks are listed');
  });
});
