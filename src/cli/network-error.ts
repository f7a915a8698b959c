/**
 * An AWS endpoint that cannot be reached (refused, unknown host, timed out) is the user's to fix:
 * say so in one line with the endpoint and the fix, never a stack.
 */

import { errorCauseCode } from '../aws/error-cause.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The network error code of an error or of one of its causes, if any. */
export function networkErrorCode(error: unknown): string | undefined {
  // The code of a cause, or of one of the attempts of an AggregateError (a host with two addresses).
  const causeCode = errorCauseCode(error);
  if (causeCode !== undefined && NETWORK_CODES.has(causeCode)) return causeCode;
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const text = (e as { message?: unknown }).message;
    const match =
      typeof text === 'string'
        ? /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(text)
        : null;
    if (match) return match[1];
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `cannot reach http://127.0.0.1:1 (ECONNREFUSED: ...). Fix: ...`, or undefined for other errors. */
export function describeUnreachable(error: unknown, endpoint: string | undefined): string | undefined {
  const code = networkErrorCode(error);
  if (!code) return undefined;
  const message = ((error as Error)?.message || code).split('\n')[0]!.slice(0, 200);
  const where = endpoint ? endpoint : 'AWS';
  const fix = endpoint
    ? 'check --endpoint-url / AWS_ENDPOINT_URL (is the sandbox or emulator running there?)'
    : 'check the region, the network (proxy, VPC endpoints, DNS) and that AWS is reachable from here';
  return `cannot reach ${where} (${code}: ${message}). Fix: ${fix}`;
}
