/** Test support: a hand-made experiment result, with hostile strings where asked. */
import type { ExperimentResult } from '../../src/report/result.js';

/** Markup that must never survive unescaped in a report. */
export const EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';

const ORIGINAL = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:1';
const CHAOS = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:2';

/** A passing result; `evil` puts {@link EVIL} in the service name, a tag, a message and an ARN. */
export function sampleResult(
  options: { evil?: boolean; residue?: boolean; conflict?: boolean } = {},
): ExperimentResult {
  const bad = options.evil ? EVIL : '';
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
    verdict: options.residue ? 'Error' : 'Pass',
    verdictReason: `the task role was swapped on 2 of 2 tasks at peak and restored${bad}`,
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
    exposure: { peakChaosTasks: 2, desiredCount: 2, peakShare: 1, tasksThatRanChaos: 3 },
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
    probes: [],
    probeSuccessPercentage: 100,
    stopConditions: { alarms: [] },
    signals: {},
    ...(options.residue ? { error: { code: 'RestoreFailed', message: `restore timed out ${bad}` } } : {}),
  };
}
