import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml, renderHtmlReport } from '../../src/report/html.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { EVIL, sampleResult } from '../support/result-fixture.js';

/** Every start tag in the document, with its attributes. */
const tags = (html: string): string[] => html.match(/<[a-zA-Z][^>]*>/g) ?? [];

/** The element with this id, through its matching closing tag (nested elements of the same name counted). */
function element(html: string, id: string): string {
  const match = new RegExp(`<([a-z]+)\\b[^>]*\\sid="${id}"[^>]*>`).exec(html);
  assert.ok(match, `an element with id="${id}"`);
  const name = match[1]!;
  const tag = new RegExp(`<(/?)${name}\\b[^>]*?(/?)>`, 'g');
  tag.lastIndex = match.index + match[0].length;
  let depth = 1;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    if (m[2] === '/') continue;
    depth += m[1] === '/' ? -1 : 1;
    if (depth === 0) return html.slice(match.index, m.index + m[0].length);
  }
  assert.fail(`the end of #${id}`);
}

/** The cells' text of each row of a table body. */
const rows = (tableHtml: string): string[][] =>
  [...tableHtml.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)]
    .map((r) => [...r[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim()))
    .filter((r) => r.length > 0);

/** The x of a marker: a circle's cx, or the middle of a cross (its path starts 5.5 left of it). */
function markerX(marker: string): number {
  const cx = /cx="([\d.]+)"/.exec(marker);
  if (cx) return Number(cx[1]);
  return Number(/d="M([\d.]+),/.exec(marker)![1]) + 5.5;
}

const ESCAPED_EVIL = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;';

describe('renderHtmlReport', () => {
  test('escapes everything from AWS or the user, in text and attributes', () => {
    const html = renderHtmlReport(sampleResult({ evil: true, residue: true, conflict: true, stopped: true }));
    assert.ok(!/<script/i.test(html), 'no script element');
    assert.ok(!/<img/i.test(html), 'no img element');
    assert.ok(!html.includes(EVIL), 'the raw payload never appears');
    for (const tag of tags(html)) {
      const names = tag.replace(/="[^"]*"/g, '');
      assert.ok(!/\son[a-z]+\s*=/i.test(names), `no event handler attribute: ${tag}`);
      assert.ok(!/\ssrc\s*=/i.test(names), `no src attribute: ${tag}`);
    }
    // The payload is there, as text.
    assert.ok(html.includes(ESCAPED_EVIL));
    // In the new sections too: probe names and evidence, alarm names, action names.
    assert.ok(element(html, 'probe-table').includes(`orders-5xx${ESCAPED_EVIL}`), 'a probe name');
    assert.ok(html.includes(`(4 datapoints)${ESCAPED_EVIL}`), "a failed evaluation's evidence");
    assert.ok(element(html, 'stop-alarms').includes(`orders-5xx-alarm${ESCAPED_EVIL}`), 'an alarm name');
    assert.ok(element(html, 'stop-triggered').includes(`orders-5xx-alarm${ESCAPED_EVIL}`), 'the triggered alarm');
    assert.ok(element(html, 'access-denied-actions').includes(`kms:Decrypt${ESCAPED_EVIL}`), 'an action name');
    assert.match(html, /<g class="probe-row" data-probe="orders-health&lt;script&gt;[^"<>]*">/);
    assert.match(html, /<g class="probe-eval probe-eval-failed"[^>]*><title>orders-5xx&lt;script&gt;/);
    assert.match(html, /<g id="stop-marker" class="stop-marker"><title>stop condition: orders-5xx-alarm&lt;script&gt;/);
    // In attributes too (the chaos ARN is a data attribute of its series).
    assert.match(html, /data-revision="[^"<>]*&lt;script&gt;[^"<>]*"/);
    // Each attribute value is closed by the quote that opened it: no stray quotes in any tag.
    for (const tag of tags(html)) {
      const stripped = tag.replace(/="[^"]*"/g, '').replace(/='[^']*'/g, '');
      assert.ok(!/["']/.test(stripped), `balanced attribute quotes: ${tag}`);
    }
  });

  test('escapeHtml escapes the five special characters', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  test('is self-contained: no script, no external resource', () => {
    const html = renderHtmlReport(sampleResult());
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(!/<script|<link|<iframe|<object|@import|url\(/i.test(html));
    for (const tag of tags(html)) assert.ok(!/\s(src|href)\s*=/i.test(tag), tag);
  });

  test('has the verdict, its reason, the timeline with phase bands and the tasks chart', () => {
    const result = sampleResult({ probes: 'passing' });
    const html = renderHtmlReport(result);
    assert.match(html, /<title>ecs-chaos update-task-role on demo\/orders: Pass<\/title>/);
    assert.match(
      html,
      /<span id="verdict" class="badge verdict-Pass" style="background:#1a7f37">Pass<\/span><span id="probe-success" class="pill" style="color:#1a7f37">probe success 100% \(1 of 1 passed\)<\/span><\/h1>/,
    );
    assert.ok(html.includes(`<p id="verdict-reason" class="reason">${result.verdictReason}</p>`));
    assert.match(html, /<svg id="timeline"/);
    for (const phase of ['preflight', 'inject', 'hold', 'revert', 'verify'])
      assert.match(html, new RegExp(`<g class="phase-band" data-phase="${phase}">`), phase);
    assert.match(html, /<polyline class="series series-original" data-revision="[^"]*orders:1"/);
    assert.match(html, /<polyline class="series series-chaos" data-revision="[^"]*orders:2"/);
    assert.match(html, /<table id="mutations">/);
    assert.match(html, /<table id="effect">/);
    assert.match(html, /<table id="lost-actions">[\s\S]*s3:PutObject/);
    assert.match(
      html,
      /id="exposure"><dt>mode<\/dt><dd>rolling<\/dd><dt>predicted<\/dt><dd>2 of 2 serving tasks \(100%\)/,
    );
    assert.match(html, /<dt>measured peak<\/dt><dd>2 of 2 serving tasks \(100%\), 2 desired<\/dd>/);
    assert.match(html, /id="exposure-by-revision"[\s\S]*chaos, iteration 1/);
    assert.match(html, /id="reactions" class="muted">none/);
    const reacted = renderHtmlReport(sampleResult({ reaction: true }));
    assert.match(
      reacted,
      /<ul id="reactions"><li class="bad"><strong>ECS&#39;s deployment circuit breaker failed the chaos deployment \(1\)<\/strong>/,
    );
    assert.match(html, /<table id="events">/);
    assert.match(html, /clean: nothing left behind/);
    assert.match(html, /<p id="conflicts" class="muted">none/);
    assert.ok(!html.includes('id="recover-command"'));
  });

  test('the tasks chart steps through the observed RUNNING counts', () => {
    const html = renderHtmlReport(sampleResult());
    const chaos = /series-chaos"[^>]*points="([^"]+)"/.exec(html)![1]!.split(' ');
    const ys = chaos.map((p) => Number(p.split(',')[1]));
    // 1, 2, 2, 1, 0 RUNNING: the highest point (smallest y) is at 2 tasks and the line ends at 0.
    const bottom = 100 + 160;
    assert.equal(ys.at(-1), bottom);
    assert.equal(Math.min(...ys), 100);
  });

  test('a result with residue, an error and a conflict shows them, with the recover command', () => {
    const result = sampleResult({ residue: true, conflict: true });
    const html = renderHtmlReport(result);
    assert.match(html, /id="verdict" class="badge verdict-Error"/);
    assert.match(html, /something is left behind/);
    assert.match(html, /active-chaos-revision/);
    assert.ok(
      html.includes(`<pre id="recover-command">${escapeHtml(result.residue.recoverCommand)}</pre>`),
      'the recover command',
    );
    assert.match(html, /<ul id="conflicts"><li class="bad">someone registered orders:3 during the run<\/li><\/ul>/);
    assert.match(html, /<p class="error"><strong>RestoreFailed<\/strong>: restore timed out/);
    assert.match(html, /<span class="bad">NO<\/span>/);
    assert.match(html, /<span class="bad">&#10007; no<\/span>/);
  });

  test('a result without prediction, tasks or end time still renders', () => {
    const base = sampleResult();
    const { prediction: _p, endedAt: _e, ...rest } = base;
    const html = renderHtmlReport({ ...rest, timeline: base.timeline.filter((t) => t.name !== 'tasks') });
    assert.match(html, /no prediction was made/);
    assert.match(html, /no task observations/);
    assert.match(html, /\(not recorded\)/);
  });

  test('the probes section: one row per probe, then each probe with its evaluations', () => {
    const result = sampleResult();
    const html = renderHtmlReport(result);
    assert.match(html, /id="verdict" class="badge verdict-Fail"/);
    assert.match(
      html,
      /<span id="probe-success" class="pill" style="color:#cf222e">probe success 33% \(1 of 3 passed\)<\/span>/,
    );
    const probes = element(html, 'probes');
    assert.match(
      probes,
      /3 probes: <span class="ok">1 passed<\/span>, <span class="bad">1 failed<\/span>, <span class="muted">1 N\/A<\/span>; probe success 33%/,
    );
    assert.deepEqual(
      rows(element(html, 'probe-table')).map((r) => [r[0], r[1], r[2], r[3], r[6]]),
      [
        ['orders-health', 'http', 'Edge', 'Passed', '2 (0 failed)'],
        ['orders-5xx', 'cloudwatch', 'Continuous', 'Failed', '5 (2 failed)'],
        ['orders-denied', 'cloudtrail', 'OnChaos', 'N/A', '0 (0 failed)'],
      ],
    );
    assert.ok(probes.includes('2 of 5 evaluations failed: the Sum reached 17'), 'the status reason');
    assert.ok(probes.includes('never evaluated: the chaos window ended before its initial delay of 30s'));
    assert.ok(
      probes.includes('Sum of AWS/ApplicationELB HTTPCode_Target_5XX_Count over the last 60s &lt;= 5'),
      'the description',
    );

    // Each probe's evaluations: time, phase, result, attempts, expected, actual, evidence, error.
    const failed = /<div class="probe probe-failed" data-probe="orders-5xx">([\s\S]*?)<\/div>/.exec(probes)![1]!;
    assert.match(failed, /3 of 5 evaluations kept: the first, the last and every failure/);
    assert.deepEqual(
      rows(failed).map((r) => r.slice(1)),
      [
        [
          'pre-chaos',
          '✓ passed',
          '1',
          'Sum &lt;= 5',
          '0',
          'Sum of HTTPCode_Target_5XX_Count over the last 60s = 0 (no datapoint)',
          '',
        ],
        [
          'chaos',
          '✗ failed',
          '1',
          'Sum &lt;= 5',
          '11',
          'Sum of HTTPCode_Target_5XX_Count over the last 60s = 11 (3 datapoints)',
          '',
        ],
        [
          'chaos',
          '✗ failed',
          '1',
          'Sum &lt;= 5',
          '17',
          'Sum of HTTPCode_Target_5XX_Count over the last 60s = 17 (4 datapoints)',
          'GetMetricStatistics was throttled once, retried',
        ],
      ].map((r) => r.map((c) => c.replace('✓', '&#10003;').replace('✗', '&#10007;'))),
    );
    assert.match(rows(failed)[1]![0]!, /^\+9\.0s2026-11-21T07:35:59\.000Z$/, 'the offset and the time');
    const passed = /<div class="probe probe-passed" data-probe="orders-health">([\s\S]*?)<\/div>/.exec(probes)![1]!;
    assert.deepEqual(
      rows(passed).map((r) => [r[1], r[3], r[5], r[6]]),
      [
        ['pre-chaos', '1', '200', 'GET http://orders.internal:8080/health answered 200 OK in 12 ms'],
        ['post-chaos', '2', '200', 'GET http://orders.internal:8080/health answered 200 OK in 15 ms (second attempt)'],
      ],
    );
    assert.match(
      probes,
      /<div class="probe probe-na" data-probe="orders-denied">[\s\S]*?<p class="muted">not evaluated<\/p>/,
    );
  });

  test('the timeline has a marker per probe evaluation, at its time, passed and failed distinct', () => {
    const html = renderHtmlReport(sampleResult());
    const lane = element(html, 'probe-lane');
    const passedMarkers = lane.match(/<g class="probe-eval probe-eval-passed"[\s\S]*?<\/g>/g) ?? [];
    const failedMarkers = lane.match(/<g class="probe-eval probe-eval-failed"[\s\S]*?<\/g>/g) ?? [];
    assert.equal(passedMarkers.length, 3, 'two of the http probe, one of the cloudwatch probe');
    assert.equal(failedMarkers.length, 2);
    for (const m of passedMarkers) assert.match(m, /<circle [^>]*fill="#1a7f37"/);
    for (const m of failedMarkers) assert.match(m, /<path [^>]*stroke="#cf222e"/);
    // The title names the probe and gives the evidence.
    assert.match(
      failedMarkers[1]!,
      /<title>orders-5xx: FAILED \(chaos, 2026-11-21T07:36:02.000Z\): Sum of HTTPCode_Target_5XX_Count over the last 60s = 17 \(4 datapoints\); expected Sum &lt;= 5, actual 17; error: GetMetricStatistics was throttled once, retried<\/title>/,
    );
    assert.match(
      passedMarkers[0],
      /<title>orders-health: passed \(pre-chaos, [^)]*\): GET http:\/\/orders.internal:8080\/health answered 200 OK in 12 ms/,
    );
    // On the time axis: the run is 20s over 880px from x=60, so 44px a second.
    assert.deepEqual(failedMarkers.map(markerX), [60 + 9 * 44, 60 + 12 * 44]);
    assert.deepEqual(passedMarkers.map(markerX), [60 + 1 * 44, 60 + 17 * 44, 60 + 1 * 44]);
    // One row per probe, the N/A one marked as not evaluated.
    assert.equal(lane.match(/<g class="probe-row"/g)?.length, 3);
    assert.match(
      lane,
      /data-probe="orders-denied">[\s\S]*N\/A<\/tspan> <tspan class="muted-svg">not evaluated<\/tspan>/,
    );
  });

  test('the AccessDenied section and its bars on the timeline', () => {
    const html = renderHtmlReport(sampleResult());
    const section = element(html, 'access-denied');
    assert.match(section, /<strong id="access-denied-total">27<\/strong>/);
    assert.ok(section.includes('<code>arn:aws:iam::123456789012:role/orders-chaos-role</code>'), 'the principal');
    assert.ok(section.includes('2026-11-21T07:35:52.000Z to 2026-11-21T07:36:06.000Z'), 'the window');
    assert.deepEqual(rows(element(html, 'access-denied-actions')), [
      ['s3:PutObject', '19'],
      ['kms:Decrypt', '8'],
    ]);
    assert.ok(section.includes('CloudTrail delivers events minutes late on AWS'), 'the note');
    assert.ok(!section.includes('page limit'), 'not truncated');

    const bars = [
      ...element(html, 'denied-lane').matchAll(
        /data-count="(\d+)">[\s\S]*?<rect class="denied-bar" x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g,
      ),
    ];
    assert.deepEqual(
      bars.map((b) => Number(b[1])),
      [0, 3, 7, 9, 6, 2, 0],
    );
    assert.deepEqual(
      bars.map((b) => Number(b[2])),
      [2, 4, 6, 8, 10, 12, 14].map((s) => 60 + s * 44),
      'at the bucket starts',
    );
    assert.deepEqual(
      bars.map((b) => Number(b[3])),
      [0, 3, 7, 9, 6, 2, 0].map((n) => Number(((n / 9) * 60).toFixed(1))),
      'heights proportional',
    );
    assert.match(html, /AccessDenied events per 2s \(27 in all\)/);
  });

  test('AccessDenied not counted shows the reason; absent shows nothing; truncated says so', () => {
    const base = sampleResult();
    const notCounted = renderHtmlReport({
      ...base,
      signals: { accessDenied: { ok: false, reason: 'cloudtrail:LookupEvents refused' } },
    });
    assert.match(element(notCounted, 'access-denied'), /not counted: cloudtrail:LookupEvents refused/);
    assert.ok(!notCounted.includes('id="access-denied-actions"'));
    assert.match(notCounted, /<text id="denied-lane"[^>]*>not counted: cloudtrail:LookupEvents refused/);

    const absent = renderHtmlReport({ ...base, signals: {} });
    assert.ok(!absent.includes('id="access-denied"'), 'no section');
    assert.ok(!absent.includes('<h2>AccessDenied</h2>'));
    assert.ok(!absent.includes('denied-lane'), 'no lane');

    const denied = base.signals.accessDenied!;
    assert.ok(denied.ok);
    const truncated = renderHtmlReport({ ...base, signals: { accessDenied: { ...denied, truncated: true } } });
    assert.match(
      element(truncated, 'access-denied'),
      /<strong id="access-denied-total">27<\/strong> <span class="bad">\(at least: the scan hit its page limit\)/,
    );
  });

  test('stop conditions: the alarms watched, and the one that stopped the run', () => {
    const watched = renderHtmlReport(sampleResult());
    assert.deepEqual(rows(`<tr>${element(watched, 'stop-alarms').replace(/li>/g, 'td>')}</tr>`), [
      ['orders-5xx-alarm'],
    ]);
    assert.match(element(watched, 'stop-conditions'), /<p class="ok">none of them triggered<\/p>/);
    assert.ok(!watched.includes('id="stop-marker"'));

    const stopped = renderHtmlReport(sampleResult({ stopped: true }));
    assert.match(stopped, /id="verdict" class="badge verdict-Stopped"/);
    assert.match(
      element(stopped, 'stop-triggered'),
      /stopped by <code>orders-5xx-alarm<\/code><\/strong>: ALARM at 2026-11-21T07:36:00.000Z: Threshold Crossed: 1 datapoint \[12.0\] was greater than the threshold \(10.0\)/,
    );
    // A line across the timeline at the time it triggered (10s into the run).
    assert.match(
      stopped,
      /<g id="stop-marker" class="stop-marker"><title>stop condition: orders-5xx-alarm was ALARM at 2026-11-21T07:36:00.000Z: Threshold Crossed/,
    );
    assert.match(stopped, /<line x1="500.0" y1="24" x2="500.0" y2="\d+"/);
    assert.match(stopped, /class="stop-label">stopped: orders-5xx-alarm ALARM<\/text>/);

    const none = renderHtmlReport({ ...sampleResult(), stopConditions: { alarms: [] } });
    assert.match(element(none, 'stop-conditions'), /none: no CloudWatch alarm was watched/);
  });

  test('without probes: says so, and the timeline has no probe lane', () => {
    const html = renderHtmlReport(sampleResult({ probes: 'none' }));
    assert.match(html, /id="verdict" class="badge verdict-Pass"/);
    assert.match(html, /<span id="probe-success" class="pill muted">probes: none<\/span>/);
    assert.match(element(html, 'probes'), /no probes were declared/);
    assert.ok(!html.includes('id="probe-lane"'), 'no probe lane');
    assert.ok(!html.includes('class="probe-eval'), 'no probe marker');
  });

  test('a probe whose failure stopped the experiment says so', () => {
    const base = sampleResult();
    const result: ExperimentResult = {
      ...base,
      probes: base.probes.map((p) => (p.status === 'Failed' ? { ...p, stoppedExperiment: true } : p)),
    };
    const html = renderHtmlReport(result);
    assert.match(
      element(html, 'probe-table'),
      /the Sum reached 17 <span class="bad">\(stopped the experiment\)<\/span>/,
    );
    assert.match(html, /data-probe="orders-5xx">[\s\S]*?\(its failure stopped the experiment\)/);
  });
});
