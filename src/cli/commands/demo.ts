/**
 * `ecs-chaos demo`: the whole fault against the built-in sandbox, no AWS account needed. Starts the
 * sandbox in-process (realistic pace, demo scenario), writes an experiment file with three probes and
 * a stop condition, runs update-task-role on `orders` with `orders-chaos-role` for about ten seconds,
 * and shows the swap, the probes' evidence, the restore and the verdict, with an HTML report.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ExitCode } from '../exit-codes.js';
import { progressOptions, streamIoHost } from '../render.js';
import { loadSandbox } from '../sandbox-module.js';
import { runCommand, type ExperimentCommandInput } from './experiment.js';

export interface DemoOptions {
  readonly duration: string;
  readonly resultFile: string;
  readonly pace: 'fast' | 'realistic';
  readonly output: string;
  readonly logFormat?: string;
  readonly quiet?: boolean;
  readonly html?: string;
  readonly junit?: string;
  /** Where the demo writes its experiment file. */
  readonly experimentFile: string;
}

/** The demo's experiment: what a team would write to check that orders survives losing S3 writes. */
export function demoExperiment(endpoint: string): Record<string, unknown> {
  return {
    fault: 'update-task-role',
    target: { cluster: 'demo', service: 'orders', region: 'us-east-1' },
    taskRole: 'arn:aws:iam::123456789012:role/orders-chaos-role',
    // Exact mode (the default up to 50 %): one chaos task in a sibling service beside the four.
    affectedPercent: 25,
    probes: [
      {
        name: 'orders-health',
        type: 'http',
        // Healthy before the chaos, and healthy again once it is reverted.
        mode: 'Edge',
        http: { url: `${endpoint}/_sandbox/workload/demo/orders/health`, status: '== 200' },
        runProperties: { timeout: '2s', attempts: 20, interval: '1s' },
      },
      {
        name: 'access-denied-errors-metric',
        type: 'cloudwatch',
        // The app's own error metric must show the chaos: an alarm on it would have fired.
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
      },
      {
        name: 'access-denied-in-cloudtrail',
        type: 'cloudtrail',
        // The audit trail must hold the refusals of the chaos role: security can see them.
        mode: 'EOT',
        cloudtrail: { errorCode: 'AccessDenied', principal: '${CHAOS_ROLE}', window: 'chaos', comparator: '>= 1' },
      },
    ],
    stopConditions: [{ alarm: 'orders-error-budget' }],
  };
}

/** Where the demo writes its HTML report unless told otherwise. */
export const DEMO_HTML = 'ecs-chaos-demo-report.html';

export async function demoCommand(
  options: DemoOptions,
  io: Pick<ExperimentCommandInput, 'stdout' | 'stderr'>,
  signal: AbortSignal,
): Promise<ExitCode> {
  const { startSandbox } = await loadSandbox();
  const sandbox = await startSandbox({ port: 0, scenario: 'demo', pace: options.pace });
  try {
    // The introduction goes where the progress goes: --log-format and --quiet apply.
    const experimentFile = resolve(options.experimentFile);
    await writeFile(experimentFile, stringify(demoExperiment(sandbox.endpoint)), 'utf8');
    const intro = streamIoHost(io.stderr, progressOptions(options));
    intro.note(
      `demo: sandbox at ${sandbox.endpoint}: cluster demo, service orders (4 Fargate tasks, task role orders-task-role)\n` +
        `demo: swapping the task role for orders-chaos-role (may not write S3) for ${options.duration} on at most 25% of the serving tasks (exact mode: a temporary sibling service runs the chaos beside the untouched ones)\n` +
        `demo: probes: orders-health (http, Edge), access-denied-errors-metric (cloudwatch, EOT), access-denied-in-cloudtrail (cloudtrail, EOT); stop condition: alarm orders-error-budget\n` +
        `demo: the experiment file: ${experimentFile}\n\n`,
    );
    intro.close();
    return await runCommand(
      {
        fault: 'update-task-role',
        flags: {
          file: experimentFile,
          region: sandbox.region,
          duration: options.duration,
          interval: options.duration,
          endpointUrl: sandbox.endpoint,
          resultFile: options.resultFile,
          output: options.output,
          ...(options.logFormat ? { logFormat: options.logFormat } : {}),
          ...(options.quiet ? { quiet: true } : {}),
          html: options.html ?? DEMO_HTML,
          ...(options.junit ? { junit: options.junit } : {}),
        },
        // The demo's credentials are the sandbox's, whatever the shell has.
        env: {
          AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
        },
        stdout: io.stdout,
        stderr: io.stderr,
        pollIntervalMs: options.pace === 'fast' ? 100 : 500,
      },
      signal,
    );
  } finally {
    await sandbox.close();
  }
}
