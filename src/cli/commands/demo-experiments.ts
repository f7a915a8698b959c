/**
 * The demo's experiments, one per fault: what a team would write to check how `orders` (the
 * sandbox's demo service, 4 Fargate tasks) behaves under that fault, with probes that show its
 * effect. `ecs-chaos demo --fault NAME` runs one of them. A fault gets its demo by one entry in
 * {@link DEMO_FAULTS}: its experiment, a line for `--help`, and the introduction the demo prints.
 */
import type { FaultName } from '../../config/spec.js';

/** One fault's demo. */
export interface DemoFault {
  /** One line for `ecs-chaos demo --help`. */
  readonly description: string;
  /** The experiment file's content; `endpoint` is the sandbox's URL. */
  readonly experiment: (endpoint: string) => Record<string, unknown>;
  /** What the demo does, for its introduction (a line each, without the `demo: ` prefix). */
  readonly intro: (duration: string) => readonly string[];
}

const ACCOUNT = '123456789012';
const ROLE = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const TARGET = { cluster: 'demo', service: 'orders', region: 'us-east-1' } as const;

/** orders answers 200 before the chaos and again once it is reverted. */
function ordersHealth(endpoint: string): Record<string, unknown> {
  return {
    name: 'orders-health',
    type: 'http',
    mode: 'Edge',
    http: { url: `${endpoint}/_sandbox/workload/demo/orders/health`, status: '== 200' },
    runProperties: { timeout: '2s', attempts: 20, interval: '1s' },
  };
}

/** orders answers 200 during the chaos. */
function ordersServesDuringChaos(endpoint: string): Record<string, unknown> {
  return {
    name: 'orders-serves-during-chaos',
    type: 'http',
    mode: 'OnChaos',
    http: { url: `${endpoint}/_sandbox/workload/demo/orders/health`, status: '== 200' },
    runProperties: { timeout: '2s', attempts: 3, interval: '1s' },
  };
}

/** The app's own error metric shows the refusals in the chaos window: an alarm on it would have fired. */
const ACCESS_DENIED_METRIC: Record<string, unknown> = {
  name: 'access-denied-errors-metric',
  type: 'cloudwatch',
  mode: 'EOT',
  cloudwatch: {
    metric: {
      namespace: 'ECSChaos/Workload',
      metricName: 'AccessDeniedErrors',
      dimensions: { ClusterName: 'demo', ServiceName: 'orders' },
      statistic: 'Sum',
      window: 'chaos',
      comparator: '>= 1',
    },
  },
};

/** The audit trail holds the refusals of `principal` in the chaos window: security can see them. */
function accessDeniedInCloudTrail(principal: string): Record<string, unknown> {
  return {
    name: 'access-denied-in-cloudtrail',
    type: 'cloudtrail',
    mode: 'EOT',
    cloudtrail: { errorCode: 'AccessDenied', principal, window: 'chaos', comparator: '>= 1' },
  };
}

/**
 * orders keeps serving from its untouched tasks while the chaos tasks fail: exact mode leaves the
 * service's own four tasks alone, and the app answers 200 throughout.
 */
function ordersKeepsServing(endpoint: string): Record<string, unknown>[] {
  return [
    {
      name: 'orders-keeps-its-tasks',
      type: 'ecs',
      mode: 'OnChaos',
      ecs: { runningCount: '>= 4', revision: 'original' },
      runProperties: { interval: '1s' },
    },
    ordersServesDuringChaos(endpoint),
  ];
}

/** The probes of the original demo: the chaos role's refusals seen by the app's metric and by CloudTrail. */
function taskRoleExperiment(endpoint: string): Record<string, unknown> {
  return {
    fault: 'update-task-role',
    target: TARGET,
    taskRole: ROLE('orders-chaos-role'),
    // Exact mode (the default up to 50 %): one chaos task in a sibling service beside the four.
    affectedPercent: 25,
    probes: [
      // Healthy before the chaos and again once it is reverted; the app's metric and the audit trail
      // must show the chaos role's refusals.
      ordersHealth(endpoint),
      ACCESS_DENIED_METRIC,
      accessDeniedInCloudTrail('${CHAOS_ROLE}'),
    ],
    stopConditions: [{ alarm: 'orders-error-budget' }],
  };
}

/** The fault, its tunables and the probes every launch-failure demo shares. */
function serviceKeepsServing(
  fault: FaultName,
  tunables: Record<string, unknown>,
): (endpoint: string) => Record<string, unknown> {
  return (endpoint) => ({
    fault,
    target: TARGET,
    ...tunables,
    // Exact mode: one chaos task in a sibling service beside the service's own four.
    affectedPercent: 25,
    probes: [ordersHealth(endpoint), ...ordersKeepsServing(endpoint)],
    stopConditions: [{ alarm: 'orders-error-budget' }],
  });
}

const KEEPS_SERVING =
  'probes: orders-health (http, Edge), orders-keeps-its-tasks (ecs, OnChaos), orders-serves-during-chaos (http, OnChaos); stop condition: alarm orders-error-budget';

const EXACT = (duration: string): string =>
  `for ${duration} on at most 25% of the serving tasks (exact mode: a temporary sibling service runs the chaos beside the untouched ones)`;

/**
 * task-stop: one of the four tasks stopped; the other three keep serving while ECS replaces it, and
 * the service has its four tasks again afterwards.
 */
function taskStopExperiment(endpoint: string): Record<string, unknown> {
  return {
    fault: 'task-stop',
    target: TARGET,
    taskCount: 1,
    sequence: 'serial',
    probes: [
      ordersHealth(endpoint),
      ordersServesDuringChaos(endpoint),
      {
        name: 'orders-has-its-tasks-again',
        type: 'ecs',
        mode: 'EOT',
        ecs: { runningCount: '>= 4', revision: 'original' },
      },
    ],
    stopConditions: [{ alarm: 'orders-error-budget' }],
  };
}

/**
 * deny-task-permissions: S3 writes and SSM parameter reads denied to the four running tasks, with no
 * redeploy: the app's error metric and CloudTrail (ssm:GetParameter is a management event) see the
 * refusals, and orders is healthy again once the Deny is removed.
 */
function denyExperiment(endpoint: string): Record<string, unknown> {
  return {
    fault: 'deny-task-permissions',
    target: TARGET,
    actions: ['s3:PutObject', 'ssm:GetParameter'],
    probes: [
      ordersHealth(endpoint),
      ACCESS_DENIED_METRIC,
      // The task role's own refusals: ssm:GetParameter is a management event.
      accessDeniedInCloudTrail(ROLE('orders-task-role')),
    ],
  };
}

/** Every fault the demo can show, by name; the first is the default. */
export const DEMO_FAULTS: Readonly<Partial<Record<FaultName, DemoFault>>> = {
  'update-task-role': {
    description:
      'the task role swapped for orders-chaos-role, which may not write S3: the refusals in metrics and CloudTrail',
    experiment: taskRoleExperiment,
    intro: (duration) => [
      `swapping the task role for orders-chaos-role (may not write S3) ${EXACT(duration)}`,
      'probes: orders-health (http, Edge), access-denied-errors-metric (cloudwatch, EOT), access-denied-in-cloudtrail (cloudtrail, EOT); stop condition: alarm orders-error-budget',
    ],
  },
  'update-execution-role': {
    description:
      'the execution role swapped for orders-chaos-execution-role, which may not pull from ECR: the chaos task fails to start',
    experiment: serviceKeepsServing('update-execution-role', {
      executionRole: ROLE('orders-chaos-execution-role'),
    }),
    intro: (duration) => [
      `swapping the execution role for orders-chaos-execution-role (may get the ECR token and write logs, but may not pull the private image orders:1.4.2 nor read secrets) ${EXACT(duration)}`,
      'expected: the chaos task fails to start with CannotPullContainerError (403 Forbidden on the image manifest) while orders keeps serving',
      KEEPS_SERVING,
    ],
  },
  'update-container-resource-limit': {
    description:
      'container app limited to 256 MiB while the app uses 384: the chaos task is OOM-killed (exit code 137)',
    experiment: serviceKeepsServing('update-container-resource-limit', {
      memoryLimit: 256,
      containerNames: ['app'],
    }),
    intro: (duration) => [
      `limiting container app to 256 MiB of memory (the app uses 384 MiB) ${EXACT(duration)}`,
      'expected: the chaos task is OOM-killed (EssentialContainerExited, exit code 137, OutOfMemoryError) while orders keeps serving',
      KEEPS_SERVING,
    ],
  },
  'update-container-timeout': {
    description:
      'container app given a 5 s stopTimeout while the app drains for 10 s: the chaos task is killed (exit code 137) when it stops',
    experiment: serviceKeepsServing('update-container-timeout', {
      stopTimeout: 5,
      containerNames: ['app'],
    }),
    intro: (duration) => [
      `setting container app's stopTimeout to 5 s (the app drains for 10 s after SIGTERM) ${EXACT(duration)}`,
      'expected: when the revert stops the chaos task, its app is killed mid-drain at 5 s (exit code 137) while orders keeps serving',
      KEEPS_SERVING,
    ],
  },
  'invalid-container-image': {
    description:
      'container app given an image that cannot be pulled: CannotPullContainerError while the service keeps serving',
    experiment: serviceKeepsServing('invalid-container-image', { containerNames: ['app'] }),
    intro: (duration) => [
      `replacing container app's image with the default unpullable reference ${EXACT(duration)}`,
      'expected: the chaos task fails to start with CannotPullContainerError while orders keeps serving',
      KEEPS_SERVING,
    ],
  },
  'deny-task-permissions': {
    description:
      'S3 writes and SSM reads denied to the running orders tasks by a self-expiring Deny on their role: no redeploy',
    experiment: denyExperiment,
    intro: (duration) => [
      `denying s3:PutObject and ssm:GetParameter to orders-task-role, the role of the 4 running tasks, for ${duration}: an inline Deny that expires by itself at the planned end, no new revision, no redeploy`,
      "expected: the app's calls fail some seconds after the Deny is attached (IAM's propagation), CloudTrail records the refusals, and the calls succeed again after it is removed; both delays are measured",
      'probes: orders-health (http, Edge), access-denied-errors-metric (cloudwatch, EOT), access-denied-in-cloudtrail (cloudtrail, EOT)',
    ],
  },
  'task-stop': {
    description:
      'one of the four orders tasks stopped (StopTask, reason naming the experiment): ECS replaces it, the time to recovery',
    experiment: taskStopExperiment,
    intro: (duration) => [
      `stopping 1 of the 4 orders tasks, then waiting for ECS to replace it; the chaos window lasts ${duration}`,
      'expected: the other three tasks keep serving, ECS starts a replacement, and the service has 4 RUNNING tasks again (the time to recovery is reported)',
      'probes: orders-health (http, Edge), orders-serves-during-chaos (http, OnChaos), orders-has-its-tasks-again (ecs, EOT); stop condition: alarm orders-error-budget',
    ],
  },
};

/** The fault `ecs-chaos demo` shows unless told otherwise. */
export const DEFAULT_DEMO_FAULT: FaultName = 'update-task-role';

/** The faults the demo can show, for `--fault`'s choices. */
export const demoFaultNames = (): string[] => Object.keys(DEMO_FAULTS);

/** The demo of a fault, or an error naming the choices. */
export function demoFault(name: string): DemoFault {
  const entry = Object.hasOwn(DEMO_FAULTS, name) ? DEMO_FAULTS[name as FaultName] : undefined;
  if (!entry) {
    throw new Error(`--fault: no demo for "${name}". Fix: choose one of ${demoFaultNames().join(', ')}`);
  }
  return entry;
}
