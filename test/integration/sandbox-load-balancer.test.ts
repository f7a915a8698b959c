/**
 * A service behind a load balancer, driven on the sandbox's own clock: its tasks count once their
 * target is healthy (healthy threshold × interval, scaled), a stopping task stays DEACTIVATING for
 * its target group's deregistration delay, an unhealthy target is ignored during the grace period
 * and then replaced; the loadBalancers are checked as ECS checks them.
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
  type ECSClient,
  type LoadBalancer,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { awsDelayMs, ManualClock, startSandbox, TARGET_GROUP_DEFAULTS, type Sandbox } from '../../sandbox/index.js';
import { clientsFor, rejectsWith } from '../support/sandbox.js';

const TG_WEB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const TG_SICK = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/sick/fedcba9876543210';
const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;
let web: string;

/** Moves the sandbox's clock one tick at a time until `check` answers; at most `ticks` ticks. */
async function tickUntil<T>(what: string, check: () => Promise<T | undefined>, ticks = 500): Promise<T> {
  for (let i = 0; i <= ticks; i++) {
    const value = await check();
    if (value !== undefined) return value;
    clock.advance(sandbox.world.pace.tickMs);
  }
  throw new Error(`${what}: not within ${ticks} ticks of the sandbox's clock`);
}

async function describeService(service: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'lb', services: [service] }))).services![0]!;
}

async function describeTask(taskArn: string): Promise<Task> {
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'lb', tasks: [taskArn] }))).tasks![0]!;
}

async function runningTasks(service: string): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'lb', serviceName: service }))).taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'lb', tasks: arns }))).tasks!;
}

function createService(name: string, loadBalancers: LoadBalancer[], extra: Record<string, unknown> = {}) {
  return ecs.send(
    new CreateServiceCommand({
      cluster: 'lb',
      serviceName: name,
      taskDefinition: web,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      loadBalancers,
      ...extra,
    }),
  );
}

const completedAt = (s: Service): number | undefined =>
  s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED'
    ? s.events!.find((e) => e.message!.endsWith('deployment completed.'))!.createdAt!.getTime()
    : undefined;

describe('a load-balanced service in the sandbox, on its own clock', () => {
  before(async () => {
    sandbox = await startSandbox({
      pace: 'fast',
      now: clock.now,
      targetGroups: { [TG_WEB]: { deregistrationDelaySeconds: 60 } },
    });
    ({ ecs } = clientsFor(sandbox));
    await ecs.send(new CreateClusterCommand({ clusterName: 'lb' }));
    web = (
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'web', image: 'nginx:1', portMappings: [{ containerPort: 8080 }] }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
  });
  after(() => sandbox.close());

  test('a task counts once its target is healthy (5 × 30 s scaled); a stopping task stays DEACTIVATING for the deregistration delay (60 s scaled)', async () => {
    const pace = sandbox.world.pace;
    const targetHealthy = awsDelayMs(
      pace,
      TARGET_GROUP_DEFAULTS.healthyThresholdCount * TARGET_GROUP_DEFAULTS.intervalSeconds,
    );
    assert.equal(targetHealthy, 300, '150 s on AWS is 300 ms at the fast pace');
    await createService('web', [{ targetGroupArn: TG_WEB, containerName: 'web', containerPort: 8080 }]);
    const first = await tickUntil('the task RUNNING', async () => {
      const [t] = await runningTasks('web');
      return t?.lastStatus === 'RUNNING' ? t : undefined;
    });
    const done = await tickUntil('the rollout to complete', async () => completedAt(await describeService('web')));
    assert.ok(
      done >= first.startedAt!.getTime() + targetHealthy,
      `completed ${done - first.startedAt!.getTime()} ms after RUNNING`,
    );
    const described = await describeService('web');
    assert.deepEqual(described.loadBalancers, [{ targetGroupArn: TG_WEB, containerName: 'web', containerPort: 8080 }]);
    assert.ok(
      described.events!.some((e) => e.message === `(service web) registered 1 targets in (target-group ${TG_WEB})`),
    );
    assert.equal(first.healthStatus, 'UNKNOWN', 'the target health is not the task healthStatus');

    // A new deployment: the old task stops only once the new target is healthy, then drains.
    await ecs.send(new UpdateServiceCommand({ cluster: 'lb', service: 'web', forceNewDeployment: true }));
    const next = await tickUntil('the new task RUNNING', async () => {
      const t = (await runningTasks('web')).find((x) => x.taskArn !== first.taskArn);
      return t?.lastStatus === 'RUNNING' ? t : undefined;
    });
    const draining = await tickUntil('the old task DEACTIVATING', async () => {
      const t = await describeTask(first.taskArn!);
      return t.lastStatus === 'DEACTIVATING' ? t : undefined;
    });
    assert.ok(draining.stoppingAt!.getTime() >= next.startedAt!.getTime() + targetHealthy);
    const delay = awsDelayMs(pace, 60);
    assert.equal(delay, 120);
    const drained = await tickUntil('the old task to leave DEACTIVATING', async () => {
      const t = await describeTask(first.taskArn!);
      return t.lastStatus !== 'DEACTIVATING' ? clock.now() : undefined;
    });
    const stoppingAt = draining.stoppingAt!.getTime();
    assert.ok(drained >= stoppingAt + delay, `DEACTIVATING for ${drained - stoppingAt} ms`);
    assert.ok(drained < stoppingAt + delay + 2 * pace.tickMs, `DEACTIVATING for ${drained - stoppingAt} ms`);
    const events = (await describeService('web')).events!.map((e) => e.message);
    assert.ok(events.includes(`(service web) deregistered 1 targets in (target-group ${TG_WEB})`));
    await tickUntil('the second rollout to complete', async () => completedAt(await describeService('web')));
  });

  test('an unhealthy target is ignored during healthCheckGracePeriodSeconds, then its task is replaced: "Task failed ELB health checks"', async () => {
    const pace = sandbox.world.pace;
    sandbox.world.targetGroups.configure(TG_SICK, { deregistrationDelaySeconds: 0, intervalSeconds: 10 });
    // The app's only call is refused (no task role: no credentials), so it answers no health check.
    sandbox.world.workload.declare({
      cluster: 'lb',
      service: 'sick',
      calls: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key' }],
    });
    await createService('sick', [{ targetGroupArn: TG_SICK, containerName: 'web', containerPort: 8080 }], {
      healthCheckGracePeriodSeconds: 120,
    });
    const grace = awsDelayMs(pace, 120);
    const unhealthyAfter = awsDelayMs(pace, TARGET_GROUP_DEFAULTS.unhealthyThresholdCount * 10);
    assert.ok(unhealthyAfter < grace, 'the target is unhealthy well before the grace period ends');
    const task = await tickUntil('the task RUNNING', async () => {
      const [t] = await runningTasks('sick');
      return t?.lastStatus === 'RUNNING' ? t : undefined;
    });
    const stopped = await tickUntil('ECS to stop the task', async () => {
      const t = await describeTask(task.taskArn!);
      return t.desiredStatus === 'STOPPED' ? t : undefined;
    });
    assert.ok(
      stopped.stoppingAt!.getTime() >= task.startedAt!.getTime() + grace,
      'not replaced during the grace period',
    );
    assert.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
    assert.equal(stopped.stoppedReason, `Task failed ELB health checks in (target-group ${TG_SICK})`);
    const events = (await describeService('sick')).events!.map((e) => e.message);
    assert.ok(
      events.includes(
        `(service sick) (task ${task.taskArn!.split('/').pop()}) (port 8080) is unhealthy in (target-group ${TG_SICK}) due to (reason Health checks failed).`,
      ),
      events.join('\n'),
    );
  });

  test('loadBalancers are checked as ECS checks them, and target groups can be configured over HTTP', async () => {
    const bad = async (lb: LoadBalancer, message: RegExp) => {
      const error = await rejectsWith(createService('bad', [lb]), 'InvalidParameterException');
      assert.match(error.message, message);
    };
    await bad(
      { targetGroupArn: 'arn:aws:iam::123456789012:role/web', containerName: 'web', containerPort: 8080 },
      /Target group ARN .* is not valid/,
    );
    await bad(
      { targetGroupArn: TG_WEB, containerName: 'api', containerPort: 8080 },
      /The container api does not exist in the task definition/,
    );
    await bad(
      { targetGroupArn: TG_WEB, containerName: 'web', containerPort: 9090 },
      /The container web did not have a container port 9090 defined/,
    );
    await bad({ targetGroupArn: TG_WEB }, /containerName and containerPort must be specified/);

    const posted = await fetch(`${sandbox.endpoint}/_sandbox/target-groups`, {
      method: 'POST',
      body: JSON.stringify({ targetGroupArn: TG_WEB, healthyThresholdCount: 2 }),
    });
    assert.equal(posted.status, 200);
    assert.deepEqual(await posted.json(), {
      targetGroupArn: TG_WEB,
      deregistrationDelaySeconds: 60,
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 2,
      intervalSeconds: 30,
    });
    const refused = await fetch(`${sandbox.endpoint}/_sandbox/target-groups`, {
      method: 'POST',
      body: JSON.stringify({ targetGroupArn: TG_WEB, intervalSeconds: 1 }),
    });
    assert.equal(refused.status, 400);
    assert.match(
      ((await refused.json()) as { message: string }).message,
      /intervalSeconds must be an integer from 5 to 300/,
    );
  });
});
