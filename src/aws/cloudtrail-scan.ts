/**
 * Paging through CloudTrail's LookupEvents. It filters by one lookup attribute at most and never by
 * identity or error code, so a window's events are read page by page (50 each, at most `maxPages`)
 * and the caller filters them.
 */
import type { LookupAttribute } from '@aws-sdk/client-cloudtrail';
import type { CallOptions, CloudTrailPort } from './ports.js';

/** The parts of a CloudTrail record ecs-chaos reads. */
export interface TrailRecord {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: {
    type?: string;
    arn?: string;
    userName?: string;
    sessionContext?: { sessionIssuer?: { arn?: string; userName?: string } };
  };
}

/** What a scan read. */
export interface TrailScan {
  readonly scanned: number;
  /** The scan stopped at its page limit: older events of the window were not read. */
  readonly truncated: boolean;
}

/** Calls `visit` with every parseable record of the window, newest first. */
export async function scanTrail(
  cloudtrail: CloudTrailPort,
  options: {
    readonly start: Date;
    readonly end: Date;
    readonly lookupAttribute?: LookupAttribute;
    /** @default 20 */
    readonly maxPages?: number;
  } & CallOptions,
  visit: (record: TrailRecord) => void,
): Promise<TrailScan> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  let scanned = 0;
  let pages = 0;
  let nextToken: string | undefined;
  do {
    const page = await cloudtrail.lookupEvents(
      {
        StartTime: options.start,
        EndTime: options.end,
        MaxResults: 50,
        NextToken: nextToken,
        ...(options.lookupAttribute ? { LookupAttributes: [options.lookupAttribute] } : {}),
      },
      call,
    );
    pages++;
    for (const e of page.Events ?? []) {
      scanned++;
      let record: TrailRecord;
      try {
        record = JSON.parse(e.CloudTrailEvent ?? '{}') as TrailRecord;
      } catch {
        continue;
      }
      record.eventTime ??= e.EventTime?.toISOString();
      visit(record);
    }
    nextToken = page.NextToken;
  } while (nextToken && pages < (options.maxPages ?? 20));
  return { scanned, truncated: nextToken !== undefined };
}

/** Whether a record's error is a refusal of authorization. */
export function isAccessDenied(record: TrailRecord): boolean {
  return record.errorCode !== undefined && /AccessDenied|Unauthorized/i.test(record.errorCode);
}

/**
 * Whether a record was made by `principal`: a role ARN matches its sessions (the session issuer),
 * a user ARN the user; a bare name matches a role's or a user's name.
 */
export function madeBy(record: TrailRecord, principal: string): boolean {
  const identity = record.userIdentity;
  if (!identity) return false;
  const issuer = identity.sessionContext?.sessionIssuer;
  if (principal.startsWith('arn:')) return issuer?.arn === principal || identity.arn === principal;
  const roleOfSession = /:assumed-role\/([^/]+)\//.exec(identity.arn ?? '')?.[1];
  return issuer?.userName === principal || roleOfSession === principal || identity.userName === principal;
}
