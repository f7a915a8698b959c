/**
 * `ecs-chaos recover` and `ecs-chaos status`: repair or list what experiments left behind, from the
 * recovery markers in AWS alone.
 */
import { loadTargetSpec } from '../../config/load.js';
import { InvalidInputError } from '../../errors.js';
import { SYSTEM_CLOCK } from '../../engine/clock.js';
import { targetCommand } from '../../engine/recover-command.js';
import {
  describeInspection,
  foreignRevisionFix,
  inspectCluster,
  recover,
  type RecoverReport,
} from '../../engine/recover.js';
import { portsFor } from '../aws-ports.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { progressOptions, streamIoHost, type ProgressHost } from '../render.js';
import type { ExperimentCommandInput } from './experiment.js';

/** Progress on stderr: --log-format (auto: text on a terminal, JSON lines otherwise) and --quiet. */
function progress(input: ExperimentCommandInput): ProgressHost {
  return streamIoHost(input.stderr, progressOptions(input.flags));
}

/** `--scan-limit`: a positive integer, or undefined for the default. */
function scanLimit(flags: ExperimentCommandInput['flags']): number | undefined {
  const raw = flags.scanLimit;
  if (raw === undefined || raw === false) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidInputError(
      '--scan-limit',
      raw,
      'must be a positive whole number of revisions',
      'pass e.g. --scan-limit 5000, or leave it out for 2000',
    );
  }
  return n;
}

/** The readable recover report. */
export function renderRecoverReport(report: RecoverReport): string {
  const lines = [
    `recover${report.dryRun ? ' (dry run: nothing changed)' : ''}: cluster ${report.cluster} (${report.region})`,
  ];
  for (const entry of report.services) {
    lines.push(describeInspection(entry.inspection));
    for (const action of entry.actions) lines.push(`  - ${report.dryRun ? 'would: ' : ''}${action}`);
    if (entry.status === 'repaired') lines.push('  => repaired');
    if (entry.status === 'would-repair') lines.push('  => would be repaired');
    if (entry.status === 'failed') lines.push(`  => FAILED: ${entry.error ?? ''}`);
    if (entry.status === 'live') lines.push(`  => REFUSED: ${entry.error ?? ''}`);
    if (entry.status === 'foreign') lines.push(`  => LEFT IN PLACE (someone's deployment): ${entry.error ?? ''}`);
  }
  for (const line of report.truncated) lines.push(`scan truncated: ${line}`);
  for (const orphan of report.orphanRevisions)
    lines.push(`${orphan.arn}: chaos revision of ${orphan.service} (gone): ${orphan.action}`);
  if (report.services.length === 0) lines.push('no service to look at');
  lines.push(
    report.clean
      ? 'all clean.'
      : report.dryRun
        ? 'something is left: run without --dry-run to repair it.'
        : report.truncated.length > 0 && report.services.every((s) => s.status === 'clean' || s.status === 'repaired')
          ? 'nothing found in what was read, but NOT fully checked: see the truncated scans above (raise --scan-limit).'
          : 'NOT all clean: see above.',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * `ecs-chaos recover`: exit 0 when everything is clean at the end, 2 when a live experiment was
 * refused (nothing changed on it), 4 otherwise (also for a dry run that finds something).
 */
export async function recoverCommand(input: ExperimentCommandInput, signal: AbortSignal): Promise<ExitCode> {
  const spec = loadTargetSpec({ flags: input.flags, env: input.env });
  const limit = scanLimit(input.flags);
  const io = progress(input);
  const ports = portsFor(spec, input.env, io);
  try {
    const report = await recover(
      {
        cluster: spec.cluster,
        ...(spec.service ? { service: spec.service } : {}),
        region: spec.region,
        dryRun: input.flags.dryRun === true,
        force: input.flags.force === true,
        repairForeign: input.flags.repairForeign === true,
        restoreTimeoutSeconds: spec.restoreTimeoutSeconds,
        commandLine: commandLine('recover', spec),
        ...(limit ? { scanLimit: limit } : {}),
      },
      {
        ecs: ports.ecs,
        iam: ports.iam,
        io,
        clock: SYSTEM_CLOCK,
        signal,
        ...(input.pollIntervalMs ? { pollIntervalMs: input.pollIntervalMs } : {}),
      },
    );
    input.stdout.write(spec.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderRecoverReport(report));
    if (report.clean) return EXIT.ok;
    const refusedOnly = report.services.every(
      (s) => s.status === 'clean' || s.status === 'repaired' || s.status === 'live',
    );
    return refusedOnly && report.orphanRevisions.every((o) => o.action.startsWith('deregistered'))
      ? EXIT.invalidInput
      : EXIT.needsRecovery;
  } finally {
    io.close();
    ports.destroy();
  }
}

/** `ecs-chaos status`: exit 0 when nothing is under chaos, 4 when something is. Read-only. */
export async function statusCommand(input: ExperimentCommandInput, signal: AbortSignal): Promise<ExitCode> {
  const spec = loadTargetSpec({ flags: input.flags, env: input.env });
  const limit = scanLimit(input.flags);
  // Read-only and quick: its only progress is AWS retries.
  const io = progress(input);
  const ports = portsFor(spec, input.env, io);
  try {
    const found = await inspectCluster(
      ports.ecs,
      {
        cluster: spec.cluster,
        ...(spec.service ? { service: spec.service } : {}),
        region: spec.region,
        ...(limit ? { scanLimit: limit } : {}),
      },
      SYSTEM_CLOCK.now(),
      signal,
      ports.iam,
    );
    const underChaos = found.services.filter((i) => i.underChaos);
    const dirty = underChaos.length + found.orphanRevisions.length;
    const recoverLine = commandLine('recover', spec);
    if (spec.output === 'json') {
      input.stdout.write(`${JSON.stringify({ cluster: spec.cluster, region: spec.region, ...found }, null, 2)}\n`);
    } else {
      const now = SYSTEM_CLOCK.now();
      const lines = [
        `status: cluster ${spec.cluster} (${spec.region})`,
        ...found.services.map((i) => describeInspection(i, now)),
      ];
      for (const i of found.services) {
        if (i.foreignRevisionWithChaosChange) lines.push(`  what to do: ${foreignRevisionFix(i, recoverLine)}`);
      }
      for (const t of found.truncated) lines.push(`scan truncated: ${t}`);
      for (const o of found.orphanRevisions) {
        lines.push(
          `${o.arn}: ACTIVE chaos revision of ${o.service}, which no longer runs (experiment ${o.experimentId})`,
        );
      }
      const where = `--cluster ${spec.cluster}${spec.service ? ` --service ${spec.service}` : ''} --region ${spec.region}`;
      const live = underChaos.filter((i) => i.live).length;
      lines.push(
        dirty === 0
          ? found.truncated.length > 0
            ? 'nothing under chaos in what was read, but NOT fully checked: see the truncated scans above (raise --scan-limit).'
            : 'nothing under chaos.'
          : `under chaos or left behind: ${dirty}${live > 0 ? ` (${live} LIVE: an experiment runs there now and restores it itself)` : ''}. ${dirty > live ? `'ecs-chaos recover ${where}' repairs what is ABANDONED or left behind.` : 'Wait for the live experiments to end.'}`,
      );
      input.stdout.write(`${lines.join('\n')}\n`);
    }
    return dirty === 0 && found.truncated.length === 0 ? EXIT.ok : EXIT.needsRecovery;
  } finally {
    io.close();
    ports.destroy();
  }
}

/** The exact `recover`/`status` command line for this target (endpoint and profile included). */
function commandLine(command: 'recover' | 'status', spec: ReturnType<typeof loadTargetSpec>): string {
  return targetCommand(command, spec);
}
