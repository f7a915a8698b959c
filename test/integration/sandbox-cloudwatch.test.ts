import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type DescribeAlarmsCommandInput,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

// A test-controlled clock: it starts on a minute boundary a little in the past, so requests signed
// with the real time stay within SigV4's 15 minutes of skew while the test moves it forward.
const START = Math.floor((Date.now() - 5 * 60_000) / 60_000) * 60_000;
let now = START;
const advance = (ms: number): void => {
  now += ms;
};

describe('sandbox CloudWatch (JSON 1.0)', () => {
  let sandbox: Sandbox;
  let cw: CloudWatchClient;
  const dims = [{ Name: 'Service', Value: 'web' }];

  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: () => now });
    cw = new CloudWatchClient({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: sandbox.credentials,
      maxAttempts: 1,
    });
  });
  after(async () => {
    cw.destroy();
    await sandbox.close();
  });

  const put = (value: number, at: number, name = 'Errors'): Promise<unknown> =>
    cw.send(
      new PutMetricDataCommand({
        Namespace: 'App',
        MetricData: [{ MetricName: name, Dimensions: dims, Value: value, Timestamp: new Date(at), Unit: 'Count' }],
      }),
    );

  test('PutMetricData then GetMetricStatistics and GetMetricData aggregate per period', async () => {
    const t0 = now;
    await put(2, t0 + 1_000, 'Requests');
    await put(4, t0 + 2_000, 'Requests');
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'App',
        MetricData: [
          {
            MetricName: 'Requests',
            Dimensions: dims,
            StatisticValues: { SampleCount: 2, Sum: 10, Minimum: 1, Maximum: 9 },
            Timestamp: new Date(t0 + 61_000),
            Unit: 'Count',
          },
        ],
      }),
    );
    // Another dimension set is another metric.
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'App',
        MetricData: [{ MetricName: 'Requests', Dimensions: [{ Name: 'Service', Value: 'api' }], Value: 100 }],
      }),
    );
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'App',
        MetricName: 'Requests',
        Dimensions: dims,
        StartTime: new Date(t0),
        EndTime: new Date(t0 + 120_000),
        Period: 60,
        Statistics: ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'],
      }),
    );
    const points = [...(stats.Datapoints ?? [])].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
    assert.equal(points.length, 2);
    assert.equal(points[0]?.Timestamp?.getTime(), t0);
    assert.deepEqual(
      [points[0]?.Sum, points[0]?.Average, points[0]?.Maximum, points[0]?.Minimum, points[0]?.SampleCount],
      [6, 3, 4, 2, 2],
    );
    assert.deepEqual([points[1]?.Sum, points[1]?.Average, points[1]?.Maximum], [10, 5, 9]);
    assert.equal(points[0]?.Unit, 'Count');

    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(t0),
        EndTime: new Date(t0 + 120_000),
        MetricDataQueries: [
          {
            Id: 'sum',
            MetricStat: {
              Metric: { Namespace: 'App', MetricName: 'Requests', Dimensions: dims },
              Period: 60,
              Stat: 'Sum',
            },
          },
          {
            Id: 'avg',
            Label: 'average',
            MetricStat: {
              Metric: { Namespace: 'App', MetricName: 'Requests', Dimensions: dims },
              Period: 60,
              Stat: 'Average',
            },
          },
        ],
        ScanBy: 'TimestampAscending',
      }),
    );
    const [sum, avg] = data.MetricDataResults ?? [];
    assert.equal(sum?.Id, 'sum');
    assert.deepEqual(sum?.Values, [6, 10]);
    assert.deepEqual(
      sum?.Timestamps?.map((t) => t.getTime()),
      [t0, t0 + 60_000],
    );
    assert.equal(sum?.StatusCode, 'Complete');
    assert.equal(avg?.Label, 'average');
    assert.deepEqual(avg?.Values, [3, 5]);
  });

  const describeOne = async (name: string): Promise<MetricAlarm> => {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    const alarm = out.MetricAlarms?.[0];
    assert.ok(alarm, `alarm ${name}`);
    return alarm;
  };

  test('an alarm goes OK -> ALARM on 2 of 3 breaching periods and back to OK', async () => {
    advance(10 * 60_000);
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-errors',
        Namespace: 'App',
        MetricName: 'Errors',
        Dimensions: dims,
        Statistic: 'Sum',
        Period: 10,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    let alarm = await describeOne('web-errors');
    assert.equal(alarm.AlarmArn, `arn:aws:cloudwatch:${sandbox.region}:${sandbox.accountId}:alarm:web-errors`);
    assert.equal(alarm.StateValue, 'OK');

    const base = Math.floor(now / 10_000) * 10_000;
    await put(7, base + 1_000);
    advance(10_000);
    alarm = await describeOne('web-errors');
    assert.equal(alarm.StateValue, 'OK', 'one breaching datapoint of the 2 needed');
    await put(1, base + 11_000);
    await put(6, base + 12_000);
    const before = alarm.StateUpdatedTimestamp?.getTime() ?? 0;
    advance(10_000);
    alarm = await describeOne('web-errors');
    assert.equal(alarm.StateValue, 'ALARM');
    assert.match(alarm.StateReason ?? '', /Threshold Crossed: 2 out of the last 3 datapoints/);
    assert.ok((alarm.StateUpdatedTimestamp?.getTime() ?? 0) > before);
    assert.ok(alarm.StateReasonData);

    // Quiet periods: the breaching datapoints leave the window.
    advance(20_000);
    alarm = await describeOne('web-errors');
    assert.equal(alarm.StateValue, 'OK');
  });

  test('an alarm with missing data is INSUFFICIENT_DATA', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-silent',
        Namespace: 'App',
        MetricName: 'Nothing',
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    advance(60_000);
    const alarm = await describeOne('web-silent');
    assert.equal(alarm.StateValue, 'INSUFFICIENT_DATA');
    assert.equal(alarm.TreatMissingData, 'missing');
  });

  test('SetAlarmState holds until the next evaluation', async () => {
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'web-errors', StateValue: 'ALARM', StateReason: 'testing the pager' }),
    );
    let alarm = await describeOne('web-errors');
    assert.equal(alarm.StateValue, 'ALARM');
    assert.equal(alarm.StateReason, 'testing the pager');
    advance(10_000);
    alarm = await describeOne('web-errors');
    assert.equal(alarm.StateValue, 'OK');
  });

  test('DescribeAlarms filters by names, prefix and state', async () => {
    const names = async (input: DescribeAlarmsCommandInput): Promise<string[]> =>
      ((await cw.send(new DescribeAlarmsCommand(input))).MetricAlarms ?? []).map((a) => a.AlarmName ?? '');
    assert.deepEqual(await names({}), ['web-errors', 'web-silent']);
    assert.deepEqual(await names({ AlarmNamePrefix: 'web-s' }), ['web-silent']);
    assert.deepEqual(await names({ StateValue: 'INSUFFICIENT_DATA' }), ['web-silent']);
    assert.deepEqual(await names({ StateValue: 'OK' }), ['web-errors']);
    assert.deepEqual(await names({ AlarmNames: ['web-errors', 'nope'] }), ['web-errors']);
    const paged = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 1 }));
    assert.equal(paged.MetricAlarms?.length, 1);
    assert.ok(paged.NextToken);
  });

  test('errors are shaped as CloudWatch shapes them', async () => {
    const codeOf = async (p: Promise<unknown>): Promise<[string, string | undefined, number | undefined]> => {
      try {
        await p;
      } catch (err) {
        const e = err as { name: string; Code?: string; $metadata?: { httpStatusCode?: number } };
        return [e.name, e.Code, e.$metadata?.httpStatusCode];
      }
      assert.fail('expected an error');
    };
    assert.deepEqual(
      await codeOf(
        cw.send(new PutMetricDataCommand({ Namespace: 'AWS/ECS', MetricData: [{ MetricName: 'x', Value: 1 }] })),
      ),
      ['InvalidParameterValueException', 'InvalidParameterValue', 400],
    );
    assert.deepEqual(
      await codeOf(
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'App',
            MetricData: [
              { MetricName: 'x', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } },
            ],
          }),
        ),
      ),
      ['InvalidParameterCombinationException', 'InvalidParameterCombination', 400],
    );
    assert.deepEqual(
      await codeOf(cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }))),
      ['ResourceNotFound', 'ResourceNotFound', 404],
    );
    assert.deepEqual(
      await codeOf(
        cw.send(
          new PutMetricAlarmCommand({
            AlarmName: 'bad',
            Namespace: 'App',
            MetricName: 'Errors',
            Statistic: 'Sum',
            Period: 15,
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanThreshold',
          }),
        ),
      ),
      ['InvalidParameterValueException', 'InvalidParameterValue', 400],
    );
    assert.deepEqual(await codeOf(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' }))), [
      'InvalidParameterCombinationException',
      'InvalidParameterCombination',
      400,
    ]);
  });

  test('calls are authorized: a user without CloudWatch permissions is refused', async () => {
    const iam = new IAMClient({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: sandbox.credentials,
      maxAttempts: 1,
    });
    await iam.send(new CreateUserCommand({ UserName: 'no-cw' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'no-cw' }))).AccessKey;
    iam.destroy();
    const denied = new CloudWatchClient({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' },
      maxAttempts: 1,
    });
    await assert.rejects(
      denied.send(new SetAlarmStateCommand({ AlarmName: 'web-errors', StateValue: 'ALARM', StateReason: 'x' })),
      (err: Error & { Code?: string }) => {
        assert.equal(err.name, 'AccessDenied');
        assert.equal(err.Code, 'AccessDenied');
        assert.match(err.message, /cloudwatch:SetAlarmState on resource: arn:aws:cloudwatch:.*:alarm:web-errors/);
        return true;
      },
    );
    denied.destroy();
    const entries = sandbox.requests().filter((r) => r.service === 'monitoring');
    assert.ok(entries.some((r) => r.action === 'PutMetricData' && r.status === 200));
    assert.equal(sandbox.world.cloudwatch.getAlarm(sandbox.region, 'web-errors')?.StateValue, 'OK');
  });
});
