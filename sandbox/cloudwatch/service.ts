/**
 * The CloudWatch API of the sandbox as the pinned `@aws-sdk/client-cloudwatch` speaks it: AWS JSON
 * 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.Operation`, signing name `monitoring`), query
 * compatible (errors carry `x-amzn-query-error: Code;Sender`, which the client reads into `Code`).
 */
import { AwsError } from '../core/errors.js';
import type { JsonHandler, JsonService, RequestContext } from '../core/service.js';
import {
  COMPARISON_OPERATORS,
  STATISTICS,
  TREAT_MISSING_DATA,
  statisticOf,
  type AlarmState,
  type CloudWatchStore,
  type ComparisonOperator,
  type Dimension,
  type MetricAlarm,
  type Statistic,
  type TreatMissingData,
} from './store.js';

export interface CloudWatchServiceDeps {
  readonly cloudwatch: CloudWatchStore;
  /** Brings the world (alarm evaluations) up to date before a request reads it. */
  readonly catchUp: () => void;
}

type Input = Record<string, unknown>;

/** The query-protocol codes of CloudWatch's errors, by their JSON shape name. */
const QUERY_ERROR_CODES: Readonly<Record<string, string>> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  MissingRequiredParameterException: 'MissingParameter',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  ResourceNotFound: 'ResourceNotFound',
  InvalidNextToken: 'InvalidNextToken',
  LimitExceededFault: 'LimitExceeded',
  InvalidFormatFault: 'InvalidFormat',
  AccessDeniedException: 'AccessDenied',
};

export const invalidValue = (message: string): AwsError => new AwsError('InvalidParameterValueException', message);
const missing = (name: string): AwsError =>
  new AwsError('MissingRequiredParameterException', `The parameter ${name} is required.`);
const combination = (message: string): AwsError => new AwsError('InvalidParameterCombinationException', message);

function str(input: Input, key: string, required = false): string | undefined {
  const value = input[key];
  if (value === undefined || value === null || value === '') {
    if (required) throw missing(key);
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsError('SerializationException', `Expected a string for ${key}.`);
  return value;
}

function num(input: Input, key: string, required = false): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw missing(key);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AwsError('SerializationException', `Expected a number for ${key}.`);
  }
  return value;
}

function int(input: Input, key: string, required = false): number | undefined {
  const value = num(input, key, required);
  if (value !== undefined && !Number.isInteger(value)) {
    throw new AwsError('SerializationException', `Expected an integer for ${key}.`);
  }
  return value;
}

/** A timestamp: epoch seconds as the JSON protocol carries them. */
function time(input: Input, key: string, required = false): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw missing(key);
    return undefined;
  }
  if (typeof value === 'number') return Math.round(value * 1000);
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw new AwsError('SerializationException', `Expected a timestamp for ${key}.`);
}

function list(input: Input, key: string): unknown[] {
  const value = input[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AwsError('SerializationException', `Expected a list for ${key}.`);
  return value as unknown[];
}

function record(value: unknown, what: string): Input {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AwsError('SerializationException', `Expected a structure for ${what}.`);
  }
  return value as Input;
}

function dimensions(input: Input, key = 'Dimensions'): Dimension[] {
  const dims = list(input, key).map((d, i) => {
    const r = record(d, `${key}.member.${i + 1}`);
    return { Name: str(r, 'Name', true) ?? '', Value: str(r, 'Value', true) ?? '' };
  });
  if (dims.length > 30) throw invalidValue(`The collection ${key} must not have a size greater than 30.`);
  const names = new Set(dims.map((d) => d.Name));
  if (names.size !== dims.length) throw combination(`No metric may have duplicate dimension names.`);
  return dims;
}

function namespace(input: Input, forWrite: boolean): string {
  const value = str(input, 'Namespace', true) ?? '';
  if (value.length > 255 || !/^[^:].*$/.test(value)) {
    throw invalidValue(`The value ${value} for parameter Namespace is invalid.`);
  }
  if (forWrite && value.startsWith('AWS/')) {
    throw invalidValue(`The value AWS/ for parameter Namespace is invalid.`);
  }
  return value;
}

function statistic(value: string, key: string): Statistic {
  if (!(STATISTICS as readonly string[]).includes(value)) {
    throw invalidValue(
      `The parameter ${key} must be a value in the set [ SampleCount, Average, Sum, Minimum, Maximum ].`,
    );
  }
  return value as Statistic;
}

/** Periods CloudWatch accepts: 1, 5, 10, 30 (high resolution) or a multiple of 60. */
function checkPeriod(period: number, key = 'Period'): void {
  if (period < 1 || !(period % 60 === 0 || [1, 5, 10, 30].includes(period))) {
    throw invalidValue(`The parameter ${key} must be 1, 5, 10, 30, or a multiple of 60.`);
  }
}

const TWO_WEEKS_MS = 14 * 24 * 3600_000;
const TWO_HOURS_MS = 2 * 3600_000;

function putMetricData(store: CloudWatchStore): JsonHandler {
  return (input, ctx) => {
    const ns = namespace(input, true);
    const data = list(input, 'MetricData');
    if (data.length === 0) throw missing('MetricData');
    if (data.length > 1000) {
      throw invalidValue('The collection MetricData must not have a size greater than 1000.');
    }
    const now = ctx.now.getTime();
    const entries = data.map((raw, i) => {
      const d = record(raw, `MetricData.member.${i + 1}`);
      const name = str(d, 'MetricName', true) ?? '';
      const dims = dimensions(d);
      const at = time(d, 'Timestamp') ?? now;
      if (at < now - TWO_WEEKS_MS || at > now + TWO_HOURS_MS) {
        throw invalidValue(
          `The parameter MetricData.member.${i + 1}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
        );
      }
      const unit = str(d, 'Unit');
      const value = num(d, 'Value');
      const set =
        d.StatisticValues === undefined || d.StatisticValues === null
          ? undefined
          : record(d.StatisticValues, 'StatisticValues');
      const values = list(d, 'Values');
      const given = [value !== undefined, set !== undefined, values.length > 0].filter(Boolean).length;
      if (given > 1) {
        throw combination(
          `The parameters MetricData.member.${i + 1}.Value, MetricData.member.${i + 1}.StatisticValues and MetricData.member.${i + 1}.Values are mutually exclusive and you have specified more than one.`,
        );
      }
      if (given === 0) throw missing(`MetricData.member.${i + 1}.Value`);
      const points: { sum: number; count: number; min: number; max: number }[] = [];
      if (value !== undefined) points.push({ sum: value, count: 1, min: value, max: value });
      if (set) {
        const count = num(set, 'SampleCount', true) ?? 0;
        const sum = num(set, 'Sum', true) ?? 0;
        const min = num(set, 'Minimum', true) ?? 0;
        const max = num(set, 'Maximum', true) ?? 0;
        if (count <= 0 || min > max) {
          throw invalidValue(`The parameter MetricData.member.${i + 1}.StatisticValues is invalid.`);
        }
        points.push({ sum, count, min, max });
      }
      if (values.length > 0) {
        const counts = list(d, 'Counts');
        if (counts.length > 0 && counts.length !== values.length) {
          throw combination(`The parameters Values and Counts must be of the same size.`);
        }
        values.forEach((v, j) => {
          const c = counts.length > 0 ? counts[j] : 1;
          if (typeof v !== 'number' || typeof c !== 'number') {
            throw new AwsError('SerializationException', 'Expected numbers in Values and Counts.');
          }
          points.push({ sum: v * c, count: c, min: v, max: v });
        });
      }
      return { name, dims, at, unit, points };
    });
    for (const e of entries) {
      for (const p of e.points) store.put(ctx.region, ns, e.name, e.dims, { time: e.at, unit: e.unit, ...p });
    }
    return {};
  };
}

function getMetricStatistics(store: CloudWatchStore): JsonHandler {
  return (input, ctx) => {
    const ns = namespace(input, false);
    const name = str(input, 'MetricName', true) ?? '';
    const dims = dimensions(input);
    const start = time(input, 'StartTime', true) ?? 0;
    const end = time(input, 'EndTime', true) ?? 0;
    const period = int(input, 'Period', true) ?? 60;
    checkPeriod(period);
    if (start >= end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
    const stats = list(input, 'Statistics').map((s) => statistic(String(s), 'Statistics'));
    if (list(input, 'ExtendedStatistics').length > 0) {
      throw invalidValue('The sandbox does not compute ExtendedStatistics (percentiles).');
    }
    if (stats.length === 0) throw missing('Statistics');
    const unit = str(input, 'Unit');
    const buckets = store.buckets(ctx.region, ns, name, dims, start, end, period, unit);
    if (buckets.length > 1440) {
      throw invalidValue('You have requested up to 1,440 datapoints, which exceeds the limit of 1,440.');
    }
    return {
      Label: name,
      Datapoints: buckets.map((b) => ({
        Timestamp: new Date(b.start),
        ...Object.fromEntries(stats.map((s) => [s, statisticOf(b, s)])),
        Unit: unit ?? b.unit ?? 'None',
      })),
    };
  };
}

function getMetricData(store: CloudWatchStore): JsonHandler {
  return (input, ctx) => {
    const queries = list(input, 'MetricDataQueries');
    if (queries.length === 0) throw missing('MetricDataQueries');
    if (queries.length > 500) {
      throw invalidValue('The collection MetricDataQueries must not have a size greater than 500.');
    }
    const start = time(input, 'StartTime', true) ?? 0;
    const end = time(input, 'EndTime', true) ?? 0;
    if (start >= end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
    const scanBy = str(input, 'ScanBy') ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
      throw invalidValue(`The value ${scanBy} for parameter ScanBy is invalid.`);
    }
    const ids = new Set<string>();
    const results = queries.map((raw, i) => {
      const q = record(raw, `MetricDataQueries.member.${i + 1}`);
      const id = str(q, 'Id', true) ?? '';
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
        throw invalidValue(`The value ${id} for parameter MetricDataQueries.member.${i + 1}.Id is invalid.`);
      }
      if (ids.has(id)) throw invalidValue(`The values for parameter id in MetricDataQueries are not unique.`);
      ids.add(id);
      if (q.Expression !== undefined) {
        throw invalidValue(`The sandbox does not evaluate metric math (MetricDataQueries.member.${i + 1}.Expression).`);
      }
      if (q.MetricStat === undefined || q.MetricStat === null) {
        throw combination(
          `Exactly one element of the MetricStat and Expression fields must be set (MetricDataQueries.member.${i + 1}).`,
        );
      }
      const ms = record(q.MetricStat, 'MetricStat');
      const metric = record(ms.Metric ?? {}, 'MetricStat.Metric');
      const ns = namespace(metric, false);
      const name = str(metric, 'MetricName', true) ?? '';
      const dims = dimensions(metric);
      const period = int(ms, 'Period', true) ?? 60;
      checkPeriod(period, `MetricDataQueries.member.${i + 1}.MetricStat.Period`);
      const stat = statistic(str(ms, 'Stat', true) ?? '', `MetricDataQueries.member.${i + 1}.MetricStat.Stat`);
      const unit = str(ms, 'Unit');
      const buckets = store.buckets(ctx.region, ns, name, dims, start, end, period, unit);
      if (scanBy === 'TimestampDescending') buckets.reverse();
      return {
        id,
        returnData: q.ReturnData !== false,
        result: {
          Id: id,
          Label: str(q, 'Label') ?? name,
          Timestamps: buckets.map((b) => new Date(b.start)),
          Values: buckets.map((b) => statisticOf(b, stat)),
          StatusCode: 'Complete',
        },
      };
    });
    return { MetricDataResults: results.filter((r) => r.returnData).map((r) => r.result), Messages: [] };
  };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], key: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidValue(`The value ${value} for parameter ${key} is invalid. Valid values: ${allowed.join(', ')}.`);
  }
  return value as T;
}

function putMetricAlarm(store: CloudWatchStore, catchUp: () => void): JsonHandler {
  return (input, ctx) => {
    const name = str(input, 'AlarmName', true) ?? '';
    if (name.length > 255) throw invalidValue('The parameter AlarmName must be at most 255 characters long.');
    if (input.Metrics !== undefined) {
      throw invalidValue('The sandbox does not evaluate alarms on metric math (Metrics); use MetricName.');
    }
    const ns = namespace(input, false);
    const metricName = str(input, 'MetricName', true) ?? '';
    const dims = dimensions(input);
    if (input.ExtendedStatistic !== undefined) {
      throw invalidValue('The sandbox does not compute ExtendedStatistic (percentiles); use Statistic.');
    }
    const stat = statistic(str(input, 'Statistic', true) ?? '', 'Statistic');
    const period = int(input, 'Period', true) ?? 60;
    if (!(period === 10 || period === 30 || (period >= 60 && period % 60 === 0))) {
      throw invalidValue('The parameter Period must be 10, 30, or a multiple of 60.');
    }
    const evaluationPeriods = int(input, 'EvaluationPeriods', true) ?? 1;
    if (evaluationPeriods < 1) throw invalidValue('The parameter EvaluationPeriods must be greater than 0.');
    if (evaluationPeriods * period > 7 * 86400) {
      throw invalidValue('The evaluation period (Period * EvaluationPeriods) must not exceed 7 days.');
    }
    const datapointsToAlarm = int(input, 'DatapointsToAlarm') ?? evaluationPeriods;
    if (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
      throw invalidValue('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    }
    const threshold = num(input, 'Threshold', true) ?? 0;
    const operator = oneOf<ComparisonOperator>(
      str(input, 'ComparisonOperator', true) ?? '',
      COMPARISON_OPERATORS,
      'ComparisonOperator',
    );
    const treat = oneOf<TreatMissingData>(
      str(input, 'TreatMissingData') ?? 'missing',
      TREAT_MISSING_DATA,
      'TreatMissingData',
    );
    const now = ctx.now.getTime();
    const existing = store.getAlarm(ctx.region, name);
    const strings = (key: string): string[] => list(input, key).map(String);
    const unit = str(input, 'Unit');
    const description = str(input, 'AlarmDescription');
    const alarm: MetricAlarm = {
      AlarmName: name,
      AlarmArn: store.alarmArn(ctx.region, name),
      ...(description !== undefined && { AlarmDescription: description }),
      ActionsEnabled: input.ActionsEnabled !== false,
      OKActions: strings('OKActions'),
      AlarmActions: strings('AlarmActions'),
      InsufficientDataActions: strings('InsufficientDataActions'),
      Namespace: ns,
      MetricName: metricName,
      Dimensions: dims,
      Statistic: stat,
      Period: period,
      ...(unit !== undefined && { Unit: unit }),
      EvaluationPeriods: evaluationPeriods,
      DatapointsToAlarm: datapointsToAlarm,
      Threshold: threshold,
      ComparisonOperator: operator,
      TreatMissingData: treat,
      // An update keeps the state; a new alarm starts INSUFFICIENT_DATA and is evaluated at once.
      StateValue: existing?.StateValue ?? 'INSUFFICIENT_DATA',
      StateReason: existing?.StateReason ?? 'Unchecked: Initial alarm creation',
      ...(existing?.StateReasonData !== undefined && { StateReasonData: existing.StateReasonData }),
      StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? new Date(now),
      StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? new Date(now),
      AlarmConfigurationUpdatedTimestamp: new Date(now),
      evaluatedUntil: existing ? Math.floor(now / (period * 1000)) * period * 1000 : 0,
      region: ctx.region,
    };
    store.saveAlarm(alarm);
    catchUp();
    return {};
  };
}

function present(alarm: MetricAlarm): Record<string, unknown> {
  const { evaluatedUntil: _e, region: _r, ...shown } = alarm;
  return shown;
}

function describeAlarms(store: CloudWatchStore, catchUp: () => void): JsonHandler {
  return (input, ctx) => {
    catchUp();
    const names = list(input, 'AlarmNames').map(String);
    const prefix = str(input, 'AlarmNamePrefix');
    if (names.length > 0 && prefix !== undefined) {
      throw combination('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.');
    }
    if (names.length > 100) throw invalidValue('The collection AlarmNames must not have a size greater than 100.');
    const state = str(input, 'StateValue');
    if (state !== undefined) oneOf<AlarmState>(state, ['OK', 'ALARM', 'INSUFFICIENT_DATA'], 'StateValue');
    const types = list(input, 'AlarmTypes').map(String);
    const actionPrefix = str(input, 'ActionPrefix');
    const max = int(input, 'MaxRecords') ?? 50;
    if (max < 1 || max > 100) throw invalidValue('The parameter MaxRecords must be between 1 and 100.');
    const token = str(input, 'NextToken');
    const offset = token === undefined ? 0 : Number(token);
    if (!Number.isInteger(offset) || offset < 0)
      throw new AwsError(
        'InvalidNextToken',
        'The service couldn\u2019t process your request because of an invalid NextToken.',
      );
    const matches = store
      .listAlarms(ctx.region)
      .filter((a) => names.length === 0 || names.includes(a.AlarmName))
      .filter((a) => prefix === undefined || a.AlarmName.startsWith(prefix))
      .filter((a) => state === undefined || a.StateValue === state)
      .filter(
        (a) =>
          actionPrefix === undefined ||
          [...a.AlarmActions, ...a.OKActions, ...a.InsufficientDataActions].some((x) => x.startsWith(actionPrefix)),
      );
    const metricAlarms = types.length === 0 || types.includes('MetricAlarm') ? matches : [];
    const pageItems = metricAlarms.slice(offset, offset + max);
    const next = offset + max < metricAlarms.length ? String(offset + max) : undefined;
    return {
      MetricAlarms: pageItems.map(present),
      CompositeAlarms: [],
      ...(next !== undefined && { NextToken: next }),
    };
  };
}

function setAlarmState(store: CloudWatchStore): JsonHandler {
  return (input, ctx) => {
    const name = str(input, 'AlarmName', true) ?? '';
    const state = oneOf<AlarmState>(
      str(input, 'StateValue', true) ?? '',
      ['OK', 'ALARM', 'INSUFFICIENT_DATA'],
      'StateValue',
    );
    const reason = str(input, 'StateReason', true) ?? '';
    const reasonData = str(input, 'StateReasonData');
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new AwsError('InvalidFormatFault', 'Data was not syntactically valid JSON');
      }
    }
    const alarm = store.getAlarm(ctx.region, name);
    if (!alarm) throw new AwsError('ResourceNotFound', `Alarm ${name} not found`, 404);
    // Until the next evaluation of the alarm's metric.
    store.setState(alarm, state, reason, reasonData, ctx.now.getTime());
    return {};
  };
}

function deleteAlarms(store: CloudWatchStore): JsonHandler {
  return (input, ctx) => {
    const names = list(input, 'AlarmNames').map(String);
    if (names.length === 0) throw missing('AlarmNames');
    const unknown = names.filter((n) => !store.getAlarm(ctx.region, n));
    if (unknown.length > 0) throw new AwsError('ResourceNotFound', `Alarm ${unknown[0] ?? ''} not found`, 404);
    for (const n of names) store.deleteAlarm(ctx.region, n);
    return {};
  };
}

function listMetrics(store: CloudWatchStore): JsonHandler {
  return (input: Input, ctx: RequestContext) => {
    const ns = str(input, 'Namespace');
    const name = str(input, 'MetricName');
    return {
      Metrics: store
        .listMetrics(ctx.region)
        .filter((m) => (ns === undefined || m.Namespace === ns) && (name === undefined || m.MetricName === name)),
    };
  };
}

/** The CloudWatch service module. */
export function createCloudWatchService(deps: CloudWatchServiceDeps): JsonService {
  const { cloudwatch: store, catchUp } = deps;
  return {
    protocol: 'json',
    name: 'monitoring',
    targetPrefix: 'GraniteServiceVersion20100801',
    jsonVersion: '1.0',
    queryErrorCode: (code) => QUERY_ERROR_CODES[code],
    handlers: {
      PutMetricData: putMetricData(store),
      GetMetricStatistics: getMetricStatistics(store),
      GetMetricData: getMetricData(store),
      ListMetrics: listMetrics(store),
      PutMetricAlarm: putMetricAlarm(store, catchUp),
      DescribeAlarms: describeAlarms(store, catchUp),
      SetAlarmState: setAlarmState(store),
      DeleteAlarms: deleteAlarms(store),
    },
  };
}
