/**
 * What an AWS call's failure was, in one short phrase that names the real cause: the error's name,
 * the network code found anywhere in its cause chain (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`...),
 * the HTTP status AWS answered with, and the first line of the message.
 *
 * - `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4599` (nothing listens there)
 * - `TimeoutError (ECONNRESET): socket hang up` (the connection was dropped)
 * - `TimeoutError (ETIMEDOUT): a request has exceeded the configured 30000 ms requestTimeout.`
 * - `ThrottlingException (HTTP 400): Rate exceeded`
 */

/** Names that say nothing by themselves: the code or the message must say what happened. */
const GENERIC_NAMES = new Set(['Error', 'TypeError', 'AggregateError', 'SystemError']);
const MESSAGE_MAX = 160;

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * The system error code of an error or of its causes (`cause`, and the `errors` of an
 * AggregateError, as Node's happy-eyeballs connect raises), e.g. `ECONNREFUSED`; undefined when none.
 */
export function errorCauseCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 10) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { code, errno, cause, errors } = e as ErrorLike;
    if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return code;
    if (typeof errno === 'string' && /^E[A-Z0-9_]+$/.test(errno)) return errno;
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return undefined;
}

/** The HTTP status AWS answered with, when it answered. */
export function errorHttpStatus(error: unknown): number | undefined {
  const status = (error as ErrorLike | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The failure of an AWS call as retry lines and warnings show it, e.g.
 * `ThrottlingException (HTTP 400): Rate exceeded` or `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1`.
 */
export function describeAwsError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return `thrown ${typeof error}: ${clip(String(error))}`;
  const e = error as ErrorLike;
  const rawName = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const code = errorCauseCode(error);
  const status = errorHttpStatus(error);
  const generic = GENERIC_NAMES.has(rawName);
  const head = generic ? (code ?? rawName) : rawName;
  const details = [
    code !== undefined && !head.includes(code) ? code : undefined,
    status !== undefined ? `HTTP ${status}` : undefined,
  ].filter((d): d is string => d !== undefined);
  const message = clip(firstMessage(error));
  const described = details.length > 0 ? `${head} (${details.join(', ')})` : head;
  return message === '' || message === head ? described : `${described}: ${message}`;
}

/** The first non-empty message along the cause chain, one line, without the SDK's log prefix. */
function firstMessage(error: unknown): string {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { message, cause, errors } = e as ErrorLike;
    if (typeof message === 'string' && message.trim() !== '')
      return (message.split('\n')[0] ?? '').replace(/^@smithy\/[\w-]+ - \[\w+\] /, '').trim();
    e = cause ?? (Array.isArray(errors) ? (errors as unknown[])[0] : undefined);
  }
  return '';
}

function clip(text: string): string {
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX)}...` : text;
}
