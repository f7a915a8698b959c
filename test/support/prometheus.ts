/**
 * Test support: a real Prometheus server (Debian's `prometheus` package, installed by `npm test`'s
 * pretest) scraping given HTTP endpoints, on a free loopback port with its own config and storage in
 * a fresh temporary folder. Never the system's Prometheus or port 9090.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** How long the server may take to be ready with every target scraped once (its scrape manager applies targets every 5 s). */
const READY_TIMEOUT_MS = 30_000;
/** How long a stopping server gets after SIGTERM before SIGKILL, and after SIGKILL. */
const STOP_GRACE_MS = 5_000;

export interface ScrapeTarget {
  /** The scrape job's name (the `job` label); unique. */
  readonly job: string;
  /** The metrics URL, e.g. http://127.0.0.1:4599/_sandbox/workload/demo/orders/metrics. */
  readonly url: string;
}

export interface RunningPrometheus {
  /** The server's base URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 at the time of asking. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function scrapeConfig(targets: readonly ScrapeTarget[], intervalSeconds: number): string {
  const jobs = new Set<string>();
  const scrapeConfigs = targets.map(({ job, url }) => {
    if (jobs.has(job)) throw new Error(`startPrometheus: the job ${job} is given twice`);
    jobs.add(job);
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`startPrometheus: not an http URL: ${url}`);
    const params: Record<string, string[]> = {};
    for (const [k, v] of u.searchParams) (params[k] ??= []).push(v);
    return {
      job_name: job,
      scheme: u.protocol.slice(0, -1),
      metrics_path: u.pathname,
      ...(Object.keys(params).length > 0 && { params }),
      static_configs: [{ targets: [u.host] }],
    };
  });
  return stringify({
    global: {
      scrape_interval: `${intervalSeconds}s`,
      scrape_timeout: `${intervalSeconds}s`,
      evaluation_interval: `${intervalSeconds}s`,
    },
    scrape_configs: scrapeConfigs,
  });
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** GETs JSON from the server; undefined when it does not answer 200 yet. */
async function getJson(url: string): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (res.status !== 200) {
      await res.body?.cancel();
      return undefined;
    }
    const text = await res.text();
    return text.startsWith('{') ? (JSON.parse(text) as unknown) : text;
  } catch {
    return undefined;
  }
}

interface TargetsAnswer {
  readonly data?: {
    readonly activeTargets?: ReadonlyArray<{
      readonly labels?: Record<string, string>;
      readonly health?: string;
      readonly lastError?: string;
    }>;
  };
}

/**
 * Starts Prometheus scraping `targets` every `scrapeIntervalSeconds` (default 1), and waits until it
 * is ready and every target has been scraped successfully (health "up"), at most 30 seconds.
 */
export async function startPrometheus(options: {
  readonly targets: readonly ScrapeTarget[];
  readonly scrapeIntervalSeconds?: number;
}): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `${PROMETHEUS_BIN} is missing: run the tests with \`npm test\` (its pretest installs Debian's prometheus ` +
        `package), or install it: sudo apt-get install prometheus`,
    );
  }
  const intervalSeconds = options.scrapeIntervalSeconds ?? 1;
  const config = scrapeConfig(options.targets, intervalSeconds);
  const dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  const logFile = join(dir, 'prometheus.log');
  writeFileSync(configFile, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=info',
      ],
      { cwd: dir, stdio: ['ignore', log, log] },
    );
  } finally {
    closeSync(log);
  }
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));

  // The server never outlives the test process, even when a test forgets stop() or throws.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      child.kill('SIGTERM');
      if (spawnError === undefined && !(await exited(child, STOP_GRACE_MS))) {
        child.kill('SIGKILL');
        await exited(child, STOP_GRACE_MS);
      }
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    })());

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let state = 'not ready';
    for (;;) {
      if (spawnError !== undefined) throw new Error(`prometheus could not be started: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `prometheus exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logTail(logFile)}`,
        );
      }
      if ((await getJson(`${url}/-/ready`)) !== undefined) {
        const targets = ((await getJson(`${url}/api/v1/targets?state=active`)) as TargetsAnswer | undefined)?.data
          ?.activeTargets;
        const down = options.targets.filter(
          ({ job }) => !targets?.some((t) => t.labels?.['job'] === job && t.health === 'up'),
        );
        if (down.length === 0) break;
        state = `ready; targets not up yet: ${down
          .map(({ job }) => {
            const t = targets?.find((x) => x.labels?.['job'] === job);
            return `${job} (${t?.health ?? 'not discovered'}${t?.lastError ? `: ${t.lastError}` : ''})`;
          })
          .join(', ')}`;
      }
      if (Date.now() > deadline) {
        throw new Error(`prometheus at ${url} after ${READY_TIMEOUT_MS} ms: ${state}\n${logTail(logFile)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}
