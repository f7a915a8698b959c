/**
 * The `cloudtrail` probe: how many events of a window match, compared. It reads CloudTrail's event
 * history (LookupEvents), which holds management events only: a probe asking for a data event
 * (`PutObject` on `s3.amazonaws.com`...) always counts 0 on AWS, and its evidence says so.
 */
import { DATA_EVENTS_ELSEWHERE, trailVisibility } from '../aws/cloudtrail-events.js';
import { madeBy, scanTrail } from '../aws/cloudtrail-scan.js';
import { eventAction } from '../iam/observed.js';
import { compare, describeComparator, describeWindow } from './comparator.js';
import type { Observation, ProbeContext } from './context.js';
import type { CloudTrailProbeSpec } from './types.js';

/** `${CHAOS_ROLE}` and `${ORIGINAL_ROLE}` replaced by the run's roles; undefined when the role is absent. */
export function resolvePrincipal(principal: string, ctx: ProbeContext): string | undefined {
  const roles: Record<string, string | null> = {
    CHAOS_ROLE: ctx.facts.chaosRoleArn,
    ORIGINAL_ROLE: ctx.facts.originalRoleArn,
  };
  let missing = false;
  const resolved = principal.replace(/\$\{(CHAOS_ROLE|ORIGINAL_ROLE)\}/g, (_, name: string) => {
    const value = roles[name];
    if (!value) missing = true;
    return value ?? '';
  });
  return missing ? undefined : resolved;
}

/** Counts the matching events and compares; throws when CloudTrail cannot be read. */
export async function observeCloudTrail(spec: CloudTrailProbeSpec, ctx: ProbeContext): Promise<Observation> {
  const cloudtrail = ctx.cloudtrail;
  if (!cloudtrail) throw new Error('no CloudTrail client is configured for this run');
  const principal = spec.principal === undefined ? undefined : resolvePrincipal(spec.principal, ctx);
  if (spec.principal !== undefined && principal === undefined) {
    throw new Error(`${spec.principal} names a role this run does not have (the fault removes the task role)`);
  }
  const { start, end } = ctx.window(spec.window);
  const byAction = new Map<string, number>();
  let count = 0;
  const scan = await scanTrail(
    cloudtrail,
    {
      start,
      end,
      abortSignal: ctx.signal,
      ...(spec.eventName
        ? { lookupAttribute: { AttributeKey: 'EventName', AttributeValue: spec.eventName } }
        : spec.eventSource
          ? { lookupAttribute: { AttributeKey: 'EventSource', AttributeValue: spec.eventSource } }
          : {}),
    },
    (record) => {
      if (spec.eventName && record.eventName !== spec.eventName) return;
      if (spec.eventSource && record.eventSource !== spec.eventSource) return;
      if (spec.errorCode) {
        if (!record.errorCode?.startsWith(spec.errorCode)) return;
      }
      if (principal && !madeBy(record, principal)) return;
      count++;
      const action = eventAction(record.eventSource ?? 'unknown', record.eventName ?? 'unknown');
      byAction.set(action, (byAction.get(action) ?? 0) + 1);
    },
  );
  const filters = [
    spec.eventName && `eventName ${spec.eventName}`,
    spec.eventSource && `eventSource ${spec.eventSource}`,
    spec.errorCode && `errorCode ${spec.errorCode}*`,
    principal && `by ${principal}`,
  ].filter(Boolean);
  const top = [...byAction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([a, n]) => `${a} x${n}`)
    .join(', ');
  const blind = dataEventAsked(spec);
  return {
    passed: compare(spec.comparator, count),
    actual: count,
    expected: `events${filters.length > 0 ? ` (${filters.join(', ')})` : ''} in ${describeWindow(spec.window)} ${describeComparator(spec.comparator)}`,
    evidence: `${scan.truncated ? 'at least ' : ''}${count} matching of ${scan.scanned} CloudTrail events from ${start.toISOString()} to ${end.toISOString()}${top ? `: ${top}` : ''}${blind ? `; ${blind}` : ''}`,
  };
}

/** Why the probe cannot see what it asks for: it names a data event, which LookupEvents never returns. */
export function dataEventAsked(spec: {
  readonly eventName?: string | undefined;
  readonly eventSource?: string | undefined;
}): string | undefined {
  if (!spec.eventName) return undefined;
  const prefix = spec.eventSource ? spec.eventSource.split('.')[0] : undefined;
  const candidates = prefix
    ? [`${prefix}:${spec.eventName}`]
    : ['s3', 'dynamodb', 'sqs', 'sns', 'lambda', 'kinesis'].map((p) => `${p}:${spec.eventName}`);
  const data = candidates.find((a) => trailVisibility(a) === 'data');
  if (!data) return undefined;
  return `${spec.eventName} is a data event${prefix ? '' : ' of some services'}: CloudTrail's event history (LookupEvents) never holds it (${DATA_EVENTS_ELSEWHERE})`;
}
