/**
 * Deployment alarms (`deploymentConfiguration.alarms`), driven on the sandbox's own clock: checked
 * as botocore models them, returned by DescribeServices, a bake time before COMPLETED, and an alarm
 * in ALARM during a deployment fails it and rolls it back to the last completed deployment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import { AWS_SECONDS, awsDelayMs, ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { clientsFor, rejectsWith, stepUntil as stepUntilShared } from '../support/sandbox.js';

const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;
let cloudwatch: CloudWatchClient;

/** Moves the sandbox's clock until `check` answers (see test/support's stepUntil). */
function stepUntil<T>(what: string, check: () => Promise<T | undefined>, steps = 500, stepMs?: number): Promise<T> {
  return stepUntilShared(sandbox, clock, what, check, steps, stepMs);
}

async function describeService(service: string): Promise<Service> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'alarms', services: [service] }))).services![0]!;
}

async function register(image: string): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'guarded',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image }],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

function create(name: string, taskDefinition: string, deploymentConfiguration: DeploymentConfiguration, extra = {}) {
  return ecs.send(
    new CreateServiceCommand({
      cluster: 'alarms',
      serviceName: name,
      taskDefinition,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      deploymentConfiguration,
      ...extra,
    }),
  );
}

describe('deployment alarms in the sandbox, on its own clock', () => {
  let v1: string;
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now });
    ({ ecs } = clientsFor(sandbox));
    cloudwatch = new CloudWatchClient({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: sandbox.credentials,
      maxAttempts: 1,
    });
    await ecs.send(new CreateClusterCommand({ clusterName: 'alarms' }));
    v1 = await register('app:1');
    // No metric ever reaches this alarm and missing data is ignored: it keeps the state it is set to.
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'guarded-5xx',
        Namespace: 'Test/Guarded',
        MetricName: 'Errors5xx',
        Statistic: 'Sum',
        Period: 10,
        EvaluationPeriods: 2,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'guarded-5xx', StateValue: 'OK', StateReason: 'test' }),
    );
  });
  after(() => sandbox.close());

  test('alarms are checked as botocore models them and returned as given', async () => {
    const refused = async (alarms: unknown, code: string, message: RegExp, controller?: 'CODE_DEPLOY') => {
      const error = await rejectsWith(
        create(
          'refused',
          v1,
          { alarms } as DeploymentConfiguration,
          controller ? { deploymentController: { type: controller } } : {},
        ),
        code,
      );
      assert.match(error.message, message);
    };
    await refused({ alarmNames: ['a'], enable: true }, 'InvalidParameterException', /alarms\.rollback is required/);
    await refused({ enable: true, rollback: false }, 'InvalidParameterException', /alarms\.alarmNames is required/);
    await refused({ alarmNames: ['a'], enable: 'yes', rollback: false }, 'SerializationException', /boolean/);
    await refused({ alarmNames: [''], enable: true, rollback: false }, 'InvalidParameterException', /1 to 255/);
    await refused(
      { alarmNames: ['a'], enable: true, rollback: true },
      'InvalidParameterException',
      /only supported for services that use the ECS deployment controller/,
      'CODE_DEPLOY',
    );
    const created = await create('plain-config', v1, { maximumPercent: 200 });
    assert.equal(created.service!.deploymentConfiguration!.alarms, undefined, 'no alarms unless set');
  });

  test("with alarms the rollout bakes (the alarms' longest Period × EvaluationPeriods) before COMPLETED; an alarm in ALARM during the next deployment fails it and rolls back", async () => {
    const alarms = { alarmNames: ['guarded-5xx'], enable: true, rollback: true };
    await create('guarded', v1, { minimumHealthyPercent: 100, maximumPercent: 200, alarms });
    assert.deepEqual((await describeService('guarded')).deploymentConfiguration!.alarms, alarms);
    const steadyAt = await stepUntil('both tasks running and healthy', async () => {
      const arns = (await ecs.send(new ListTasksCommand({ cluster: 'alarms', serviceName: 'guarded' }))).taskArns!;
      if (arns.length !== 2) return undefined;
      const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'alarms', tasks: arns }))).tasks!;
      // Healthy 40 s (scaled) after RUNNING.
      const started = tasks.map((t) => t.startedAt?.getTime());
      if (started.some((s) => s === undefined)) return undefined;
      const healthyAt = Math.max(...(started as number[])) + awsDelayMs(sandbox.world.pace, AWS_SECONDS.runningGrace);
      return clock.now() >= healthyAt ? clock.now() : undefined;
    });
    const baking = await describeService('guarded');
    assert.equal(baking.deployments![0]!.rolloutState, 'IN_PROGRESS', 'steady, but baking');
    const first = await stepUntil(
      'the first deployment to complete after its bake time',
      async () => {
        const s = await describeService('guarded');
        return s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
      },
      300,
      100,
    );
    const completedAt = first.events!.find((e) => e.message!.endsWith('deployment completed.'))!.createdAt!.getTime();
    assert.ok(completedAt >= steadyAt + 20_000 - 2 * sandbox.world.pace.tickMs, 'baked for 2 × 10 s (unscaled)');
    const firstId = first.deployments![0]!.id!;

    const v2 = await register('app:2');
    await ecs.send(new UpdateServiceCommand({ cluster: 'alarms', service: 'guarded', taskDefinition: v2 }));
    await stepUntil('a task of the new revision RUNNING', async () => {
      const s = await describeService('guarded');
      return s.deployments![0]!.runningCount! > 0 ? true : undefined;
    });
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'guarded-5xx',
        StateValue: 'ALARM',
        StateReason: 'errors after the deploy',
      }),
    );
    const failed = await stepUntil('the deployment to fail', async () => {
      const s = await describeService('guarded');
      return s.deployments!.find((d) => d.taskDefinition === v2)?.rolloutState === 'FAILED' ? s : undefined;
    });
    const bad = failed.deployments!.find((d) => d.taskDefinition === v2)!;
    assert.equal(bad.status, 'ACTIVE');
    assert.equal(bad.rolloutStateReason, 'ECS deployment failed: alarm(s) detected: guarded-5xx.');
    const rollback = failed.deployments![0]!;
    assert.equal(rollback.status, 'PRIMARY');
    assert.equal(rollback.taskDefinition, v1);
    assert.equal(rollback.rolloutState, 'IN_PROGRESS');
    assert.equal(rollback.rolloutStateReason, `ECS deployment alarms: rolling back to deploymentId ${firstId}.`);
    const messages = failed.events!.map((e) => e.message);
    assert.ok(messages.includes(`(service guarded) (deployment ${bad.id}) deployment failed: alarm detected.`));
    assert.ok(messages.includes(`(service guarded) rolling back to deployment ${rollback.id}.`));

    // The bad tasks are gone once the alarm is back to OK and the rollback has baked.
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'guarded-5xx', StateValue: 'OK', StateReason: 'recovered' }),
    );
    const back = await stepUntil(
      'the rollback to complete',
      async () => {
        const s = await describeService('guarded');
        return s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED' ? s : undefined;
      },
      400,
      100,
    );
    assert.equal(back.taskDefinition, v1);
    assert.equal(back.deployments![0]!.id, rollback.id);
    assert.equal(back.runningCount, 2);
  });
});
