import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service, Task } from '@aws-sdk/client-ecs';
import { exactChaosTasks, ExposureTracker, predictExposure } from '../../src/engine/exposure.js';
import {
  decodeLease,
  electionWinner,
  encodeLease,
  leaseKey,
  leaseStatus,
  settleMs,
  type Lease,
} from '../../src/engine/lease.js';
import { ReactionLog } from '../../src/engine/reactions.js';
import { restoreState } from '../../src/engine/restore-state.js';
import { ecsTasksTrust } from '../../src/iam/ecs-trust.js';
import { parsePolicyDocument } from '../../src/iam/policy.js';

const ORIGINAL = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:1';
const CHAOS = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:2';
const CHAOS2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:3';

function task(id: string, arn: string, lastStatus: string, extra: Partial<Task> = {}): Task {
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/demo/${id}`,
    taskDefinitionArn: arn,
    lastStatus,
    desiredStatus:
      lastStatus === 'STOPPED' || lastStatus === 'STOPPING' || lastStatus === 'DEACTIVATING' ? 'STOPPED' : 'RUNNING',
    group: 'service:orders',
    ...extra,
  };
}

function service(deployments: Service['deployments'], taskDefinition = ORIGINAL): Service {
  return { serviceName: 'orders', status: 'ACTIVE', taskDefinition, deployments, desiredCount: 4 };
}

describe('exact mode: k chaos tasks, at most the chosen share of the serving tasks', () => {
  const cases: Array<[number, number, number | undefined]> = [
    // [desired, percent, k (undefined: refused)]
    [1, 25, undefined],
    [1, 50, 1],
    [2, 25, undefined],
    [2, 34, 1],
    [3, 25, 1],
    [4, 25, 1],
    [4, 50, 4],
    [10, 25, 3],
    [10, 10, 1],
    [10, 5, undefined],
  ];
  for (const [desired, percent, k] of cases) {
    test(`${percent}% of ${desired} -> ${k ?? 'refused'}`, () => {
      const exact = exactChaosTasks(desired, percent);
      if (k === undefined) {
        assert.equal(exact.ok, false);
        if (!exact.ok) {
          assert.match(exact.reason, /rounds down to no chaos task/);
          // The least percentage it names gives one chaos task.
          const least = exactChaosTasks(desired, exact.leastPercent);
          assert.equal(least.ok && least.k, 1);
        }
        return;
      }
      assert.equal(exact.ok, true);
      if (!exact.ok) return;
      assert.equal(exact.k, k);
      assert.ok(exact.share <= percent / 100 + 1e-9, `share ${exact.share} within ${percent}%`);
      // One more chaos task would exceed the share.
      assert.ok((k + 1) / (desired + k + 1) > percent / 100);
    });
  }

  test('above 50% the sibling would outnumber the service: refused, rolling mode named', () => {
    const exact = exactChaosTasks(4, 75);
    assert.equal(exact.ok, false);
    if (!exact.ok)
      assert.match(
        exact.reason,
        /75% of 4 would take 12 chaos tasks, more than the service has; exact mode goes up to 50%/,
      );
    assert.equal(exactChaosTasks(2, 99).ok, false);
  });

  test('rolling mode below 100% warns that the exposure reaches every task', () => {
    const p = predictExposure('rolling', 4, 25);
    assert.equal(p.chaosTasks, 4);
    assert.match(p.warning!, /reaches 4 of 4 tasks \(100%\).*--exposure exact/);
    assert.equal(predictExposure('rolling', 4, 100).warning, undefined);
    const e = predictExposure('exact', 4, 25);
    assert.deepEqual([e.chaosTasks, e.ofTasks], [1, 5]);
    assert.match(e.note, /floor\(4 × 25 \/ 75\)/);
  });
});

describe('the exposure tracker counts every chaos revision of every iteration', () => {
  test('a task left from an earlier iteration still counts, labelled', () => {
    const tracker = new ExposureTracker(ORIGINAL);
    tracker.addChaosRevision(CHAOS, 1);
    tracker.addChaosRevision(CHAOS2, 2);
    const { chaosServing, serving } = tracker.observe([
      task('a', ORIGINAL, 'RUNNING'),
      task('b', CHAOS, 'DEACTIVATING'),
      task('c', CHAOS2, 'RUNNING'),
      task('d', CHAOS2, 'RUNNING'),
      task('e', CHAOS2, 'PENDING'),
      task('f', CHAOS, 'STOPPED'),
    ]);
    assert.deepEqual([chaosServing, serving], [3, 4]);
    const m = tracker.measured;
    assert.equal(m.peakChaosTasks, 3);
    assert.equal(m.peakServingTasks, 4);
    assert.equal(m.peakShare, 0.75);
    assert.deepEqual(
      m.byRevision.map((r) => [r.label, r.peakTasks]),
      [
        ['chaos, iteration 1', 1],
        ['chaos, iteration 2', 2],
      ],
    );
    assert.equal(tracker.labels[CHAOS], 'chaos, iteration 1');
  });
});

describe('the restore condition', () => {
  const chaos = new Set([CHAOS]);
  const steady = service([
    { status: 'PRIMARY', taskDefinition: ORIGINAL, rolloutState: 'COMPLETED', runningCount: 4, desiredCount: 4 },
  ]);

  test('an untouched original task RUNNING is not enough while chaos tasks still run', () => {
    const tasks = [task('a', ORIGINAL, 'RUNNING'), task('b', CHAOS, 'RUNNING'), task('c', CHAOS, 'DEACTIVATING')];
    const state = restoreState(
      service([
        { status: 'PRIMARY', taskDefinition: ORIGINAL, rolloutState: 'IN_PROGRESS', runningCount: 1, desiredCount: 4 },
        { status: 'ACTIVE', taskDefinition: CHAOS, rolloutState: 'IN_PROGRESS', runningCount: 2, desiredCount: 4 },
      ]),
      tasks,
      ORIGINAL,
      chaos,
    );
    assert.equal(state.done, false);
    assert.equal(state.chaosTasksLeft, 2);
    assert.match(state.waitingFor.join('; '), /2 chaos tasks still up \(1 RUNNING, 1 DEACTIVATING\)/);
    // The seed's weaker rule, an explicit option, is satisfied at once.
    assert.equal(restoreState(steady, tasks, ORIGINAL, chaos, 'first-task').done, true);
  });

  test('done only with no chaos task left and the rollout COMPLETED on the original', () => {
    const tasks = [task('a', ORIGINAL, 'RUNNING'), task('b', CHAOS, 'STOPPED')];
    assert.equal(restoreState(steady, tasks, ORIGINAL, chaos).done, true);
    const inProgress = service([
      { status: 'PRIMARY', taskDefinition: ORIGINAL, rolloutState: 'IN_PROGRESS', runningCount: 4, desiredCount: 4 },
    ]);
    assert.match(restoreState(inProgress, tasks, ORIGINAL, chaos).waitingFor[0]!, /rolloutState IN_PROGRESS/);
    // Without rolloutState (no circuit breaker data): running = desired.
    const noState = service([{ status: 'PRIMARY', taskDefinition: ORIGINAL, runningCount: 3, desiredCount: 4 }]);
    assert.match(restoreState(noState, tasks, ORIGINAL, chaos).waitingFor[0]!, /4 tasks of orders:1 running \(3 now\)/);
  });
});

describe('the lease', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  const lease = (id: string, state: Lease['state'], ageSeconds = 0): Lease => ({
    experimentId: id,
    state,
    runner: 'host/1',
    heartbeatAt: new Date(now.getTime() - ageSeconds * 1000),
    plannedEnd: new Date(now.getTime() + 60_000),
    heartbeatSeconds: 15,
  });

  test('round-trips through an ECS tag value of allowed characters', () => {
    const l = lease('ecs-chaos-20261128T120000Z-abcdef', 'held');
    const value = encodeLease(l);
    assert.match(value, /^[A-Za-z0-9 +\-=._:/@]+$/);
    assert.ok(value.length <= 256);
    assert.deepEqual(decodeLease({ key: leaseKey(l.experimentId), value }), l);
    assert.equal(decodeLease({ key: 'other', value }), undefined);
  });

  test('LIVE while the heartbeat is fresh; ABANDONED after 4 missed beats or once ended', () => {
    assert.equal(leaseStatus(lease('a', 'held', 60), now), 'LIVE');
    assert.equal(leaseStatus(lease('a', 'held', 61), now), 'ABANDONED');
    assert.equal(leaseStatus(lease('a', 'ended', 0), now), 'ABANDONED');
    assert.equal(settleMs(15), 5000);
    assert.equal(settleMs(1), 1000);
  });

  test('the election: a held lease wins; among candidates the smallest id; exactly one winner', () => {
    const a = 'ecs-chaos-20261128T120000Z-aaaaaa';
    const b = 'ecs-chaos-20261128T120000Z-bbbbbb';
    const both = [lease(a, 'candidate'), lease(b, 'candidate')];
    assert.equal(electionWinner(a, both), undefined);
    assert.equal(electionWinner(b, both)?.experimentId, a);
    // A run that saw no one and holds: the late candidate loses whatever its id.
    assert.equal(electionWinner(a, [lease(a, 'candidate'), lease(b, 'held')])?.experimentId, b);
    assert.equal(electionWinner(b, [lease(b, 'held')]), undefined);
  });
});

describe('ECS reactions', () => {
  test('a circuit-breaker rollback, a launch failure and a crash, each counted once with evidence', () => {
    const log = new ReactionLog();
    const since = new Date('2026-11-28T12:00:00Z');
    const at = new Date('2026-11-28T12:01:00Z');
    const svc: Service = {
      serviceName: 'orders',
      status: 'ACTIVE',
      taskDefinition: ORIGINAL,
      deployments: [
        { id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: ORIGINAL, rolloutState: 'IN_PROGRESS' },
        {
          id: 'ecs-svc/1',
          status: 'ACTIVE',
          taskDefinition: CHAOS,
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          failedTasks: 3,
        },
      ],
      events: [{ id: 'e1', createdAt: at, message: '(service orders) rolling back to deployment ecs-svc/2.' }],
    };
    log.observeService(svc, new Set([CHAOS]), since, at);
    log.observeService(svc, new Set([CHAOS]), since, at);
    const stopped = [
      task('x', CHAOS, 'STOPPED', { stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: nope' }),
      task('y', CHAOS, 'STOPPED', {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'app', exitCode: 1, reason: 'AccessDenied' }],
      }),
      task('z', ORIGINAL, 'STOPPED', { stopCode: 'EssentialContainerExited' }),
    ];
    log.observeTasks(stopped, new Set([CHAOS]), at);
    log.observeTasks(stopped, new Set([CHAOS]), at);
    assert.equal(log.rolledBack, true);
    assert.deepEqual(
      log.reactions.map((r) => [r.kind, r.count]),
      [
        ['circuit-breaker-rollback', 1],
        ['launch-failure', 1],
        ['task-crash', 1],
      ],
    );
    assert.match(log.reactions[0]!.evidence.join('\n'), /rolled back to orders:1[\s\S]*rolling back to deployment/);
    assert.match(log.reactions[2]!.evidence[0]!, /exit code 1 \(AccessDenied\)/);
  });
});

describe('ECS tasks trust, judged with the keys ECS supplies', () => {
  const where = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333', cluster: 'prod' };
  const trust = (condition?: Record<string, Record<string, string>>) => {
    const parsed = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Action: 'sts:AssumeRole',
            ...(condition ? { Condition: condition } : {}),
          },
        ],
      }),
      'trust',
    );
    assert.ok(parsed.ok);
    return parsed.document;
  };

  test("AWS's recommended conditions (aws:SourceAccount, aws:SourceArn) are trusted", () => {
    const recommended = trust({
      StringEquals: { 'aws:SourceAccount': '111122223333' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:eu-west-1:111122223333:*' },
    });
    assert.deepEqual(ecsTasksTrust(recommended, where), { kind: 'trusted' });
    assert.deepEqual(ecsTasksTrust(trust(), where), { kind: 'trusted' });
  });

  test('another account in the condition is not trusted; an unknown key is conditional, not refused', () => {
    assert.deepEqual(ecsTasksTrust(trust({ StringEquals: { 'aws:SourceAccount': '999999999999' } }), where), {
      kind: 'not-trusted',
    });
    assert.deepEqual(ecsTasksTrust(trust({ StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } }), where), {
      kind: 'conditional',
      keys: ['aws:PrincipalOrgID'],
    });
  });
});
