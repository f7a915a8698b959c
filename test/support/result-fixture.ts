/** Test support: a hand-made experiment result, with hostile strings where asked. */
import type { ProbeResult } from '../../src/probes/types.js';
import type { ExperimentResult } from '../../src/report/result.js';

/** Markup that must never survive unescaped in a report. */
export const EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';

const ORIGINAL = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:1';
const CHAOS = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:2';

/** Which probes the sample carries. */
export type SampleProbes =
  /** A Passed http probe (Edge, 2 evaluations), a Failed cloudwatch probe (Continuous), an N/A cloudtrail probe. */
  | 'mixed'
  /** The Passed http probe only. */
  | 'passing'
  /** No probe. */
  | 'none';

export interface SampleOptions {
  /** Puts {@link EVIL} in names, tags, messages, ARNs, probe names and evidence, alarm and action names. */
  readonly evil?: boolean;
  /** A chaos revision is left behind: verdict Error, with the error that ended the run. */
  readonly residue?: boolean;
  /** Someone else changed the service during the run. */
  readonly conflict?: boolean;
  /** The stop-condition alarm went to ALARM during the chaos: verdict Stopped. */
  readonly stopped?: boolean;
  /** @default 'mixed' */
  readonly probes?: SampleProbes;
  /** ECS's circuit breaker rolled the chaos back: one reaction, verdict Fail. */
  readonly reaction?: boolean;
}

/**
 * A hand-made result of a run on demo/orders. The verdict follows from the options: Error with
 * `residue`, else Stopped with `stopped`, else Fail with the `mixed` probes (one failed), else Pass.
 */
export function sampleResult(options: SampleOptions = {}): ExperimentResult {
  const bad = options.evil ? EVIL : '';
  const probeSet = options.probes ?? 'mixed';
  const service = `orders${bad}`;
  const chaosArn = `${CHAOS}${bad}`;
  const t = (s: number): string => new Date(Date.UTC(2026, 10, 21, 7, 35, 50) + s * 1000).toISOString();
  const tasks = (s: number, original: number, chaos: number, iteration = 1) => ({
    time: t(s),
    kind: 'event' as const,
    name: 'tasks',
    message: `tasks: original ${original} RUNNING, chaos ${chaos} RUNNING`,
    iteration,
    data: {
      counts: {
        ...(original > 0 ? { [ORIGINAL]: { RUNNING: original } } : {}),
        ...(chaos > 0 ? { [chaosArn]: { RUNNING: chaos, PENDING: 1 } } : {}),
      },
    },
  });
  const http: ProbeResult = {
    name: `orders-health${bad}`,
    type: 'http',
    mode: 'Edge',
    description: `GET http://orders.internal:8080/health${bad}: status between 200 and 299`,
    status: 'Passed',
    statusReason: 'both evaluations passed',
    evaluations: [
      {
        at: t(1),
        phase: 'pre-chaos',
        passed: true,
        attempts: 1,
        actual: 200,
        expected: 'status between 200 and 299',
        evidence: `GET http://orders.internal:8080/health${bad} answered 200 OK in 12 ms`,
      },
      {
        at: t(17),
        phase: 'post-chaos',
        passed: true,
        attempts: 2,
        actual: 200,
        expected: 'status between 200 and 299',
        evidence: `GET http://orders.internal:8080/health${bad} answered 200 OK in 15 ms (second attempt)`,
      },
    ],
    evaluationCount: 2,
    failedCount: 0,
  };
  const cloudwatch: ProbeResult = {
    name: `orders-5xx${bad}`,
    type: 'cloudwatch',
    mode: 'Continuous',
    description: `Sum of AWS/ApplicationELB HTTPCode_Target_5XX_Count${bad} over the last 60s <= 5`,
    status: 'Failed',
    statusReason: `2 of 5 evaluations failed: the Sum reached 17${bad}`,
    evaluations: [
      {
        at: t(1),
        phase: 'pre-chaos',
        passed: true,
        attempts: 1,
        actual: 0,
        expected: 'Sum <= 5',
        evidence: 'Sum of HTTPCode_Target_5XX_Count over the last 60s = 0 (no datapoint)',
      },
      {
        at: t(9),
        phase: 'chaos',
        passed: false,
        attempts: 1,
        actual: 11,
        expected: 'Sum <= 5',
        evidence: `Sum of HTTPCode_Target_5XX_Count over the last 60s = 11 (3 datapoints)${bad}`,
      },
      {
        at: t(12),
        phase: 'chaos',
        passed: false,
        attempts: 1,
        actual: 17,
        expected: 'Sum <= 5',
        evidence: `Sum of HTTPCode_Target_5XX_Count over the last 60s = 17 (4 datapoints)${bad}`,
        error: `GetMetricStatistics was throttled once, retried${bad}`,
      },
    ],
    evaluationCount: 5,
    failedCount: 2,
  };
  const cloudtrail: ProbeResult = {
    name: `orders-denied${bad}`,
    type: 'cloudtrail',
    mode: 'OnChaos',
    description: `AccessDenied events of \${CHAOS_ROLE} in the chaos window > 0${bad}`,
    status: 'N/A',
    statusReason: `never evaluated: the chaos window ended before its initial delay of 30s${bad}`,
    evaluations: [],
    evaluationCount: 0,
    failedCount: 0,
  };
  const probes = probeSet === 'mixed' ? [http, cloudwatch, cloudtrail] : probeSet === 'passing' ? [http] : [];
  const passed = probes.filter((p) => p.status === 'Passed').length;
  const probeFailed = probes.some((p) => p.status === 'Failed');
  const alarm = `orders-5xx-alarm${bad}`;
  const verdict = options.residue ? 'Error' : options.stopped ? 'Stopped' : probeFailed ? 'Fail' : 'Pass';
  const verdictReason = options.stopped
    ? `the stop condition ${alarm} went to ALARM during the chaos; the service was restored`
    : probeFailed
      ? `probe orders-5xx${bad} failed: 2 of 5 evaluations failed`
      : `the task role was swapped on 2 of 2 tasks at peak and restored${bad}`;
  const chaosRole = 'arn:aws:iam::123456789012:role/orders-chaos-role';
  const denied = [0, 3, 7, 9, 6, 2, 0];

  return {
    schemaVersion: 1,
    experimentId: 'ecs-chaos-20261121T073550Z-abcdef',
    fault: 'update-task-role',
    tool: { name: 'ecs-chaos', version: '0.1.0' },
    target: {
      cluster: 'demo',
      service,
      region: 'us-east-1',
      serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/demo/${service}`,
    },
    spec: { CHAOS_REQUIRE_TAG: `team=${bad}` },
    startedAt: t(0),
    endedAt: t(20),
    verdict,
    verdictReason,
    timeline: [
      { time: t(0), kind: 'phase', name: 'preflight', message: `preflight of update-task-role on demo/${service}` },
      tasks(1, 2, 0, 0),
      { time: t(2), kind: 'phase', name: 'inject', message: `iteration 1: inject ${chaosArn}`, iteration: 1 },
      tasks(4, 2, 1),
      tasks(6, 1, 2),
      tasks(7, 0, 2),
      { time: t(8), kind: 'phase', name: 'hold', message: 'iteration 1: holding the chaos for 5s', iteration: 1 },
      { time: t(13), kind: 'phase', name: 'revert', message: 'iteration 1: revert to orders:1', iteration: 1 },
      tasks(15, 1, 1),
      tasks(17, 2, 0),
      ...(options.conflict
        ? [{ time: t(17), kind: 'event' as const, name: 'conflict', message: `conflict: ${bad}new revision` }]
        : []),
      ...(options.stopped
        ? [{ time: t(10), kind: 'event' as const, name: 'stop-condition', message: `${alarm} is in ALARM: stopping` }]
        : []),
      { time: t(18), kind: 'phase', name: 'verify', message: 'verify: the service restored, nothing left behind' },
    ],
    mutations: [
      {
        id: 1,
        operation: 'RegisterTaskDefinition',
        target: chaosArn,
        detail: `chaos revision with task role ${bad}`,
        at: t(2),
        iteration: 1,
        undone: !options.residue,
        ...(options.residue ? {} : { undoneAt: t(18), undoneBy: 'DeregisterTaskDefinition' }),
      },
    ],
    iterations: [
      {
        index: 1,
        chaosTaskDefinitionArn: chaosArn,
        injectedAt: t(2),
        chaosRunningAt: t(4),
        holdSeconds: 5,
        revertedAt: t(13),
        peakChaosTasks: 2,
      },
    ],
    effect: {
      originalTaskDefinitionArn: ORIGINAL,
      chaosTaskDefinitionArn: chaosArn,
      chaosTaskRoleArn: 'arn:aws:iam::123456789012:role/orders-chaos-role',
      originalTaskRoleArn: 'arn:aws:iam::123456789012:role/orders-task-role',
      swapped: true,
      chaosTasksRan: true,
      restored: !options.residue,
      notes: options.residue ? [`the chaos revision ${chaosArn} is still ACTIVE`] : [],
    },
    exposure: {
      mode: 'rolling',
      predicted: {
        mode: 'rolling',
        chaosTasks: 2,
        ofTasks: 2,
        share: 1,
        note: `every task is replaced by a chaos task (maximumPercent 200)${bad}`,
      },
      peakChaosTasks: 2,
      desiredCount: 2,
      peakShare: 1,
      peakServingTasks: 2,
      tasksThatRanChaos: 3,
      byRevision: [
        { taskDefinitionArn: chaosArn, label: 'chaos, iteration 1', iteration: 1, peakTasks: 2, tasksThatRan: 3 },
      ],
    },
    reactions: options.reaction
      ? [
          {
            kind: 'circuit-breaker-rollback',
            at: '2026-11-21T07:35:58.000Z',
            summary: "ECS's deployment circuit breaker failed the chaos deployment (1)",
            evidence: [
              `deployment ecs-svc/1 of orders:2: rolloutState FAILED: ECS deployment circuit breaker: tasks failed to start.${bad}`,
            ],
            count: 1,
          },
        ]
      : [],
    residue: options.residue
      ? {
          clean: false,
          items: [{ kind: 'active-chaos-revision', resource: chaosArn, detail: `still ACTIVE ${bad}` }],
          recoverCommand: `ecs-chaos recover --cluster demo --service '${service}' --region us-east-1`,
        }
      : { clean: true, items: [] },
    conflicts: options.conflict ? [`someone registered ${bad}orders:3 during the run`] : [],
    prediction: {
      ok: true,
      blastRadius: {
        originalRoleArn: 'arn:aws:iam::123456789012:role/orders-task-role',
        chaosRoleArn: 'arn:aws:iam::123456789012:role/orders-chaos-role',
        lost: [
          {
            action: 's3:PutObject',
            resource: `arn:aws:s3:::orders-bucket${bad}/*`,
            service: 's3',
            accessLevel: 'Write',
            reason: 'no allow',
          },
        ],
        byService: { s3: { Write: ['s3:PutObject'] } },
        checked: 4,
        summary: 'the chaos role loses 1 action the original role allows (s3: Write)',
        notes: [],
      },
    },
    probes,
    probeSuccessPercentage: probes.length === 0 ? 100 : Math.round((passed / probes.length) * 100),
    stopConditions: {
      alarms: [alarm],
      ...(options.stopped
        ? {
            triggered: {
              alarmName: alarm,
              state: 'ALARM',
              reason: `Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (10.0)${bad}`,
              at: t(10),
            },
          }
        : {}),
    },
    signals: {
      accessDenied: {
        ok: true,
        principal: chaosRole,
        window: { start: t(2), end: t(16) },
        total: denied.reduce((a, b) => a + b, 0),
        byAction: { 's3:PutObject': 19, [`kms:Decrypt${bad}`]: 8 },
        buckets: denied.map((count, i) => ({ start: t(2 + 2 * i), count })),
        bucketSeconds: 2,
        truncated: false,
        note: `CloudTrail delivers events minutes late on AWS: these counts may be incomplete${bad}`,
      },
    },
    ...(options.residue ? { error: { code: 'RestoreFailed', message: `restore timed out ${bad}` } } : {}),
  };
}
