/**
 * task-stop's own logic: its tunables as the loader reads them, the rounding of a share, the choice
 * of tasks (current deployment, RUNNING, at random or by id), StopTask's reason and the recovery
 * condition.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service, Task } from '@aws-sdk/client-ecs';
import { loadExperimentSpec } from '../../src/config/load.js';
import { InvalidInputError } from '../../src/errors.js';
import { recoveryState } from '../../src/faults/task-stop/recovery.js';
import { chooseTasks, isCurrentRunning, plannedStops, stopReason } from '../../src/faults/task-stop/select.js';

const TARGET = { cluster: 'prod', service: 'orders', region: 'us-east-1' };
const spec = (env: Record<string, string>, flags: Record<string, unknown> = {}) =>
  loadExperimentSpec({ flags: { ...TARGET, ...flags }, env, fault: 'task-stop' });

const SERVICE: Service = {
  serviceName: 'orders',
  status: 'ACTIVE',
  desiredCount: 3,
  taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:3',
  deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'orders:3' }],
};
const task = (id: string, over: Partial<Task> = {}): Task => ({
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/${id}`,
  group: 'service:orders',
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  startedBy: 'ecs-svc/1',
  taskDefinitionArn: SERVICE.taskDefinition,
  ...over,
});

describe('task-stop tunables', () => {
  test('defaults: the share (100%), serial', () => {
    const s = spec({});
    assert.equal(s.faultParams?.sequence, 'serial');
    assert.equal(s.faultParams?.taskCount, undefined);
    assert.equal(s.affectedPercent, 100);
  });
  test('TASK_COUNT, SEQUENCE (any case), TASK_REPLICA_ID as ids and ARNs', () => {
    assert.equal(spec({ TASK_COUNT: '2', SEQUENCE: 'Parallel' }).faultParams?.sequence, 'parallel');
    const id = 'a'.repeat(32);
    const uuid = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
    const s = spec({ TASK_REPLICA_ID: `${id}, arn:aws:ecs:us-east-1:123456789012:task/${uuid}` });
    assert.deepEqual(s.faultParams?.taskIds, [id, uuid]);
  });
  test('a TASK_COUNT given by flag with TASK_REPLICA_AFFECTED_PERC from env names both sources', () => {
    assert.throws(
      () => spec({ TASK_REPLICA_AFFECTED_PERC: '50' }, { taskCount: '1' }),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        /TASK_COUNT \(from flag --task-count\): cannot be given with TASK_REPLICA_AFFECTED_PERC \(from env TASK_REPLICA_AFFECTED_PERC\)/.test(
          e.message,
        ),
    );
  });
});

describe('task-stop rounding', () => {
  test('a share of the desired count, rounded down, at least one task', () => {
    const half = plannedStops(3, spec({ TASK_REPLICA_AFFECTED_PERC: '50' }));
    assert.ok(half.ok && half.k === 1 && /floor\(3 × 50 \/ 100\) = 1/.test(half.rounding));
    const none = plannedStops(3, spec({ TASK_REPLICA_AFFECTED_PERC: '30' }));
    assert.ok(!none.ok && /rounds down to no task/.test(none.reason) && /at least 34/.test(none.reason));
    const all = plannedStops(3, spec({}));
    assert.ok(all.ok && all.k === 3);
  });
  test('a count and ids are taken as given', () => {
    const count = plannedStops(3, spec({ TASK_COUNT: '2' }));
    assert.ok(count.ok && count.k === 2 && count.selection === 'count');
    const ids = plannedStops(3, spec({ TASK_REPLICA_ID: `${'a'.repeat(32)},${'b'.repeat(32)}` }));
    assert.ok(ids.ok && ids.k === 2 && ids.selection === 'ids');
  });
});

describe('task-stop choice of tasks', () => {
  test('only RUNNING tasks of the current deployment, not on their way out', () => {
    assert.equal(isCurrentRunning(SERVICE, task('a')), true);
    assert.equal(isCurrentRunning(SERVICE, task('b', { startedBy: 'ecs-svc/0' })), false, 'an older deployment');
    assert.equal(isCurrentRunning(SERVICE, task('c', { lastStatus: 'PENDING' })), false);
    assert.equal(isCurrentRunning(SERVICE, task('d', { desiredStatus: 'STOPPED' })), false, 'stopping');
    assert.equal(isCurrentRunning(SERVICE, task('e', { group: 'service:billing' })), false);
  });
  test('k at random, without repeats; named ids exactly', () => {
    const running = ['a', 'b', 'c', 'd'].map((id) => task(id));
    let seed = 0.37;
    const random = (): number => (seed = (seed * 9301 + 0.49297) % 1);
    const chosen = chooseTasks(running, spec({ TASK_COUNT: '3' }), 3, random);
    assert.equal(new Set(chosen.map((t) => t.taskArn)).size, 3);
    const named = chooseTasks(running, spec({ TASK_REPLICA_ID: 'c'.repeat(32) }), 1);
    assert.deepEqual(named, []);
    const byId = chooseTasks([task('c'.repeat(32)), ...running], spec({ TASK_REPLICA_ID: 'c'.repeat(32) }), 1);
    assert.deepEqual(
      byId.map((t) => t.taskArn),
      [task('c'.repeat(32)).taskArn],
    );
  });
  test("StopTask's reason names the experiment and fits ECS's 255 characters", () => {
    const reason = stopReason(`ecs-chaos-20261129T000000Z-${'f'.repeat(300)}`, 2);
    assert.ok(reason.length <= 255);
    assert.match(
      stopReason('ecs-chaos-20261129T000000Z-abcdef', 2),
      /^ecs-chaos experiment ecs-chaos-20261129T000000Z-abcdef: task-stop, iteration 2$/,
    );
  });
});

describe('task-stop recovery', () => {
  const stopped = new Set([task('a').taskArn!]);
  const before = new Set(['a', 'b', 'c'].map((id) => task(id).taskArn!));
  test('the desired count RUNNING, none of them a stopped task', () => {
    const stopping = task('a', { desiredStatus: 'STOPPED', lastStatus: 'RUNNING' });
    const waiting = recoveryState(
      SERVICE,
      [stopping, task('b'), task('c'), task('d', { lastStatus: 'PENDING' })],
      stopped,
      before,
      false,
    );
    assert.equal(waiting.done, false);
    assert.match(waiting.waitingFor, /3 tasks RUNNING \(2 now\)/);
    const back = recoveryState(SERVICE, [stopping, task('b'), task('c'), task('d')], stopped, before, false);
    assert.equal(back.done, true);
  });
  test('with a container health check, HEALTHY too; failed replacements are named', () => {
    const tasks = [
      task('b', { healthStatus: 'HEALTHY' }),
      task('c', { healthStatus: 'HEALTHY' }),
      task('d', { healthStatus: 'UNKNOWN' }),
    ];
    assert.equal(recoveryState(SERVICE, tasks, stopped, before, true).done, false);
    assert.equal(recoveryState(SERVICE, tasks, stopped, before, false).done, true);
    const failed = task('e', {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'ECS was unable to assume the role',
    });
    const state = recoveryState(SERVICE, [task('b'), task('c'), failed], stopped, before, false);
    assert.match(state.waitingFor, /replacements failed to start: task e: ECS was unable to assume the role/);
  });
});
