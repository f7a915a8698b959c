import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compare } from '../../src/probes/comparator.js';
import { parseProbes } from '../../src/probes/parse.js';
import { MAX_MATCHED_TEXT } from '../../src/probes/comparator.js';
import { InvalidInputError } from '../../src/errors.js';

const httpProbe = (http: Record<string, unknown>): unknown[] => [{ name: 'p', type: 'http', mode: 'Edge', http }];
const cmdProbe = (cmd: Record<string, unknown>): unknown[] => [{ name: 'p', type: 'cmd', mode: 'Edge', cmd }];

/** Asserts the probes are refused as invalid input naming `field`; returns the message. */
function refused(probes: unknown[], field: string): string {
  let message = '';
  assert.throws(
    () => parseProbes({ probes }),
    (err: unknown) => {
      assert.ok(err instanceof InvalidInputError, String(err));
      assert.equal(err.field, field);
      message = err.message;
      return true;
    },
  );
  return message;
}

describe('user patterns cannot block the runner', () => {
  for (const pattern of ['^(a+)+$', '(a*)*b', '^(\\w+\\s?)*$', '(a|aa)+$', '(.*a){12}', '^(a+)\\1$']) {
    test(`"matches ${pattern}" is refused at parse time, naming the field`, () => {
      const message = refused(
        httpProbe({ url: 'http://127.0.0.1:1/', responseBody: `matches ${pattern}` }),
        'probes[0].http.responseBody',
      );
      assert.match(message, /backtrack/);
    });
  }

  test('a cmd probe\'s stdout "notMatches" with a nested quantifier is refused too', () => {
    refused(
      cmdProbe({ command: ['true'], stdout: { criteria: 'notMatches', value: '(x+)*y' } }),
      'probes[0].cmd.stdout',
    );
  });

  test('ordinary patterns are still accepted', () => {
    for (const pattern of ['^ok$', '"status":\\s*"UP"', '^\\d+\\.\\d+\\.\\d+$', '(ab){2}', '^(GET|POST) /', 'a[(]+b'])
      assert.equal(
        parseProbes({ probes: httpProbe({ url: 'http://127.0.0.1:1/', responseBody: `matches ${pattern}` }) }).length,
        1,
      );
  });

  test(`a pattern is matched against the first ${MAX_MATCHED_TEXT} characters of the text only`, () => {
    const comparator = { type: 'text', criteria: 'matches', value: 'END$' } as const;
    assert.equal(compare(comparator, `${'a'.repeat(100)}END`), true);
    assert.equal(compare(comparator, `${'a'.repeat(MAX_MATCHED_TEXT)}END`), false);
    assert.equal(MAX_MATCHED_TEXT, 64 * 1024);
  });
});
