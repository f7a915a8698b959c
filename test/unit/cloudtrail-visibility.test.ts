/** What CloudTrail's event history can show, and the pace of LookupEvents, as pure logic. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeVisibility, splitByVisibility, trailVisibility } from '../../src/aws/cloudtrail-events.js';
import { CallPacer } from '../../src/aws/cloudtrail-pace.js';
import { dataEventAsked } from '../../src/probes/cloudtrail.js';

describe('CloudTrail visibility', () => {
  test('data events are told from management events, patterns included', () => {
    assert.equal(trailVisibility('s3:PutObject'), 'data');
    assert.equal(trailVisibility('dynamodb:PutItem'), 'data');
    assert.equal(trailVisibility('sqs:SendMessage'), 'data');
    assert.equal(trailVisibility('lambda:InvokeFunction'), 'data');
    assert.equal(trailVisibility('s3:CreateBucket'), 'management');
    assert.equal(trailVisibility('ssm:GetParameter'), 'management');
    assert.equal(trailVisibility('kms:Decrypt'), 'management');
    assert.equal(trailVisibility('sqs:GetQueueAttributes'), 'management');
    assert.equal(trailVisibility('s3:Put*'), 'mixed');
    assert.equal(trailVisibility('s3:*'), 'mixed');
    assert.equal(trailVisibility('ssm:*'), 'management');
    assert.deepEqual(splitByVisibility(['s3:PutObject', 'ssm:GetParameter', 'dynamodb:*']), {
      shown: ['ssm:GetParameter'],
      hidden: ['s3:PutObject'],
      partly: ['dynamodb:*'],
    });
    const lines = describeVisibility(['s3:PutObject', 'kms:Decrypt']);
    assert.match(lines[0]!, /will show the refusals of: kms:Decrypt$/);
    assert.match(lines[1]!, /cannot show the refusals of: s3:PutObject \(data events: .*CloudTrail Lake/);
  });

  test('a cloudtrail probe asking for a data event is told it can never see one', () => {
    assert.match(
      dataEventAsked({ eventName: 'PutObject', eventSource: 's3.amazonaws.com' }) ?? '',
      /PutObject is a data event: CloudTrail's event history \(LookupEvents\) never holds it/,
    );
    assert.match(dataEventAsked({ eventName: 'SendMessage' }) ?? '', /data event of some services/);
    assert.equal(dataEventAsked({ eventName: 'GetParameter', eventSource: 'ssm.amazonaws.com' }), undefined);
    assert.equal(dataEventAsked({ eventSource: 's3.amazonaws.com' }), undefined);
  });

  test('the pacer spaces call starts by its interval, in order, on its own clock', async () => {
    let now = 1_000;
    const slept: number[] = [];
    const pacer = new CallPacer(550, {
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    const starts: number[] = [];
    const call = (): Promise<number> => pacer.run(async () => starts.push(now));
    await Promise.all([call(), call(), call()]);
    assert.deepEqual(slept, [550, 1_100]);
    now += 5_000;
    await call();
    assert.deepEqual(slept, [550, 1_100], 'a call long after the last one does not wait');
  });

  test('an aborted wait rejects and makes no call', async () => {
    const pacer = new CallPacer(60_000);
    await pacer.run(async () => undefined);
    const controller = new AbortController();
    let called = false;
    const waiting = pacer.run(async () => {
      called = true;
    }, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    assert.equal(called, false);
  });
});
