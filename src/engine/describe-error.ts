/** Errors in one short phrase for retry lines: the name and, for network errors, the cause. */

/**
 * `ThrottlingException`, or `Error (ECONNREFUSED)` for a network error whose
 * name alone says nothing.
 */
export function describeError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const name = e?.name ?? 'Error';
  const code = e?.code ?? e?.cause?.code;
  if (code && !name.includes(code)) return `${name} (${code})`;
  if (name === 'Error' || name === 'TypeError') return `${name}: ${(e?.message ?? '').slice(0, 120)}`;
  return name;
}
