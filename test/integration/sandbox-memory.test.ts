/**
 * The OOM killer, as ECS reports it, on the sandbox's own clock: a container whose app uses more
 * memory than its hard limit (container `memory`, or the task's memory on Fargate) is killed with
 * exit code 137 and "OutOfMemoryError: Container killed due to memory usage"; an essential one stops
 * the task (EssentialContainerExited), the service replaces it and the circuit breaker counts it.
 * Soft limits (memoryReservation) and CPU limits kill nothing.
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
  type ContainerDefinition,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { clientsFor, stepUntil as stepUntilShared } from '../support/sandbox.js';

const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;

function stepUntil<T>(what: string, check: () => Promise<T | undefined>, steps = 1_000): Promise<T> {
  return stepUntilShared(sandbox, clock, what, check, steps);
}

async function tasksOf(service: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'mem', serviceName: service, desiredStatus })))
    .taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'mem', tasks: arns }))).tasks!;
}

async function describeService(service: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'mem', services: [service] }))).services![0]!;
}

async function deploy(service: string, app: Partial<ContainerDefinition>, breaker = false): Promise<void> {
  const taskDefinition = (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: service,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'app:1', essential: true, ...app }],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'mem',
      serviceName: service,
      taskDefinition,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: breaker, rollback: false } },
    }),
  );
}

function assertOomKilled(task: Task): void {
  assert.equal(task.stopCode, 'EssentialContainerExited');
  assert.equal(task.stoppedReason, 'Essential container in task exited');
  const app = task.containers!.find((c) => c.name === 'app')!;
  assert.equal(app.exitCode, 137);
  assert.equal(app.reason, 'OutOfMemoryError: Container killed due to memory usage');
  assert.ok(task.startedAt, 'it ran before it was killed');
}

describe('the OOM killer in the sandbox, as ECS reports it', () => {
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now });
    ({ ecs } = clientsFor(sandbox));
    await ecs.send(new CreateClusterCommand({ clusterName: 'mem' }));
  });
  after(() => sandbox.close());

  test('over its container memory limit: killed (137, OutOfMemoryError), replaced, and counted by the circuit breaker', async () => {
    // The app uses 128 MiB by default: a hard limit of 100 MiB is too low.
    await deploy('tight', { memory: 100 }, true);
    const failed = await stepUntil('the circuit breaker to fail the deployment', async () => {
      const s = await describeService('tight');
      return s.deployments![0]!.rolloutState === 'FAILED' ? s : undefined;
    });
    assert.equal(failed.deployments![0]!.rolloutStateReason, 'ECS deployment circuit breaker: tasks failed to start.');
    const stopped = await tasksOf('tight', 'STOPPED');
    assert.ok(stopped.length >= 3, `${stopped.length} tasks killed, each replaced`);
    for (const task of stopped) assertOomKilled(task);
  });

  test("over the task's memory on Fargate: the family's memory use set in the world kills it", async () => {
    sandbox.world.workload.setMemory('greedy', 'app', 600);
    await deploy('greedy', {});
    const [task] = await stepUntil('a task killed', async () => {
      const stopped = await tasksOf('greedy', 'STOPPED');
      return stopped.length > 0 ? stopped : undefined;
    });
    assertOomKilled(task!);
    const replacement = await stepUntil('a replacement', async () =>
      (await tasksOf('greedy', 'RUNNING')).find((t) => t.taskArn !== task!.taskArn),
    );
    assert.ok(replacement.createdAt! >= task!.stoppingAt!);
    // Giving it room again: the next task keeps running.
    sandbox.world.workload.setMemory('greedy', 'app', 256);
    const survivor = await stepUntil('a task that survives its memory growth', async () => {
      const running = (await tasksOf('greedy', 'RUNNING')).find((t) => t.lastStatus === 'RUNNING');
      if (!running) return undefined;
      clock.advance(1_000);
      const again = (await ecs.send(new DescribeTasksCommand({ cluster: 'mem', tasks: [running.taskArn!] })))
        .tasks![0]!;
      return again.lastStatus === 'RUNNING' ? again : undefined;
    });
    assert.equal(survivor.desiredStatus, 'RUNNING');
  });

  test('a soft limit (memoryReservation) and a small CPU share kill nothing', async () => {
    await deploy('soft', { memoryReservation: 64, cpu: 10 });
    const running = await stepUntil('the task RUNNING', async () =>
      (await tasksOf('soft', 'RUNNING')).find((t) => t.lastStatus === 'RUNNING'),
    );
    clock.advance(1_000);
    const later = (await ecs.send(new DescribeTasksCommand({ cluster: 'mem', tasks: [running.taskArn!] }))).tasks![0]!;
    assert.equal(later.lastStatus, 'RUNNING');
    assert.deepEqual(await tasksOf('soft', 'STOPPED'), []);
  });
});
