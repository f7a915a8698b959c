import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compare, describeComparator } from '../../src/probes/comparator.js';
import type { Comparator, NumberCriteria, TextCriteria } from '../../src/probes/types.js';

const num = (criteria: NumberCriteria, value: number | readonly number[]): Comparator => ({
  type: 'number',
  criteria,
  value,
});
const text = (criteria: TextCriteria, value: string | readonly string[]): Comparator => ({
  type: 'text',
  criteria,
  value,
});

describe('number criteria', () => {
  const cases: Array<[Comparator, number | string, boolean]> = [
    [num('==', 0), 0, true],
    [num('==', 0), 1, false],
    [num('==', 0), -0, true],
    [num('!=', 0), 1, true],
    [num('!=', 0), 0, false],
    [num('>', 5), 6, true],
    [num('>', 5), 5, false],
    [num('<', 5), 4.5, true],
    [num('<', 5), 5, false],
    [num('>=', 5), 5, true],
    [num('>=', 5), 4.999, false],
    [num('<=', 5), 5, true],
    [num('<=', 5), 5.001, false],
    [num('oneOf', [200, 204]), 204, true],
    [num('oneOf', [200, 204]), 201, false],
    [num('between', [200, 299]), 200, true],
    [num('between', [200, 299]), 299, true],
    [num('between', [200, 299]), 250, true],
    [num('between', [200, 299]), 199, false],
    [num('between', [200, 299]), 300, false],
  ];
  for (const [comparator, actual, expected] of cases) {
    test(`${JSON.stringify(actual)} ${describeComparator(comparator)} is ${expected}`, () => {
      assert.equal(compare(comparator, actual), expected);
    });
  }

  test('numeric text is read as a number, surrounding whitespace ignored (a command’s stdout)', () => {
    assert.equal(compare(num('==', 42), '42'), true);
    assert.equal(compare(num('==', 42), ' 42\n'), true);
    assert.equal(compare(num('>', 1), '1.5'), true);
    assert.equal(compare(num('<', 0), '-3'), true);
    assert.equal(compare(num('between', [0, 1]), '1e-3'), true);
  });

  test('non-numeric or empty text fails every number criterion, even != and <', () => {
    for (const actual of ['', '   ', 'abc', '12abc', 'NaN', 'Infinity', '\n']) {
      for (const comparator of [
        num('==', 0),
        num('!=', 0),
        num('>', -1e9),
        num('<', 1e9),
        num('>=', 0),
        num('<=', 0),
        num('oneOf', [0]),
        num('between', [-1e9, 1e9]),
      ]) {
        assert.equal(compare(comparator, actual), false, `${JSON.stringify(actual)} ${describeComparator(comparator)}`);
      }
    }
  });

  test('NaN fails every number criterion, even !=', () => {
    for (const comparator of [
      num('==', 0),
      num('!=', 0),
      num('>', 0),
      num('<', 0),
      num('oneOf', [0]),
      num('between', [0, 1]),
    ]) {
      assert.equal(compare(comparator, NaN), false, describeComparator(comparator));
    }
  });

  test('an infinite number compares as a number (a Prometheus +Inf is above any bound)', () => {
    assert.equal(compare(num('>', 1e300), Infinity), true);
    assert.equal(compare(num('<', 0.5), Infinity), false);
    assert.equal(compare(num('!=', 0), Infinity), true);
    assert.equal(compare(num('between', [0, 1e300]), Infinity), false);
    assert.equal(compare(num('<', -1e300), -Infinity), true);
  });
});

describe('text criteria', () => {
  const cases: Array<[Comparator, number | string, boolean]> = [
    [text('equal', 'ok'), 'ok', true],
    [text('equal', 'ok'), 'OK', false],
    [text('equal', 'ok'), 'ok ', false],
    [text('notEqual', 'ok'), 'ko', true],
    [text('notEqual', 'ok'), 'ok', false],
    [text('contains', 'healthy'), '{"status":"healthy"}', true],
    [text('contains', 'healthy'), '{"status":"ok"}', false],
    [text('notContains', 'error'), 'all fine', true],
    [text('notContains', 'error'), 'an error', false],
    [text('matches', '^ok\\b'), 'ok then', true],
    [text('matches', '^ok\\b'), 'not ok', false],
    [text('notMatches', 'AccessDenied'), 'fine', true],
    [text('notMatches', 'Access.*'), 'AccessDeniedException', false],
    [text('oneOf', ['OK', 'ALARM']), 'ALARM', true],
    [text('oneOf', ['OK', 'ALARM']), 'INSUFFICIENT_DATA', false],
    [text('equal', '200'), 200, true],
  ];
  for (const [comparator, actual, expected] of cases) {
    test(`${JSON.stringify(actual)} ${describeComparator(comparator)} is ${expected}`, () => {
      assert.equal(compare(comparator, actual), expected);
    });
  }
});

describe('describeComparator', () => {
  test('says a number criterion as its operator and value', () => {
    assert.equal(describeComparator(num('==', 0)), '== 0');
    assert.equal(describeComparator(num('!=', 0)), '!= 0');
    assert.equal(describeComparator(num('>', 1.5)), '> 1.5');
    assert.equal(describeComparator(num('<', 10)), '< 10');
    assert.equal(describeComparator(num('>=', 1)), '>= 1');
    assert.equal(describeComparator(num('<=', -2)), '<= -2');
  });

  test('says between and oneOf in words, for numbers and text', () => {
    assert.equal(describeComparator(num('between', [200, 299])), 'between 200 and 299');
    assert.equal(describeComparator(num('oneOf', [200, 204])), 'one of 200, 204');
    assert.equal(describeComparator(text('oneOf', ['OK', 'ALARM'])), 'one of OK, ALARM');
  });

  test('says a text criterion in words with the text quoted', () => {
    assert.equal(describeComparator(text('equal', 'ok')), 'equal to "ok"');
    assert.equal(describeComparator(text('notEqual', 'ok')), 'not equal to "ok"');
    assert.equal(describeComparator(text('contains', 'ok')), 'contains "ok"');
    assert.equal(describeComparator(text('notContains', 'error')), 'does not contain "error"');
    assert.equal(describeComparator(text('matches', '^ok$')), 'matches "^ok$"');
    assert.equal(describeComparator(text('notMatches', 'a"b')), 'does not match "a\\"b"');
  });
});
