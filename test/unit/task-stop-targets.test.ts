/**
 * task-stop's recovery condition for a load-balanced service: a replacement counts only once its
 * targets are healthy in every target group of the service (awsvpc: by its ENI's IP and the
 * container port; bridge/host: by the count of healthy targets); a stopped task's draining target
 * blocks nothing; AccessDenied on DescribeTargetHealth is a fallback, not a retry.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service, Task } from '@aws-sdk/client-ecs';
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElbPort } from '../../src/aws/ports.js';
import { recoveryState } from '../../src/faults/task-stop/recovery.js';
import { readTargetHealth, taskPrivateIp } from '../../src/faults/task-stop/targets.js';
import { requiredPermissions } from '../../src/iam/runner-policy.js';

const TG_A = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const TG_B = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/admin/fedcba9876543210';
const SERVICE: Service = {
  serviceName: 'orders',
  status: 'ACTIVE',
  desiredCount: 2,
  loadBalancers: [
    { targetGroupArn: TG_A, containerName: 'app', containerPort: 8080 },
    { targetGroupArn: TG_B, containerName: 'app', containerPort: 9090 },
  ],
};
const task = (id: string, ip?: string, over: Partial<Task> = {}): Task => ({
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/${id}`,
  group: 'service:orders',
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  ...(ip && {
    attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: ip }] }],
  }),
  ...over,
});
const target = (id: string, port: number, state: string, reason?: string): TargetHealthDescription => ({
  Target: { Id: id, Port: port },
  TargetHealth: { State: state as 'healthy', ...(reason && { Reason: reason as 'Elb.InitialHealthChecking' }) },
});

describe('task-stop recovery with target groups', () => {
  const stopped = new Set([task('a').taskArn!]);
  const before = new Set([task('a').taskArn!, task('b').taskArn!]);
  // a was stopped (its targets drain), b kept running, c is the replacement.
  const tasks = [
    task('a', '10.0.0.1', { desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING' }),
    task('b', '10.0.0.2'),
    task('c', '10.0.0.3'),
  ];
  const draining = [
    target('10.0.0.1', 8080, 'draining', 'Target.DeregistrationInProgress'),
    target('10.0.0.2', 8080, 'healthy'),
  ];

  test('ECS RUNNING is not enough: the replacement initial in a target group keeps the wait going', () => {
    const health = new Map([
      [TG_A, [...draining, target('10.0.0.3', 8080, 'initial', 'Elb.InitialHealthChecking')]],
      [TG_B, [target('10.0.0.2', 9090, 'healthy'), target('10.0.0.3', 9090, 'healthy')]],
    ]);
    assert.equal(recoveryState(SERVICE, tasks, stopped, before, false).done, true, 'ECS alone says recovered');
    const state = recoveryState(SERVICE, tasks, stopped, before, false, health);
    assert.equal(state.done, false);
    assert.match(
      state.waitingFor,
      /healthy in target groups web, admin \(1 now; task c: initial \(Elb\.InitialHealthChecking\) in web\)/,
    );
  });

  test('healthy in every target group: recovered, the stopped task still draining', () => {
    const health = new Map([
      [TG_A, [...draining, target('10.0.0.3', 8080, 'healthy')]],
      [TG_B, [target('10.0.0.2', 9090, 'healthy'), target('10.0.0.3', 9090, 'healthy')]],
    ]);
    const state = recoveryState(SERVICE, tasks, stopped, before, false, health);
    assert.equal(state.done, true);
    assert.equal(state.waitingFor, '');
  });

  test('a target on another port of the same IP does not count; a missing target is "not registered"', () => {
    const health = new Map([
      [TG_A, [...draining, target('10.0.0.3', 8080, 'healthy')]],
      [TG_B, [target('10.0.0.2', 9090, 'healthy'), target('10.0.0.3', 8080, 'healthy')]],
    ]);
    const state = recoveryState(SERVICE, tasks, stopped, before, false, health);
    assert.equal(state.done, false);
    assert.match(state.waitingFor, /task c: not registered in admin/);
  });

  test('bridge or host tasks (no ENI): the target group needs the desired count of healthy targets', () => {
    const bridge = [task('a', undefined, { desiredStatus: 'STOPPED' }), task('b'), task('c')];
    const one = new Map([
      [TG_A, [target('i-0123456789abcdef0', 32768, 'healthy'), target('i-0123456789abcdef0', 32769, 'initial')]],
      [TG_B, [target('i-0123456789abcdef0', 40000, 'healthy'), target('i-0123456789abcdef0', 40001, 'healthy')]],
    ]);
    const state = recoveryState(SERVICE, bridge, stopped, before, false, one);
    assert.equal(state.done, false);
    assert.match(state.waitingFor, /1 of 2 targets healthy in web/);
    const both = new Map([
      [TG_A, [target('i-0123456789abcdef0', 32768, 'healthy'), target('i-0123456789abcdef0', 32769, 'healthy')]],
      [TG_B, one.get(TG_B)!],
    ]);
    assert.equal(recoveryState(SERVICE, bridge, stopped, before, false, both).done, true);
  });

  test("a task's IP comes from its ENI attachment, else from its containers' network interfaces", () => {
    assert.equal(taskPrivateIp(task('x', '10.1.2.3')), '10.1.2.3');
    assert.equal(
      taskPrivateIp(
        task('y', undefined, { containers: [{ networkInterfaces: [{ privateIpv4Address: '10.9.8.7' }] }] }),
      ),
      '10.9.8.7',
    );
    assert.equal(taskPrivateIp(task('z')), undefined);
  });

  test('AccessDenied is a fallback (fatal), a throttled read is retried at the next poll', async () => {
    const failing = (name: string): ElbPort => ({
      describeTargetHealth: () => Promise.reject(Object.assign(new Error(`${name} happened`), { name })),
    });
    const signal = new AbortController().signal;
    const denied = await readTargetHealth(failing('AccessDenied'), [{ targetGroupArn: TG_A }], signal);
    assert.equal(denied.ok, false);
    assert.ok(!denied.ok && denied.fatal);
    assert.match(!denied.ok ? denied.reason : '', /elasticloadbalancing:DescribeTargetHealth/);
    const missing = await readTargetHealth(failing('TargetGroupNotFoundException'), [{ targetGroupArn: TG_A }], signal);
    assert.ok(!missing.ok && missing.fatal);
    const throttled = await readTargetHealth(failing('Throttling'), [{ targetGroupArn: TG_A }], signal);
    assert.ok(!throttled.ok && !throttled.fatal);
  });
});

describe("task-stop's runner policy and target health", () => {
  const targetHealth = (scope: Parameters<typeof requiredPermissions>[0]) =>
    requiredPermissions(scope).filter((p) => p.action === 'elasticloadbalancing:DescribeTargetHealth');
  test('a load-balanced service, or a service not read: DescribeTargetHealth on * (no resource-level permissions)', () => {
    for (const scope of [{ fault: 'task-stop' }, { fault: 'task-stop', loadBalanced: true }]) {
      const found = targetHealth(scope);
      assert.equal(found.length, 1);
      assert.equal(found[0]!.resource, '*');
      assert.equal(found[0]!.optional, undefined, 'required: without it the recovery is ECS-only');
    }
  });
  test('a service without target groups, or another fault: not asked for', () => {
    assert.deepEqual(targetHealth({ fault: 'task-stop', loadBalanced: false }), []);
    assert.deepEqual(targetHealth({ fault: 'update-task-role' }), []);
  });
});
