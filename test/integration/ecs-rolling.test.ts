import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { waitFor, withSandbox } from '../support/sandbox.js';

async function serviceTasks(ecs: ECSClient, cluster: string, service: string): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: service }))).taskArns ?? [];
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
}

describe('rolling deployments in the sandbox', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo' });
  });
  after(() => ctx.sandbox.close());

  test('a rolling update of 4 tasks with maximumPercent 150 / minimumHealthyPercent 100 stays within 4..6 tasks and completes on the new revision', async () => {
    await ctx.ecs.send(new CreateClusterCommand({ clusterName: 'roll' }));
    await ctx.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'roll-f',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'c', image: 'busybox' }],
      }),
    );
    const net = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'roll',
        serviceName: 'svc',
        taskDefinition: 'roll-f:1',
        desiredCount: 4,
        launchType: 'FARGATE',
        networkConfiguration: net,
        deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 100 },
      }),
    );
    await waitFor('4 running on roll-f:1', async () => {
      const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'roll', services: ['svc'] }))).services![0]!;
      return s.deployments![0]!.rolloutState === 'COMPLETED' && s.runningCount === 4 ? s : undefined;
    });
    const v2f = (
      await ctx.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'roll-f',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'c', image: 'busybox:2' }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
    const updated = await ctx.ecs.send(
      new UpdateServiceCommand({ cluster: 'roll', service: 'svc', taskDefinition: v2f }),
    );
    assert.equal(updated.service!.deployments!.length, 2);
    assert.equal(updated.service!.deployments![0]!.status, 'PRIMARY');
    assert.equal(updated.service!.deployments![1]!.status, 'ACTIVE');

    let polls = 0;
    let maxTotal = 0;
    let minRunning = Number.POSITIVE_INFINITY;
    let sawBoth = false;
    const done = await waitFor(
      'the rollout to complete',
      async () => {
        polls++;
        const tasks = await serviceTasks(ctx.ecs, 'roll', 'svc');
        const live = tasks.filter((t) => ['PROVISIONING', 'PENDING', 'RUNNING'].includes(t.lastStatus!));
        const running = tasks.filter((t) => t.lastStatus === 'RUNNING');
        maxTotal = Math.max(maxTotal, live.length);
        minRunning = Math.min(minRunning, running.length);
        if (running.some((t) => t.taskDefinitionArn === v2f) && running.some((t) => t.taskDefinitionArn !== v2f))
          sawBoth = true;
        const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'roll', services: ['svc'] })))
          .services![0]!;
        return s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
      },
      { everyMs: 10 },
    );
    assert.ok(polls >= 5, `polled ${polls} times during the rollout`);
    assert.ok(maxTotal <= 6, `at most 6 tasks at once (saw ${maxTotal})`);
    assert.ok(minRunning >= 4, `at least 4 healthy tasks at every poll (saw ${minRunning})`);
    assert.ok(sawBoth, 'old and new tasks ran side by side during the rollout');
    assert.equal(done.taskDefinition, v2f);
    assert.equal(done.runningCount, 4);
    const final = await serviceTasks(ctx.ecs, 'roll', 'svc');
    assert.ok(final.every((t) => t.taskDefinitionArn === v2f));
    assert.ok(
      done.events!.some((e) =>
        /^\(service svc\) \(deployment ecs-svc\/\d{19}\) deployment completed\.$/.test(e.message!),
      ),
    );
  });

  test('tasks move through their states with timestamps, group and startedBy', async () => {
    const tasks = await serviceTasks(ctx.ecs, 'demo', 'orders');
    assert.equal(tasks.length, 4);
    const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!;
    for (const t of tasks) {
      assert.equal(t.lastStatus, 'RUNNING');
      assert.equal(t.desiredStatus, 'RUNNING');
      assert.equal(t.group, 'service:orders');
      assert.equal(t.startedBy, s.deployments![0]!.id);
      assert.equal(t.launchType, 'FARGATE');
      assert.ok(t.createdAt! <= t.pullStartedAt! && t.pullStartedAt! <= t.startedAt!);
      assert.equal(t.attachments![0]!.type, 'ElasticNetworkInterface');
    }
    // StopTask: the task drains through DEACTIVATING/STOPPING to STOPPED and the service replaces it.
    const victim = tasks[0]!;
    const stopped = await ctx.ecs.send(new StopTaskCommand({ cluster: 'demo', task: victim.taskArn!, reason: 'test' }));
    assert.equal(stopped.task!.desiredStatus, 'STOPPED');
    const seen = new Set<string>();
    const final = await waitFor(
      'the task to stop',
      async () => {
        const t = (await ctx.ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [victim.taskArn!] })))
          .tasks![0]!;
        seen.add(t.lastStatus!);
        return t.lastStatus === 'STOPPED' ? t : undefined;
      },
      { everyMs: 5 },
    );
    assert.equal(final.stopCode, 'UserInitiated');
    assert.equal(final.stoppedReason, 'test');
    assert.ok(final.stoppingAt! <= final.stoppedAt!);
    assert.ok(seen.has('DEACTIVATING') || seen.has('STOPPING'), `saw ${[...seen].join(', ')}`);
    await waitFor('a replacement', async () => {
      const now = await serviceTasks(ctx.ecs, 'demo', 'orders');
      return now.filter((t) => t.lastStatus === 'RUNNING').length === 4 &&
        !now.some((t) => t.taskArn === victim.taskArn)
        ? now
        : undefined;
    });
    const stoppedList = await ctx.ecs.send(
      new ListTasksCommand({ cluster: 'demo', serviceName: 'orders', desiredStatus: 'STOPPED' }),
    );
    assert.ok(stoppedList.taskArns!.includes(victim.taskArn!));
  });

  test('the EC2 service runs on the container instance', async () => {
    const tasks = await serviceTasks(ctx.ecs, 'demo', 'billing');
    assert.equal(tasks.length, 2);
    for (const t of tasks) {
      assert.equal(t.launchType, 'EC2');
      assert.match(
        t.containerInstanceArn!,
        /^arn:aws:ecs:us-east-1:123456789012:container-instance\/demo\/[0-9a-f]{32}$/,
      );
    }
  });

  test('a task role that does not trust ecs-tasks makes tasks stop before RUNNING, and the circuit breaker rolls back', async () => {
    const original = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!;
    const base = await ctx.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'orders',
        taskRoleArn: 'arn:aws:iam::123456789012:role/untrusted-role',
        executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'orders:bad' }],
      }),
    );
    const bad = base.taskDefinition!.taskDefinitionArn!;
    await ctx.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders', taskDefinition: bad }));
    const failed = await waitFor(
      'the deployment to fail',
      async () => {
        const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
          .services![0]!;
        const d = s.deployments!.find((x) => x.taskDefinition === bad);
        return d?.rolloutState === 'FAILED' ? s : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const badDeployment = failed.deployments!.find((d) => d.taskDefinition === bad)!;
    assert.ok(badDeployment.failedTasks! >= 3, `failedTasks ${badDeployment.failedTasks}`);
    assert.match(badDeployment.rolloutStateReason!, /circuit breaker/);
    assert.ok(
      failed.events!.some((e) =>
        e.message!.includes("ECS was unable to assume the role 'arn:aws:iam::123456789012:role/untrusted-role'"),
      ),
    );
    const stopped = await ctx.ecs.send(
      new ListTasksCommand({ cluster: 'demo', serviceName: 'orders', desiredStatus: 'STOPPED' }),
    );
    const described = (await ctx.ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: stopped.taskArns! })))
      .tasks!;
    const failedTask = described.find((t) => t.taskDefinitionArn === bad)!;
    assert.equal(failedTask.stopCode, 'TaskFailedToStart');
    assert.equal(failedTask.startedAt, undefined, 'it never ran');
    assert.match(failedTask.stoppedReason!, /unable to assume the role/);
    // Rolled back to the original revision, which keeps serving throughout.
    const back = await waitFor(
      'the rollback to complete',
      async () => {
        const s = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
          .services![0]!;
        return s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(back.taskDefinition, original.taskDefinition);
    assert.equal(back.runningCount, 4);
    assert.ok(back.events!.some((e) => /rolling back to deployment/.test(e.message!)));
  });
});
