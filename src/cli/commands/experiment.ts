/**
 * `ecs-chaos run update-task-role` and `ecs-chaos plan`: the same configuration, the same preflight;
 * `run` injects and restores, `plan` only says what `run` would do.
 */
import { loadExperimentSpec } from '../../config/load.js';
import { SYSTEM_CLOCK } from '../../engine/clock.js';
import { planExperiment } from '../../engine/plan.js';
import { catalogForBlastRadius, type ActionLookup } from '../../iam/blast-radius.js';
import { runExperiment } from '../../engine/run.js';
import { ChaosError } from '../../errors.js';
import type { ExperimentResult } from '../../report/result.js';
import { VERSION } from '../../version.js';
import { portsFor } from '../aws-ports.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { exitCodeOf } from '../exit-status.js';
import { writeAtomically } from '../write-atomically.js';
import { checkOutputPath } from '../output-paths.js';
import { progressOptions, streamIoHost } from '../render.js';
import { renderPlan, renderResult } from '../render-report.js';
import { describeUnreachable } from '../network-error.js';

/** What the experiment commands read from the command line and the process. */
export interface ExperimentCommandInput {
  readonly fault?: string;
  /** The flags the user typed (commander keys). */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** How often tasks are polled, in milliseconds. */
  readonly pollIntervalMs?: number;
}

/** The action catalog of the services a prediction needs, loaded (with iam-data) only then. */
async function loadCatalog(services: readonly string[]): Promise<ActionLookup> {
  const { loadServicesCatalog } = await import('../../iam/catalog.js');
  return catalogForBlastRadius(await loadServicesCatalog(services));
}

/** Writes the result file atomically (a crash never leaves half a file). */
export async function writeResultFile(path: string, result: ExperimentResult): Promise<string> {
  return writeAtomically(path, `${JSON.stringify(result, null, 2)}\n`);
}

/** What plan and run share: the spec (validated before any AWS call), the IoHost and the ports. */
function prepare(input: ExperimentCommandInput): {
  spec: ReturnType<typeof loadExperimentSpec>;
  io: ReturnType<typeof streamIoHost>;
  ports: ReturnType<typeof portsFor>;
} {
  const spec = loadExperimentSpec({
    flags: input.flags,
    env: input.env,
    file: input.flags.file as string | undefined,
    fault: input.fault,
  });
  // --log-format (auto: text on a terminal, JSON lines otherwise) and --quiet.
  const io = streamIoHost(input.stderr, progressOptions(input.flags));
  return { spec, io, ports: portsFor(spec, input.env, io) };
}

/** `ecs-chaos plan`. */
export async function planCommand(input: ExperimentCommandInput): Promise<ExitCode> {
  const { spec, io, ports } = prepare(input);
  try {
    const plan = await planExperiment(spec, {
      ecs: ports.ecs,
      iam: ports.iam,
      sts: ports.sts,
      cloudtrail: ports.cloudtrail,
      cloudwatch: ports.cloudwatch,
      io,
      now: () => new Date(),
      catalog: loadCatalog,
    });
    if (spec.output === 'json') input.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else input.stdout.write(renderPlan(plan));
    return EXIT.ok;
  } finally {
    io.close();
    ports.destroy();
  }
}

/** `ecs-chaos run update-task-role`. */
export async function runCommand(input: ExperimentCommandInput, signal: AbortSignal): Promise<ExitCode> {
  const { spec, io, ports } = prepare(input);
  try {
    // The report paths are checked before any change, as --result-file is.
    for (const flag of ['html', 'junit'] as const) {
      const path = input.flags[flag];
      if (typeof path === 'string') checkOutputPath(`--${flag}`, path);
    }
    let result: ExperimentResult;
    try {
      result = await runExperiment(
        spec,
        {
          ecs: ports.ecs,
          iam: ports.iam,
          sts: ports.sts,
          cloudtrail: ports.cloudtrail,
          cloudwatch: ports.cloudwatch,
          elb: ports.elb,
          env: input.env,
          io,
          clock: SYSTEM_CLOCK,
          catalog: loadCatalog,
          version: VERSION,
          ...(input.pollIntervalMs ? { pollIntervalMs: input.pollIntervalMs } : {}),
        },
        signal,
      );
    } catch (error) {
      // The status line goes before the last words.
      io.close();
      // Nothing was changed: the run ended in preflight.
      if ((error as Error).name === 'AbortError' || signal.aborted) {
        input.stderr.write('ecs-chaos: aborted before any change; nothing to restore\n');
        return EXIT.abortedRestored;
      }
      const message =
        describeUnreachable(error, spec.auth.endpointUrl) ??
        (error instanceof ChaosError ? error.message : `${(error as Error).name}: ${(error as Error).message}`);
      // AWS refused the first change (the permission check may not have run: no simulation rights).
      const hint = /AccessDenied/.test((error as Error).name ?? '')
        ? `\nFix: give the runner the permissions 'ecs-chaos policy --cluster ${spec.cluster} --service ${spec.service} --region ${spec.region}${spec.taskRoleArn ? ` --task-role ${spec.taskRoleArn}` : ''}' prints`
        : '';
      input.stderr.write(`ecs-chaos: ${message}${hint}\nnothing was changed.\n`);
      return EXIT.invalidInput;
    }
    // Everything was done in AWS: an output that cannot be written (a full disk, a folder gone) is
    // said on stderr, the others are still written, the report still printed, and the exit code
    // stays the run's own (4 means something may be left in AWS, never a local write failure).
    const attempt = async (what: string, path: string, write: () => Promise<string>): Promise<string | undefined> => {
      try {
        return await write();
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        io.note(`ecs-chaos: could not write the ${what} to ${path} (${reason}); the run's outcome is unchanged`, {
          level: 'error',
          data: { output: what, path, error: reason },
        });
        return undefined;
      }
    };
    let written: string | undefined;
    if (spec.resultFile) {
      const resultFile = spec.resultFile;
      written = await attempt('result file', resultFile, () => writeResultFile(resultFile, result));
    }
    // The renderers are loaded only when asked for: a run without reports does not pay for them.
    const reports = [
      ['html', 'HTML report', async () => (await import('../../report/html.js')).renderHtmlReport],
      ['junit', 'JUnit report', async () => (await import('../../report/junit.js')).renderJunitReport],
    ] as const;
    for (const [flag, what, load] of reports) {
      const path = input.flags[flag];
      if (typeof path === 'string') {
        const target = await attempt(what, path, async () => writeAtomically(path, (await load())(result)));
        if (target) io.note(`${what} written to ${target}`, { data: { report: flag, path: target } });
      }
    }
    if (spec.output === 'json') input.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else input.stdout.write(renderResult(result, written));
    const unchecked = result.residue.items.find((i) => i.kind === 'not-checked');
    if (unchecked) {
      io.note(`ecs-chaos: what is left could not be checked: ${unchecked.detail}`, {
        level: 'error',
        data: { recoverCommand: result.residue.recoverCommand },
      });
    } else if (!result.residue.clean) {
      io.note(`ecs-chaos: something was left behind; repair it with:\n  ${result.residue.recoverCommand ?? ''}`, {
        level: 'error',
        data: { recoverCommand: result.residue.recoverCommand },
      });
    }
    return exitCodeOf(result);
  } finally {
    io.close();
    ports.destroy();
  }
}
