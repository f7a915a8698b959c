/**
 * CloudTrail in the sandbox (JSON 1.1, `X-Amz-Target: CloudTrail_20131101.LookupEvents` as the
 * pinned client sends it, or the full `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`
 * prefix): LookupEvents over the {@link TrailStore}, and the recorder the HTTP front calls for every
 * AWS call it answered.
 *
 * As on AWS, LookupEvents answers management events only (the event history holds no data events)
 * and at most {@link LOOKUPS_PER_SECOND} requests per second per account and region; more answer
 * `ThrottlingException`. The limit counts wall-clock seconds, whatever the pace: it stands for
 * AWS's capacity, and a client paced for AWS must pass against the sandbox unchanged.
 */
import { AwsError } from '../core/errors.js';
import type { AnsweredCall } from '../core/server.js';
import { isReadOnly, type JsonService } from '../core/service.js';
import { LOOKUP_KEYS, type LookupKey, type TrailResource, type TrailStore } from './store.js';

/** LookupEvents' rate limit on AWS: two requests per second, per account, per region. */
export const LOOKUPS_PER_SECOND = 2;

/**
 * A token bucket per region: `perSecond` tokens a second, at most `perSecond` saved (AWS does not
 * publish its burst; one second's worth is the strictest reading that a paced client still passes).
 */
export class LookupRateLimit {
  readonly #perSecond: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perSecond: number, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#now = now;
  }

  /** Takes a token for `key`; false when none is left. */
  take(key: string): boolean {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#perSecond, at: now };
    bucket.tokens = Math.min(this.#perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** The calls never recorded: CloudTrail's own lookups and CloudWatch's metric data plane, which would flood the history. */
const NOT_RECORDED = new Set([
  'cloudtrail:LookupEvents',
  'monitoring:PutMetricData',
  'monitoring:GetMetricData',
  'monitoring:GetMetricStatistics',
  'monitoring:ListMetrics',
]);

function epochSeconds(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(n)) throw new AwsError('ValidationException', `${field} is not a valid timestamp.`);
  return new Date(n);
}

function encodeToken(position: { time: number; seq: number }): string {
  return Buffer.from(JSON.stringify({ t: position.time, s: position.seq })).toString('base64url');
}

function decodeToken(token: string): { time: number; seq: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { t?: unknown; s?: unknown };
    if (typeof parsed.t === 'number' && typeof parsed.s === 'number') return { time: parsed.t, seq: parsed.s };
  } catch {
    // falls through
  }
  throw new AwsError('InvalidNextTokenException', 'Invalid NextToken.');
}

/** The CloudTrail service module. */
export function createCloudTrailService(options: {
  readonly trail: TrailStore;
  /** LookupEvents requests per wall-clock second per account and region; 0 for no limit. @default 2 */
  readonly lookupsPerSecond?: number;
  readonly accountId?: string;
}): JsonService {
  const { trail } = options;
  const perSecond = options.lookupsPerSecond ?? LOOKUPS_PER_SECOND;
  const limit = perSecond > 0 ? new LookupRateLimit(perSecond) : undefined;
  return {
    protocol: 'json',
    name: 'cloudtrail',
    targetPrefix: 'CloudTrail_20131101',
    targetAliases: ['com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101'],
    jsonVersion: '1.1',
    handlers: {
      LookupEvents: (input, ctx) => {
        if (limit && !limit.take(`${ctx.principal?.accountId ?? options.accountId ?? ''}/${ctx.region}`)) {
          throw new AwsError('ThrottlingException', 'Rate exceeded');
        }
        const category = input.EventCategory;
        if (category !== undefined && category !== null && category !== 'insight') {
          throw new AwsError(
            'InvalidEventCategoryException',
            `Invalid EventCategory ${JSON.stringify(category)}: the only value is insight.`,
          );
        }
        const startTime = epochSeconds(input.StartTime, 'StartTime');
        const endTime = epochSeconds(input.EndTime, 'EndTime');
        if (startTime && endTime && startTime > endTime) {
          throw new AwsError('InvalidTimeRangeException', 'Start time must be before end time.');
        }
        const maxResults = input.MaxResults;
        if (
          maxResults !== undefined &&
          (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50)
        ) {
          throw new AwsError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
        }
        const attributes = Array.isArray(input.LookupAttributes) ? (input.LookupAttributes as unknown[]) : [];
        if (attributes.length > 1) {
          throw new AwsError('InvalidLookupAttributesException', 'You can only specify one lookup attribute.');
        }
        let attribute: { key: LookupKey; value: string } | undefined;
        if (attributes.length === 1) {
          const a = attributes[0] as { AttributeKey?: unknown; AttributeValue?: unknown };
          if (!LOOKUP_KEYS.includes(a.AttributeKey as LookupKey) || typeof a.AttributeValue !== 'string') {
            throw new AwsError(
              'InvalidLookupAttributesException',
              `Invalid lookup attribute: the key must be one of ${LOOKUP_KEYS.join(', ')} with a string value.`,
            );
          }
          attribute = { key: a.AttributeKey as LookupKey, value: a.AttributeValue };
        }
        const token = typeof input.NextToken === 'string' && input.NextToken !== '' ? input.NextToken : undefined;
        // With no start, CloudTrail looks back 90 days.
        const start = startTime ?? new Date(ctx.now.getTime() - 90 * 86_400_000);
        // The sandbox records no Insights events: asking for them finds none.
        if (category === 'insight') return { Events: [] };
        const page = trail.lookup({
          // The event history holds management events only: data events go to trails and Lake.
          category: 'Management',
          startTime: start,
          ...(endTime && { endTime }),
          ...(attribute && { attribute }),
          ...(typeof maxResults === 'number' && { maxResults }),
          ...(token !== undefined && { after: decodeToken(token) }),
        });
        return {
          Events: page.events.map((e) => ({
            EventId: e.eventId,
            EventName: e.eventName,
            ReadOnly: String(e.readOnly),
            ...(e.accessKeyId !== undefined && { AccessKeyId: e.accessKeyId }),
            EventTime: e.eventTime,
            EventSource: e.eventSource,
            ...(e.username !== undefined && { Username: e.username }),
            Resources: e.resources,
            CloudTrailEvent: JSON.stringify(e.record),
          })),
          ...(page.next && { NextToken: encodeToken(page.next) }),
        };
      },
    },
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The resources a management call names, as CloudTrail lists them. */
function resourcesOf(call: AnsweredCall): TrailResource[] {
  const out: TrailResource[] = [];
  const add = (type: string, name: string | undefined): void => {
    if (name !== undefined) out.push({ ResourceType: type, ResourceName: name });
  };
  if (call.protocol === 'json') {
    const input = call.input ?? {};
    if (call.ctx.service === 'ecs') {
      add('AWS::ECS::Cluster', str(input.cluster) ?? str(input.clusterName));
      add('AWS::ECS::Service', str(input.service) ?? str(input.serviceName));
      add('AWS::ECS::TaskDefinition', str(input.taskDefinition) ?? str(input.family));
      add('AWS::ECS::Task', str(input.task));
    }
    return out;
  }
  const params = call.params;
  if (!params) return out;
  add('AWS::IAM::Role', params.get('RoleName') ?? params.get('RoleArn'));
  add('AWS::IAM::User', params.get('UserName'));
  add('AWS::IAM::Policy', params.get('PolicyArn') ?? params.get('PolicyName'));
  return out;
}

/** `Tags.member.1.Key` stays flat; the first letter is lowered as CloudTrail's parameter names are. */
function queryParameters(call: AnsweredCall): Record<string, unknown> | null {
  if (!call.params) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of call.params.entries()) {
    if (k === 'Action' || k === 'Version') continue;
    out[k.charAt(0).toLowerCase() + k.slice(1)] = v;
  }
  return out;
}

/**
 * Records an answered call in the trail, as a management event: every authenticated call but
 * CloudTrail's own LookupEvents (and CloudWatch's metric data plane).
 */
export function recordAnsweredCall(trail: TrailStore, accountId: string, call: AnsweredCall): void {
  const { ctx } = call;
  if (NOT_RECORDED.has(`${ctx.service}:${ctx.action}`)) return;
  if (!ctx.principal && !(ctx.service === 'sts' && ctx.action === 'AssumeRoleWithWebIdentity')) return;
  trail.record({
    time: ctx.now,
    service: ctx.service,
    action: ctx.action,
    region: ctx.region,
    accountId,
    principal: ctx.principal,
    accessKeyId: ctx.accessKeyId,
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    requestParameters: call.protocol === 'json' ? (call.input ?? null) : queryParameters(call),
    // CloudTrail records a refusal as AccessDenied whatever the protocol's error code.
    errorCode: call.errorCode === 'AccessDeniedException' ? 'AccessDenied' : call.errorCode,
    errorMessage: call.errorMessage,
    requestId: ctx.requestId,
    resources: resourcesOf(call),
    readOnly: isReadOnly(ctx.action),
  });
}
