/**
 * `ecs-chaos audit --cluster C --service S`: the role mistakes of a service, with a severity and a
 * fix each. Read-only.
 *
 * Exit codes: 0 when there is no `high` finding, 1 when there is at least one, 2 for invalid input
 * or a service that cannot be found.
 */
import type { AwsPorts } from '../../aws/ports.js';
import { loadTargetSpec, type TargetSpec } from '../../config/load.js';
import { InvalidInputError } from '../../errors.js';
import { auditService, readAuditInput, ServiceNotFoundError, type AuditReport } from '../../iam/audit.js';
import { portsFor } from '../aws-ports.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { progressOptions, streamIoHost } from '../render.js';

/** What `audit` reads from the command line and the process. */
export interface AuditCommandInput {
  /**
   * The flags (commander keys): `cluster`, `service` (required), `region`, `output` (`text` or
   * `json`), and for the credentials `assumeRoleArn`, `authSecretFile`, `profile`, `endpointUrl`.
   * Env vars as for `status`: CLUSTER_NAME, SERVICE_NAME, REGION / AWS_REGION, ...
   */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Options of {@link auditCommand} that tests and embedders may set. */
export interface AuditCommandOptions {
  readonly signal?: AbortSignal;
  /** Ports to use instead of SDK clients built from the flags (tests). */
  readonly ports?: Pick<AwsPorts, 'ecs' | 'iam'>;
}

/** The readable audit report. */
export function renderAuditReport(report: AuditReport): string {
  const lines = [
    `audit: service ${report.service} of cluster ${report.cluster} (${report.region}, ${report.launch})`,
    `  task definition ${report.taskDefinitionArn}`,
    `  task role       ${report.taskRoleArn ?? '(none)'}`,
    `  execution role  ${report.executionRoleArn ?? '(none)'}`,
    '',
  ];
  for (const f of report.findings) {
    lines.push(`[${f.severity.toUpperCase()}] ${f.code}: ${f.what}`);
    lines.push(`  why: ${f.why}`);
    lines.push(`  fix: ${f.fix}`);
    lines.push('');
  }
  const { high, medium, low, info } = report.counts;
  lines.push(
    report.findings.length === 0
      ? 'no findings.'
      : `${report.findings.length} finding(s): ${high} high, ${medium} medium, ${low} low, ${info} info.`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * `ecs-chaos audit`: reads the service, its task definition and both roles, prints the findings
 * (text, or JSON with `--output json`) and returns 0 when none is `high`, 1 otherwise; 2 for invalid
 * input or a missing service (the message names it).
 *
 * @example process.exitCode = await auditCommand({ flags: { cluster: 'demo', service: 'orders', region: 'us-east-1' }, env: process.env, stdout: process.stdout, stderr: process.stderr });
 */
export async function auditCommand(input: AuditCommandInput, options: AuditCommandOptions = {}): Promise<ExitCode> {
  let spec: TargetSpec;
  try {
    spec = loadTargetSpec({ flags: input.flags, env: input.env });
    if (!spec.service)
      throw new InvalidInputError(
        '--service',
        null,
        'is required for audit',
        'pass the service to audit, e.g. --service orders',
      );
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    input.stderr.write(`ecs-chaos: ${err.message}\n`);
    return EXIT.invalidInput;
  }
  // Its only progress is AWS retries: --log-format and --quiet as for the other commands.
  const io = streamIoHost(input.stderr, progressOptions(input.flags));
  const built = options.ports ? undefined : portsFor(spec, input.env, io);
  const ports = options.ports ?? built!;
  try {
    let report: AuditReport;
    try {
      report = auditService(
        await readAuditInput(
          ports,
          { cluster: spec.cluster, service: spec.service, region: spec.region },
          options.signal ? { abortSignal: options.signal } : {},
        ),
      );
    } catch (err) {
      const name = (err as Error)?.name ?? '';
      if (err instanceof ServiceNotFoundError || /ClusterNotFound|ServiceNotFound/.test(name)) {
        input.stderr.write(`ecs-chaos: ${(err as Error).message}. Fix: check --cluster, --service and --region.\n`);
        return EXIT.invalidInput;
      }
      if (/AccessDenied/.test(name)) {
        input.stderr.write(
          `ecs-chaos: ${(err as Error).message.split('\n')[0]} (${name}). Fix: audit needs ecs:DescribeServices and ecs:DescribeTaskDefinition, and the IAM role reads.\n`,
        );
        return EXIT.invalidInput;
      }
      throw err;
    }
    input.stdout.write(spec.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderAuditReport(report));
    return report.counts.high > 0 ? EXIT.verdictFailed : EXIT.ok;
  } finally {
    io.close();
    built?.destroy();
  }
}
