/**
 * The sandbox's CloudTrail events: every management call the sandbox answered and every AWS call of
 * the simulated workload, as CloudTrail records them (`userIdentity`, `eventSource`, `errorCode`,
 * `eventCategory`...), bounded to the most recent events, and the query over them. LookupEvents
 * asks for management events only, as CloudTrail's event history holds no data events.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../core/identity.js';

/** A resource an event names, as LookupEvents returns it. */
export interface TrailResource {
  readonly ResourceType: string;
  readonly ResourceName: string;
}

/** What is recorded of one call. */
export interface TrailCall {
  readonly time: Date;
  /** The signing name of the service (`ecs`, `iam`, `s3`...): the event source is `NAME.amazonaws.com`. */
  readonly service: string;
  /** The operation, e.g. `UpdateService` or `PutObject`. */
  readonly action: string;
  readonly region: string;
  readonly accountId: string;
  /** The caller; undefined for unsigned calls. */
  readonly principal: Principal | undefined;
  readonly accessKeyId: string | undefined;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** The input of the call (secrets are hidden when recorded). */
  readonly requestParameters?: Readonly<Record<string, unknown>> | null;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly requestId?: string;
  readonly resources?: readonly TrailResource[];
  /** @default by the operation's name (Describe, List, Get...) */
  readonly readOnly: boolean;
  /** `Data` for data-plane calls (S3 objects, DynamoDB items, SQS messages). @default 'Management' */
  readonly eventCategory?: 'Management' | 'Data';
}

/** One recorded event. */
export interface TrailEvent {
  readonly seq: number;
  readonly eventId: string;
  readonly eventTime: Date;
  readonly eventName: string;
  readonly eventSource: string;
  /** The user name (IAM user) or the session name (assumed role). */
  readonly username: string | undefined;
  readonly accessKeyId: string | undefined;
  readonly readOnly: boolean;
  readonly errorCode: string | undefined;
  readonly resources: readonly TrailResource[];
  /** Data events are held for the sandbox's own views but never answered by LookupEvents. */
  readonly category: 'Management' | 'Data';
  /** The CloudTrail record (the `CloudTrailEvent` JSON). */
  readonly record: Readonly<Record<string, unknown>>;
}

/** The lookup attributes LookupEvents accepts. */
export const LOOKUP_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
export type LookupKey = (typeof LOOKUP_KEYS)[number];

/** A LookupEvents query. */
export interface TrailQuery {
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly attribute?: { readonly key: LookupKey; readonly value: string };
  /** 1 to 50. @default 50 */
  readonly maxResults?: number;
  /** Continue after this position (from a previous page's `next`). */
  readonly after?: { readonly time: number; readonly seq: number };
  /** Only the events of this category (LookupEvents: `Management`). @default every event */
  readonly category?: 'Management' | 'Data';
}

const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';
const SECRET_KEY = /secret|password|token|credential/i;

/** The input with secret-looking fields hidden, as CloudTrail hides them. */
export function hideSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? HIDDEN : hideSecrets(v)]));
}

/** The `userIdentity` of a CloudTrail record for a caller. */
export function userIdentity(
  principal: Principal | undefined,
  accessKeyId: string | undefined,
  accountId: string,
  eventTime: Date,
): Record<string, unknown> {
  if (!principal) return { type: 'Unknown' };
  const base = {
    principalId: principal.userId,
    arn: principal.arn,
    accountId: principal.accountId,
    ...(accessKeyId !== undefined && { accessKeyId }),
  };
  if (principal.type === 'User') {
    return { type: 'IAMUser', ...base, userName: principal.arn.slice(principal.arn.lastIndexOf('/') + 1) };
  }
  const roleArn = principal.roleArn ?? '';
  return {
    type: 'AssumedRole',
    ...base,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: principal.userId.split(':')[0],
        arn: roleArn,
        accountId: principal.accountId || accountId,
        userName: roleArn.slice(roleArn.lastIndexOf('/') + 1),
      },
      attributes: { creationDate: eventTime.toISOString().replace(/\.\d{3}Z$/, 'Z'), mfaAuthenticated: 'false' },
    },
  };
}

/** The name LookupEvents' `Username` matches: the user name, or the session name of a role session. */
function usernameOf(principal: Principal | undefined): string | undefined {
  if (!principal) return undefined;
  if (principal.type === 'AssumedRole') return principal.sessionName ?? principal.arn.split('/').pop();
  return principal.arn.slice(principal.arn.lastIndexOf('/') + 1);
}

/** The CloudTrail event history, bounded to the most recent `limit` events. */
export class TrailStore {
  readonly #events: TrailEvent[] = [];
  readonly #limit: number;
  #seq = 0;

  constructor(limit = 50_000) {
    this.#limit = limit;
  }

  /** Records a call and returns its event. */
  record(call: TrailCall): TrailEvent {
    const eventId = randomUUID();
    const eventSource = `${call.service}.amazonaws.com`;
    const eventTime = call.time.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const category = call.eventCategory ?? 'Management';
    const record: Record<string, unknown> = {
      eventVersion: '1.09',
      userIdentity: userIdentity(call.principal, call.accessKeyId, call.accountId, call.time),
      eventTime,
      eventSource,
      eventName: call.action,
      awsRegion: call.region,
      sourceIPAddress: call.sourceIp,
      userAgent: call.userAgent,
      ...(call.errorCode ? { errorCode: call.errorCode, errorMessage: call.errorMessage ?? '' } : {}),
      requestParameters: call.requestParameters ? hideSecrets(call.requestParameters) : null,
      responseElements: null,
      requestID: call.requestId ?? randomUUID(),
      eventID: eventId,
      readOnly: call.readOnly,
      ...(call.resources && call.resources.length > 0
        ? {
            resources: call.resources.map((r) => ({
              accountId: call.accountId,
              type: r.ResourceType,
              ARN: r.ResourceName,
            })),
          }
        : {}),
      eventType: 'AwsApiCall',
      managementEvent: category === 'Management',
      recipientAccountId: call.accountId,
      eventCategory: category,
    };
    const event: TrailEvent = {
      seq: ++this.#seq,
      eventId,
      eventTime: call.time,
      eventName: call.action,
      eventSource,
      username: usernameOf(call.principal),
      accessKeyId: call.accessKeyId,
      readOnly: call.readOnly,
      errorCode: call.errorCode ?? undefined,
      resources: call.resources ?? [],
      category,
      record,
    };
    this.#events.push(event);
    if (this.#events.length > this.#limit) this.#events.splice(0, this.#events.length - this.#limit);
    return event;
  }

  /** How many events are held. */
  get size(): number {
    return this.#events.length;
  }

  /** Every event held, oldest first. */
  all(): readonly TrailEvent[] {
    return this.#events;
  }

  /**
   * The events of a query, newest first (by event time, then by recording order), one page; `next`
   * is where the following page starts, when there is one.
   */
  lookup(query: TrailQuery = {}): { events: TrailEvent[]; next?: { time: number; seq: number } } {
    const start = query.startTime?.getTime() ?? -Infinity;
    const end = query.endTime?.getTime() ?? Infinity;
    const max = query.maxResults ?? 50;
    const attribute = query.attribute;
    const matches = (e: TrailEvent): boolean => {
      const t = e.eventTime.getTime();
      if (t < start || t > end) return false;
      if (query.category !== undefined && e.category !== query.category) return false;
      if (query.after) {
        if (t > query.after.time) return false;
        if (t === query.after.time && e.seq >= query.after.seq) return false;
      }
      return attribute === undefined || matchesAttribute(e, attribute.key, attribute.value);
    };
    const found = this.#events.filter(matches);
    found.sort((a, b) => b.eventTime.getTime() - a.eventTime.getTime() || b.seq - a.seq);
    const events = found.slice(0, max);
    const last = events[events.length - 1];
    return found.length > max && last
      ? { events, next: { time: last.eventTime.getTime(), seq: last.seq } }
      : { events };
  }
}

function matchesAttribute(event: TrailEvent, key: LookupKey, value: string): boolean {
  switch (key) {
    case 'EventId':
      return event.eventId === value;
    case 'EventName':
      return event.eventName === value;
    case 'ReadOnly':
      return String(event.readOnly) === value;
    case 'Username':
      return event.username === value;
    case 'ResourceType':
      return event.resources.some((r) => r.ResourceType === value);
    case 'ResourceName':
      return event.resources.some((r) => r.ResourceName === value);
    case 'EventSource':
      return event.eventSource === value;
    case 'AccessKeyId':
      return event.accessKeyId === value;
  }
}
