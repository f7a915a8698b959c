import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperimentSpec } from '../../src/config/load.js';
import { InvalidInputError } from '../../src/errors.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-hostile-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const REQUIRED = { cluster: 'prod', service: 'orders', region: 'us-east-1' };

function loadFile(name: string, text: string): unknown {
  writeFileSync(join(dir, name), text);
  return loadExperimentSpec({
    flags: REQUIRED,
    env: { TASK_ROLE: 'arn:aws:iam::123456789012:role/orders-chaos-role' },
    cwd: dir,
    file: name,
  });
}

/** A billion-laughs document: `levels` anchors, each a list of nine aliases of the one before. */
function aliasBomb(levels: number): string {
  const lines = ['probes:', '  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `  - &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('the experiment file against hostile YAML', () => {
  test('a YAML alias bomb (billion laughs) is refused as invalid input naming the file and the fix', () => {
    assert.throws(
      () => loadFile('bomb.yaml', aliasBomb(7)),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError, String(err));
        assert.match(err.message, /bomb\.yaml/);
        assert.match(err.message, /alias/i);
        assert.match(err.fix, /anchor|alias/i);
        return true;
      },
    );
  });

  test('a few aliases of a small anchor are still fine', () => {
    const spec = loadFile(
      'anchors.yaml',
      [
        'probes:',
        '  - name: a',
        '    type: http',
        '    mode: Edge',
        '    http: &h',
        '      url: http://127.0.0.1:1/',
        '  - name: b',
        '    type: http',
        '    mode: Edge',
        '    http: *h',
        '',
      ].join('\n'),
    ) as { probes: unknown[] };
    assert.equal(spec.probes.length, 2);
  });

  test('an experiment file over the size cap is refused before it is parsed, naming the cap', () => {
    const big = `cluster: prod\n# ${'x'.repeat(1024 * 1024)}\n`;
    assert.throws(
      () => loadFile('big.yaml', big),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError, String(err));
        assert.match(err.message, /big\.yaml/);
        assert.match(err.message, /1 MiB/);
        assert.ok(err.message.length < 1000, 'the content is not echoed');
        return true;
      },
    );
  });
});

describe('values that say less than they seem', () => {
  for (const [yaml, shown] of [
    ['.inf', /Infinity|\.inf/],
    ['-.inf', /-Infinity|-\.inf/],
    ['.nan', /NaN|\.nan/],
  ] as const) {
    test(`a duration of ${yaml} names the value rather than "null"`, () => {
      assert.throws(
        () => loadFile(`dur${yaml}.yaml`, `duration: ${yaml}\n`),
        (err: unknown) => {
          assert.ok(err instanceof InvalidInputError, String(err));
          assert.doesNotMatch(err.message, /got null/);
          assert.match(err.message, shown);
          return true;
        },
      );
    });
  }

  test('a whitespace-only TASK_ROLE is refused with the fix (an empty one still means remove)', () => {
    assert.throws(
      () => loadExperimentSpec({ flags: REQUIRED, env: { TASK_ROLE: '   ' }, cwd: dir }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidInputError, String(err));
        assert.match(err.message, /TASK_ROLE/);
        assert.match(err.message, /whitespace/);
        assert.match(err.fix, /empty/);
        return true;
      },
    );
    const spec = loadExperimentSpec({ flags: REQUIRED, env: { TASK_ROLE: '' }, cwd: dir }) as {
      taskRoleArn?: string | null;
    };
    assert.equal(spec.taskRoleArn ?? null, null);
  });
});
