/**
 * The progress output of the built program into a pipe (as in CI): JSON lines by default, readable
 * lines with `--log-format text`, only warnings and errors with `--quiet`; stdout unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IO_CODES } from '../../src/io/io-host.js';
import { demoRunArgs, runCli, sandboxEnv } from '../support/cli.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

function runArgs(service: string, ...extra: string[]): string[] {
  return demoRunArgs(service, '--duration', '1', '--interval', '1', ...extra);
}

/**
 * The lines of stderr, without Node's own process warnings (`(node:PID) ...Warning: ...`), which
 * Node writes itself and ecs-chaos does not format.
 */
function stderrLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l !== '' && !/^\(node:\d+\) \w*Warning: /.test(l) && !l.startsWith('(Use `node --trace-'));
}

interface JsonLine {
  time: string;
  level: string;
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/** Every line of stderr as a JSON object with time, level, code (of IO_CODES) and message. */
function jsonLines(stderr: string): JsonLine[] {
  return stderrLines(stderr).map((line) => {
    let parsed: JsonLine;
    try {
      parsed = JSON.parse(line) as JsonLine;
    } catch {
      assert.fail(`not a JSON line: ${line}\n${stderr}`);
    }
    assert.ok(!Number.isNaN(Date.parse(parsed.time)), line);
    assert.ok(['info', 'warn', 'error'].includes(parsed.level), line);
    assert.ok(Object.hasOwn(IO_CODES, parsed.code), `unknown code: ${line}`);
    assert.equal(typeof parsed.message, 'string', line);
    return parsed;
  });
}

describe('progress output of the built program', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-output-'));
    env = sandboxEnv(ctx.sandbox);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ctx.sandbox.close();
  });

  test('into a pipe with no --log-format, stderr is JSON lines; stdout is the readable report', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const run = await runCli(runArgs('orders'), { env });
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stderr);
    const codes = lines.map((l) => l.code);
    for (const code of ['phase.start', 'preflight.check', 'mutation.done', 'mutation.undone', 'verdict.reached'])
      assert.ok(codes.includes(code), `${code} in ${codes.join(', ')}`);
    const hold = lines.find((l) => l.code === 'phase.start' && l.data?.phase === 'hold');
    assert.ok(hold, 'a hold phase');
    assert.equal(hold.data?.iteration, 1);
    assert.match(lines.at(-1)!.message, /^verdict: Pass/);
    assert.ok(!run.stderr.includes('\x1b'), 'no escape codes');
    assert.match(run.stdout, /verdict:\s+Pass/);
  });

  test('--log-format text: readable lines, no escape codes, no status line', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const run = await runCli(runArgs('orders', '--log-format', 'text'), { env });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stderr.includes('\x1b') && !run.stderr.includes('\r'), JSON.stringify(run.stderr));
    const lines = stderrLines(run.stderr);
    for (const line of lines) assert.match(line, /^\[\+\s*\d+\.\ds\] (==|!!|XX| {2}) \S/, line);
    assert.match(run.stderr, /== iteration 1: holding the chaos for 1s\n/);
    assert.match(run.stderr, /verdict: Pass/);
    assert.match(run.stdout, /verdict:\s+Pass/);
  });

  test('--quiet: only warnings and errors on stderr (JSON or text), the same result on stdout', async () => {
    await waitSteady(ctx.ecs, 'demo', 'orders');
    const json = await runCli(runArgs('orders', '--quiet', '--output', 'json'), { env });
    assert.equal(json.code, 0, json.stderr);
    for (const line of jsonLines(json.stderr)) assert.ok(['warn', 'error'].includes(line.level), JSON.stringify(line));
    assert.doesNotMatch(json.stderr, /holding the chaos|verdict/);
    assert.equal((JSON.parse(json.stdout) as { verdict: string }).verdict, 'Pass');

    await waitSteady(ctx.ecs, 'demo', 'orders');
    const text = await runCli(runArgs('orders', '-q', '--log-format', 'text'), { env });
    assert.equal(text.code, 0, text.stderr);
    for (const line of stderrLines(text.stderr)) assert.match(line, /^\[\+\s*\d+\.\ds\] (!!|XX) /);
    assert.doesNotMatch(text.stderr, /holding the chaos/);
    assert.match(text.stdout, /verdict:\s+Pass/);
    assert.match(text.stdout, /residue:\s+none/);
  });

  test('a failed preflight: JSON lines, then the plain error that ends the command', async () => {
    const run = await runCli(
      runArgs('orders', '--task-role', 'arn:aws:iam::123456789012:role/untrusted-role', '--quiet'),
      { env },
    );
    assert.equal(run.code, 2);
    const lines = stderrLines(run.stderr);
    const last = lines.findIndex((l) => !l.startsWith('{'));
    assert.ok(last > 0, run.stderr);
    const progress = jsonLines(lines.slice(0, last).join('\n'));
    assert.ok(
      progress.some((l) => l.code === 'preflight.check' && l.level === 'error' && /trusts ECS tasks/.test(l.message)),
      run.stderr,
    );
    assert.ok(
      progress.every((l) => l.level !== 'info'),
      'quiet',
    );
    assert.match(lines.slice(last).join('\n'), /^ecs-chaos: .*\nnothing was changed\.$/);
  });

  test('policy: its comments are one JSON line into a pipe, shell comments with text, nothing with --quiet', async () => {
    const json = await runCli(['policy'], { env });
    assert.equal(json.code, 0, json.stderr);
    const [line, ...rest] = jsonLines(json.stderr);
    assert.equal(rest.length, 0, json.stderr);
    assert.equal(line!.message, 'what each statement is for');
    assert.ok(Object.keys(line!.data?.statements as object).length > 3);
    const text = await runCli(['policy', '--log-format', 'text'], { env });
    assert.match(text.stderr, /^# what each statement is for:\n# {3}\S/);
    const quiet = await runCli(['policy', '-q'], { env });
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout, json.stdout);
  });

  test('demo into a pipe: JSON lines only, the introduction included', async () => {
    const run = await runCli(['demo', '--pace', 'fast', '--duration', '1s'], { timeoutMs: 60_000, cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stderr);
    assert.match(lines[0]!.message, /^demo: sandbox at http/);
    assert.ok(lines.some((l) => l.code === 'verdict.reached'));
    assert.match(lines.at(-1)!.message, /^HTML report written to .*ecs-chaos-demo-report\.html$/);
    assert.match(run.stdout, /verdict:\s+Pass/);
  });
});
