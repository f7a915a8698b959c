/**
 * The `ecs-chaos` command. The only place that touches `process.*`: it parses the command line,
 * loads the chosen command's module lazily (so `--help` starts fast), turns SIGINT/SIGTERM into one
 * abort signal, and sets the exit code. It never calls process.exit.
 */
import { describeUnreachable } from './network-error.js';
import { Command, CommanderError, Option } from 'commander';
import { FAULT_FIELD_LIST, FIELD_LIST } from '../config/fields.js';
import { FAULTS } from '../config/spec.js';
import { ChaosError, InvalidInputError } from '../errors.js';
import { VERSION } from '../version.js';
import { EXIT } from './exit-codes.js';
import { DEFAULT_DEMO_FAULT, DEMO_FAULTS, demoFaultNames } from './commands/demo-experiments.js';

// The AWS SDK warns on every start under Node 20; the tool supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Output failures never stop the run: a reader that goes away (a closed pipe: EPIPE), a closed
 * descriptor (EBADF), a full disk under a redirect (ENOSPC) make stdout/stderr emit 'error', which
 * would otherwise be an uncaught exception mid-chaos. They are swallowed; the run goes on, restores,
 * writes its result file and exits with its normal code. A failure of stdout is noted once on
 * stderr (when stderr still works); stderr's own failure has nowhere to be noted.
 */
function surviveOutputFailures(): void {
  let noted = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (noted) return;
    noted = true;
    try {
      process.stderr.write(`ecs-chaos: stdout failed (${err.code ?? err.message}); the run goes on without it\n`);
    } catch {
      // stderr is gone too: nothing more to say.
    }
  });
  process.stderr.on('error', () => undefined);
}

/**
 * The signals that abort the run like SIGTERM: SIGINT (Ctrl-C), SIGTERM, SIGHUP (a closed terminal,
 * a dropped SSH session), SIGQUIT (Ctrl-\, which would otherwise kill the process with a core dump)
 * and SIGUSR2 (whose default action is to terminate: an accidental one must not leave chaos behind).
 * SIGKILL cannot be caught: see docs/recovery.md.
 */
const ABORT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

/** One AbortController for the run: the first signal aborts, later ones only say cleanup is running. */
function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      // On a terminal, the live status line is cleared first so the message is not drawn over it.
      const clear = process.stderr.isTTY ? '\r\x1b[K' : '\n';
      process.stderr.write(`${clear}ecs-chaos: received ${name}: stopping the chaos and restoring the service...\n`);
      const reason = new Error(`${name} received`);
      reason.name = 'AbortError';
      controller.abort(reason);
    } else {
      process.stderr.write(
        `ecs-chaos: received ${name} again: cleanup is running and will not be skipped; please wait.\n`,
      );
    }
  };
  for (const name of ABORT_SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of ABORT_SIGNALS) process.off(name, onSignal);
    },
  };
}

function pollInterval(): number | undefined {
  const text = process.env.ECS_CHAOS_POLL_INTERVAL_MS;
  const n = Number(text);
  return text && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The fields of commands that target a cluster rather than run an experiment (recover, status). */
const TARGET_FIELDS = new Set([
  'cluster',
  'service',
  'region',
  'assumeRoleArn',
  'authSecretFile',
  'profile',
  'endpointUrl',
  'restoreTimeout',
  'output',
]);

/** The fields of `audit`: a target, no timeouts. */
const AUDIT_FIELDS = new Set([...TARGET_FIELDS].filter((k) => k !== 'restoreTimeout'));

/** `--log-format`: how progress goes to stderr (see progressOptions in render.ts). */
function logFormatOption(): Option {
  return new Option(
    '--log-format <format>',
    'progress on stderr: text (with a live status line on a terminal), json lines, or auto: text on a terminal, json lines otherwise',
  )
    .choices(['auto', 'text', 'json'])
    .default('auto');
}

/** `--quiet`: no progress on stderr but warnings and errors. */
const QUIET_FLAGS = '-q, --quiet';
const QUIET_HELP = 'no progress on stderr, only warnings and errors (stdout is unchanged)';

/** Adds the tunables' flags, built from the one field table. */
function withExperimentOptions(command: Command, only?: ReadonlySet<string>): Command {
  if (!only) command.option('-f, --file <path>', 'experiment file (YAML or JSON)');
  for (const field of [...FIELD_LIST, ...(only ? [] : FAULT_FIELD_LIST)]) {
    if (only && !only.has(field.key)) continue;
    const env = field.env ? ` [env ${field.env}]` : '';
    const def = field.default !== undefined && field.default !== '' ? ` (default: ${String(field.default)})` : '';
    const option = new Option(
      `${field.flag}${field.valueName ? ` ${field.valueName}` : ''}`,
      `${field.description}${env}${def}`,
    );
    command.addOption(option);
  }
  command.addOption(logFormatOption());
  command.option(QUIET_FLAGS, QUIET_HELP);
  if (!only) {
    const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
    command.option(
      '--http-probe <url>',
      'an http probe expecting a 2xx answer, checked before, during and after the chaos (see --http-probe-checks); repeatable',
      collect,
    );
    command.option(
      '--http-probe-checks <points>',
      'when the --http-probe URLs are checked: a comma-separated subset of before, during, after (default: before,during,after)',
    );
    command.option(
      '--stop-alarm <name>',
      'a CloudWatch alarm whose ALARM state stops the chaos and restores the service; repeatable [env STOP_ALARMS, comma-separated]',
      collect,
    );
    command.option('--html <path>', 'also write the HTML report here (run)');
    command.option('--junit <path>', 'also write JUnit XML here (run)');
  }
  return command;
}

function buildProgram(): Command {
  const program = new Command('ecs-chaos')
    .description("Chaos engineering for AWS ECS: swap a service's IAM task role for a chaos window, then restore it.")
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // simulate-role passes everything after its own options to the command it runs.
    .enablePositionalOptions()
    .exitOverride();

  withExperimentOptions(
    program
      .command('run')
      .description(
        'Run a fault on a service (its task definition: update-task-role, update-execution-role, update-container-resource-limit, update-container-timeout, invalid-container-image; its tasks: task-stop; its running task role: deny-task-permissions), hold, and restore it (task-stop: wait until ECS has replaced the tasks)',
      )
      .argument('<fault>', `the fault to run: ${FAULTS.join(', ')}`),
  ).action(async (fault: string, flags: Record<string, string | boolean>) => {
    const { runCommand } = await import('./commands/experiment.js');
    const abort = abortOnSignals();
    try {
      process.exitCode = await runCommand(
        {
          fault,
          flags,
          env: process.env,
          stdout: process.stdout,
          stderr: process.stderr,
          pollIntervalMs: pollInterval(),
        },
        abort.signal,
      );
    } finally {
      abort.dispose();
    }
  });

  withExperimentOptions(
    program
      .command('plan')
      .description(
        'Preflight and print what run would do: the task definition diff, the deployment configuration, the API calls. Changes nothing',
      )
      .argument(
        '[fault]',
        `the fault to plan: ${FAULTS.join(', ')} (default: the experiment file's, else update-task-role)`,
      ),
  ).action(async (fault: string | undefined, flags: Record<string, string | boolean>) => {
    const { planCommand } = await import('./commands/experiment.js');
    process.exitCode = await planCommand({
      ...(fault !== undefined ? { fault } : {}),
      flags,
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  });

  withExperimentOptions(
    program
      .command('recover')
      .description(
        'Repair what an experiment left behind (a killed run), from the markers in AWS: sibling services deleted, original revision and deployment configuration restored, chaos revisions deregistered, markers and abandoned leases removed; a LIVE experiment is refused',
      )
      .option('--dry-run', 'say what would be done, change nothing')
      .option('--force', 'also repair a service whose experiment is LIVE (its run then reports a conflict)')
      .option(
        '--repair-foreign',
        'also repair a revision someone deployed that carries the chaos change (e.g. a CI build cloned from the chaos revision): register a copy of it without the change, their image kept, and deploy it',
      )
      .option(
        '--scan-limit <n>',
        'revisions read per task definition family for markers, newest first (default: 2000)',
      ),
    TARGET_FIELDS,
  ).action(async (flags: Record<string, string | boolean>) => {
    const { recoverCommand } = await import('./commands/recover.js');
    const abort = abortOnSignals();
    try {
      process.exitCode = await recoverCommand(
        { flags, env: process.env, stdout: process.stdout, stderr: process.stderr, pollIntervalMs: pollInterval() },
        abort.signal,
      );
    } finally {
      abort.dispose();
    }
  });

  withExperimentOptions(
    program
      .command('status')
      .description('List the services under chaos and the leftover chaos revisions of a cluster. Read-only')
      .option(
        '--scan-limit <n>',
        'revisions read per task definition family for markers, newest first (default: 2000)',
      ),
    TARGET_FIELDS,
  ).action(async (flags: Record<string, string | boolean>) => {
    const { statusCommand } = await import('./commands/recover.js');
    process.exitCode = await statusCommand(
      { flags, env: process.env, stdout: process.stdout, stderr: process.stderr },
      new AbortController().signal,
    );
  });

  withExperimentOptions(
    program
      .command('policy')
      .description(
        'Print the least-privilege IAM policy of the principal that runs ecs-chaos, scoped to the cluster, service and roles given',
      )
      .option('--task-role <arn>', 'the chaos task role the runner will pass [env TASK_ROLE]')
      .option('--execution-role <arn>', 'the chaos execution role the runner will pass [env EXECUTION_ROLE]')
      .option('--fault <name>', `the fault the runner will run: ${FAULTS.join(', ')} (default: update-task-role)`),
    new Set(['cluster', 'service', 'region', 'profile', 'endpointUrl', 'authSecretFile', 'assumeRoleArn']),
  ).action(async (flags: Record<string, string | boolean>) => {
    const { policyCommand } = await import('./commands/policy.js');
    process.exitCode = await policyCommand({ flags, env: process.env, stdout: process.stdout, stderr: process.stderr });
  });

  program
    .command('report')
    .description(
      'Write a self-contained HTML report (timeline, tasks per revision, effect, residue) and/or JUnit XML from a result file',
    )
    .argument('<result>', 'a result JSON written by run --result-file')
    .option('--html <path>', 'write the HTML report here')
    .option('--junit <path>', 'write JUnit XML here')
    .action(async (result: string, flags: { html?: string; junit?: string }) => {
      const { reportCommand } = await import('./commands/report.js');
      process.exitCode = await reportCommand({ args: [result], flags, stdout: process.stdout, stderr: process.stderr });
    });

  program
    .command('simulate-role')
    .description(
      "Run code under a task role's permissions: assume a base role with the task role's policies as session policies (iam-sudo), then write a profile or run a command",
    )
    .requiredOption('--role-name <name|arn>', 'the role to simulate (e.g. the task role)')
    .requiredOption('--base-role <arn|name>', 'a role you may assume whose permissions include the simulated ones')
    .option('--profile <name>', 'write the temporary credentials to this profile of the shared credentials file')
    .option('--source-profile <name>', 'the profile of the base credentials [env AWS_PROFILE]')
    .option('--region <region>', 'AWS region [env REGION, AWS_REGION]')
    .option('--endpoint-url <url>', 'one endpoint for every AWS call [env AWS_ENDPOINT_URL]')
    .option('--duration-seconds <n>', 'session duration, 900 to 43200')
    .option('--auth-secret-file <path>', 'credentials file of the base credentials [env AWS_AUTHENTICATION_SECRET]')
    .option('--assume-role-arn <arn>', 'a role to assume first [env ASSUME_ROLE_ARN]')
    .argument('[command...]', 'a command to run with the simulated credentials (after --)')
    .passThroughOptions()
    .action(async (command: string[], flags: Record<string, string | boolean>) => {
      const { simulateRoleCommand } = await import('./commands/simulate-role.js');
      process.exitCode = await simulateRoleCommand({
        flags,
        env: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
        argv: command,
      });
    });

  withExperimentOptions(
    program
      .command('audit')
      .description(
        'Find role mistakes of an ECS service: permissions on the wrong role, missing secret access, roles that do not trust ECS tasks, no task role. Read-only; exit 1 on a high-severity finding',
      ),
    AUDIT_FIELDS,
  ).action(async (flags: Record<string, string | boolean>) => {
    const { auditCommand } = await import('./commands/audit.js');
    process.exitCode = await auditCommand({ flags, env: process.env, stdout: process.stdout, stderr: process.stderr });
  });

  program
    .command('demo')
    .description('Run a fault end to end against the built-in sandbox (no AWS account needed)')
    .addOption(
      new Option('--fault <name>', 'the fault to show (see below)')
        .choices(demoFaultNames())
        .default(DEFAULT_DEMO_FAULT),
    )
    .addHelpText(
      'after',
      `\nFaults the demo shows (--fault):\n${Object.entries(DEMO_FAULTS)
        .map(([name, demo]) => `  ${name}: ${demo.description}`)
        .join('\n')}\n`,
    )
    .option('--duration <duration>', 'how long the chaos lasts', '10s')
    .option('--result-file <path>', 'where to write the result JSON', 'ecs-chaos-demo-result.json')
    .addOption(
      new Option('--pace <pace>', 'how fast the sandbox moves tasks')
        .choices(['fast', 'realistic'])
        .default('realistic'),
    )
    .addOption(new Option('--output <format>', 'text or json on stdout').choices(['text', 'json']).default('text'))
    .addOption(logFormatOption())
    .option(QUIET_FLAGS, QUIET_HELP)
    .option('--html <path>', 'where to write the HTML report', 'ecs-chaos-demo-report.html')
    .option('--junit <path>', 'also write JUnit XML here')
    .option('--experiment-file <path>', 'where to write the demo experiment file', 'ecs-chaos-demo-experiment.yaml')
    .action(
      async (opts: {
        fault: string;
        experimentFile: string;
        duration: string;
        resultFile: string;
        pace: 'fast' | 'realistic';
        output: string;
        logFormat?: string;
        quiet?: boolean;
        html?: string;
        junit?: string;
      }) => {
        const { demoCommand } = await import('./commands/demo.js');
        const abort = abortOnSignals();
        try {
          process.exitCode = await demoCommand(opts, { stdout: process.stdout, stderr: process.stderr }, abort.signal);
        } finally {
          abort.dispose();
        }
      },
    );

  program
    .command('sandbox')
    .description('Start the local AWS-compatible sandbox (ECS, IAM, STS) on 127.0.0.1 until Ctrl-C')
    .option('--port <n>', 'TCP port (0 picks a free one)', '4599')
    .addOption(new Option('--scenario <name>', 'starting world').choices(['demo', 'empty']).default('demo'))
    .addOption(new Option('--pace <pace>', 'how fast tasks move').choices(['fast', 'realistic']).default('realistic'))
    .option('--latency-ms <n>', 'added latency of every AWS call, in milliseconds', '0')
    .option(
      '--fault <rule>',
      'inject AWS faults, repeatable (see docs/sandbox.md#fault-injection)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--fault-seed <n>', 'seed of the fault injection randomness')
    .action(async (opts: Record<string, string> & { fault: string[] }) => {
      const { sandboxCommand } = await import('./commands/sandbox.js');
      process.exitCode = await sandboxCommand({
        port: opts.port!,
        scenario: opts.scenario!,
        pace: opts.pace!,
        latencyMs: opts.latencyMs!,
        faults: opts.fault,
        ...(opts.faultSeed !== undefined ? { faultSeed: opts.faultSeed } : {}),
      });
    });

  return program;
}

/** The `--endpoint-url` of the command line, if any. */
function endpointOf(argv: readonly string[]): string | undefined {
  for (const [i, arg] of argv.entries()) {
    if (arg === '--endpoint-url') return argv[i + 1];
    if (arg.startsWith('--endpoint-url=')) return arg.slice('--endpoint-url='.length);
  }
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  surviveOutputFailures();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with code 0; usage mistakes are invalid input.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
      return;
    }
    if (err instanceof InvalidInputError || (err instanceof ChaosError && err.fault === 'user')) {
      process.stderr.write(`ecs-chaos: ${err.message}\nnothing was changed.\n`);
      process.exitCode = EXIT.invalidInput;
      return;
    }
    // An endpoint that cannot be reached: nothing was changed (the first call failed), the user fixes it.
    const unreachable = describeUnreachable(
      err,
      endpointOf(argv) ?? (process.env.AWS_ENDPOINT_URL?.trim() || undefined),
    );
    if (unreachable) {
      process.stderr.write(`ecs-chaos: ${unreachable}\nnothing was changed.\n`);
      process.exitCode = EXIT.invalidInput;
      return;
    }
    const message = err instanceof ChaosError ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err);
    process.stderr.write(`ecs-chaos: ${message}\n`);
    process.exitCode = EXIT.needsRecovery;
  }
}

await main(process.argv);
