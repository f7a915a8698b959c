/** Reading the flattened parameters of the AWS query protocol (`Tags.member.1.Key=...`). */
import { AwsError } from './errors.js';

export class QueryParams {
  readonly #params: URLSearchParams;

  constructor(body: string) {
    this.#params = new URLSearchParams(body);
  }

  /** Every parameter, in order (for CloudTrail's `requestParameters`). */
  entries(): Array<[string, string]> {
    return [...this.#params.entries()];
  }

  /** A string parameter, or undefined. */
  get(name: string): string | undefined {
    return this.#params.get(name) ?? undefined;
  }

  /** A required string parameter; a missing one is AWS's ValidationError. */
  required(name: string): string {
    const value = this.get(name);
    if (value === undefined || value === '') {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  /** An integer parameter, or undefined. */
  int(name: string): number | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw new AwsError('ValidationError', `Value '${value}' at '${name}' is not an integer`);
    return n;
  }

  /** A list `Prefix.member.N` of strings. */
  list(prefix: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const value = this.get(`${prefix}.member.${i}`);
      if (value === undefined) return out;
      out.push(value);
    }
  }

  /** A list `Prefix.member.N.Field` of structures with the given fields. */
  structs<K extends string>(prefix: string, fields: readonly K[]): Array<Partial<Record<K, string>>> {
    const out: Array<Partial<Record<K, string>>> = [];
    for (let i = 1; ; i++) {
      const item: Partial<Record<K, string>> = {};
      let found = false;
      for (const field of fields) {
        const value = this.get(`${prefix}.member.${i}.${field}`);
        if (value !== undefined) {
          item[field] = value;
          found = true;
        }
      }
      if (!found) return out;
      out.push(item);
    }
  }
}
