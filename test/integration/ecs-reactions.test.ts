/**
 * ECS's own reactions are results: a deployment alarm that rolls the chaos back, chaos tasks that
 * crash, chaos tasks that fail to launch; each is reported with its evidence and none ends in Pass.
 * And the restore waits for draining behind a load balancer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { roleArn, runFault } from '../support/experiment.js';
import { waitFor, waitSteady, withSandbox } from '../support/sandbox.js';

const CHAOS_ROLE = roleArn('orders-chaos-role');

describe("ECS's reactions to the chaos, and draining", () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let ordersTd: string;
  let cloudwatch: CloudWatchClient;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    cloudwatch = new CloudWatchClient({
      endpoint: ctx.sandbox.endpoint,
      region: ctx.sandbox.region,
      credentials: ctx.sandbox.credentials,
    });
    ordersTd = (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] })))
      .services![0]!.taskDefinition!;
  });
  after(async () => {
    cloudwatch.destroy();
    await ctx.sandbox.close();
  });

  async function service(name: string) {
    return (await ctx.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name] }))).services![0]!;
  }

  async function tasksOf(family: string): Promise<Task[]> {
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const)
      arns.push(
        ...((await ctx.ecs.send(new ListTasksCommand({ cluster: 'demo', family, desiredStatus }))).taskArns ?? []),
      );
    if (arns.length === 0) return [];
    return (await ctx.ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? [];
  }

  test('a deployment alarm rolls the chaos back: reported with its evidence, verdict Fail, the service restored', async () => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'guarded-errors',
        Namespace: 'Test',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'guarded-errors', StateValue: 'OK', StateReason: 'test' }),
    );
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'guarded',
        taskDefinition: ordersTd,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          alarms: { alarmNames: ['guarded-errors'], enable: true, rollback: true },
        },
      }),
    );
    // The first deployment bakes for the alarm's period (10 s, not scaled: CloudWatch's clock).
    await waitSteady(ctx.ecs, 'demo', 'guarded', 60_000);
    const running = runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'guarded',
      taskRole: CHAOS_ROLE,
      exposure: 'rolling',
      duration: '60',
      interval: '60',
      restoreTimeout: '120',
    });
    // Once a chaos task runs, the alarm fires; once ECS rolled back, it clears.
    await waitFor(
      'a chaos task of guarded RUNNING',
      async () =>
        (await tasksOf('orders')).some(
          (t) => t.group === 'service:guarded' && t.taskDefinitionArn !== ordersTd && t.lastStatus === 'RUNNING',
        )
          ? true
          : undefined,
      { timeoutMs: 30_000 },
    );
    // ...and the run has looked at the tasks since (two polls), so it saw the chaos task RUNNING.
    const seen = ctx.sandbox.requests().at(-1)?.seq ?? 0;
    await waitFor('two polls of the run', async () =>
      ctx.sandbox.requests(seen).filter((r) => r.action === 'DescribeTasks').length >= 2 ? true : undefined,
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'guarded-errors',
        StateValue: 'ALARM',
        StateReason: 'errors during the chaos',
      }),
    );
    await waitFor(
      'the rollback',
      async () => ((await service('guarded')).deployments!.some((d) => d.rolloutState === 'FAILED') ? true : undefined),
      { timeoutMs: 30_000 },
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'guarded-errors', StateValue: 'OK', StateReason: 'recovered' }),
    );
    const { result } = await running;
    assert.equal(result.verdict, 'Fail', result.verdictReason);
    assert.match(result.verdictReason, /ECS reacted: a deployment alarm failed the chaos deployment/);
    const reaction = result.reactions!.find((r) => r.kind === 'alarm-rollback')!;
    assert.ok(reaction, JSON.stringify(result.reactions));
    assert.match(
      reaction.evidence.join('\n'),
      /rolloutState FAILED: .*alarm.*guarded-errors[\s\S]*rolled back to orders:1/,
    );
    assert.ok(result.timeline.some((e) => e.name === 'reaction' && /the hold ends early/.test(e.message)));
    assert.deepEqual(result.residue, { clean: true, items: [] });
    const after = await service('guarded');
    assert.equal(after.taskDefinition, ordersTd);
    assert.deepEqual(after.deploymentConfiguration!.alarms, {
      alarmNames: ['guarded-errors'],
      enable: true,
      rollback: true,
    });
    assert.equal(after.deploymentConfiguration!.maximumPercent, 200, 'the original limits restored after the rollback');
  });

  test('chaos tasks that crash (EssentialContainerExited) are a reaction with the exit code, never Pass', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    // Two refused calls per round of the app (ssm:GetParameter, s3:PutObject): it exits on its second round.
    ctx.sandbox.world.workload.setCrash('demo', 'orders', { afterAccessDenied: 4 });
    try {
      const { result } = await runFault(ctx.sandbox, {
        cluster: 'demo',
        service: 'orders',
        taskRole: CHAOS_ROLE,
        affectedPercent: '25',
        duration: '3',
        interval: '3',
      });
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(result.verdictReason, /ECS reacted: chaos tasks crashed \(an essential container exited\)/);
      const crash = result.reactions!.find((r) => r.kind === 'task-crash')!;
      assert.ok(crash.count >= 1);
      assert.match(
        crash.evidence[0]!,
        /EssentialContainerExited: Essential container in task exited; container \S+ exit code 1/,
      );
      assert.deepEqual(result.residue, { clean: true, items: [] });
      // The service's own tasks (the original role) never crashed.
      const crashedOriginal = (await tasksOf('orders')).filter(
        (t) => t.taskDefinitionArn === ordersTd && t.stopCode === 'EssentialContainerExited',
      );
      assert.deepEqual(crashedOriginal, []);
    } finally {
      ctx.sandbox.world.workload.setCrash('demo', 'orders', undefined);
    }
  });

  test('chaos tasks that cannot launch are a launch-failure reaction with ECS stopped reason', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const iam = ctx.sandbox.world.iam;
    const trust = (service: string) => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
    });
    // After preflight checked it, the chaos role stops trusting ECS tasks: its tasks cannot start.
    const breakTrust = (call: { action: string }): void => {
      if (call.action === 'RegisterTaskDefinition')
        iam.updateAssumeRolePolicy('orders-chaos-role', trust('ec2.amazonaws.com'));
    };
    ctx.sandbox.world.interceptors.push(breakTrust);
    try {
      const { result } = await runFault(ctx.sandbox, {
        cluster: 'demo',
        service: 'orders',
        taskRole: CHAOS_ROLE,
        affectedPercent: '25',
      });
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      assert.match(result.verdictReason, /failed to start: ECS was unable to assume the role/);
      const launch = result.reactions!.find((r) => r.kind === 'launch-failure')!;
      assert.match(launch.evidence[0]!, /TaskFailedToStart: ECS was unable to assume the role/);
      assert.deepEqual(result.residue, { clean: true, items: [] });
    } finally {
      ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(breakTrust), 1);
      iam.updateAssumeRolePolicy('orders-chaos-role', trust('ecs-tasks.amazonaws.com'));
    }
  });

  test("a circuit breaker that rolls the chaos back is reported as ECS's reaction, never Pass", async () => {
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'breaker',
        taskDefinition: ordersTd,
        desiredCount: 6,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
      }),
    );
    await waitSteady(ctx.ecs, 'demo', 'breaker', 60_000);
    const iam = ctx.sandbox.world.iam;
    const trust = (principal: string) => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: principal }, Action: 'sts:AssumeRole' }],
    });
    // All six chaos tasks fail to start together: the breaker's threshold (3) is crossed at once.
    const breakTrust = (call: { action: string }): void => {
      if (call.action === 'RegisterTaskDefinition')
        iam.updateAssumeRolePolicy('orders-chaos-role', trust('ec2.amazonaws.com'));
    };
    ctx.sandbox.world.interceptors.push(breakTrust);
    try {
      const { result } = await runFault(ctx.sandbox, { cluster: 'demo', service: 'breaker', taskRole: CHAOS_ROLE });
      assert.equal(result.verdict, 'Fail', result.verdictReason);
      const kinds = result.reactions!.map((r) => r.kind);
      assert.ok(kinds.includes('circuit-breaker-rollback'), JSON.stringify(result.reactions));
      assert.ok(kinds.includes('launch-failure'));
      const breaker = result.reactions!.find((r) => r.kind === 'circuit-breaker-rollback')!;
      assert.match(breaker.evidence.join('\n'), /circuit breaker[\s\S]*rolled back to orders:1/);
      assert.deepEqual(result.residue, { clean: true, items: [] });
      assert.equal((await service('breaker')).taskDefinition, ordersTd);
    } finally {
      ctx.sandbox.world.interceptors.splice(ctx.sandbox.world.interceptors.indexOf(breakTrust), 1);
      iam.updateAssumeRolePolicy('orders-chaos-role', trust('ecs-tasks.amazonaws.com'));
    }
  });

  test('behind a load balancer the restore waits for the chaos tasks to drain (deregistration delay)', async () => {
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
    ctx.sandbox.world.targetGroups.configure(tg, { deregistrationDelaySeconds: 300 });
    const td = (
      await ctx.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          taskRoleArn: roleArn('orders-task-role'),
          containerDefinitions: [{ name: 'web', image: 'nginx:1', portMappings: [{ containerPort: 8080 }] }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
    await ctx.ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'web',
        taskDefinition: td,
        desiredCount: 3,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        loadBalancers: [{ targetGroupArn: tg, containerName: 'web', containerPort: 8080 }],
        healthCheckGracePeriodSeconds: 30,
      }),
    );
    await waitSteady(ctx.ecs, 'demo', 'web', 60_000);
    const { result, io } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'web',
      taskRole: CHAOS_ROLE,
      affectedPercent: '40',
      duration: '1',
      interval: '1',
    });
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    assert.equal(result.exposure.peakChaosTasks, 2);
    // The sibling joined the same target group, and its tasks drained before the restore was done.
    const sibling = await service(result.iterations[0]!.siblingService!);
    assert.deepEqual(sibling.loadBalancers, [{ targetGroupArn: tg, containerName: 'web', containerPort: 8080 }]);
    assert.ok(
      io.messages.some((m) => /restore: waiting for 2 chaos tasks still up \(2 DEACTIVATING\)/.test(m.message)),
      'the revert waited while the chaos tasks drained',
    );
    const left = (await tasksOf('web')).filter(
      (t) => t.taskDefinitionArn === result.effect.chaosTaskDefinitionArn && t.lastStatus !== 'STOPPED',
    );
    assert.deepEqual(left, [], 'no chaos task left after exit');
  });
});
