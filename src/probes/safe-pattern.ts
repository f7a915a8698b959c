/**
 * A safe-regex style check of a user's pattern (`matches`, `notMatches`): JavaScript's regular
 * expressions backtrack, and some patterns take exponential time on a short text (`^(a+)+$` on 35
 * bytes: ~100 s with the event loop blocked, so no timeout nor signal could act). Such patterns are
 * refused when the experiment is parsed.
 *
 * Refused: a quantified group that itself holds a quantifier (star height above 1: `(a+)+`, `(a*)*`,
 * `(\w+\s?)*`) or an alternation (`(a|a)+`, `(a|ab)*`), and backreferences (`\1`, `\k<name>`).
 * A group repeated a bounded, small number of times (`(ab){2}`, `(a+)?`) is fine.
 */

/** Why the pattern may backtrack catastrophically; undefined when it is safe by this check. */
export function catastrophicBacktracking(pattern: string): string | undefined {
  interface Group {
    quantified: boolean;
    alternation: boolean;
  }
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let lastGroup: Group | undefined;
  let i = 0;
  /** Reads a quantifier at i; returns whether it repeats more than once, and moves past it. */
  const quantifier = (): boolean | undefined => {
    const c = pattern[i];
    let repeats: boolean | undefined;
    if (c === '*' || c === '+') {
      repeats = true;
      i++;
    } else if (c === '?') {
      repeats = false;
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (!m) return undefined;
      const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
      repeats = max > 1;
      i += m[0].length;
    } else return undefined;
    if (pattern[i] === '?') i++; // lazy: backtracks just the same
    return repeats;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'it uses a backreference';
      i += 2;
      lastGroup = undefined;
    } else if (c === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      lastGroup = undefined;
    } else if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      i++;
      if (pattern[i] === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>
        i++;
        if (pattern[i] === '<' && pattern[i + 1] !== '=' && pattern[i + 1] !== '!') {
          while (i < pattern.length && pattern[i] !== '>') i++;
        }
        i++;
      }
      lastGroup = undefined;
      continue;
    } else if (c === ')') {
      lastGroup = stack.length > 1 ? stack.pop() : undefined;
      // A group's inner quantifiers and alternatives are the enclosing group's too.
      if (lastGroup?.quantified) stack[stack.length - 1]!.quantified = true;
      if (lastGroup?.alternation) stack[stack.length - 1]!.alternation = true;
      i++;
    } else if (c === '|') {
      stack[stack.length - 1]!.alternation = true;
      i++;
      lastGroup = undefined;
      continue;
    } else {
      i++;
      lastGroup = undefined;
    }
    const repeats = quantifier();
    if (repeats === undefined) continue;
    const current = stack[stack.length - 1]!;
    if (repeats) current.quantified = true;
    if (lastGroup && repeats) {
      if (lastGroup.quantified) return 'it repeats a group that itself repeats (a nested quantifier such as (a+)+)';
      if (lastGroup.alternation) return 'it repeats a group of alternatives (such as (a|ab)+)';
    }
  }
  return undefined;
}
