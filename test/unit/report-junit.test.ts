import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeXml, junitCases, renderJunitReport } from '../../src/report/junit.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { sampleResult } from '../support/result-fixture.js';

const tags = (xml: string): string[] => xml.match(/<[a-zA-Z][^>]*>/g) ?? [];

describe('renderJunitReport', () => {
  test('a passing result: one testsuite, six passing testcases', () => {
    const xml = renderJunitReport(sampleResult());
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '));
    assert.equal(xml.match(/<testsuite /g)?.length, 1);
    assert.match(
      xml,
      /<testsuite name="ecs-chaos update-task-role demo\/orders" id="ecs-chaos-20261121T073550Z-abcdef" tests="6" failures="0" errors="0" skipped="0" time="20.000"/,
    );
    for (const name of ['preflight', 'swap', 'chaos tasks ran', 'restored', 'residue clean', 'no conflict'])
      assert.match(
        xml,
        new RegExp(`<testcase name="${name}" classname="ecs-chaos.update-task-role.demo.orders" time="0"/>`),
      );
    assert.ok(!xml.includes('<failure'));
    assert.match(xml, /<property name="verdict" value="Pass"\/>/);
  });

  test('residue, an error and a conflict are failures with messages', () => {
    const result = sampleResult({ residue: true, conflict: true });
    const xml = renderJunitReport(result);
    assert.match(xml, /tests="7" failures="3" errors="1" skipped="0"/);
    assert.match(
      xml,
      /<testcase name="restored"[^>]*>\s*<failure message="the service was not restored: the chaos revision [^"]*is still ACTIVE" type="restored">/,
    );
    assert.match(
      xml,
      /<failure message="something is left behind \(1 item\(s\)\); recover with: ecs-chaos recover --cluster demo --service &apos;orders&apos; --region us-east-1"/,
    );
    assert.match(
      xml,
      /<testcase name="no conflict"[^>]*>\s*<failure message="someone else changed the service during the run: someone registered orders:3 during the run"/,
    );
    assert.match(xml, /<error message="restore timed out ?" type="RestoreFailed">/);
  });

  test('escapes everything from AWS or the user', () => {
    const xml = renderJunitReport(sampleResult({ evil: true, residue: true, conflict: true }));
    assert.ok(!/<script|<img/i.test(xml));
    assert.ok(xml.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
    for (const tag of tags(xml)) {
      const stripped = tag.replace(/="[^"]*"/g, '');
      assert.ok(!/\son[a-z]+\s*=/i.test(stripped), tag);
      assert.ok(!/["']/.test(stripped), `balanced attribute quotes: ${tag}`);
    }
    assert.equal(escapeXml('a\u0000b\u001bc<&>"\''), 'abc&lt;&amp;&gt;&quot;&apos;');
  });

  test('a failed preflight fails preflight and skips the checks that need the swap', () => {
    const base = sampleResult();
    const result: ExperimentResult = {
      ...base,
      verdict: 'Error',
      verdictReason: 'preflight failed',
      error: { code: 'PreflightFailed', message: 'the service is not steady' },
      timeline: base.timeline.filter((t) => t.name === 'preflight'),
      effect: { ...base.effect, swapped: false, chaosTasksRan: false },
    };
    const cases = junitCases(result);
    assert.deepEqual(
      cases.map((c) => [c.name, c.status]),
      [
        ['preflight', 'failed'],
        ['swap', 'skipped'],
        ['chaos tasks ran', 'skipped'],
        ['restored', 'skipped'],
        ['residue clean', 'passed'],
        ['no conflict', 'passed'],
      ],
    );
    assert.equal(cases[0]!.message, 'preflight did not pass: PreflightFailed: the service is not steady');
    assert.match(renderJunitReport(result), /<skipped message="preflight did not pass"\/>/);
  });
});
