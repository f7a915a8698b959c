/** The `cloudwatch` probe: a metric's statistic over a window, or an alarm's state. */
import type { Datapoint } from '@aws-sdk/client-cloudwatch';
import { alarmStates } from '../aws/alarms.js';
import { callOptions, type Observation, type ProbeContext } from './context.js';
import { compare, describeComparator, describeWindow } from './comparator.js';
import type { CloudWatchProbeSpec, CloudWatchStatistic } from './types.js';

/** GetMetricStatistics answers at most 1,440 datapoints. */
const MAX_DATAPOINTS = 1440;

/** One statistic of the whole window from per-period datapoints; undefined when there is none. */
export function aggregate(statistic: CloudWatchStatistic, points: readonly Datapoint[]): number | undefined {
  if (statistic === 'Sum' || statistic === 'SampleCount') {
    return points.reduce((n, p) => n + (p[statistic] ?? 0), 0);
  }
  if (points.length === 0) return undefined;
  if (statistic === 'Maximum') return Math.max(...points.map((p) => p.Maximum ?? Number.NEGATIVE_INFINITY));
  if (statistic === 'Minimum') return Math.min(...points.map((p) => p.Minimum ?? Number.POSITIVE_INFINITY));
  const count = points.reduce((n, p) => n + (p.SampleCount ?? 0), 0);
  return count > 0 ? points.reduce((n, p) => n + (p.Sum ?? 0), 0) / count : undefined;
}

/** Reads the metric or the alarm and compares; throws when CloudWatch cannot be read. */
export async function observeCloudWatch(spec: CloudWatchProbeSpec, ctx: ProbeContext): Promise<Observation> {
  const cloudwatch = ctx.cloudwatch;
  if (!cloudwatch) throw new Error('no CloudWatch client is configured for this run');
  if (spec.alarm) {
    const alarm = spec.alarm;
    const found = (await alarmStates(cloudwatch, [alarm.name], ctx.signal)).get(alarm.name);
    if (!found) throw new Error(`the alarm ${alarm.name} does not exist in ${ctx.facts.region}`);
    const state = found.state;
    return {
      passed: (alarm.states as readonly string[]).includes(state),
      actual: state,
      expected: `alarm ${alarm.name} ${alarm.states.length === 1 ? 'is' : 'is one of'} ${alarm.states.join(', ')}`,
      evidence: `alarm ${alarm.name} is ${state}${found.reason ? `: ${found.reason}` : ''}`,
    };
  }
  const metric = spec.metric!;
  const { start, end } = ctx.window(metric.window);
  const seconds = Math.max(1, (end.getTime() - start.getTime()) / 1000);
  const period = Math.max(60, Math.ceil(seconds / MAX_DATAPOINTS / 60) * 60);
  const statistics: CloudWatchStatistic[] =
    metric.statistic === 'Average' ? ['Sum', 'SampleCount'] : [metric.statistic];
  const out = await cloudwatch.getMetricStatistics(
    {
      Namespace: metric.namespace,
      MetricName: metric.metricName,
      Dimensions: metric.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
      StartTime: start,
      EndTime: end.getTime() > start.getTime() ? end : new Date(start.getTime() + 1000),
      Period: period,
      Statistics: statistics,
    },
    callOptions(ctx),
  );
  const points = out.Datapoints ?? [];
  const value = aggregate(metric.statistic, points);
  const dims = metric.dimensions.map((d) => `${d.name}=${d.value}`).join(',');
  const what = `${metric.namespace} ${metric.metricName}${dims ? `{${dims}}` : ''} ${metric.statistic}`;
  if (value === undefined) throw new Error(`${what} has no datapoint in ${describeWindow(metric.window)}`);
  return {
    passed: compare(metric.comparator, value),
    actual: value,
    expected: `${metric.statistic} of ${metric.metricName} over ${describeWindow(metric.window)} ${describeComparator(metric.comparator)}`,
    evidence: `${what} = ${value} over ${describeWindow(metric.window)} (${start.toISOString()} to ${end.toISOString()}, ${points.length} datapoints)`,
  };
}
