/** Test support: the built `ecs-chaos` program run as a child process. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FAULT_FIELD_LIST, FIELD_LIST } from '../../src/config/fields.js';

/** The built CLI; `npm test` builds it first. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

function ensureBuilt(): void {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run 'npm run build' (npm test does it) before the CLI tests`);
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion (bounded by `timeoutMs`, then killed). */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts the CLI and keeps it running; `waitForOutput` resolves when stdout matches. */
export function startCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): {
  child: ChildProcessWithoutNullStreams;
  output: () => { stdout: string; stderr: string };
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  ensureBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const l of listeners) l();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const l of listeners) l();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    waitForOutput: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(stdout);
          if (match) {
            cleanup();
            resolve(match);
          } else if (child.exitCode !== null) {
            cleanup();
            reject(new Error(`the CLI exited (${child.exitCode}) before printing ${pattern}: ${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/**
 * The environment of a CLI run against a sandbox: its endpoint, the administrator's keys, a fast
 * poll, and the machine's own AWS profile and region blanked so they cannot leak in.
 */
export function sandboxEnv(sandbox: { readonly endpoint: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: sandbox.endpoint,
    ECS_CHAOS_POLL_INTERVAL_MS: '50',
    // A 1 s heartbeat: the lease's election settles in 1 s rather than 5.
    LEASE_HEARTBEAT: '1',
    AWS_PROFILE: '',
    AWS_REGION: '',
    ...extra,
  };
}

/** The demo's chaos role. */
export const DEMO_CHAOS_ROLE = 'arn:aws:iam::123456789012:role/orders-chaos-role';

/** `run update-task-role` on a service of the demo cluster with the demo's chaos role, then `extra`. */
export function demoRunArgs(service: string, ...extra: string[]): string[] {
  return [
    'run',
    'update-task-role',
    '--cluster',
    'demo',
    '--service',
    service,
    '--region',
    'us-east-1',
    '--task-role',
    DEMO_CHAOS_ROLE,
    ...extra,
  ];
}

/**
 * The env of a run configured by the seed's env vars alone, against the sandbox at `endpoint`: every
 * field's env var unset (the caller's environment cannot leak in), the sandbox's keys, the demo
 * cluster in us-east-1, one second of chaos.
 */
export function seedVarsEnv(endpoint: string): NodeJS.ProcessEnv {
  const blank: NodeJS.ProcessEnv = Object.fromEntries(
    [...FIELD_LIST, ...FAULT_FIELD_LIST]
      .flatMap((f) => [f.env, ...(f.envFallbacks ?? [])])
      .filter((n): n is string => n !== undefined)
      .map((n): [string, undefined] => [n, undefined]),
  );
  return {
    ...blank,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: endpoint,
    AWS_PROFILE: '',
    AWS_REGION: '',
    AWS_DEFAULT_REGION: '',
    ECS_CHAOS_POLL_INTERVAL_MS: '50',
    CLUSTER_NAME: 'demo',
    REGION: 'us-east-1',
    TOTAL_CHAOS_DURATION: '1',
  };
}
