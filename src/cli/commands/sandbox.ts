/** `ecs-chaos sandbox`: runs the local AWS-compatible endpoint until SIGINT/SIGTERM. */
import { InvalidInputError } from '../../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { loadSandbox } from '../sandbox-module.js';

export interface SandboxCommandOptions {
  readonly port: string;
  readonly scenario: string;
  readonly pace: string;
  readonly latencyMs: string;
  /** Fault rules as typed after --fault (parsed by the sandbox's fault module). */
  readonly faults: readonly string[];
  readonly faultSeed?: string;
}

function wholeNumber(flag: string, text: string, max: number, fix: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n > max) {
    throw new InvalidInputError(flag, text, `must be a whole number from 0 to ${max}`, fix);
  }
  return n;
}

export async function sandboxCommand(options: SandboxCommandOptions): Promise<ExitCode> {
  const port = wholeNumber('--port', options.port, 65535, 'pass a free TCP port, or 0 to pick one');
  const latencyMs = wholeNumber('--latency-ms', options.latencyMs, 60_000, 'pass milliseconds, e.g. --latency-ms 50');
  const { startSandbox } = await loadSandbox();
  let sandbox;
  try {
    sandbox = await startSandbox({
      port,
      scenario: options.scenario as 'demo' | 'empty',
      pace: options.pace as 'fast' | 'realistic',
      latencyMs,
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
    throw err;
  }
  const out = process.stdout;
  out.write(`sandbox ready endpoint=${sandbox.endpoint} region=${sandbox.region}\n`);
  out.write(`export AWS_ENDPOINT_URL=${sandbox.endpoint}\n`);
  out.write(`export AWS_ACCESS_KEY_ID=${sandbox.credentials.accessKeyId}\n`);
  out.write(`export AWS_SECRET_ACCESS_KEY=${sandbox.credentials.secretAccessKey}\n`);
  out.write(`export AWS_REGION=${sandbox.region}\n`);
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
