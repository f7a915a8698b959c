/**
 * CloudWatch's state in the sandbox: metric datapoints (per region, namespace, name and exact
 * dimension set) and metric alarms that evaluate their metric on the sandbox's clock, at each
 * boundary of their period, by AWS's rules for datapoints to alarm and missing data.
 */

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** One PutMetricData entry, reduced to a statistic set. */
export interface Datapoint {
  /** Epoch milliseconds. */
  readonly time: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly unit: string | undefined;
}

export const STATISTICS = ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'] as const;
export type Statistic = (typeof STATISTICS)[number];

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export const TREAT_MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The aggregate of one period. */
export interface Bucket {
  /** The period's start, epoch milliseconds. */
  readonly start: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly unit: string | undefined;
}

export function statisticOf(bucket: Bucket, statistic: Statistic): number {
  switch (statistic) {
    case 'Sum':
      return bucket.sum;
    case 'Average':
      return bucket.count === 0 ? 0 : bucket.sum / bucket.count;
    case 'Maximum':
      return bucket.max;
    case 'Minimum':
      return bucket.min;
    case 'SampleCount':
      return bucket.count;
  }
}

/** A metric alarm as DescribeAlarms answers it (the presented fields), plus its evaluation state. */
export interface MetricAlarm {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
  Statistic: Statistic;
  Period: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: ComparisonOperator;
  TreatMissingData: TreatMissingData;
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: Date;
  StateTransitionedTimestamp: Date;
  AlarmConfigurationUpdatedTimestamp: Date;
  /** The end of the last evaluated period, epoch milliseconds (not presented). */
  evaluatedUntil: number;
  /** The region (not presented). */
  region: string;
}

function metricKey(region: string, namespace: string, name: string, dimensions: readonly Dimension[]): string {
  const dims = [...dimensions].sort((a, b) => a.Name.localeCompare(b.Name)).map((d) => [d.Name, d.Value]);
  return JSON.stringify([region, namespace, name, dims]);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function formatDate(ms: number): string {
  // AWS's reasons write `dd/MM/yy HH:mm:ss` in UTC.
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

const OPERATOR_WORDS: Readonly<Record<ComparisonOperator, string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function breaches(value: number, operator: ComparisonOperator, threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** The metrics and alarms of the sandbox, all regions. */
export class CloudWatchStore {
  private readonly metrics = new Map<
    string,
    { region: string; namespace: string; name: string; dimensions: Dimension[]; points: Datapoint[] }
  >();
  private readonly alarms = new Map<string, MetricAlarm>();

  constructor(readonly accountId: string) {}

  alarmArn(region: string, name: string): string {
    return `arn:aws:cloudwatch:${region}:${this.accountId}:alarm:${name}`;
  }

  put(region: string, namespace: string, name: string, dimensions: readonly Dimension[], point: Datapoint): void {
    const key = metricKey(region, namespace, name, dimensions);
    let metric = this.metrics.get(key);
    if (!metric) {
      metric = { region, namespace, name, dimensions: [...dimensions], points: [] };
      this.metrics.set(key, metric);
    }
    metric.points.push(point);
  }

  /** The metrics of a region (for ListMetrics-like reads in tests). */
  listMetrics(region: string): { Namespace: string; MetricName: string; Dimensions: Dimension[] }[] {
    return [...this.metrics.values()]
      .filter((m) => m.region === region)
      .map((m) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: m.dimensions }));
  }

  /**
   * The aggregates of a metric per period (aligned to multiples of the period from the epoch) with
   * at least one datapoint, for datapoints in [start, end), ascending.
   */
  buckets(
    region: string,
    namespace: string,
    name: string,
    dimensions: readonly Dimension[],
    start: number,
    end: number,
    periodSeconds: number,
    unit?: string,
  ): Bucket[] {
    const metric = this.metrics.get(metricKey(region, namespace, name, dimensions));
    if (!metric) return [];
    const periodMs = periodSeconds * 1000;
    const byStart = new Map<
      number,
      { sum: number; count: number; min: number; max: number; unit: string | undefined }
    >();
    for (const p of metric.points) {
      if (p.time < start || p.time >= end) continue;
      if (unit !== undefined && (p.unit ?? 'None') !== unit) continue;
      const bucketStart = Math.floor(p.time / periodMs) * periodMs;
      const b = byStart.get(bucketStart);
      if (!b) byStart.set(bucketStart, { sum: p.sum, count: p.count, min: p.min, max: p.max, unit: p.unit });
      else {
        b.sum += p.sum;
        b.count += p.count;
        b.min = Math.min(b.min, p.min);
        b.max = Math.max(b.max, p.max);
      }
    }
    return [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([s, b]) => ({ start: s, ...b }));
  }

  getAlarm(region: string, name: string): MetricAlarm | undefined {
    return this.alarms.get(this.alarmArn(region, name));
  }

  /** The alarms of a region, sorted by name as DescribeAlarms lists them. */
  listAlarms(region: string): MetricAlarm[] {
    return [...this.alarms.values()]
      .filter((a) => a.region === region)
      .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : a.AlarmName > b.AlarmName ? 1 : 0));
  }

  saveAlarm(alarm: MetricAlarm): void {
    this.alarms.set(alarm.AlarmArn, alarm);
  }

  deleteAlarm(region: string, name: string): boolean {
    return this.alarms.delete(this.alarmArn(region, name));
  }

  /** Sets an alarm's state (SetAlarmState, or an evaluation). */
  setState(alarm: MetricAlarm, state: AlarmState, reason: string, reasonData: string | undefined, now: number): void {
    if (alarm.StateValue !== state) alarm.StateTransitionedTimestamp = new Date(now);
    alarm.StateValue = state;
    alarm.StateReason = reason;
    if (reasonData === undefined) delete alarm.StateReasonData;
    else alarm.StateReasonData = reasonData;
    alarm.StateUpdatedTimestamp = new Date(now);
  }

  /** Evaluates every alarm whose period has ended since its last evaluation. */
  tick(now: number): void {
    for (const alarm of this.alarms.values()) {
      const periodMs = alarm.Period * 1000;
      const boundary = Math.floor(now / periodMs) * periodMs;
      if (boundary <= alarm.evaluatedUntil) continue;
      alarm.evaluatedUntil = boundary;
      this.evaluate(alarm, boundary, now);
    }
  }

  /**
   * Evaluates an alarm over its last EvaluationPeriods complete periods ending at `until`: a missing
   * period counts as breaching or not with `breaching` / `notBreaching`; with `missing` a window
   * with no datapoint makes INSUFFICIENT_DATA, with `ignore` it keeps the state; otherwise ALARM
   * when at least DatapointsToAlarm datapoints breach, OK when not.
   */
  evaluate(alarm: MetricAlarm, until: number, now: number): void {
    const periodMs = alarm.Period * 1000;
    const from = until - alarm.EvaluationPeriods * periodMs;
    const buckets = this.buckets(
      alarm.region,
      alarm.Namespace,
      alarm.MetricName,
      alarm.Dimensions,
      from,
      until,
      alarm.Period,
      alarm.Unit,
    );
    const byStart = new Map(buckets.map((b) => [b.start, statisticOf(b, alarm.Statistic)]));
    const values: { start: number; value: number | undefined }[] = [];
    for (let s = until - periodMs; s >= from; s -= periodMs) values.push({ start: s, value: byStart.get(s) });
    const present = values.filter((v): v is { start: number; value: number } => v.value !== undefined);
    const missing = values.length - present.length;
    const breaching =
      present.filter((v) => breaches(v.value, alarm.ComparisonOperator, alarm.Threshold)).length +
      (alarm.TreatMissingData === 'breaching' ? missing : 0);
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: new Date(now).toISOString(),
      startDate: new Date(from).toISOString(),
      statistic: alarm.Statistic,
      period: alarm.Period,
      recentDatapoints: present.map((v) => v.value),
      threshold: alarm.Threshold,
      evaluatedDatapoints: present.map((v) => ({ timestamp: new Date(v.start).toISOString(), value: v.value })),
    });
    const substituted = alarm.TreatMissingData === 'breaching' || alarm.TreatMissingData === 'notBreaching';
    if (present.length === 0 && !substituted) {
      if (alarm.TreatMissingData === 'ignore') return;
      if (alarm.StateValue !== 'INSUFFICIENT_DATA') {
        this.setState(
          alarm,
          'INSUFFICIENT_DATA',
          `Insufficient Data: ${values.length} datapoint${values.length === 1 ? ' was' : 's were'} unknown.`,
          reasonData,
          now,
        );
      }
      return;
    }
    const listed = present.map((v) => `${formatNumber(v.value)} (${formatDate(v.start)})`).join(', ');
    const words = OPERATOR_WORDS[alarm.ComparisonOperator];
    const threshold = formatNumber(alarm.Threshold);
    const next: AlarmState = breaching >= alarm.DatapointsToAlarm ? 'ALARM' : 'OK';
    if (next === alarm.StateValue) return;
    const reason =
      next === 'ALARM'
        ? `Threshold Crossed: ${breaching} out of the last ${values.length} datapoints [${listed}] were ${words} the threshold (${threshold}) (minimum ${alarm.DatapointsToAlarm} datapoint${alarm.DatapointsToAlarm === 1 ? '' : 's'} for OK -> ALARM transition).`
        : `Threshold Crossed: ${values.length - breaching} out of the last ${values.length} datapoints [${listed}] were not ${words} the threshold (${threshold}) (minimum ${values.length - alarm.DatapointsToAlarm + 1} datapoint${values.length - alarm.DatapointsToAlarm + 1 === 1 ? '' : 's'} for ALARM -> OK transition).`;
    this.setState(alarm, next, reason, reasonData, now);
  }
}
