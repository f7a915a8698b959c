/**
 * The calls a role's sessions actually made, from CloudTrail: what the application of a service
 * really does with its task role, as opposed to what its policies allow.
 */
import { isAccessDenied, scanTrail } from '../aws/cloudtrail-scan.js';
import type { CallOptions, CloudTrailPort } from '../aws/ports.js';

/** One action the role's sessions called in the window. */
export interface ObservedCall {
  /** `s3:PutObject`, from the event's source and name. */
  readonly action: string;
  readonly count: number;
  /** How many of them AWS refused (errorCode AccessDenied...). */
  readonly denied: number;
  /** ISO 8601 time of the latest call. */
  readonly lastSeen: string;
}

/** What {@link observedCalls} found. */
export interface ObservedCalls {
  readonly since: string;
  readonly calls: readonly ObservedCall[];
  readonly eventsScanned: number;
  /** The scan stopped at its page limit: older calls of the window may be missing. */
  readonly truncated: boolean;
}

/** Event sources whose IAM prefix is not their first label. */
const PREFIX_BY_SOURCE: Readonly<Record<string, string>> = {
  'monitoring.amazonaws.com': 'cloudwatch',
  'email.amazonaws.com': 'ses',
  'tagging.amazonaws.com': 'tag',
  'elasticfilesystem.amazonaws.com': 'elasticfilesystem',
};

/** The IAM action of a CloudTrail event: `s3.amazonaws.com` + `PutObject` -> `s3:PutObject`. */
export function eventAction(eventSource: string, eventName: string): string {
  const prefix = PREFIX_BY_SOURCE[eventSource] ?? eventSource.split('.')[0] ?? eventSource;
  return `${prefix}:${eventName}`;
}

/**
 * The calls made by sessions of `roleArn` since `since`, counted per action. CloudTrail's
 * LookupEvents has no filter by role, so the window's events are paged through (at most `maxPages`
 * of 50) and filtered by their session issuer.
 */
export async function observedCalls(
  cloudtrail: CloudTrailPort,
  options: {
    readonly roleArn: string;
    readonly since: Date;
    readonly until?: Date;
    readonly maxPages?: number;
  } & CallOptions,
): Promise<ObservedCalls> {
  const byAction = new Map<string, { count: number; denied: number; lastSeen: string }>();
  const scan = await scanTrail(
    cloudtrail,
    {
      start: options.since,
      end: options.until ?? new Date(),
      ...(options.maxPages !== undefined ? { maxPages: options.maxPages } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    },
    (detail) => {
      if (detail.userIdentity?.sessionContext?.sessionIssuer?.arn !== options.roleArn) return;
      if (!detail.eventSource || !detail.eventName) return;
      const action = eventAction(detail.eventSource, detail.eventName);
      const entry = byAction.get(action) ?? { count: 0, denied: 0, lastSeen: '' };
      entry.count++;
      if (isAccessDenied(detail)) entry.denied++;
      const at = detail.eventTime ?? '';
      if (at > entry.lastSeen) entry.lastSeen = at;
      byAction.set(action, entry);
    },
  );
  return {
    since: options.since.toISOString(),
    calls: [...byAction]
      .map(([action, e]) => ({ action, ...e }))
      .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action)),
    eventsScanned: scan.scanned,
    truncated: scan.truncated,
  };
}
