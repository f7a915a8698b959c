import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeXml, junitCases, probeCases, renderJunitReport } from '../../src/report/junit.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { sampleResult } from '../support/result-fixture.js';

const tags = (xml: string): string[] => xml.match(/<[a-zA-Z][^>]*>/g) ?? [];

/** The suite's counts agree with its test cases, and every element opened is closed. */
function assertConsistent(xml: string): { tests: number; failures: number; errors: number; skipped: number } {
  const suite = /<testsuite name="[^"]*" id="[^"]*" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(
    xml,
  );
  assert.ok(suite, 'the testsuite element');
  const [tests, failures, errors, skipped] = suite.slice(1).map(Number) as [number, number, number, number];
  assert.equal(xml.match(/<testcase /g)?.length, tests, 'tests = the test cases');
  assert.equal(xml.match(/<failure /g)?.length ?? 0, failures, 'failures = the <failure> elements');
  assert.equal(xml.match(/<error /g)?.length ?? 0, errors, 'errors = the <error> elements');
  assert.equal(xml.match(/<skipped /g)?.length ?? 0, skipped, 'skipped = the <skipped> elements');
  assert.match(
    xml,
    new RegExp(
      `<testsuites name="ecs-chaos" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}"`,
    ),
  );
  for (const name of ['testsuites', 'testsuite', 'properties', 'testcase', 'failure', 'system-out']) {
    const opened = (xml.match(new RegExp(`<${name}[ >]`, 'g')) ?? []).length;
    const selfClosed = (xml.match(new RegExp(`<${name}\\b[^>]*/>`, 'g')) ?? []).length;
    const closed = (xml.match(new RegExp(`</${name}>`, 'g')) ?? []).length;
    assert.equal(opened - selfClosed, closed, `every <${name}> is closed`);
  }
  return { tests, failures, errors, skipped };
}

const PROBES = 'ecs-chaos.update-task-role.demo.orders.probes';

describe('renderJunitReport', () => {
  test('a passing result: one testsuite, six passing checks and the passing probe', () => {
    const xml = renderJunitReport(sampleResult({ probes: 'passing' }));
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '));
    assert.equal(xml.match(/<testsuite /g)?.length, 1);
    assert.match(
      xml,
      /<testsuite name="ecs-chaos update-task-role demo\/orders" id="ecs-chaos-20261121T073550Z-abcdef" tests="8" failures="0" errors="0" skipped="0" time="20.000"/,
    );
    assert.deepEqual(assertConsistent(xml), { tests: 8, failures: 0, errors: 0, skipped: 0 });
    for (const name of [
      'preflight',
      'swap',
      'chaos tasks ran',
      'restored',
      'residue clean',
      'no ECS reaction',
      'no conflict',
    ])
      assert.match(
        xml,
        new RegExp(`<testcase name="${name}" classname="ecs-chaos.update-task-role.demo.orders" time="0"/>`),
      );
    assert.ok(!xml.includes('<failure'));
    assert.match(xml, /<property name="verdict" value="Pass"\/>/);
    assert.match(xml, /<property name="probeSuccessPercentage" value="100"\/>/);
    // The probe passes, with its evaluations as output.
    assert.match(
      xml,
      new RegExp(
        `<testcase name="orders-health" classname="${PROBES}" time="0">\\n      <system-out>http probe, mode Edge: GET http://orders.internal:8080/health: status between 200 and 299\\nPassed: both evaluations passed\\n2 evaluation\\(s\\), 0 failed\\n2026-11-21T07:35:51.000Z pre-chaos: passed \\(1 attempt\\); expected status between 200 and 299, actual 200; GET http://orders.internal:8080/health answered 200 OK in 12 ms\\n`,
      ),
    );
  });

  test('probes: Failed is a failure with the failing evidence, N/A is skipped', () => {
    const xml = renderJunitReport(sampleResult());
    assert.deepEqual(assertConsistent(xml), { tests: 10, failures: 1, errors: 0, skipped: 1 });
    assert.match(xml, /<property name="verdict" value="Fail"\/>/);
    assert.match(xml, /<property name="probeSuccessPercentage" value="33"\/>/);
    assert.deepEqual(
      [...xml.matchAll(new RegExp(`<testcase name="([^"]+)" classname="${PROBES}"`, 'g'))].map((m) => m[1]),
      ['orders-health', 'orders-5xx', 'orders-denied'],
      'one test case per probe, in order',
    );
    const failed = /<testcase name="orders-5xx"[^>]*>([\s\S]*?)<\/testcase>/.exec(xml)![1]!;
    const failure = /<failure message="([^"]*)" type="([^"]*)">([^<]*)<\/failure>/.exec(failed)!;
    assert.equal(failure[1], '2 of 5 evaluations failed: the Sum reached 17');
    assert.equal(failure[2], 'cloudwatch probe');
    assert.deepEqual(failure[3]!.split('\n'), [
      '2026-11-21T07:35:59.000Z chaos: FAILED (1 attempt); expected Sum &lt;= 5, actual 11; Sum of HTTPCode_Target_5XX_Count over the last 60s = 11 (3 datapoints)',
      '2026-11-21T07:36:02.000Z chaos: FAILED (1 attempt); expected Sum &lt;= 5, actual 17; Sum of HTTPCode_Target_5XX_Count over the last 60s = 17 (4 datapoints); error: GetMetricStatistics was throttled once, retried',
    ]);
    assert.match(
      failed,
      /<system-out>[^<]*5 evaluation\(s\), 2 failed \(3 kept: the first, the last and every failure\)/,
    );
    assert.match(
      xml,
      /<testcase name="orders-denied"[^>]*>\n\s*<skipped message="never evaluated: the chaos window ended before its initial delay of 30s"\/>/,
    );
    // The checks are still there, and pass.
    for (const name of [
      'preflight',
      'swap',
      'chaos tasks ran',
      'restored',
      'residue clean',
      'no ECS reaction',
      'no conflict',
    ])
      assert.match(
        xml,
        new RegExp(`<testcase name="${name}" classname="ecs-chaos.update-task-role.demo.orders" time="0"/>`),
      );
  });

  test('probeCases: one per probe; a failure that stopped the experiment says so', () => {
    const base = sampleResult();
    const result: ExperimentResult = {
      ...base,
      probes: base.probes.map((p) => (p.status === 'Failed' ? { ...p, stoppedExperiment: true } : p)),
    };
    const cases = probeCases(result);
    assert.deepEqual(
      cases.map((c) => [c.name, c.status, c.classSuffix]),
      [
        ['orders-health', 'passed', 'probes'],
        ['orders-5xx', 'failed', 'probes'],
        ['orders-denied', 'skipped', 'probes'],
      ],
    );
    assert.equal(
      cases[1]!.message,
      '2 of 5 evaluations failed: the Sum reached 17 (this failure stopped the experiment)',
    );
    assert.deepEqual(probeCases(sampleResult({ probes: 'none' })), []);
    assertConsistent(renderJunitReport(sampleResult({ probes: 'none' })));
  });

  test("ECS's reaction is a failure with its evidence; the exposure is in the properties", () => {
    const xml = renderJunitReport(sampleResult({ reaction: true, probes: 'passing' }));
    assert.match(
      xml,
      /<testcase name="no ECS reaction"[^>]*>\s*<failure message="ECS reacted to the chaos: ECS&apos;s deployment circuit breaker failed the chaos deployment \(1\)" type="no ECS reaction">[^<]*rolloutState FAILED/,
    );
    assert.match(xml, /<property name="exposureMode" value="rolling"\/>/);
    assert.match(xml, /<property name="predictedChaosTasks" value="2"\/>/);
    assert.match(xml, /<property name="peakChaosTasks" value="2"\/>/);
    assertConsistent(xml);
  });

  test('a run stopped by a stop condition names the alarm', () => {
    const xml = renderJunitReport(sampleResult({ stopped: true }));
    assert.match(xml, /<property name="verdict" value="Stopped"\/>/);
    assert.match(xml, /<property name="stoppedBy" value="orders-5xx-alarm"\/>/);
    assertConsistent(xml);
    assert.ok(!renderJunitReport(sampleResult()).includes('stoppedBy'));
  });

  test('residue, an error and a conflict are failures with messages', () => {
    const result = sampleResult({ residue: true, conflict: true });
    const xml = renderJunitReport(result);
    // 7 checks, 3 probes and the run's error.
    assert.match(xml, /tests="11" failures="4" errors="1" skipped="1"/);
    assertConsistent(xml);
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
    const xml = renderJunitReport(sampleResult({ evil: true, residue: true, conflict: true, stopped: true }));
    assert.ok(!/<script|<img/i.test(xml));
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;';
    assert.ok(xml.includes(escaped));
    assert.ok(xml.includes(`<testcase name="orders-5xx${escaped}"`), 'a probe name');
    assert.ok(xml.includes(`(4 datapoints)${escaped}`), "a failing evaluation's evidence");
    assert.ok(xml.includes(`<property name="stoppedBy" value="orders-5xx-alarm${escaped}"/>`), 'the alarm name');
    assertConsistent(xml);
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
        ['no ECS reaction', 'passed'],
        ['no conflict', 'passed'],
      ],
    );
    assert.equal(cases[0]!.message, 'preflight did not pass: PreflightFailed: the service is not steady');
    assert.match(renderJunitReport(result), /<skipped message="preflight did not pass"\/>/);
  });
});

describe('the reports of an episode fault (no chaos revision)', () => {
  test('task-stop: the effect checks read as the fault does, and the HTML shows no chaos revision', async () => {
    const { renderHtmlReport } = await import('../../src/report/html.js');
    const result = { ...sampleResult({ probes: 'passing' }), fault: 'task-stop' } as ExperimentResult;
    const xml = renderJunitReport(result);
    for (const name of ['effect', 'ECS started replacements', 'the service recovered'])
      assert.match(xml, new RegExp(`<testcase name="${name}" classname="ecs-chaos.task-stop.demo.orders" time="0"/>`));
    assert.doesNotMatch(xml, /<testcase name="(swap|chaos tasks ran)"/);
    const failed = renderJunitReport({
      ...result,
      effect: { ...result.effect, restored: false, notes: ['2 of 4 RUNNING at the end'] },
    });
    assert.match(
      failed,
      /<testcase name="the service recovered"[^>]*>\s*<failure message="the service was not back: 2 of 4 RUNNING/,
    );
    const html = renderHtmlReport(result);
    assert.match(html, /<td>tasks were stopped<\/td>/);
    assert.match(html, /<td>the service recovered<\/td>/);
    assert.doesNotMatch(html, /<dt>chaos revision<\/dt>/);
    // A task-definition fault's report keeps them.
    assert.match(renderHtmlReport(sampleResult({ probes: 'passing' })), /<dt>chaos revision<\/dt>/);
  });
});
