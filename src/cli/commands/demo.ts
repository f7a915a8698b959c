/**
 * `ecs-chaos demo`: the whole fault against the built-in sandbox, no AWS account needed. Starts the
 * sandbox in-process (realistic pace, demo scenario), runs update-task-role on `orders` with
 * `orders-chaos-role` for about ten seconds, and shows the swap, the restore and the verdict.
 */
import type { ExitCode } from '../exit-codes.js';
import { loadSandbox } from '../sandbox-module.js';
import { runCommand, type ExperimentCommandInput } from './experiment.js';

export interface DemoOptions {
  readonly duration: string;
  readonly resultFile: string;
  readonly pace: 'fast' | 'realistic';
  readonly output: string;
  readonly logFormat?: string;
  readonly html?: string;
  readonly junit?: string;
}

export async function demoCommand(
  options: DemoOptions,
  io: Pick<ExperimentCommandInput, 'stdout' | 'stderr'>,
  signal: AbortSignal,
): Promise<ExitCode> {
  const { startSandbox } = await loadSandbox();
  const sandbox = await startSandbox({ port: 0, scenario: 'demo', pace: options.pace });
  try {
    io.stderr.write(
      `demo: sandbox at ${sandbox.endpoint}: cluster demo, service orders (4 Fargate tasks, task role orders-task-role)\n` +
        `demo: swapping the task role for orders-chaos-role (may not write S3) for ${options.duration}\n\n`,
    );
    return await runCommand(
      {
        fault: 'update-task-role',
        flags: {
          cluster: 'demo',
          service: 'orders',
          region: sandbox.region,
          taskRole: 'arn:aws:iam::123456789012:role/orders-chaos-role',
          affectedPercent: '50',
          duration: options.duration,
          interval: options.duration,
          endpointUrl: sandbox.endpoint,
          resultFile: options.resultFile,
          output: options.output,
          ...(options.logFormat ? { logFormat: options.logFormat } : {}),
          ...(options.html ? { html: options.html } : {}),
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
