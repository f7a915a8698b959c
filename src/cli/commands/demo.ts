/**
 * `ecs-chaos demo`: a whole fault against the built-in sandbox, no AWS account needed. Starts the
 * sandbox in-process (realistic pace, demo scenario), writes the fault's demo experiment (probes and
 * a stop condition, see demo-experiments.ts), runs it on `orders` for about ten seconds, and shows
 * the change, the probes' evidence, the restore and the verdict, with an HTML report. By default the
 * fault is update-task-role with `orders-chaos-role`; `--fault` chooses another.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ExitCode } from '../exit-codes.js';
import { progressOptions, streamIoHost } from '../render.js';
import { loadSandbox } from '../sandbox-module.js';
import { DEFAULT_DEMO_FAULT, demoFault } from './demo-experiments.js';
import { runCommand, type ExperimentCommandInput } from './experiment.js';

export interface DemoOptions {
  /** The fault to show (a name of DEMO_FAULTS); update-task-role when absent. */
  readonly fault?: string;
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

/** Where the demo writes its HTML report unless told otherwise. */
export const DEMO_HTML = 'ecs-chaos-demo-report.html';

export async function demoCommand(
  options: DemoOptions,
  io: Pick<ExperimentCommandInput, 'stdout' | 'stderr'>,
  signal: AbortSignal,
): Promise<ExitCode> {
  const fault = options.fault ?? DEFAULT_DEMO_FAULT;
  const demo = demoFault(fault);
  const { startSandbox } = await loadSandbox();
  const sandbox = await startSandbox({ port: 0, scenario: 'demo', pace: options.pace });
  try {
    // The introduction goes where the progress goes: --log-format and --quiet apply.
    const experimentFile = resolve(options.experimentFile);
    await writeFile(experimentFile, stringify(demo.experiment(sandbox.endpoint)), 'utf8');
    const intro = streamIoHost(io.stderr, progressOptions(options));
    intro.note(
      `demo: sandbox at ${sandbox.endpoint}: cluster demo, service orders (4 Fargate tasks, task role orders-task-role)\n` +
        demo
          .intro(options.duration)
          .map((line) => `demo: ${line}\n`)
          .join('') +
        `demo: the experiment file: ${experimentFile}\n\n`,
    );
    intro.close();
    return await runCommand(
      {
        fault,
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
