/** `ecs-chaos sandbox`: runs the local AWS-compatible endpoint until SIGINT/SIGTERM. */
import { InvalidInputError } from '../../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { isFaultRuleError, loadSandbox, type SandboxFaultRule } from '../sandbox-module.js';

/** The options of `ecs-chaos sandbox`, as typed on the command line. */
export interface SandboxCommandOptions {
  readonly port: string;
  readonly scenario: string;
  readonly pace: string;
  readonly latencyMs: string;
  /** Fault rules as typed after --fault (parsed by the sandbox's fault module). */
  readonly faults: readonly string[];
  readonly faultSeed?: string;
}

/** The largest fault seed (seeds are unsigned 32-bit integers). */
const MAX_FAULT_SEED = 0xffff_ffff;

function wholeNumber(flag: string, text: string, max: number, fix: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > max) {
    throw new InvalidInputError(flag, text, `must be a whole number from 0 to ${max}`, fix);
  }
  return n;
}

/** The InvalidInputError of a `--fault` text the sandbox refused. */
function faultInputError(text: string, err: { problem: string; fix: string }): InvalidInputError {
  return new InvalidInputError('--fault', text, err.problem, err.fix);
}

/** Starts the sandbox, prints how to reach it, and runs until SIGINT or SIGTERM. */
export async function sandboxCommand(options: SandboxCommandOptions): Promise<ExitCode> {
  const port = wholeNumber('--port', options.port, 65535, 'pass a free TCP port, or 0 to pick one');
  const latencyMs = wholeNumber('--latency-ms', options.latencyMs, 60_000, 'pass milliseconds, e.g. --latency-ms 50');
  const faultSeed =
    options.faultSeed === undefined
      ? undefined
      : wholeNumber(
          '--fault-seed',
          options.faultSeed,
          MAX_FAULT_SEED,
          'pass a whole number, e.g. the seed a previous run printed',
        );
  const { startSandbox, parseFaultRule } = await loadSandbox();
  const faults: SandboxFaultRule[] = options.faults.map((text) => {
    try {
      return parseFaultRule(text);
    } catch (err) {
      if (isFaultRuleError(err)) throw faultInputError(text, err);
      throw err;
    }
  });
  let sandbox;
  try {
    sandbox = await startSandbox({
      port,
      scenario: options.scenario as 'demo' | 'empty',
      pace: options.pace as 'fast' | 'realistic',
      latencyMs,
      faults,
      ...(faultSeed === undefined ? {} : { faultSeed }),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new InvalidInputError(
        '--port',
        options.port,
        'is already in use',
        'pick another port, or --port 0 for a free one',
      );
    }
    // A rule that parsed but matches no operation of the sandbox.
    if (isFaultRuleError(err) && err.index !== undefined && options.faults[err.index] !== undefined) {
      throw faultInputError(options.faults[err.index]!, err);
    }
    throw err;
  }
  const out = process.stdout;
  out.write(`sandbox ready endpoint=${sandbox.endpoint} region=${sandbox.region}\n`);
  out.write(`export AWS_ENDPOINT_URL=${sandbox.endpoint}\n`);
  out.write(`export AWS_ACCESS_KEY_ID=${sandbox.credentials.accessKeyId}\n`);
  out.write(`export AWS_SECRET_ACCESS_KEY=${sandbox.credentials.secretAccessKey}\n`);
  out.write(`export AWS_REGION=${sandbox.region}\n`);
  if (options.faults.length > 0 || faultSeed !== undefined) {
    const rules = sandbox.faults.list().map((r) => `${r.id} ${r.text}`);
    out.write(`# faults: ${rules.length > 0 ? rules.join('; ') : 'none yet (add them with POST /_sandbox/faults)'}\n`);
    out.write(`# fault seed: ${sandbox.faults.seed} (replay with --fault-seed ${sandbox.faults.seed})\n`);
  }
  if (options.scenario === 'demo') {
    out.write('# scenario demo: cluster demo; services orders (FARGATE, 4 tasks) and billing (EC2, 2 tasks);\n');
    out.write('# roles orders-task-role, orders-chaos-role (may not write S3), untrusted-role. Ctrl-C stops.\n');
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sandbox.close();
  process.stderr.write('sandbox stopped\n');
  return EXIT.ok;
}
