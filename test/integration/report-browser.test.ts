/**
 * The HTML report of a real run against the sandbox, loaded in headless Chromium (Debian's
 * `chromium`, driven by playwright-core): the verdict and the timeline are visible, the SVG has the
 * phase bands and the tasks chart, and a screenshot is written. The JUnit report of the same run
 * parses as XML in the browser. A hand-made result with probes, a triggered stop condition and
 * AccessDenied counts shows its probes, their markers on the timeline and the AccessDenied section.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { renderHtmlReport } from '../../src/report/html.js';
import { renderJunitReport } from '../../src/report/junit.js';
import type { ExperimentResult } from '../../src/report/result.js';
import { roleArn, runFault } from '../support/experiment.js';
import { sampleResult } from '../support/result-fixture.js';
import { waitSteady, withSandbox } from '../support/sandbox.js';

const CHROMIUM = '/usr/bin/chromium';

describe('the HTML report in headless Chromium', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let browser: BrowserContext;
  let result: ExperimentResult;
  let dir: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is needed: apt-get install -y chromium (.ci/run does)`);
    dir = await mkdtemp(join(tmpdir(), 'ecs-chaos-report-browser-'));
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    await waitSteady(ctx.ecs, 'demo', 'orders');
    ({ result } = await runFault(ctx.sandbox, {
      cluster: 'demo',
      service: 'orders',
      taskRole: roleArn('orders-chaos-role'),
    }));
    // A new empty profile (playwright-core passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await ctx?.sandbox.close();
    // The screenshot stays for a person to look at; the rest goes.
    if (dir) await rm(join(dir, 'profile'), { recursive: true, force: true });
  });

  test('shows the verdict, the phase bands and the tasks per revision; writes a screenshot', async () => {
    assert.equal(result.verdict, 'Pass', result.verdictReason);
    const htmlPath = join(dir, 'report.html');
    await writeFile(htmlPath, renderHtmlReport(result));
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(htmlPath).href);

    assert.ok(await page.locator('#verdict').isVisible(), '#verdict is visible');
    assert.equal((await page.locator('#verdict').textContent())?.trim(), 'Pass');
    assert.ok(await page.locator('#timeline').isVisible(), '#timeline is visible');
    const box = await page.locator('#timeline').boundingBox();
    assert.ok(box && box.width > 500 && box.height > 200, `the timeline has a size: ${JSON.stringify(box)}`);

    const phases: string[] = [];
    for (const band of await page.locator('#timeline g.phase-band').all())
      phases.push((await band.getAttribute('data-phase')) ?? '');
    for (const phase of ['preflight', 'inject', 'hold', 'revert', 'verify'])
      assert.ok(phases.includes(phase), `a ${phase} band in ${phases.join(', ')}`);
    for (const rect of await page.locator('#timeline rect.phase').all()) {
      const width = Number(await rect.getAttribute('width'));
      assert.ok(width >= 1, 'each band has a width');
    }
    assert.ok(await page.locator('#timeline rect.phase-inject').first().isVisible());

    const original = page.locator('#timeline polyline.series-original');
    const chaos = page.locator('#timeline polyline.series-chaos');
    assert.equal(await original.count(), 1, 'one line for the original revision');
    assert.ok((await chaos.count()) >= 1, 'a line for the chaos revision');
    assert.ok(await original.isVisible());
    assert.ok(await chaos.first().isVisible());
    const chaosPoints = (await chaos.first().getAttribute('points'))!.split(' ').length;
    assert.ok(chaosPoints >= 3, 'the chaos line steps');

    assert.ok(await page.locator('#probes').isVisible(), 'the probes section');
    if (result.probes.length === 0)
      assert.match((await page.locator('#probes').textContent()) ?? '', /no probes were declared/);
    assert.ok(await page.locator('#stop-conditions').isVisible(), 'the stop conditions');
    assert.ok(await page.locator('#mutations').isVisible(), 'the mutations table');
    assert.ok(await page.locator('#events').isVisible(), 'the event list');
    assert.deepEqual(
      requests.filter((u) => u !== pathToFileURL(htmlPath).href),
      [],
      'nothing else is fetched',
    );

    const screenshot = join(dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok((await stat(screenshot)).size > 10_000, 'a screenshot with content');
    console.log(`report screenshot: ${screenshot}`);
    console.log(`report HTML: ${htmlPath}`);
    await page.close();
  });

  test('a result with probes, a stop condition and AccessDenied counts shows them; writes a screenshot', async () => {
    const sample = sampleResult({ stopped: true });
    const htmlPath = join(dir, 'report-probes.html');
    await writeFile(htmlPath, renderHtmlReport(sample));
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(htmlPath).href);

    assert.equal((await page.locator('#verdict').textContent())?.trim(), 'Stopped');
    assert.ok(await page.locator('#probe-success').isVisible(), 'the probe success next to the verdict');
    assert.equal((await page.locator('#probe-success').textContent())?.trim(), 'probe success 33% (1 of 3 passed)');

    // The probes section: a row per probe, and the failed probe's evaluations with their evidence.
    assert.ok(await page.locator('#probes').isVisible(), 'the probes section');
    const probeRows = page.locator('#probe-table tbody tr');
    assert.equal(await probeRows.count(), 3);
    const statuses: string[] = [];
    for (const row of await probeRows.all()) statuses.push((await row.locator('td').nth(3).textContent()) ?? '');
    assert.deepEqual(statuses, ['Passed', 'Failed', 'N/A']);
    const failed = page.locator('#probes .probe-failed');
    assert.ok(await failed.isVisible(), 'the failed probe');
    assert.equal(await failed.locator('tr.eval-failed').count(), 2, 'its two failed evaluations');
    assert.match(
      (await failed.locator('tr.eval-failed').last().textContent()) ?? '',
      /17 \(4 datapoints\).*GetMetricStatistics was throttled/,
    );

    // The SVG: markers per evaluation, passed and failed; the AccessDenied bars; the stop marker.
    const passedMarkers = page.locator('#timeline g.probe-eval-passed');
    const failedMarkers = page.locator('#timeline g.probe-eval-failed');
    assert.equal(await passedMarkers.count(), 3);
    assert.equal(await failedMarkers.count(), 2);
    assert.ok(await passedMarkers.first().isVisible(), 'a passed marker is visible');
    assert.ok(await failedMarkers.first().isVisible(), 'a failed marker is visible');
    const passedBox = await passedMarkers.first().boundingBox();
    const failedBox = await failedMarkers.first().boundingBox();
    assert.ok(passedBox && failedBox && passedBox.x < failedBox.x, 'the 1s evaluation is left of the 9s one');
    assert.match(
      (await failedMarkers.last().locator('title').textContent()) ?? '',
      /^orders-5xx: FAILED .*17 \(4 datapoints\)/,
      'the marker names the probe and its evidence',
    );
    const bars = page.locator('#timeline rect.denied-bar');
    assert.equal(await bars.count(), 7, 'one bar per bucket');
    const heights: number[] = [];
    for (const bar of await bars.all()) heights.push(Number(await bar.getAttribute('height')));
    assert.equal(Math.max(...heights), heights[3], 'the tallest bar is the bucket of 9');
    assert.ok(await bars.nth(3).isVisible(), 'the tallest bar is visible');
    assert.ok(await page.locator('#stop-marker').isVisible(), 'the stop marker');

    // The AccessDenied and stop-condition sections.
    const denied = page.locator('#access-denied');
    assert.ok(await denied.isVisible(), 'the AccessDenied section');
    assert.equal((await page.locator('#access-denied-total').textContent())?.trim(), '27');
    assert.deepEqual(
      (await page.locator('#access-denied-actions tbody tr').allTextContents()).map((t) => t.trim()),
      ['s3:PutObject19', 'kms:Decrypt8'],
    );
    assert.ok(await page.locator('#stop-triggered').isVisible(), 'the triggered stop condition');
    assert.match((await page.locator('#stop-triggered').textContent()) ?? '', /stopped by orders-5xx-alarm: ALARM/);
    assert.deepEqual(
      requests.filter((u) => u !== pathToFileURL(htmlPath).href),
      [],
      'nothing else is fetched',
    );

    const screenshot = join(dir, 'report-probes.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok((await stat(screenshot)).size > 10_000, 'a screenshot with content');
    console.log(`report screenshot (probes): ${screenshot}`);
    await page.close();
  });

  test('the JUnit report with probes is well-formed XML', async () => {
    const page = await browser.newPage();
    const xml = renderJunitReport(sampleResult({ stopped: true, evil: true }));
    const parsed: unknown = await page.evaluate(`(() => {
      const doc = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml');
      if (doc.getElementsByTagName('parsererror').length > 0) return { error: doc.documentElement.textContent };
      const suite = doc.getElementsByTagName('testsuite')[0];
      return {
        tests: Number(suite.getAttribute('tests')),
        cases: doc.getElementsByTagName('testcase').length,
        probes: Array.from(doc.getElementsByTagName('testcase'))
          .filter((c) => c.getAttribute('classname').endsWith('.probes'))
          .map((c) => [c.getAttribute('name').slice(0, 13), c.getElementsByTagName('failure').length, c.getElementsByTagName('skipped').length]),
        failures: doc.getElementsByTagName('failure').length,
        skipped: doc.getElementsByTagName('skipped').length,
      };
    })()`);
    await page.close();
    assert.deepEqual(parsed, {
      tests: 10,
      cases: 10,
      probes: [
        ['orders-health', 0, 0],
        ['orders-5xx<sc', 1, 0],
        ['orders-denied', 0, 1],
      ],
      failures: 1,
      skipped: 1,
    });
  });

  test('the JUnit report of the same run is well-formed XML', async () => {
    const page = await browser.newPage();
    const xml = renderJunitReport(result);
    // The project has no DOM types: the browser-side code is a string.
    const parsed: unknown = await page.evaluate(`(() => {
      const doc = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml');
      if (doc.getElementsByTagName('parsererror').length > 0) return { error: doc.documentElement.textContent };
      return {
        suites: doc.getElementsByTagName('testsuite').length,
        cases: Array.from(doc.getElementsByTagName('testcase')).map((c) => c.getAttribute('name')),
        failures: doc.getElementsByTagName('failure').length,
      };
    })()`);
    await page.close();
    assert.deepEqual(parsed, {
      suites: 1,
      cases: ['preflight', 'swap', 'chaos tasks ran', 'restored', 'residue clean', 'no ECS reaction', 'no conflict'],
      failures: 0,
    });
  });
});
