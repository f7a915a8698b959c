/** The `http` probe: one request; its status (and optionally its body) is compared. */
import { compare, describeComparator } from './comparator.js';
import type { Observation, ProbeContext } from './context.js';
import type { HttpProbeSpec } from './types.js';

/** How much of a body the evidence quotes. */
const BODY_EXCERPT = 240;

/** Makes the request and compares; throws when no answer came (refused, timeout). */
export async function observeHttp(spec: HttpProbeSpec, ctx: ProbeContext): Promise<Observation> {
  const response = await fetch(spec.url, {
    method: spec.method,
    headers: spec.headers,
    ...(spec.body !== undefined && spec.method !== 'GET' && spec.method !== 'HEAD' ? { body: spec.body } : {}),
    redirect: 'manual',
    signal: ctx.signal,
  });
  const body = spec.method === 'HEAD' ? '' : await response.text();
  const statusOk = compare(spec.status, response.status);
  const bodyOk = spec.responseBody ? compare(spec.responseBody, body) : true;
  const expected = [
    `status ${describeComparator(spec.status)}`,
    ...(spec.responseBody ? [`body ${describeComparator(spec.responseBody)}`] : []),
  ].join(' and ');
  const excerpt = body.replace(/\s+/g, ' ').trim();
  return {
    passed: statusOk && bodyOk,
    actual: response.status,
    expected,
    evidence: `${spec.method} ${spec.url} -> ${response.status}${excerpt ? ` ${excerpt.length > BODY_EXCERPT ? `${excerpt.slice(0, BODY_EXCERPT)}...` : excerpt}` : ''}`,
  };
}
