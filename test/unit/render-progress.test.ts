import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IoCode, IoLevel, IoMessage } from '../../src/io/io-host.js';
import {
  clock,
  describeRevisions,
  plannedAfter,
  plannedHolds,
  progressOptions,
  streamIoHost,
  type ProgressOptions,
} from '../../src/cli/render.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const ORIGINAL = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:1';
const CHAOS = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:2';
const CLEAR = '\r\x1b[K';

/** A stream that records what is written, and a clock the test moves. */
function harness(options: Omit<ProgressOptions, 'now' | 'start'> = {}) {
  const chunks: string[] = [];
  const out = { write: (chunk: string) => (chunks.push(chunk), true) } as unknown as NodeJS.WritableStream;
  let nowMs = T0;
  const io = streamIoHost(out, { refreshMs: 0, ...options, now: () => new Date(nowMs), start: new Date(T0) });
  const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
  return {
    io,
    chunks,
    text: () => chunks.join(''),
    /** Moves the clock to `seconds` after the start. */
    tick: (seconds: number) => void (nowMs = T0 + seconds * 1000),
    send: (seconds: number, code: IoCode, message: string, data?: Record<string, unknown>, level: IoLevel = 'info') => {
      nowMs = T0 + seconds * 1000;
      const m: IoMessage = { time: at(seconds), level, code, message, ...(data ? { data } : {}) };
      io.notify(m);
    },
  };
}

/** The last status line drawn: what follows the last `\r\x1b[K` and the last line break. */
function lastStatus(text: string): string {
  return text
    .slice(text.lastIndexOf(CLEAR) + CLEAR.length)
    .split('\n')
    .at(-1)!;
}

/** A run of 60 s in two iterations of 30 s, no ramp. */
function startRun(h: ReturnType<typeof harness>): void {
  h.send(0, 'run.start', 'experiment started', {
    experimentId: 'x',
    cluster: 'demo',
    service: 'orders',
    durationSeconds: 60,
    intervalSeconds: 30,
    rampTimeSeconds: 0,
    iterations: 2,
    plannedSeconds: 60,
  });
  h.send(0, 'phase.start', 'preflight of update-task-role', { phase: 'preflight' });
  h.send(2, 'phase.start', 'iteration 1: inject', { phase: 'inject', iteration: 1 });
  h.send(3, 'mutation.done', 'RegisterTaskDefinition orders:2', { id: 1 });
  h.send(8, 'tasks.observed', 'tasks: ...', {
    counts: { [ORIGINAL]: { RUNNING: 2 }, [CHAOS]: { RUNNING: 2 } },
    labels: { [ORIGINAL]: 'original', [CHAOS]: 'chaos' },
  });
  h.send(10, 'phase.start', 'iteration 1: holding the chaos for 30s', { phase: 'hold', iteration: 1, seconds: 30 });
}

describe('progress on a terminal (text, live status line)', () => {
  test('the status line shows the phase, elapsed and remaining time and the tasks per revision', () => {
    const h = harness({ format: 'auto', isTTY: true, columns: 200 });
    assert.equal(h.io.format, 'text');
    assert.equal(h.io.live, true);
    startRun(h);
    h.tick(22);
    h.io.refresh();
    const status = lastStatus(h.text());
    assert.match(status, /^hold, iteration 1 of 2 \| /);
    assert.match(status, /0:22 elapsed/);
    // 18 s of this hold and the 30 s of the second one.
    assert.match(status, /0:48 left/);
    assert.match(status, /orders:1 \(original\) 2 RUNNING \| orders:2 \(chaos\) 2 RUNNING/);
    assert.ok(!status.includes('\n'), 'one line');
  });

  test('event lines go above the status line: cleared before, redrawn after', () => {
    const h = harness({ isTTY: true, columns: 200 });
    startRun(h);
    const mutation = h.chunks.find((c) => c.includes('RegisterTaskDefinition'))!;
    // The status line (drawn since the first phase) is cleared, the line written, the status drawn again.
    assert.ok(mutation.startsWith(CLEAR), JSON.stringify(mutation));
    assert.match(mutation.slice(CLEAR.length), /^\[\+\s+3\.0s\]\s+RegisterTaskDefinition orders:2\n\S/);
    assert.match(mutation.split('\n')[1]!, /^inject, iteration 1 of 2 \| 0:03 elapsed, ~1:00 left$/);
    // Each redraw starts with \r ESC[K, so the terminal shows one status line.
    h.tick(11);
    h.io.refresh();
    assert.ok(h.chunks.at(-1)!.startsWith(CLEAR));
    assert.match(h.chunks.at(-1)!, /0:11 elapsed, 0:59 left/);
  });

  test('a phase without a length shows the chaos time left as a lower bound, or nothing when none is left', () => {
    const h = harness({ isTTY: true, columns: 200 });
    startRun(h);
    h.send(40, 'phase.start', 'iteration 1: revert to orders:1', { phase: 'revert', iteration: 1 });
    assert.match(lastStatus(h.text()), /^revert, iteration 1 of 2 \| 0:40 elapsed, ~0:30 left \|/);
    h.send(80, 'phase.start', 'iteration 2: revert', { phase: 'revert', iteration: 2 });
    assert.match(lastStatus(h.text()), /^revert, iteration 2 of 2 \| 1:20 elapsed \|/);
    h.send(90, 'phase.start', 'verify: the service restored', { phase: 'verify' });
    assert.match(lastStatus(h.text()), /^verify \| 1:30 elapsed \| orders:1/);
  });

  test('hold lengths come from the plan when phase.start does not carry them; ramps count', () => {
    const h = harness({ isTTY: true, columns: 200 });
    h.send(0, 'run.start', 'started', { durationSeconds: 50, intervalSeconds: 30, rampTimeSeconds: 10 });
    h.send(0, 'phase.start', 'ramp', { phase: 'ramp-up' });
    // 10 of ramp-up, 30 + 20 of holds, 10 of ramp-down.
    assert.match(lastStatus(h.text()), /0:00 elapsed, 1:10 left/);
    h.send(15, 'phase.start', 'hold', { phase: 'hold', iteration: 1 });
    h.tick(25);
    h.io.refresh();
    assert.match(lastStatus(h.text()), /^hold, iteration 1 of 2 \| 0:25 elapsed, 0:50 left$/);
  });

  test('probe and stop lines, and the probes on the status line', () => {
    const h = harness({ isTTY: true, columns: 200 });
    startRun(h);
    h.send(12, 'probe.evaluated', 'probe orders-health passed', {
      probe: 'orders-health',
      type: 'http',
      mode: 'Edge',
      phase: 'pre-chaos',
      passed: true,
      attempts: 1,
      actual: 200,
      expected: 'status between 200 and 299',
      evidence: 'GET http://orders/health answered 200 in 12 ms',
    });
    h.send(13, 'probe.evaluated', 'probe s3-writes failed', {
      probe: 's3-writes',
      type: 'cloudtrail',
      mode: 'OnChaos',
      phase: 'chaos',
      passed: false,
      attempts: 3,
      expected: 'count == 0',
      evidence: '4 AccessDenied events',
    });
    h.send(14, 'stop.triggered', 'alarm orders-5xx in ALARM', {
      alarmName: 'orders-5xx',
      state: 'ALARM',
      reason: 'Threshold Crossed',
    });
    const text = h.text();
    assert.match(
      text,
      /\[\+\s+12\.0s\]\s+probe orders-health \(http, Edge, pre-chaos\) passed: GET http:\/\/orders\/health answered 200 in 12 ms\n/,
    );
    assert.match(
      text,
      /\[\+\s+13\.0s\] !! probe s3-writes \(cloudtrail, OnChaos, chaos\) FAILED after 3 attempts: 4 AccessDenied events\n/,
    );
    assert.match(text, /\[\+\s+14\.0s\] !! stop condition: alarm orders-5xx is ALARM \(Threshold Crossed\)/);
    const status = lastStatus(text);
    assert.match(status, /probes 1\/2 passing/);
    assert.match(status, /stopping, restoring the service/);
  });

  test('the verdict stops and clears the status line; close() is idempotent and leaves nothing behind', () => {
    const h = harness({ isTTY: true, columns: 200 });
    startRun(h);
    h.send(75, 'verdict.reached', 'verdict: Pass: the role was swapped and restored', {
      verdict: 'Pass',
      probeSuccessPercentage: 100,
    });
    const last = h.chunks.at(-1)!;
    // Cleared, then the verdict as a plain line; no status line after it.
    assert.ok(h.chunks.at(-2) === CLEAR || last.startsWith(CLEAR), JSON.stringify(h.chunks.slice(-2)));
    assert.match(last, /verdict: Pass.*\n$/);
    assert.ok(!last.slice(last.indexOf('verdict')).includes('\x1b'), 'no escape code after the verdict');
    const count = h.chunks.length;
    h.io.refresh();
    h.io.close();
    h.io.close();
    assert.equal(h.chunks.length, count, 'nothing drawn after the end');
  });

  test('close() clears a status line on screen (a run that ends without a verdict)', () => {
    const h = harness({ isTTY: true, columns: 200 });
    h.send(0, 'phase.start', 'preflight', { phase: 'preflight' });
    assert.match(h.text(), /preflight \| 0:00 elapsed$/);
    h.io.close();
    assert.equal(h.chunks.at(-1), CLEAR);
  });

  test('the status line stays within the terminal width: shorter words, then cut', () => {
    let columns = 60;
    const h = harness({ isTTY: true, columns: () => columns });
    startRun(h);
    h.io.refresh();
    let status = lastStatus(h.text());
    assert.ok(status.length <= 59, `${status.length}: ${status}`);
    assert.equal(status, 'hold 1/2 | 0:10, 1:00 left | orders:1 (original) 2 RUNNING…');
    // The width is read at each redraw (a resized terminal).
    columns = 100;
    h.io.refresh();
    status = lastStatus(h.text());
    assert.equal(status, 'hold 1/2 | 0:10, 1:00 left | orders:1 (original) 2 RUNNING | orders:2 (chaos) 2 RUNNING');
    columns = 200;
    h.io.refresh();
    assert.match(lastStatus(h.text()), /^hold, iteration 1 of 2 \| 0:10 elapsed, 1:00 left \| orders:1/);
  });

  test('the timer redraws every refreshMs, unref-ed, and stops at the end', async () => {
    const h = harness({ isTTY: true, columns: 200, refreshMs: 5 });
    startRun(h);
    const before = h.chunks.length;
    await new Promise((r) => setTimeout(r, 40));
    assert.ok(h.chunks.length > before, 'redrawn while waiting');
    h.io.close();
    const after = h.chunks.length;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(h.chunks.length, after, 'no redraw after close');
  });

  test('tolerates missing data: no plan, no counts, no labels', () => {
    const h = harness({ isTTY: true, columns: 200 });
    h.send(0, 'phase.start', 'hold', { phase: 'hold', iteration: 1, seconds: 30 });
    h.send(5, 'tasks.observed', 'tasks', { counts: { [ORIGINAL]: { RUNNING: 3, PENDING: 1 } } });
    h.send(6, 'phase.start', 'something new', {});
    h.send(7, 'probe.evaluated', 'a probe said something');
    h.tick(10);
    h.io.refresh();
    assert.match(h.text(), /hold, iteration 1 \| 0:05 elapsed, 0:25 left in hold \| orders:1 3 RUNNING, 1 PENDING/);
    assert.match(lastStatus(h.text()), /^running \| 0:10 elapsed \| orders:1 3 RUNNING, 1 PENDING$/);
    assert.match(h.text(), /a probe said something\n/);
  });
});

describe('progress without a terminal, as JSON, and quiet', () => {
  test('text into a pipe: plain lines, no escape codes, no status line', () => {
    const h = harness({ format: 'text', isTTY: false });
    assert.equal(h.io.live, false);
    startRun(h);
    h.send(75, 'verdict.reached', 'verdict: Pass', { verdict: 'Pass' });
    h.io.close();
    const text = h.text();
    assert.ok(!text.includes('\x1b') && !text.includes('\r'), JSON.stringify(text));
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 7);
    for (const l of lines) assert.match(l, /^\[\+\s+\d+\.\ds\] (==|!!|XX| {2}) \S/);
    assert.match(text, /== iteration 1: holding the chaos for 30s\n/);
  });

  test('auto without a terminal is JSON lines: parseable, with time, level, code, message and data', () => {
    const h = harness({ format: 'auto', isTTY: false });
    assert.equal(h.io.format, 'json');
    startRun(h);
    h.send(20, 'warning', 'something worth knowing', undefined, 'warn');
    h.io.close();
    const lines = h.text().trimEnd().split('\n');
    assert.equal(lines.length, 7);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const p of parsed) {
      assert.deepEqual(Object.keys(p).slice(0, 4), ['time', 'level', 'code', 'message']);
      assert.equal(typeof p.time, 'string');
    }
    assert.deepEqual(
      parsed.map((p) => p.code),
      ['run.start', 'phase.start', 'phase.start', 'mutation.done', 'tasks.observed', 'phase.start', 'warning'],
    );
    assert.deepEqual(parsed[5]!.data, { phase: 'hold', iteration: 1, seconds: 30 });
    assert.equal(parsed[0]!.time, '2026-01-01T00:00:00.000Z');
    assert.ok(!('data' in parsed[6]!));
  });

  test('json on a terminal is JSON lines too (no status line)', () => {
    const h = harness({ format: 'json', isTTY: true, columns: 80 });
    assert.equal(h.io.live, false);
    startRun(h);
    assert.ok(!h.text().includes('\x1b'));
    for (const l of h.text().trimEnd().split('\n')) JSON.parse(l);
  });

  test('quiet keeps warnings, errors, failed probes and stop conditions only, with no status line', () => {
    for (const format of ['text', 'json'] as const) {
      const h = harness({ format, quiet: true, isTTY: true, columns: 100 });
      assert.equal(h.io.live, false);
      startRun(h);
      h.send(12, 'probe.evaluated', 'probe ok', { probe: 'ok', type: 'http', mode: 'Edge', passed: true });
      h.send(13, 'probe.evaluated', 'probe bad failed', { probe: 'bad', type: 'http', mode: 'Edge', passed: false });
      h.send(14, 'stop.triggered', 'alarm x', { alarmName: 'x', state: 'ALARM', reason: 'r' });
      h.send(15, 'warning', 'careful', undefined, 'warn');
      h.send(16, 'info', 'error: boom', undefined, 'error');
      h.send(17, 'verdict.reached', 'verdict: Pass', { verdict: 'Pass' });
      h.io.note('an introduction');
      h.io.note('a warning note', { level: 'warn' });
      h.io.close();
      const text = h.text();
      assert.ok(!text.includes('\x1b'), format);
      const lines = text.trimEnd().split('\n');
      assert.equal(lines.length, 5, `${format}: ${text}`);
      assert.match(lines[0]!, /bad/);
      assert.match(lines[1]!, /alarm x/);
      assert.match(lines[2]!, /careful/);
      assert.match(lines[3]!, /boom/);
      assert.match(lines[4]!, /a warning note/);
      assert.doesNotMatch(text, /holding|RegisterTaskDefinition|verdict|introduction|probe ok/);
    }
  });

  test('notes: as is in text, one JSON line per line in json', () => {
    const text = harness({ format: 'text', isTTY: false });
    text.io.note('first\nsecond\n\n');
    assert.equal(text.text(), 'first\nsecond\n\n');
    const json = harness({ format: 'json' });
    json.io.note('first\n\nsecond\n', { data: { n: 1 } });
    const lines = json
      .text()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.code, l.message, l.data]),
      [
        ['info', 'first', { n: 1 }],
        ['info', 'second', undefined],
      ],
    );
  });

  test('the flags: --log-format and --quiet', () => {
    assert.deepEqual(progressOptions({}), { format: 'auto', quiet: false });
    assert.deepEqual(progressOptions({ logFormat: 'json', quiet: true }), { format: 'json', quiet: true });
    assert.deepEqual(progressOptions({ logFormat: 'text' }), { format: 'text', quiet: false });
    assert.deepEqual(progressOptions({ logFormat: 'bogus' }), { format: 'auto', quiet: false });
  });
});

describe('the pieces of the status line', () => {
  test('holds, planned time after a phase, clock', () => {
    assert.deepEqual(plannedHolds({ durationSeconds: 70, intervalSeconds: 30 }), [30, 30, 10]);
    assert.deepEqual(plannedHolds({ durationSeconds: 30, intervalSeconds: 30 }), [30]);
    assert.equal(plannedHolds({}), undefined);
    const plan = { durationSeconds: 70, intervalSeconds: 30, rampTimeSeconds: 5 };
    assert.equal(plannedAfter(plan, { name: 'preflight' }), 80);
    assert.equal(plannedAfter(plan, { name: 'inject', iteration: 2 }), 45);
    assert.equal(plannedAfter(plan, { name: 'hold', iteration: 2 }), 15);
    assert.equal(plannedAfter(plan, { name: 'revert', iteration: 3 }), 5);
    assert.equal(plannedAfter(plan, { name: 'verify' }), 0);
    assert.equal(plannedAfter(undefined, { name: 'hold', iteration: 1 }), undefined);
    assert.equal(clock(0), '0:00');
    assert.equal(clock(65), '1:05');
    assert.equal(clock(3723), '1:02:03');
  });

  test('revisions: original first, then chaos, then others', () => {
    assert.equal(
      describeRevisions({
        counts: { [CHAOS]: { PENDING: 1, RUNNING: 1 }, [ORIGINAL]: { RUNNING: 3 } },
        labels: { [ORIGINAL]: 'original', [CHAOS]: 'chaos' },
      }),
      'orders:1 (original) 3 RUNNING | orders:2 (chaos) 1 RUNNING, 1 PENDING',
    );
    assert.equal(describeRevisions({ counts: {} }), 'no tasks');
    assert.equal(describeRevisions({}), undefined);
  });
});
