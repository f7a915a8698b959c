/**
 * Durations of tunables: whole seconds (`90`) or a number with one unit (`90s`, `5m`, `1h`).
 * Nothing is rounded or defaulted silently: anything else is refused with a reason.
 */

/** The longest duration accepted: 24 hours, in seconds. */
export const MAX_DURATION_SECONDS = 86_400;

/** Options of {@link parseDuration}. */
export interface ParseDurationOptions {
  /** The smallest value allowed, in seconds; 0 allows zero. @default 1 */
  readonly minSeconds?: number;
  /** The largest value allowed, in seconds. @default MAX_DURATION_SECONDS */
  readonly maxSeconds?: number;
}

/** The outcome of {@link parseDuration}: the seconds, or why the input is not a duration. */
export type ParsedDuration =
  { readonly ok: true; readonly seconds: number } | { readonly ok: false; readonly reason: string };

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;
const DURATION = /^(\d+)([smh]?)$/;

/**
 * Parses a duration into whole seconds. Accepts a number of seconds (as YAML and JSON files give
 * them) or text: `90`, `90s`, `5m`, `1h`, with optional surrounding spaces. Refuses negative,
 * fractional, non-numeric, empty and too large values, and values below `minSeconds`.
 *
 * @example parseDuration('5m') // { ok: true, seconds: 300 }
 * @example parseDuration('0', { minSeconds: 0 }) // { ok: true, seconds: 0 }
 * @example parseDuration('1.5m') // { ok: false, reason: 'is not a whole number: ...' }
 */
export function parseDuration(input: string | number, options: ParseDurationOptions = {}): ParsedDuration {
  const minSeconds = options.minSeconds ?? 1;
  const maxSeconds = options.maxSeconds ?? MAX_DURATION_SECONDS;
  let seconds: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'is not a finite number of seconds' };
    if (input < 0) return { ok: false, reason: 'is negative' };
    if (!Number.isInteger(input)) return { ok: false, reason: 'is not a whole number of seconds' };
    seconds = input;
  } else if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') return { ok: false, reason: 'is empty' };
    const match = DURATION.exec(text);
    if (!match) {
      if (/^-\s*\d/.test(text)) return { ok: false, reason: 'is negative' };
      if (/^\d*\.\d+\s*[smh]?$/.test(text) || /^\d+\.\d*\s*[smh]?$/.test(text))
        return { ok: false, reason: 'is not a whole number: durations take whole seconds, minutes or hours' };
      return {
        ok: false,
        reason: 'is not a duration: use whole seconds (90) or a number with s, m or h (90s, 5m, 1h)',
      };
    }
    const [, digits, unit] = match as unknown as [string, string, '' | keyof typeof UNIT_SECONDS];
    // Huge digit strings become large numbers (or Infinity) and fail the cap below, never wrap.
    seconds = Number(digits) * UNIT_SECONDS[unit === '' ? 's' : unit];
  } else {
    return { ok: false, reason: 'is not a duration: use whole seconds (90) or a number with s, m or h (90s, 5m, 1h)' };
  }
  if (seconds > maxSeconds) return { ok: false, reason: `exceeds the limit of ${formatLimit(maxSeconds)}` };
  if (seconds < minSeconds)
    return {
      ok: false,
      reason: minSeconds === 1 ? 'must be at least 1 second' : `must be at least ${minSeconds} seconds`,
    };
  return { ok: true, seconds };
}

function formatLimit(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h (${seconds} s)`;
  if (seconds % 60 === 0) return `${seconds / 60}m (${seconds} s)`;
  return `${seconds} s`;
}
