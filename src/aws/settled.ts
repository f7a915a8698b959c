/** Calls started together and examined in order: their outcomes kept as values. */
/** A call's outcome, kept so that calls can start together and be examined in order. */
export type Settled<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

export function settle<T>(promise: Promise<T>): Settled<T> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

export async function unsettle<T>(settled: Settled<T>): Promise<T> {
  const outcome = await settled;
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/** The name of an AWS SDK error (its exception type), or `Error`. */
export function awsErrorName(error: unknown): string {
  return (error as { name?: string }).name ?? 'Error';
}
