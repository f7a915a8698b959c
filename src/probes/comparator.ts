/** Comparing an observed value with a probe's expectation, and saying both in words. */
import type { Comparator, ProbeWindow } from './types.js';

/**
 * The cap of the text a pattern (`matches`, `notMatches`) is matched against: its first 64 KiB
 * characters. With the patterns that could backtrack catastrophically refused at parse time
 * (safe-pattern.ts), this bounds the time of a match.
 */
export const MAX_MATCHED_TEXT = 64 * 1024;

/**
 * Whether `actual` satisfies the comparator. Text criteria compare the text. Number criteria need a
 * number: NaN fails every one of them (even `!=`), ±Infinity compares as a number (a Prometheus
 * `+Inf` is greater than any bound), and text must read as a finite number (empty text fails).
 */
export function compare(comparator: Comparator, actual: number | string): boolean {
  if (comparator.type === 'number') {
    const n = typeof actual === 'number' ? actual : Number(String(actual).trim());
    if (Number.isNaN(n) || (typeof actual === 'string' && (actual.trim() === '' || !Number.isFinite(n)))) return false;
    const v = comparator.value;
    switch (comparator.criteria) {
      case '==':
        return n === v;
      case '!=':
        return n !== v;
      case '>':
        return n > (v as number);
      case '<':
        return n < (v as number);
      case '>=':
        return n >= (v as number);
      case '<=':
        return n <= (v as number);
      case 'oneOf':
        return (v as readonly number[]).includes(n);
      case 'between': {
        const [low, high] = v as readonly number[];
        return n >= low! && n <= high!;
      }
    }
  }
  const text = String(actual);
  const v = comparator.value;
  switch (comparator.criteria) {
    case 'equal':
      return text === v;
    case 'notEqual':
      return text !== v;
    case 'contains':
      return text.includes(v as string);
    case 'notContains':
      return !text.includes(v as string);
    case 'matches':
      return new RegExp(v as string).test(text.slice(0, MAX_MATCHED_TEXT));
    case 'notMatches':
      return !new RegExp(v as string).test(text.slice(0, MAX_MATCHED_TEXT));
    case 'oneOf':
      return (v as readonly string[]).includes(text);
  }
}

/** The expectation in words: `>= 1`, `between 200 and 299`, `one of OK, ALARM`, `contains "ok"`. */
export function describeComparator(comparator: Comparator): string {
  const v = comparator.value;
  if (comparator.criteria === 'between') {
    const [low, high] = v as readonly number[];
    return `between ${low} and ${high}`;
  }
  if (comparator.criteria === 'oneOf') return `one of ${(v as readonly (string | number)[]).join(', ')}`;
  if (comparator.type === 'number') return `${comparator.criteria} ${String(v)}`;
  const words: Record<string, string> = {
    equal: 'equal to',
    notEqual: 'not equal to',
    contains: 'contains',
    notContains: 'does not contain',
    matches: 'matches',
    notMatches: 'does not match',
  };
  return `${words[comparator.criteria] ?? comparator.criteria} ${JSON.stringify(v)}`;
}

/** A window in words: `the chaos window`, `the experiment`, `the last 60s`. */
export function describeWindow(window: ProbeWindow): string {
  if (window.kind === 'chaos') return 'the chaos window';
  if (window.kind === 'experiment') return 'the experiment';
  return `the last ${window.seconds}s`;
}
