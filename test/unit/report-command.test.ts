import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { reportCommand } from '../../src/cli/commands/report.js';
import { sampleResult } from '../support/result-fixture.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

async function run(args: string[], flags: { html?: string; junit?: string }) {
  const out = sink();
  const err = sink();
  const code = await reportCommand({ args, flags, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('ecs-chaos report', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecs-chaos-report-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('writes the HTML and JUnit reports and says where', async () => {
    const input = join(dir, 'result.json');
    await writeFile(input, JSON.stringify(sampleResult()));
    const html = join(dir, 'out', 'report.html');
    const junit = join(dir, 'out', 'report.xml');
    const r = await run([input], { html, junit });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `HTML report written to ${html}\nJUnit report written to ${junit}\n`);
    assert.match(await readFile(html, 'utf8'), /id="verdict"/);
    assert.match(await readFile(junit, 'utf8'), /<testsuite /);
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['report.html', 'report.xml'], 'no temporary file left');
  });

  test('exit 2 with a clear message for a missing, malformed or wrong-version file', async () => {
    const out = join(dir, 'x.html');
    const missing = await run([join(dir, 'nope.json')], { html: out });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^report: .*nope\.json: no such file\n$/);

    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"schemaVersion": 1,');
    const malformed = await run([bad], { html: out });
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /bad\.json: not valid JSON/);

    const v2 = join(dir, 'v2.json');
    await writeFile(v2, JSON.stringify({ ...sampleResult(), schemaVersion: 2 }));
    const version = await run([v2], { html: out });
    assert.equal(version.code, 2);
    assert.match(version.stderr, /v2\.json: schemaVersion 2; this ecs-chaos reads schemaVersion 1/);

    const partial = join(dir, 'partial.json');
    await writeFile(partial, JSON.stringify({ schemaVersion: 1, fault: 'update-task-role' }));
    const shape = await run([partial], { html: out });
    assert.equal(shape.code, 2);
    assert.match(shape.stderr, /not an ecs-chaos result: missing or malformed experimentId, startedAt/);

    await assert.rejects(readFile(out), /ENOENT/, 'nothing written');
  });

  test('exit 2 without an output or without exactly one result file', async () => {
    const none = await run([join(dir, 'result.json')], {});
    assert.equal(none.code, 2);
    assert.match(none.stderr, /nothing to write: give --html OUT.html and\/or --junit OUT.xml/);
    const two = await run(['a.json', 'b.json'], { html: 'x.html' });
    assert.equal(two.code, 2);
    assert.match(two.stderr, /expected exactly one argument/);
  });
});
