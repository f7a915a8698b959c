import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LookupEventsCommandInput, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import type { CloudTrailPort } from '../../src/aws/ports.js';
import { eventAction, observedCalls } from '../../src/iam/observed.js';

const ROLE = 'arn:aws:iam::123456789012:role/orders-task-role';

function event(source: string, name: string, time: string, issuer = ROLE, errorCode?: string) {
  return {
    EventTime: new Date(time),
    CloudTrailEvent: JSON.stringify({
      eventSource: source,
      eventName: name,
      eventTime: time,
      ...(errorCode ? { errorCode } : {}),
      userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: issuer } } },
    }),
  };
}

/** A fake of our own CloudTrail port: two pages of events. */
function fakeTrail(): CloudTrailPort & { calls: LookupEventsCommandInput[] } {
  const pages = [
    [
      event('s3.amazonaws.com', 'PutObject', '2026-11-21T08:00:03Z'),
      event('s3.amazonaws.com', 'PutObject', '2026-11-21T08:00:02Z', ROLE, 'AccessDenied'),
      event('dynamodb.amazonaws.com', 'GetItem', '2026-11-21T08:00:01Z'),
      event('s3.amazonaws.com', 'GetObject', '2026-11-21T08:00:01Z', 'arn:aws:iam::123456789012:role/someone-else'),
      { EventTime: new Date(), CloudTrailEvent: '{not json' },
    ],
    [
      event('s3.amazonaws.com', 'PutObject', '2026-11-21T07:59:00Z'),
      event('monitoring.amazonaws.com', 'PutMetricData', '2026-11-21T07:58:00Z'),
    ],
  ];
  const calls: LookupEventsCommandInput[] = [];
  return {
    calls,
    lookupEvents: async (input): Promise<LookupEventsCommandOutput> => {
      calls.push(input);
      const index = input.NextToken ? Number(input.NextToken) : 0;
      return {
        Events: pages[index],
        NextToken: index + 1 < pages.length ? String(index + 1) : undefined,
        $metadata: {},
      };
    },
  };
}

describe('observed calls from CloudTrail', () => {
  test('counts the role sessions calls per action, with denials and the latest time', async () => {
    const trail = fakeTrail();
    const since = new Date('2026-11-20T08:00:00Z');
    const found = await observedCalls(trail, { roleArn: ROLE, since, until: new Date('2026-11-21T09:00:00Z') });
    assert.deepEqual(found.calls, [
      { action: 's3:PutObject', count: 3, denied: 1, lastSeen: '2026-11-21T08:00:03Z' },
      { action: 'cloudwatch:PutMetricData', count: 1, denied: 0, lastSeen: '2026-11-21T07:58:00Z' },
      { action: 'dynamodb:GetItem', count: 1, denied: 0, lastSeen: '2026-11-21T08:00:01Z' },
    ]);
    assert.equal(found.eventsScanned, 7);
    assert.equal(found.truncated, false);
    assert.deepEqual(trail.calls[0]!.StartTime, since);
  });

  test('stops at its page limit and says so', async () => {
    const found = await observedCalls(fakeTrail(), { roleArn: ROLE, since: new Date(0), maxPages: 1 });
    assert.equal(found.truncated, true);
    assert.equal(found.calls.find((c) => c.action === 's3:PutObject')!.count, 2);
  });

  test('maps event sources to IAM prefixes', () => {
    assert.equal(eventAction('s3.amazonaws.com', 'PutObject'), 's3:PutObject');
    assert.equal(eventAction('monitoring.amazonaws.com', 'PutMetricData'), 'cloudwatch:PutMetricData');
    assert.equal(eventAction('dynamodb.amazonaws.com', 'Query'), 'dynamodb:Query');
  });
});
