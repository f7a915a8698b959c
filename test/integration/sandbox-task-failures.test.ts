/**
 * Tasks that fail as ECS reports them, driven on the sandbox's own clock: an app that crashes when
 * its calls are denied (EssentialContainerExited, exit code 1, replaced), an app that crashes at
 * start without credentials (failed tasks, circuit breaker), an image that cannot be pulled
 * (CannotPullContainerError, TaskFailedToStart, the service throttle event) and a role ECS cannot
 * assume (the launch failure event).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { clientsFor, stepUntil as stepUntilShared } from '../support/sandbox.js';

const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;
let iam: IAMClient;

/** Moves the sandbox's clock until `check` answers (see test/support's stepUntil). */
function stepUntil<T>(what: string, check: () => Promise<T | undefined>, steps = 500, stepMs?: number): Promise<T> {
  return stepUntilShared(sandbox, clock, what, check, steps, stepMs);
}

async function describeService(service: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'fail', services: [service] }))).services![0]!;
}

async function tasksOf(service: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'fail', serviceName: service, desiredStatus })))
    .taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'fail', tasks: arns }))).tasks!;
}

async function deploy(service: string, def: { image?: string; taskRoleArn?: string }, breaker = false) {
  const taskDefinition = (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: service,
        taskRoleArn: def.taskRoleArn,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: def.image ?? 'app:1', essential: true }],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'fail',
      serviceName: service,
      taskDefinition,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: breaker, rollback: breaker } },
    }),
  );
  return taskDefinition;
}

const trustEcsTasks = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe('failing tasks in the sandbox, as ECS reports them', () => {
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now });
    ({ ecs, iam } = clientsFor(sandbox));
    await ecs.send(new CreateClusterCommand({ clusterName: 'fail' }));
    // A role that trusts ECS tasks and may do nothing: every call of its app is denied.
    await iam.send(new CreateRoleCommand({ RoleName: 'powerless', AssumeRolePolicyDocument: trustEcsTasks }));
  });
  after(() => sandbox.close());

  test('an app that crashes after 2 AccessDenied answers: EssentialContainerExited, exit code 1, and ECS replaces it', async () => {
    sandbox.world.workload.declare({
      cluster: 'fail',
      service: 'crashy',
      calls: [{ action: 'dynamodb:PutItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/t' }],
      crash: { afterAccessDenied: 2 },
    });
    await deploy('crashy', { taskRoleArn: 'arn:aws:iam::123456789012:role/powerless' });
    const [crashed] = await stepUntil(
      'a task to crash',
      async () => {
        const stopped = await tasksOf('crashy', 'STOPPED');
        return stopped.length > 0 ? stopped : undefined;
      },
      200,
      100,
    );
    assert.equal(crashed!.stopCode, 'EssentialContainerExited');
    assert.equal(crashed!.stoppedReason, 'Essential container in task exited');
    const app = crashed!.containers![0]!;
    assert.equal(app.lastStatus, 'STOPPED');
    assert.equal(app.exitCode, 1);
    assert.equal(app.reason, undefined, 'ECS gives no container reason for a plain exit');
    const denied = sandbox.world.workload.counters('fail', 'crashy')!.errors['dynamodb:PutItem']!.AccessDenied!;
    assert.ok(denied >= 2, `${denied} AccessDenied answers before the crash`);
    const replacement = await stepUntil('a replacement RUNNING', async () => {
      const running = (await tasksOf('crashy', 'RUNNING')).find((t) => t.lastStatus === 'RUNNING');
      return running && running.taskArn !== crashed!.taskArn ? running : undefined;
    });
    assert.ok(replacement.createdAt! >= crashed!.stoppingAt!);
    // It ran long enough to count as healthy (40 s scaled) before it crashed: not a failed task.
    assert.equal((await describeService('crashy')).deployments![0]!.failedTasks, 0);

    // The crash policy can be changed at run time (world API and HTTP).
    const cleared = await fetch(`${sandbox.endpoint}/_sandbox/workload/fail/crashy/crash`, {
      method: 'POST',
      body: 'null',
    });
    assert.equal(cleared.status, 200);
    assert.equal(sandbox.world.workload.specs().find((s) => s.service === 'crashy')!.crash, undefined);
    const refused = await fetch(`${sandbox.endpoint}/_sandbox/workload/fail/crashy/crash`, {
      method: 'POST',
      body: JSON.stringify({ afterAccessDenied: 0 }),
    });
    assert.equal(refused.status, 400);
    assert.match(
      ((await refused.json()) as { message: string }).message,
      /afterAccessDenied must be a whole number from 1/,
    );
  });

  test('an app that exits at start without credentials: failed tasks, and the circuit breaker fails the deployment, which has nothing to roll back to', async () => {
    sandbox.world.workload.declare({
      cluster: 'fail',
      service: 'nocreds',
      calls: [{ action: 's3:PutObject', resource: 'arn:aws:s3:::b/{id}' }],
      crash: { withoutCredentials: true, exitCode: 3 },
    });
    await deploy('nocreds', {}, true);
    const failed = await stepUntil(
      'the deployment to fail',
      async () => {
        const s = await describeService('nocreds');
        return s.deployments![0]!.rolloutState === 'FAILED' ? s : undefined;
      },
      2_000,
    );
    const deployment = failed.deployments![0]!;
    assert.equal(deployment.failedTasks, 3, 'the threshold for a desired count of 1 is 3');
    assert.equal(deployment.rolloutStateReason, 'ECS deployment circuit breaker: tasks failed to start.');
    assert.ok(
      failed.events!.some(
        (e) =>
          e.message === `(service nocreds) (deployment ${deployment.id}) deployment failed: tasks failed to start.`,
      ),
    );
    const stopped = await tasksOf('nocreds', 'STOPPED');
    assert.ok(stopped.every((t) => t.stopCode === 'EssentialContainerExited' && t.containers![0]!.exitCode === 3));
    assert.ok(
      stopped.every((t) => t.startedAt !== undefined),
      'a container that exits at once still reached RUNNING',
    );
    // A FAILED deployment launches no new task: with no completed deployment to roll back to, it stalls.
    const launched = stopped.length + (await tasksOf('nocreds', 'RUNNING')).length;
    clock.advance(2_000);
    const after = (await tasksOf('nocreds', 'STOPPED')).length + (await tasksOf('nocreds', 'RUNNING')).length;
    assert.equal(after, launched);
  });

  test('an image that cannot be pulled: CannotPullContainerError, TaskFailedToStart, failed tasks and the throttle event', async () => {
    await deploy('unpullable', { image: 'registry.invalid/team/app:2' });
    const service = await stepUntil(
      'three failed tasks',
      async () => {
        const s = await describeService('unpullable');
        return s.deployments![0]!.failedTasks! >= 3 ? s : undefined;
      },
      2_000,
    );
    const [task] = await tasksOf('unpullable', 'STOPPED');
    assert.equal(task!.stopCode, 'TaskFailedToStart');
    assert.equal(task!.startedAt, undefined, 'it never ran');
    assert.ok(task!.pullStartedAt && task!.pullStoppedAt);
    assert.equal(
      task!.stoppedReason,
      'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref registry.invalid/team/app:2: failed to do request: Head "https://registry.invalid/v2/team/app/manifests/2": dial tcp: lookup registry.invalid: no such host',
    );
    assert.equal(task!.containers![0]!.reason, task!.stoppedReason);
    assert.equal(task!.containers![0]!.exitCode, undefined);
    assert.ok(
      service.events!.some(
        (e) => e.message === '(service unpullable) is unable to consistently start tasks successfully.',
      ),
    );
    const created = (await tasksOf('unpullable', 'STOPPED')).map((t) => t.createdAt!.getTime()).sort((a, b) => a - b);
    assert.ok(created[2]! - created[1]! > created[1]! - created[0]!, `launches back off: ${created.join(', ')}`);
  });

  test('a task role ECS cannot assume: the launch failure event and failedTasks', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'ec2-only',
        AssumeRolePolicyDocument: trustEcsTasks.replace('ecs-tasks.amazonaws.com', 'ec2.amazonaws.com'),
      }),
    );
    await deploy('untrusted', { taskRoleArn: 'arn:aws:iam::123456789012:role/ec2-only' });
    const service = await stepUntil(
      'two failed tasks',
      async () => {
        const s = await describeService('untrusted');
        return s.deployments![0]!.failedTasks! >= 2 ? s : undefined;
      },
      2_000,
    );
    const launchFailures = service.events!.filter((e) =>
      e.message!.startsWith(
        "(service untrusted) failed to launch a task with (error ECS was unable to assume the role 'arn:aws:iam::123456789012:role/ec2-only' that was provided for this task.",
      ),
    );
    assert.equal(launchFailures.length, service.deployments![0]!.failedTasks);
    const [task] = await tasksOf('untrusted', 'STOPPED');
    assert.equal(task!.stopCode, 'TaskFailedToStart');
    assert.match(task!.stoppedReason!, /^ECS was unable to assume the role/);
  });
});
