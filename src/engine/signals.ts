/**
 * Signals read after the chaos besides probes: the AccessDenied events of the chaos identity in
 * CloudTrail, counted per action and over time, for the result and the report. CloudTrail's event
 * history holds management events only: refused data-plane calls (S3 objects, DynamoDB items, SQS
 * messages...) are never counted here, and the summary says so.
 */
import { DATA_EVENTS_ELSEWHERE, MANAGEMENT_EVENTS_ONLY } from '../aws/cloudtrail-events.js';
import { isAccessDenied, madeBy, scanTrail } from '../aws/cloudtrail-scan.js';
import type { CloudTrailPort } from '../aws/ports.js';
import { eventAction } from '../iam/observed.js';
import type { AccessDeniedSummary } from '../report/result.js';

/** At most this many buckets over the window. */
const MAX_BUCKETS = 40;
/** CloudTrail pages read at most (50 events each). */
const MAX_PAGES = 10;

/** Counts the AccessDenied events made by sessions of `principal` between `start` and `end`. */
export async function accessDeniedSummary(
  cloudtrail: CloudTrailPort,
  options: {
    /** The chaos role; null when the fault removed the task role. */
    readonly principal: string | null;
    readonly start: Date;
    readonly end: Date;
    readonly signal?: AbortSignal;
  },
): Promise<AccessDeniedSummary> {
  if (options.principal === null) {
    return {
      ok: false,
      reason:
        'the fault removed the task role: the tasks had no role of their own to be refused (on Fargate their calls carry no credentials and never reach CloudTrail)',
    };
  }
  const principal = options.principal;
  const startMs = options.start.getTime();
  const spanSeconds = Math.max(1, Math.ceil((options.end.getTime() - startMs) / 1000));
  const bucketSeconds = Math.max(1, Math.ceil(spanSeconds / MAX_BUCKETS));
  const buckets = Array.from({ length: Math.ceil(spanSeconds / bucketSeconds) }, () => 0);
  const byAction: Record<string, number> = {};
  let total = 0;
  try {
    const scan = await scanTrail(
      cloudtrail,
      {
        start: options.start,
        end: options.end,
        maxPages: MAX_PAGES,
        ...(options.signal ? { abortSignal: options.signal } : {}),
      },
      (record) => {
        if (!isAccessDenied(record) || !madeBy(record, principal)) return;
        total++;
        const action = eventAction(record.eventSource ?? 'unknown', record.eventName ?? 'unknown');
        byAction[action] = (byAction[action] ?? 0) + 1;
        const at = Date.parse(record.eventTime ?? '');
        if (Number.isFinite(at)) {
          const i = Math.min(buckets.length - 1, Math.max(0, Math.floor((at - startMs) / 1000 / bucketSeconds)));
          buckets[i]!++;
        }
      },
    );
    return {
      ok: true,
      principal,
      window: { start: options.start.toISOString(), end: options.end.toISOString() },
      total,
      byAction,
      buckets: buckets.map((count, i) => ({
        start: new Date(startMs + i * bucketSeconds * 1000).toISOString(),
        count,
      })),
      bucketSeconds,
      truncated: scan.truncated,
      note: `${MANAGEMENT_EVENTS_ONLY} (${DATA_EVENTS_ELSEWHERE}); CloudTrail on AWS shows events about 5 minutes (up to 15) after the call: counts read right after the chaos can be low`,
    };
  } catch (error) {
    const name = (error as Error).name;
    return {
      ok: false,
      reason: /AccessDenied/.test(name)
        ? `the runner may not call cloudtrail:LookupEvents (${name})`
        : `CloudTrail could not be read: ${name}: ${(error as Error).message}`,
    };
  }
}

/** The summary in one line, for progress and the readable report. */
export function describeAccessDenied(summary: AccessDeniedSummary): string {
  if (!summary.ok) return `AccessDenied counts unavailable: ${summary.reason}`;
  const actions = Object.entries(summary.byAction)
    .sort((a, b) => b[1] - a[1])
    .map(([action, n]) => `${action} x${n}`)
    .join(', ');
  return `${summary.truncated ? 'at least ' : ''}${summary.total} AccessDenied events of ${summary.principal} in the chaos window${actions ? ` (${actions})` : ''}; management events only: refused data-plane calls (S3 objects, DynamoDB items, SQS messages...) are not in CloudTrail's event history`;
}
