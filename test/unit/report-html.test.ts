import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml, renderHtmlReport } from '../../src/report/html.js';
import { EVIL, sampleResult } from '../support/result-fixture.js';

/** Every start tag in the document, with its attributes. */
const tags = (html: string): string[] => html.match(/<[a-zA-Z][^>]*>/g) ?? [];

describe('renderHtmlReport', () => {
  test('escapes everything from AWS or the user, in text and attributes', () => {
    const html = renderHtmlReport(sampleResult({ evil: true, residue: true, conflict: true }));
    assert.ok(!/<script/i.test(html), 'no script element');
    assert.ok(!/<img/i.test(html), 'no img element');
    assert.ok(!html.includes(EVIL), 'the raw payload never appears');
    for (const tag of tags(html)) {
      const names = tag.replace(/="[^"]*"/g, '');
      assert.ok(!/\son[a-z]+\s*=/i.test(names), `no event handler attribute: ${tag}`);
      assert.ok(!/\ssrc\s*=/i.test(names), `no src attribute: ${tag}`);
    }
    // The payload is there, as text.
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
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
    const result = sampleResult();
    const html = renderHtmlReport(result);
    assert.match(html, /<title>ecs-chaos update-task-role on demo\/orders: Pass<\/title>/);
    assert.match(html, /<span id="verdict" class="badge verdict-Pass" style="background:#1a7f37">Pass<\/span>/);
    assert.ok(html.includes(`<p id="verdict-reason" class="reason">${result.verdictReason}</p>`));
    assert.match(html, /<svg id="timeline"/);
    for (const phase of ['preflight', 'inject', 'hold', 'revert', 'verify'])
      assert.match(html, new RegExp(`<g class="phase-band" data-phase="${phase}">`), phase);
    assert.match(html, /<polyline class="series series-original" data-revision="[^"]*orders:1"/);
    assert.match(html, /<polyline class="series series-chaos" data-revision="[^"]*orders:2"/);
    assert.match(html, /<table id="mutations">/);
    assert.match(html, /<table id="effect">/);
    assert.match(html, /<table id="lost-actions">[\s\S]*s3:PutObject/);
    assert.match(html, /id="exposure"><dt>peak chaos tasks<\/dt><dd>2 of 2 desired \(100%\)/);
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
});
