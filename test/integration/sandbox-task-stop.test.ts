/**
 * Stopping tasks as ECS does, on the sandbox's own clock: StopTask stops with the caller's reason
 * (UserInitiated) and the service replaces the task at once; a stopping task's containers get
 * SIGTERM and up to their stopTimeout (30 s by default, at most 120 s on Fargate) before SIGKILL
 * (exit code 137), whether the stop comes from StopTask or from the scheduler (scale-in).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { awsDelayMs } from '../../sandbox/core/clock.js';
import { clientsFor, rejectsWith, stepUntil as stepUntilShared } from '../support/sandbox.js';

const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;

function stepUntil<T>(what: string, check: () => Promise<T | undefined>, steps = 500): Promise<T> {
  return stepUntilShared(sandbox, clock, what, check, steps);
}

async function tasksOf(service: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'stop', serviceName: service, desiredStatus })))
    .taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'stop', tasks: arns }))).tasks!;
}

async function describeTask(arn: string): Promise<Task> {
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'stop', tasks: [arn] }))).tasks![0]!;
}

/** A service of one Fargate task whose container has the given stopTimeout; returns its RUNNING task. */
async function runningService(service: string, stopTimeout?: number): Promise<Task> {
  const taskDefinition = (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: service,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'app:1', essential: true, stopTimeout }],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'stop',
      serviceName: service,
      taskDefinition,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    }),
  );
  return stepUntil(`${service}'s task RUNNING`, async () =>
    (await tasksOf(service, 'RUNNING')).find((t) => t.lastStatus === 'RUNNING'),
  );
}

/** Stops a task and steps the clock until it is STOPPED; returns it. */
async function stopAndWait(arn: string, reason?: string): Promise<Task> {
  await ecs.send(new StopTaskCommand({ cluster: 'stop', task: arn, reason }));
  return stepUntil('the task STOPPED', async () => {
    const task = await describeTask(arn);
    return task.lastStatus === 'STOPPED' ? task : undefined;
  });
}

/** How long a task took from the stop request to STOPPED, on the sandbox's clock. */
function stopDuration(task: Task): number {
  return task.stoppedAt!.getTime() - task.stoppingAt!.getTime();
}

describe('stopping tasks in the sandbox, as ECS does', () => {
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now });
    ({ ecs } = clientsFor(sandbox));
    await ecs.send(new CreateClusterCommand({ clusterName: 'stop' }));
  });
  after(() => sandbox.close());

  test('StopTask stops with the given reason (UserInitiated) and the service starts a replacement', async () => {
    const task = await runningService('stopped-by-hand');
    const reason = 'ecs-chaos experiment exp-123: task-stop';
    const answered = (await ecs.send(new StopTaskCommand({ cluster: 'stop', task: task.taskArn, reason }))).task!;
    assert.equal(answered.desiredStatus, 'STOPPED');
    assert.equal(answered.stopCode, 'UserInitiated');
    assert.equal(answered.stoppedReason, reason);
    const replacement = await stepUntil('a replacement task', async () =>
      (await tasksOf('stopped-by-hand', 'RUNNING')).find((t) => t.taskArn !== task.taskArn),
    );
    assert.ok(['PROVISIONING', 'PENDING', 'RUNNING'].includes(replacement.lastStatus!));
    const stopped = await stepUntil('the task STOPPED', async () => {
      const t = await describeTask(task.taskArn!);
      return t.lastStatus === 'STOPPED' ? t : undefined;
    });
    assert.equal(stopped.stoppedReason, reason);
    assert.equal(stopped.stopCode, 'UserInitiated');
    assert.equal(stopped.containers![0]!.exitCode, 0, 'the app exited at SIGTERM');
  });

  test('StopTask refuses a reason over 255 characters, naming the limit', async () => {
    const task = await runningService('long-reason');
    const error = await rejectsWith(
      ecs.send(new StopTaskCommand({ cluster: 'stop', task: task.taskArn, reason: 'x'.repeat(256) })),
      'InvalidParameterException',
    );
    assert.match(error.message, /reason must be at most 255 characters \(got 256\)/);
    assert.equal((await describeTask(task.taskArn!)).desiredStatus, 'RUNNING', 'nothing was stopped');
    const ok = await ecs.send(new StopTaskCommand({ cluster: 'stop', task: task.taskArn, reason: 'y'.repeat(255) }));
    assert.equal(ok.task!.stoppedReason, 'y'.repeat(255));
  });

  test('an app that ignores SIGTERM is killed at its stopTimeout (exit code 137); one that exits sooner ends the wait', async () => {
    const pace = sandbox.world.pace;
    const base = pace.deactivatingMs + pace.stoppingMs;
    sandbox.world.workload.setSigtermSeconds('stubborn', Number.POSITIVE_INFINITY);
    sandbox.world.workload.setSigtermSeconds('graceful', 5);
    sandbox.world.workload.setSigtermSeconds('capped', Number.POSITIVE_INFINITY);

    const stubborn = await stopAndWait((await runningService('stubborn', 60)).taskArn!);
    assert.equal(stubborn.containers![0]!.exitCode, 137, 'SIGKILL after the stopTimeout');
    assert.ok(stopDuration(stubborn) >= base + awsDelayMs(pace, 60), `took ${stopDuration(stubborn)} ms`);

    const graceful = await stopAndWait((await runningService('graceful', 60)).taskArn!);
    assert.equal(graceful.containers![0]!.exitCode, 0, 'it exited on its own after 5 s');
    assert.ok(stopDuration(graceful) >= base + awsDelayMs(pace, 5), `took ${stopDuration(graceful)} ms`);
    assert.ok(stopDuration(graceful) < stopDuration(stubborn), 'the app exiting ends the wait');

    // Fargate waits at most 120 s, whatever the task definition says.
    const capped = await stopAndWait((await runningService('capped', 600)).taskArn!);
    assert.equal(capped.containers![0]!.exitCode, 137);
    assert.ok(stopDuration(capped) >= base + awsDelayMs(pace, 120), `took ${stopDuration(capped)} ms`);
    assert.ok(stopDuration(capped) < base + awsDelayMs(pace, 600), `took ${stopDuration(capped)} ms`);
  });

  test('the default stopTimeout (30 s) governs a scale-in by the scheduler too', async () => {
    const pace = sandbox.world.pace;
    sandbox.world.workload.setSigtermSeconds('scaled-in', Number.POSITIVE_INFINITY);
    const task = await runningService('scaled-in');
    await ecs.send(new UpdateServiceCommand({ cluster: 'stop', service: 'scaled-in', desiredCount: 0 }));
    const stopped = await stepUntil('the task STOPPED', async () => {
      const t = await describeTask(task.taskArn!);
      return t.lastStatus === 'STOPPED' ? t : undefined;
    });
    assert.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
    assert.equal(stopped.containers![0]!.exitCode, 137);
    assert.ok(
      stopDuration(stopped) >= pace.deactivatingMs + pace.stoppingMs + awsDelayMs(pace, 30),
      `took ${stopDuration(stopped)} ms`,
    );
  });
});
