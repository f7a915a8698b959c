/**
 * Errors of ecs-chaos. Every error carries a code and who is at fault, so the CLI can choose an exit
 * code and a user can tell their mistake from AWS's or ours.
 */

/** Who is at fault for an error. */
export type ErrorFault = 'user' | 'aws' | 'tool';

/** Options of a {@link ChaosError}. */
export interface ChaosErrorOptions extends ErrorOptions {
  /** Who is at fault. @default 'tool' */
  readonly fault?: ErrorFault;
  /** Extra structured detail for the result file. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** An error of ecs-chaos, with a stable machine-readable code. */
export class ChaosError extends Error {
  readonly code: string;
  readonly fault: ErrorFault;
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: ChaosErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChaosError';
    this.code = code;
    this.fault = options.fault ?? 'tool';
    this.detail = options.detail;
  }
}

/** Options of an {@link InvalidInputError}. */
export interface InvalidInputOptions extends ChaosErrorOptions {
  /** Where the value came from, e.g. `flag --duration`, `env TOTAL_CHAOS_DURATION`, `experiment.yaml line 4`. */
  readonly source?: string;
}

/**
 * Bad input: names the field, the value, where it came from and the fix. Raised before any AWS call,
 * so nothing was changed.
 *
 * @example new InvalidInputError('TOTAL_CHAOS_DURATION', 'abc', 'must be seconds or a duration like 90s or 5m', 'pass e.g. 60 or 2m', { source: 'env TOTAL_CHAOS_DURATION' })
 */
export class InvalidInputError extends ChaosError {
  readonly field: string;
  readonly value: unknown;
  readonly fix: string;
  readonly source: string | undefined;

  constructor(field: string, value: unknown, problem: string, fix: string, options: InvalidInputOptions = {}) {
    const from = options.source ? ` (from ${options.source})` : '';
    super('INVALID_INPUT', `${field}${from}: ${problem} (got ${JSON.stringify(value)}). Fix: ${fix}`, {
      ...options,
      fault: 'user',
    });
    this.name = 'InvalidInputError';
    this.field = field;
    this.value = value;
    this.fix = fix;
    this.source = options.source;
  }
}
