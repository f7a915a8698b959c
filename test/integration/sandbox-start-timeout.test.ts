/**
 * startTimeout, as the ECS agent's dependency graph applies it: a container that depends on another
 * being HEALTHY gives up when that dependency is not healthy within its startTimeout, and the task
 * stops without running (TaskFailedToStart); a startTimeout long enough lets it start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { awsDelayMs } from '../../sandbox/core/clock.js';
import { clientsFor, stepUntil as stepUntilShared } from '../support/sandbox.js';

const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;

function stepUntil<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  return stepUntilShared(sandbox, clock, what, check, 500);
}

async function tasksOf(service: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'deps', serviceName: service, desiredStatus })))
    .taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'deps', tasks: arns }))).tasks!;
}

/** A service whose `app` waits for `init` to be HEALTHY (health check every 30 s) within `startTimeout`. */
async function deploy(service: string, startTimeout: number): Promise<void> {
  const taskDefinition = (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: service,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'init',
            image: 'init:1',
            essential: false,
            startTimeout,
            healthCheck: { command: ['CMD-SHELL', 'true'], interval: 30 },
          },
          {
            name: 'app',
            image: 'app:1',
            essential: true,
            dependsOn: [{ containerName: 'init', condition: 'HEALTHY' }],
          },
        ],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'deps',
      serviceName: service,
      taskDefinition,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    }),
  );
}

describe('startTimeout of a container dependency in the sandbox', () => {
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now });
    ({ ecs } = clientsFor(sandbox));
    await ecs.send(new CreateClusterCommand({ clusterName: 'deps' }));
  });
  after(() => sandbox.close());

  test('a dependency not HEALTHY within its startTimeout: the task gives up after it, TaskFailedToStart', async () => {
    await deploy('too-short', 10);
    const [task] = await stepUntil('a stopped task', async () => {
      const stopped = await tasksOf('too-short', 'STOPPED');
      return stopped.length > 0 ? stopped : undefined;
    });
    assert.equal(task!.stopCode, 'TaskFailedToStart');
    assert.equal(task!.startedAt, undefined);
    const reason = 'dependency graph: container ordering dependency [init] for target [app] has timed out.';
    assert.equal(task!.stoppedReason, reason);
    assert.equal(task!.containers!.find((c) => c.name === 'app')!.reason, reason);
    const waited = task!.stoppedAt!.getTime() - task!.pullStartedAt!.getTime();
    assert.ok(waited >= awsDelayMs(sandbox.world.pace, 10), `gave up after ${waited} ms`);
  });

  test('a startTimeout longer than the first health check: the task runs', async () => {
    await deploy('long-enough', 60);
    const running = await stepUntil('the task RUNNING', async () =>
      (await tasksOf('long-enough', 'RUNNING')).find((t) => t.lastStatus === 'RUNNING'),
    );
    assert.ok(running.startedAt);
    assert.deepEqual(await tasksOf('long-enough', 'STOPPED'), []);
  });
});
