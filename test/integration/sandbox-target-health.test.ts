/**
 * The sandbox's Elastic Load Balancing v2 DescribeTargetHealth, on its own clock: a task of a
 * load-balanced service registers when it reaches RUNNING (`initial`, `Elb.RegistrationInProgress`,
 * then `Elb.InitialHealthChecking`), is `healthy` after healthyThresholdCount checks intervalSeconds
 * apart (scaled), `draining` from its StopTask for the deregistration delay, then gone (`unused`,
 * `Target.NotRegistered` when named); the errors and the authorization are ELB's.
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
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsDelayMs, ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { taskPrivateIp } from '../../src/faults/task-stop/targets.js';
import { clientsFor, rejectsWith, stepUntil as stepUntilShared } from '../support/sandbox.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef';
const SETTINGS = { healthyThresholdCount: 3, intervalSeconds: 10, deregistrationDelaySeconds: 60 };
const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;

const stepUntil = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> =>
  stepUntilShared(sandbox, clock, what, check, 2000);

async function targets(named?: Array<{ Id: string; Port?: number }>): Promise<TargetHealthDescription[]> {
  return (
    (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG, ...(named && { Targets: named }) })))
      .TargetHealthDescriptions ?? []
  );
}

async function describeTask(arn: string): Promise<Task> {
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'tg', tasks: [arn] }))).tasks![0]!;
}

describe("the sandbox's DescribeTargetHealth", () => {
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now, targetGroups: { [TG]: SETTINGS } });
    ({ ecs } = clientsFor(sandbox));
    elb = new ElasticLoadBalancingV2Client({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: sandbox.credentials,
    });
    await ecs.send(new CreateClusterCommand({ clusterName: 'tg' }));
    const taskDefinition = (
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'api',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'api', image: 'api:1', portMappings: [{ containerPort: 8080 }] }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'tg',
        serviceName: 'api',
        taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        loadBalancers: [{ targetGroupArn: TG, containerName: 'api', containerPort: 8080 }],
      }),
    );
  });
  after(async () => {
    elb.destroy();
    await sandbox.close();
  });

  test('initial, healthy after the threshold, draining for the delay, then not registered', async () => {
    const task = await stepUntil('the task RUNNING', async () => {
      const arns = (await ecs.send(new ListTasksCommand({ cluster: 'tg', serviceName: 'api' }))).taskArns!;
      const t = arns.length > 0 ? await describeTask(arns[0]!) : undefined;
      return t?.lastStatus === 'RUNNING' ? t : undefined;
    });
    const ip = taskPrivateIp(task)!;
    const registered = await targets();
    assert.deepEqual(
      registered.map((t) => [t.Target?.Id, t.Target?.Port, t.TargetHealth?.State, t.TargetHealth?.Reason]),
      [[ip, 8080, 'initial', 'Elb.RegistrationInProgress']],
    );
    const runningAt = clock.now();
    await stepUntil('one check passed', async () =>
      (await targets())[0]?.TargetHealth?.Reason === 'Elb.InitialHealthChecking' ? true : undefined,
    );
    await stepUntil('healthy', async () =>
      (await targets())[0]?.TargetHealth?.State === 'healthy' ? true : undefined,
    );
    const healthyAfter = clock.now() - runningAt;
    const threshold = awsDelayMs(sandbox.world.pace, SETTINGS.healthyThresholdCount * SETTINGS.intervalSeconds);
    assert.ok(healthyAfter >= threshold, `healthy ${healthyAfter} ms after RUNNING, ${threshold} ms at the least`);
    assert.equal((await targets())[0]?.TargetHealth?.Reason, undefined, 'healthy has no reason');

    await ecs.send(new StopTaskCommand({ cluster: 'tg', task: task.taskArn!, reason: 'target health test' }));
    const draining = await targets([{ Id: ip, Port: 8080 }]);
    assert.equal(draining[0]?.TargetHealth?.State, 'draining');
    assert.equal(draining[0]?.TargetHealth?.Reason, 'Target.DeregistrationInProgress');
    const stoppedAt = clock.now();
    await stepUntil('the task past its deregistration delay', async () => {
      const t = await describeTask(task.taskArn!);
      return t.lastStatus === 'STOPPING' || t.lastStatus === 'STOPPED' ? t : undefined;
    });
    assert.ok(clock.now() - stoppedAt >= awsDelayMs(sandbox.world.pace, SETTINGS.deregistrationDelaySeconds));
    assert.ok(!(await targets()).some((t) => t.Target?.Id === ip), 'a deregistered target is not listed');
    const named = await targets([{ Id: ip, Port: 8080 }]);
    assert.deepEqual(
      named.map((t) => [t.Target?.Id, t.TargetHealth?.State, t.TargetHealth?.Reason]),
      [[ip, 'unused', 'Target.NotRegistered']],
    );
  });

  test("ELB's errors, and the caller's permission", async () => {
    await rejectsWith(
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG.replace('/api/', '/nope/') })),
      'TargetGroupNotFoundException',
    );
    await rejectsWith(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'web' })), 'ValidationError');
    await rejectsWith(
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG, Targets: [{ Id: 'api-1' }] })),
      'InvalidTargetException',
    );
    const iam = sandbox.world.iam;
    const key = { accessKeyId: 'AKIAREADSNOTARGETS01', secretAccessKey: 'reads-no-targets-secret-reads-no-targ01' };
    iam.createUser('ecs-reader');
    iam.createAccessKey('ecs-reader', key);
    const policy = iam.createPolicy({
      policyName: 'ecs-only',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] },
    });
    iam.attachUserPolicy('ecs-reader', policy.arn);
    const reader = new ElasticLoadBalancingV2Client({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: key,
    });
    try {
      const denied = await rejectsWith(
        reader.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG })),
        'AccessDenied',
      );
      assert.match(
        denied.message,
        /not authorized to perform: elasticloadbalancing:DescribeTargetHealth on resource: \*/,
      );
    } finally {
      reader.destroy();
    }
  });
});
