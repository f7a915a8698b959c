/**
 * Task health as ECS counts it, driven tick by tick on the sandbox's own clock: the 40 s (scaled) a
 * task without health checks waits before it counts, container health checks from UNKNOWN to
 * HEALTHY, and an app that turns unhealthy replaced by ECS.
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
  UpdateServiceCommand,
  type ContainerDefinition,
  type ECSClient,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateRoleCommand, DeleteRolePolicyCommand, PutRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { AWS_SECONDS, awsDelayMs, ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { clientsFor } from '../support/sandbox.js';

const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;
let iam: IAMClient;

/** Moves the sandbox's clock one tick at a time until `check` answers; at most `ticks` ticks. */
async function tickUntil<T>(what: string, check: () => Promise<T | undefined>, ticks = 500): Promise<T> {
  for (let i = 0; i <= ticks; i++) {
    const value = await check();
    if (value !== undefined) return value;
    clock.advance(sandbox.world.pace.tickMs);
  }
  throw new Error(`${what}: not within ${ticks} ticks of the sandbox's clock`);
}

async function describeService(cluster: string, service: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0]!;
}

async function tasksOf(cluster: string, service: string, desiredStatus?: 'STOPPED'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus }))).taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks!;
}

async function register(family: string, container: Partial<ContainerDefinition> = {}, taskRoleArn?: string) {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      taskRoleArn,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/docker/library/busybox:1', ...container }],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

async function createService(service: string, taskDefinition: string, extra: Record<string, unknown> = {}) {
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'health',
      serviceName: service,
      taskDefinition,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      ...extra,
    }),
  );
}

const completed = (s: Service): boolean =>
  s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED';

describe('an explicit pace scale', () => {
  test('shortens every AWS delay: 40 s at 1/1000 is 40 ms; a scale above 1 or not above 0 is refused', async () => {
    await assert.rejects(startSandbox({ pace: { scale: 0 } }), /pace scale must be above 0 and at most 1/);
    await assert.rejects(startSandbox({ pace: { scale: 2 } }), /pace scale must be above 0 and at most 1/);
    const own = new ManualClock();
    const scaled = await startSandbox({ pace: { scale: 1 / 1000 }, now: own.now });
    try {
      assert.equal(awsDelayMs(scaled.world.pace, AWS_SECONDS.runningGrace), 40);
      assert.equal(scaled.world.pace.tickMs, 20, "the other timings are the fast pace's");
      const client = clientsFor(scaled).ecs;
      await client.send(new CreateClusterCommand({ clusterName: 'scaled' }));
      const def = await client.send(
        new RegisterTaskDefinitionCommand({
          family: 'scaled',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'app', image: 'app:1' }],
        }),
      );
      await client.send(
        new CreateServiceCommand({
          cluster: 'scaled',
          serviceName: 'scaled',
          taskDefinition: def.taskDefinition!.taskDefinitionArn!,
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        }),
      );
      let done: Service | undefined;
      for (let i = 0; i < 100 && !done; i++) {
        own.advance(scaled.world.pace.tickMs);
        const s = (await client.send(new DescribeServicesCommand({ cluster: 'scaled', services: ['scaled'] })))
          .services![0]!;
        if (completed(s)) done = s;
      }
      assert.ok(done, 'the rollout completes within 100 ticks');
      const arns = (await client.send(new ListTasksCommand({ cluster: 'scaled', serviceName: 'scaled' }))).taskArns!;
      const [task] = (await client.send(new DescribeTasksCommand({ cluster: 'scaled', tasks: arns }))).tasks!;
      const completedAt = done.events!.find((e) => e.message!.endsWith('deployment completed.'))!.createdAt!.getTime();
      const afterRunning = completedAt - task!.startedAt!.getTime();
      assert.ok(afterRunning >= 40 && afterRunning < 80, `completed ${afterRunning} ms after RUNNING`);
    } finally {
      await scaled.close();
    }
  });
});

describe('task health in the sandbox, on its own clock', () => {
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now });
    ({ ecs, iam } = clientsFor(sandbox));
    await ecs.send(new CreateClusterCommand({ clusterName: 'health' }));
  });
  after(() => sandbox.close());

  test('without health checks a task counts as healthy 40 s (scaled) after RUNNING: the rollout completes no sooner, and old tasks stop no sooner', async () => {
    const grace = awsDelayMs(sandbox.world.pace, AWS_SECONDS.runningGrace);
    assert.equal(grace, 80, '40 s on AWS is 80 ms at the fast pace (1/500)');
    const v1 = await register('plain');
    await createService('plain', v1, { desiredCount: 2 });
    const running = await tickUntil('two RUNNING tasks', async () => {
      const tasks = await tasksOf('health', 'plain');
      return tasks.length === 2 && tasks.every((t) => t.lastStatus === 'RUNNING') ? tasks : undefined;
    });
    const lastStart = Math.max(...running.map((t) => t.startedAt!.getTime()));
    assert.equal((await describeService('health', 'plain')).deployments![0]!.rolloutState, 'IN_PROGRESS');
    const done = await tickUntil('the first rollout to complete', async () => {
      const s = await describeService('health', 'plain');
      return completed(s) ? s : undefined;
    });
    const completedAt = done.events!.find((e) => e.message!.endsWith('deployment completed.'))!.createdAt!.getTime();
    assert.ok(completedAt >= lastStart + grace, `completed ${completedAt - lastStart} ms after RUNNING`);
    assert.equal(done.deployments![0]!.rolloutStateReason, `ECS deployment ${done.deployments![0]!.id} completed.`);
    for (const t of running) {
      assert.equal(t.healthStatus, 'UNKNOWN', 'no health check: ECS reports UNKNOWN');
      assert.equal(t.containers![0]!.healthStatus, 'UNKNOWN');
    }

    // minimumHealthyPercent 100, maximumPercent 150: one new task first; no old task stops before it counts.
    const v2 = await register('plain', { image: 'public.ecr.aws/docker/library/busybox:2' });
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'health',
        service: 'plain',
        taskDefinition: v2,
        deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 150 },
      }),
    );
    const fresh = await tickUntil('a task of the new revision RUNNING', async () => {
      const t = (await tasksOf('health', 'plain')).find((x) => x.taskDefinitionArn === v2);
      return t?.lastStatus === 'RUNNING' ? t : undefined;
    });
    const firstStop = await tickUntil('an old task to stop', async () => {
      const stopping = (await tasksOf('health', 'plain', 'STOPPED')).filter((t) => t.taskDefinitionArn === v1);
      const tasks = await tasksOf('health', 'plain');
      if (clock.now() < fresh.startedAt!.getTime() + grace) {
        assert.equal(stopping.length, 0, 'an old task stopped while the new one did not count yet');
        assert.equal(tasks.filter((t) => t.taskDefinitionArn === v1).length, 2);
      }
      return stopping[0];
    });
    assert.ok(firstStop.stoppingAt!.getTime() >= fresh.startedAt!.getTime() + grace);
    assert.equal(firstStop.stoppedReason, `Scaling activity initiated by (deployment ${fresh.startedBy})`);
  });

  test('an essential container health check: UNKNOWN until its first pass, then HEALTHY, which completes the rollout without the 40 s wait', async () => {
    const def = await register('checked', {
      healthCheck: { command: ['CMD-SHELL', 'wget -q -O- http://localhost:8080/ || exit 1'], interval: 10, retries: 2 },
    });
    await createService('checked', def);
    const started = await tickUntil('the task RUNNING', async () => {
      const t = (await tasksOf('health', 'checked'))[0];
      return t?.lastStatus === 'RUNNING' ? t : undefined;
    });
    assert.equal(started.healthStatus, 'UNKNOWN');
    assert.equal(started.containers![0]!.healthStatus, 'UNKNOWN');
    const healthy = await tickUntil('the task HEALTHY', async () => {
      const t = (await tasksOf('health', 'checked'))[0]!;
      return t.healthStatus === 'HEALTHY' ? t : undefined;
    });
    assert.equal(healthy.containers![0]!.healthStatus, 'HEALTHY');
    const firstCheck = started.startedAt!.getTime() + awsDelayMs(sandbox.world.pace, 10);
    assert.ok(clock.now() >= firstCheck, 'HEALTHY no sooner than one interval (10 s scaled) after the start');
    const done = await tickUntil('the rollout to complete', async () => {
      const s = await describeService('health', 'checked');
      return completed(s) ? s : undefined;
    });
    const completedAt = done.events!.find((e) => e.message!.endsWith('deployment completed.'))!.createdAt!.getTime();
    assert.ok(
      completedAt < started.startedAt!.getTime() + awsDelayMs(sandbox.world.pace, AWS_SECONDS.runningGrace),
      'a passing health check counts at once',
    );
  });

  test('an app that turns unhealthy fails its container health checks: ECS starts a replacement, then stops it with "Task failed container health checks"', async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'health-app',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::health-bucket/*' }],
    };
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'health-app', PolicyName: 'write', PolicyDocument: JSON.stringify(policy) }),
    );
    sandbox.world.workload.declare({
      cluster: 'health',
      service: 'flaky',
      calls: [{ action: 's3:PutObject', resource: 'arn:aws:s3:::health-bucket/{id}.json' }],
    });
    const def = await register(
      'flaky',
      { healthCheck: { command: ['CMD', '/bin/health'], interval: 5, retries: 3 } },
      'arn:aws:iam::123456789012:role/health-app',
    );
    await createService('flaky', def, { deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 } });
    const first = await tickUntil('the task HEALTHY and the rollout complete', async () => {
      const [t] = await tasksOf('health', 'flaky');
      return t?.healthStatus === 'HEALTHY' && completed(await describeService('health', 'flaky')) ? t : undefined;
    });

    // The app loses its permission: its calls fail, its health checks fail.
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'health-app', PolicyName: 'write' }));
    const unhealthy = await tickUntil(
      'the task UNHEALTHY',
      async () => {
        const t = (await ecs.send(new DescribeTasksCommand({ cluster: 'health', tasks: [first.taskArn!] }))).tasks![0]!;
        return t.healthStatus === 'UNHEALTHY' ? t : undefined;
      },
      2_000,
    );
    assert.equal(unhealthy.containers![0]!.healthStatus, 'UNHEALTHY');
    const stopped = await tickUntil('ECS to stop the unhealthy task', async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ cluster: 'health', tasks: [first.taskArn!] }))).tasks![0]!;
      return t.desiredStatus === 'STOPPED' ? t : undefined;
    });
    assert.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
    assert.equal(stopped.stoppedReason, 'Task failed container health checks');
    const service = await describeService('health', 'flaky');
    const messages = service.events!.map((e) => e.message!);
    assert.ok(
      messages.includes(`(service flaky) (task ${first.taskArn!.split('/').pop()}) failed container health checks.`),
    );
    const replacement = (await tasksOf('health', 'flaky')).find((t) => t.taskArn !== first.taskArn)!;
    assert.ok(replacement, 'a replacement runs');
    assert.ok(
      replacement.createdAt!.getTime() <= stopped.stoppingAt!.getTime(),
      'the replacement was started before the unhealthy task was stopped',
    );
    assert.ok(
      messages.some((m) =>
        m.includes(
          `has started 1 tasks: (task ${replacement.taskArn!.split('/').pop()}). Amazon ECS replaced 1 tasks due to an unhealthy status.`,
        ),
      ),
      messages.join('\n'),
    );
    assert.ok(service.deployments![0]!.failedTasks! >= 1, 'a task stopped for failed health checks is a failed task');
  });
});
