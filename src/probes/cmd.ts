/**
 * The `cmd` probe: a command run directly from its argv (no shell unless asked), with the run's
 * facts in its environment; its exit code (and optionally its stdout) is compared.
 */
import { spawn } from 'node:child_process';
import { compare, describeComparator } from './comparator.js';
import type { Observation, ProbeContext } from './context.js';
import type { CmdProbeSpec } from './types.js';

/** Output kept per stream: a probe's command is a check, not a data pipe. */
const MAX_OUTPUT = 64 * 1024;
const EXCERPT = 160;

/** The environment variables a command probe gets about the run. */
export function probeEnvironment(ctx: ProbeContext): Record<string, string> {
  const f = ctx.facts;
  return {
    ECS_CHAOS_EXPERIMENT_ID: f.experimentId,
    ECS_CHAOS_CLUSTER: f.cluster,
    ECS_CHAOS_SERVICE: f.service,
    ECS_CHAOS_REGION: f.region,
    ECS_CHAOS_CHAOS_ROLE: f.chaosRoleArn ?? '',
    ECS_CHAOS_ORIGINAL_ROLE: f.originalRoleArn ?? '',
    ECS_CHAOS_STARTED_AT: f.startedAt.toISOString(),
    ECS_CHAOS_CHAOS_STARTED_AT: f.chaosStartedAt?.toISOString() ?? '',
    ECS_CHAOS_CHAOS_ENDED_AT: f.chaosEndedAt?.toISOString() ?? '',
  };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}...` : flat;
}

/** Runs the command and compares; throws when it cannot start or is killed at the timeout. */
export async function observeCmd(spec: CmdProbeSpec, ctx: ProbeContext): Promise<Observation> {
  const [file, ...args] = spec.shell ? ['/bin/sh', '-c', spec.command.join(' ')] : spec.command;
  const { code, signal, stdout, stderr } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    const child = spawn(file!, args, {
      env: { ...ctx.env, ...probeEnvironment(ctx), ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      signal: ctx.signal,
      killSignal: 'SIGKILL',
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (out.length < MAX_OUTPUT) out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (err.length < MAX_OUTPUT) err += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') reject(error);
      else if (error.code === 'ENOENT')
        reject(new Error(`the command ${file} was not found (is it installed and on PATH?)`));
      else reject(error);
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  if (code === null) throw new Error(`${file} was killed by ${signal ?? 'a signal'}`);
  const out = stdout.trim();
  const exitOk = compare(spec.exitCode, code);
  const stdoutOk = spec.stdout ? compare(spec.stdout, out) : true;
  const expected = [
    `exit code ${describeComparator(spec.exitCode)}`,
    ...(spec.stdout ? [`stdout ${describeComparator(spec.stdout)}`] : []),
  ].join(' and ');
  const shown = spec.shell
    ? spec.command.join(' ')
    : spec.command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
  return {
    passed: exitOk && stdoutOk,
    actual: spec.stdout ? out : code,
    expected,
    evidence: `${shown} -> exit ${code}${out ? `, stdout ${JSON.stringify(excerpt(out))}` : ''}${!exitOk && stderr.trim() ? `, stderr ${JSON.stringify(excerpt(stderr))}` : ''}`,
  };
}
