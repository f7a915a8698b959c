/**
 * Benchmarks of ecs-chaos. Prints figures; asserts nothing (CI never times things).
 *
 *   npm run bench            (builds first)
 *
 * Measures, against the in-process sandbox with 50 ms added to every AWS call:
 * - injection latency: process start -> the chaos UpdateService reaching the sandbox
 *   (target: <= 8 round trips + 300 ms + the lease election's settle time, 5 s by default)
 * - abort-to-restore latency: SIGTERM -> the restoring UpdateService reaching the sandbox
 *   (target: <= 1 round trip + 50 ms)
 * - cold start of `ecs-chaos --version` and `--help` (target: <= 150 ms)
 * - peak RSS of a full run (target: <= 120 MB)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { startSandbox } from '../sandbox/index.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const RSS_HOOK = fileURLToPath(new URL('./rss-hook.mjs', import.meta.url));
const LATENCY_MS = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function runProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): {
  done: Promise<{ code: number | null; stderr: string; ms: number }>;
  child: ReturnType<typeof spawn>;
  stderr: () => string;
  start: number;
} {
  const start = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - start })),
  );
  return { done, child, stderr: () => stderr, start };
}

async function coldStart(arg: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) times.push((await runProcess([CLI, arg]).done).ms);
  return times;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ scenario: 'demo', pace: 'fast', latencyMs: LATENCY_MS });
  const updates: number[] = [];
  // First in line, before the added latency: the moment a request reaches the sandbox.
  sandbox.world.interceptors.unshift((ctx) => {
    if (ctx.action === 'UpdateService') updates.push(performance.now());
  });
  const ecs = new ECSClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: sandbox.credentials });
  const rtts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
    rtts.push(performance.now() - t);
  }
  const rtt = median(rtts);
  const env = {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: sandbox.endpoint,
    ECS_CHAOS_POLL_INTERVAL_MS: '100',
  };
  const base = [
    'run',
    'update-task-role',
    '--cluster',
    'demo',
    '--service',
    'orders',
    '--region',
    'us-east-1',
    '--task-role',
    'arn:aws:iam::123456789012:role/orders-chaos-role',
  ];
  const steady = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const s = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }))).services![0]!;
      if (s.deployments!.length === 1 && s.deployments![0]!.rolloutState === 'COMPLETED') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the service did not settle');
  };

  const injection: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await steady();
    updates.length = 0;
    const run = runProcess(['--import', RSS_HOOK, CLI, ...base, '--duration', '1'], env);
    const { code, stderr } = await run.done;
    if (code !== 0) throw new Error(`run exited ${code}: ${stderr}`);
    injection.push(updates[0]! - run.start);
    rss.push(Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)![1]) / 1024);
  }

  const abort: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await steady();
    const run = runProcess([CLI, ...base, '--duration', '5m', '--interval', '5m'], env);
    // The lease election alone waits 5 s before the injection: allow for it (bounded).
    for (let w = 0; w < 3000 && !/holding the chaos/.test(run.stderr()); w++)
      await new Promise((r) => setTimeout(r, 10));
    updates.length = 0;
    const t = performance.now();
    run.child.kill('SIGTERM');
    const { code } = await run.done;
    if (code !== 3) throw new Error(`aborted run exited ${code}: ${run.stderr()}`);
    abort.push(updates[0]! - t);
  }

  const version = await coldStart('--version');
  const help = await coldStart('--help');
  ecs.destroy();
  await sandbox.close();

  const ms = (n: number): string => `${n.toFixed(0)} ms`;
  const rows: Array<[string, string, string]> = [
    ['sandbox round trip (50 ms added latency)', ms(rtt), 'reference'],
    [
      'injection latency (start -> chaos UpdateService), median',
      ms(median(injection)),
      `<= 8 RT + 300 ms + 5 s lease settle = ${ms(8 * rtt + 300 + 5000)}`,
    ],
    [
      'abort-to-restore (SIGTERM -> restoring UpdateService), median',
      ms(median(abort)),
      `<= 1 RT + 50 ms = ${ms(rtt + 50)}`,
    ],
    [
      '`ecs-chaos --version` cold start, median / p90',
      `${ms(median(version))} / ${ms(percentile(version, 90))}`,
      '<= 150 ms',
    ],
    ['`ecs-chaos --help` cold start, median / p90', `${ms(median(help))} / ${ms(percentile(help, 90))}`, '<= 150 ms'],
    ['peak RSS of a full run, max', `${Math.max(...rss).toFixed(0)} MB`, '<= 120 MB'],
  ];
  console.log(`ecs-chaos benchmarks (node ${process.version}, ${RUNS} runs, ${COLD_RUNS} cold starts)\n`);
  console.log('| figure | measured | target |');
  console.log('|---|---|---|');
  for (const [name, value, target] of rows) console.log(`| ${name} | ${value} | ${target} |`);
  console.log(
    `\nraw: injection ${injection.map((v) => v.toFixed(0)).join(', ')}; abort ${abort.map((v) => v.toFixed(0)).join(', ')}; rss ${rss.map((v) => v.toFixed(0)).join(', ')} MB`,
  );
}

await main();
