/**
 * Parses the `probes:` and `stopConditions:` of an experiment file, and the probe flags, into
 * frozen specs. Every error names the key path (`probes[1].http.url`), the value, the file line and
 * the fix, before any AWS call.
 */
import { parseDuration } from '../config/duration.js';
import { deepFreeze, editDistance } from '../config/shared.js';
import { InvalidInputError } from '../errors.js';
import { describeComparator, describeWindow } from './comparator.js';
import { catastrophicBacktracking } from './safe-pattern.js';
import {
  ALARM_STATES,
  CLOUDWATCH_STATISTICS,
  NUMBER_CRITERIA,
  PROBE_MODES,
  PROBE_TYPES,
  TEXT_CRITERIA,
  type AlarmState,
  type CloudWatchStatistic,
  type Comparator,
  type ProbeMode,
  type ProbeSpec,
  type ProbeType,
  type ProbeWindow,
  type RunProperties,
  type StopCondition,
} from './types.js';

/** Where a value came from: a file line for a key path, or a flag. */
export interface ProbeSources {
  /** `probes:` of the experiment file, as plain data. */
  readonly probes?: unknown;
  /** `stopConditions:` of the experiment file, as plain data. */
  readonly stopConditions?: unknown;
  /** The source of a key path, e.g. `experiment.yaml line 12`; undefined when unknown. */
  readonly sourceOf?: (path: string) => string | undefined;
  /** `--http-probe` URLs. */
  readonly httpProbeFlags?: readonly string[];
  /** `--http-probe-checks`: when the `--http-probe` URLs are checked (`before,during,after` by default). */
  readonly httpProbeChecks?: string;
  /** `--stop-alarm` names. */
  readonly stopAlarmFlags?: readonly string[];
  /** STOP_ALARMS, comma-separated. */
  readonly stopAlarmsEnv?: string;
}

/** The defaults of run properties, as Litmus has them where it has them. */
export const DEFAULT_RUN_PROPERTIES: RunProperties = Object.freeze({
  timeoutSeconds: 10,
  intervalSeconds: 2,
  pollingIntervalSeconds: 2,
  attempts: 1,
  initialDelaySeconds: 0,
  stopOnFailure: false,
});

/** The run properties of a probe made by `--http-probe`: a few attempts, as a restore takes a moment to show. */
const FLAG_RUN_PROPERTIES: RunProperties = Object.freeze({ ...DEFAULT_RUN_PROPERTIES, attempts: 5 });

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ALARM_NAME_MAX = 255;

type Reader = ReturnType<typeof reader>;

/** Helpers bound to one source, raising errors that name the path, the value, the line and the fix. */
function reader(sourceOf: ProbeSources['sourceOf'], fallbackSource: string) {
  const fail = (path: string, value: unknown, problem: string, fix: string): never => {
    throw new InvalidInputError(path, shownValue(value), problem, fix, {
      source: sourceOf?.(path) ?? fallbackSource,
    });
  };
  const mapping = (path: string, value: unknown, fix: string): Record<string, unknown> => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      fail(path, value, 'must be a mapping of keys to values', fix);
    return value as Record<string, unknown>;
  };
  const onlyKeys = (path: string, value: Record<string, unknown>, known: readonly string[]): void => {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        const near = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
        // The value is not shown: it may be a secret (a misspelt headers: {Authorization: ...}).
        fail(
          `${path}.${escapeKey(key)}`,
          NOT_SHOWN,
          `is not a key of ${path}${near ? `; did you mean '${near}'?` : ''}`,
          near ? `rename it to ${near}` : `use one of ${known.join(', ')}`,
        );
      }
    }
  };
  const text = (path: string, value: unknown, fix: string): string => {
    if (typeof value !== 'string' || value.trim() === '')
      fail(path, value, value === undefined ? 'is required' : 'must be non-empty text', fix);
    return (value as string).trim();
  };
  const optionalText = (path: string, value: unknown, fix: string): string | undefined =>
    value === undefined || value === null ? undefined : text(path, value, fix);
  const choice = <T extends string>(path: string, value: unknown, choices: readonly T[]): T => {
    if (typeof value !== 'string' || !choices.includes(value as T)) {
      const near = typeof value === 'string' ? choices.find((c) => c.toLowerCase() === value.toLowerCase()) : undefined;
      fail(
        path,
        value,
        value === undefined ? 'is required' : `is not one of ${choices.join(', ')}`,
        near ? `write ${near} (the case matters)` : `use one of ${choices.join(', ')}`,
      );
    }
    return value as T;
  };
  const seconds = (path: string, value: unknown, minSeconds: number): number => {
    const parsed = parseDuration(value as string | number, { minSeconds });
    if (!parsed.ok) fail(path, value, parsed.reason, 'write whole seconds (5) or a duration such as 5s, 2m');
    return (parsed as { seconds: number }).seconds;
  };
  const boolean = (path: string, value: unknown): boolean => {
    if (typeof value !== 'boolean') fail(path, value, 'must be true or false', 'write true or false');
    return value as boolean;
  };
  /**
   * An http(s) URL. User info (`user:password@`) is refused, never echoed: it would show in the
   * progress, the result, the reports and the plan. `prometheus` also refuses a #fragment (which
   * would drop the query the probe appends).
   */
  const url = (path: string, value: unknown, kind: 'http' | 'prometheus' = 'http'): string => {
    const raw = text(
      path,
      typeof value === 'string' ? value : redactUserInfo(value),
      'write an http:// or https:// URL',
    );
    const shown = redactUserInfo(raw);
    let parsed: URL | undefined;
    try {
      parsed = new URL(raw);
    } catch {
      parsed = undefined;
    }
    if ((parsed && (parsed.username !== '' || parsed.password !== '')) || shown !== raw)
      fail(
        path,
        shown,
        'must not contain a user name or password (it would be shown in the output, the result and the reports)',
        kind === 'http'
          ? 'remove user:password@ and pass the credentials in a header, e.g. headers: {Authorization: "Basic BASE64"}'
          : 'remove user:password@: reach Prometheus without credentials in the URL (e.g. through a local proxy that adds them)',
      );
    if (hasControl(raw) || raw.includes(' '))
      fail(
        path,
        shown,
        'holds a control character or whitespace (a URL parser would drop or mangle it silently)',
        'remove it, or percent-encode it (a space is %20)',
      );
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
      fail(
        path,
        shown,
        'is not an http:// or https:// URL',
        'write a full URL such as http://orders.internal:8080/health',
      );
    if (kind === 'prometheus' && (parsed!.hash !== '' || raw.includes('#')))
      fail(
        path,
        shown,
        'has a #fragment, which would drop the query sent to Prometheus',
        'remove the # and what follows, e.g. http://prometheus:9090',
      );
    return raw;
  };
  /**
   * A mapping of names to text. `kind` checks the names and values: HTTP header names are tokens and
   * their values hold no control character (CR, LF, NUL: a header injection); environment names are
   * non-empty, without `=` or NUL, and their values hold no NUL (which cannot be passed to a program).
   */
  const stringMap = (path: string, value: unknown, kind?: 'headers' | 'env'): Record<string, string> => {
    if (value === undefined || value === null) return {};
    const m = mapping(path, value, `write ${path.split('.').pop()}: {NAME: value}`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      const at = `${path}.${escapeKey(k)}`;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        fail(at, v, 'must be text', `write ${escapeKey(k)}: "value"`);
      const text = String(v);
      if (kind === 'headers') {
        if (!HEADER_NAME.test(k))
          fail(
            at,
            k,
            "is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only: no space, colon or control character)",
            'write a header name such as X-Request-Id',
          );
        if (hasControl(text, '\t'))
          fail(
            at,
            text,
            'holds a control character (CR, LF or NUL would inject or break headers)',
            'remove the control characters from the header value',
          );
      } else if (kind === 'env') {
        if (k === '' || k.includes('=') || k.includes('\u0000'))
          fail(
            at,
            k,
            'is not a valid environment variable name (empty, or holds = or NUL)',
            'write a name such as API_TOKEN',
          );
        if (text.includes('\u0000'))
          fail(at, text, 'holds a NUL character, which cannot be passed to a program', 'remove the NUL character');
      }
      out[k] = text;
    }
    return out;
  };
  return { fail, mapping, onlyKeys, text, optionalText, choice, seconds, boolean, url, stringMap };
}

/**
 * A comparator from its shorthand or full form:
 * - a number: `200` (== 200);
 * - text: `">= 1"`, `"between 200 299"`, `"oneOf 200 204"`, `"contains ok"`, `"matches ^ok"`;
 * - a mapping: `{criteria: '>=', value: 1}` (`type: number|text` when `oneOf` is ambiguous).
 */
export function parseComparator(r: Reader, path: string, value: unknown, want: 'number' | 'text' | 'any'): Comparator {
  const example =
    want === 'text'
      ? 'write e.g. "contains ok", or {criteria: matches, value: "^2"}'
      : 'write e.g. ">= 1", "== 200", "between 200 299", or {criteria: ">=", value: 1}';
  let criteria: string;
  let operand: unknown;
  let type: 'number' | 'text' | undefined;
  if (typeof value === 'number') {
    criteria = want === 'text' ? 'equal' : '==';
    operand = want === 'text' ? String(value) : value;
  } else if (typeof value === 'string') {
    const match =
      /^\s*(==|!=|>=|<=|>|<|between|oneOf|equal|notEqual|contains|notContains|matches|notMatches)\s+(.+?)\s*$/.exec(
        value,
      );
    if (!match) return r.fail(path, value, 'is not a comparison', example);
    criteria = match[1]!;
    const rest = match[2]!;
    operand = criteria === 'between' || criteria === 'oneOf' ? rest.split(/[\s,]+/) : rest;
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const m = value as Record<string, unknown>;
    r.onlyKeys(path, m, ['criteria', 'value', 'type']);
    criteria = r.text(`${path}.criteria`, m.criteria, example);
    operand = m.value;
    if (m.type !== undefined) type = r.choice(`${path}.type`, m.type, ['number', 'text'] as const);
    if (operand === undefined) r.fail(`${path}.value`, operand, 'is required', example);
  } else {
    return r.fail(path, value, value === undefined ? 'is required' : 'is not a comparison', example);
  }
  const isNumberCriteria = (NUMBER_CRITERIA as readonly string[]).includes(criteria);
  const isTextCriteria = (TEXT_CRITERIA as readonly string[]).includes(criteria);
  if (!isNumberCriteria && !isTextCriteria)
    r.fail(path, criteria, `is not a criteria`, `use one of ${[...NUMBER_CRITERIA, ...TEXT_CRITERIA].join(', ')}`);
  if (criteria === 'oneOf') type ??= want === 'text' ? 'text' : 'number';
  else type ??= isNumberCriteria ? 'number' : 'text';
  if (want !== 'any' && type !== want)
    r.fail(
      path,
      value,
      `compares ${type === 'number' ? 'numbers' : 'text'}, but this value is ${want === 'number' ? 'a number' : 'text'}`,
      want === 'number' ? `use one of ${NUMBER_CRITERIA.join(', ')}` : `use one of ${TEXT_CRITERIA.join(', ')}`,
    );
  if (type === 'number') {
    if (isTextCriteria && criteria !== 'oneOf')
      r.fail(path, value, `'${criteria}' compares text`, `use one of ${NUMBER_CRITERIA.join(', ')}`);
    const toNumber = (v: unknown): number => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (!Number.isFinite(n)) r.fail(path, value, `${JSON.stringify(v)} is not a number`, example);
      return n;
    };
    const list = Array.isArray(operand) ? operand.map(toNumber) : undefined;
    if (criteria === 'between') {
      if (!list || list.length !== 2 || list[0]! > list[1]!)
        r.fail(path, value, 'between takes two numbers, the lower first', 'write e.g. "between 200 299"');
      return { type, criteria: 'between', value: list! };
    }
    if (criteria === 'oneOf') {
      if (!list || list.length === 0) r.fail(path, value, 'oneOf takes a list', 'write e.g. "oneOf 200 204"');
      return { type, criteria: 'oneOf', value: list! };
    }
    if (Array.isArray(operand)) r.fail(path, value, `'${criteria}' takes one number`, example);
    return {
      type,
      criteria: criteria as Exclude<(typeof NUMBER_CRITERIA)[number], 'between' | 'oneOf'>,
      value: toNumber(operand),
    };
  }
  if (isNumberCriteria && criteria !== 'oneOf')
    r.fail(path, value, `'${criteria}' compares numbers`, `use one of ${TEXT_CRITERIA.join(', ')}`);
  if (criteria === 'oneOf') {
    const list = Array.isArray(operand) ? operand.map(String) : undefined;
    if (!list || list.length === 0)
      r.fail(path, value, 'oneOf takes a list', 'write e.g. {criteria: oneOf, value: [OK, ALARM]}');
    return { type: 'text', criteria: 'oneOf', value: list! };
  }
  if (typeof operand !== 'string' && typeof operand !== 'number')
    r.fail(path, value, `'${criteria}' takes one text`, example);
  const textValue = String(operand);
  if (criteria === 'matches' || criteria === 'notMatches') {
    try {
      new RegExp(textValue);
    } catch (error) {
      r.fail(path, textValue, `is not a valid regular expression (${(error as Error).message})`, 'fix the pattern');
    }
    const danger = catastrophicBacktracking(textValue);
    if (danger)
      r.fail(
        path,
        textValue,
        `is a pattern that can backtrack catastrophically (${danger}) and block the run for minutes`,
        'remove the nested repetition, e.g. write ^a+$ rather than ^(a+)+$, or compare with contains',
      );
  }
  return { type: 'text', criteria: criteria as (typeof TEXT_CRITERIA)[number], value: textValue };
}

function parseWindow(r: Reader, path: string, value: unknown): ProbeWindow {
  if (value === undefined || value === null) return { kind: 'chaos' };
  if (value === 'chaos' || value === 'experiment') return { kind: value };
  const text = typeof value === 'string' ? value.replace(/^last\s+/, '') : value;
  const parsed = parseDuration(text as string | number, { minSeconds: 1 });
  if (!parsed.ok)
    r.fail(
      path,
      value,
      `is not a window (${parsed.reason})`,
      'write chaos, experiment, or a duration such as "last 5m"',
    );
  return { kind: 'last', seconds: (parsed as { seconds: number }).seconds };
}

function parseRunProperties(r: Reader, path: string, value: unknown, defaults: RunProperties): RunProperties {
  if (value === undefined || value === null) return defaults;
  const m = r.mapping(path, value, 'write runProperties: {timeout: 5s, interval: 2s, attempts: 3}');
  r.onlyKeys(path, m, ['timeout', 'interval', 'pollingInterval', 'attempts', 'initialDelay', 'stopOnFailure']);
  const intervalSeconds =
    m.interval === undefined ? defaults.intervalSeconds : r.seconds(`${path}.interval`, m.interval, 0);
  let attempts = defaults.attempts;
  if (m.attempts !== undefined) {
    if (typeof m.attempts !== 'number' || !Number.isInteger(m.attempts) || m.attempts < 1 || m.attempts > 100)
      r.fail(`${path}.attempts`, m.attempts, 'must be a whole number from 1 to 100', 'write e.g. attempts: 3');
    attempts = m.attempts as number;
  }
  return Object.freeze({
    timeoutSeconds: m.timeout === undefined ? defaults.timeoutSeconds : r.seconds(`${path}.timeout`, m.timeout, 1),
    intervalSeconds,
    pollingIntervalSeconds:
      m.pollingInterval === undefined
        ? m.interval === undefined
          ? defaults.pollingIntervalSeconds
          : Math.max(1, intervalSeconds)
        : r.seconds(`${path}.pollingInterval`, m.pollingInterval, 1),
    attempts,
    initialDelaySeconds:
      m.initialDelay === undefined
        ? defaults.initialDelaySeconds
        : r.seconds(`${path}.initialDelay`, m.initialDelay, 0),
    stopOnFailure:
      m.stopOnFailure === undefined ? defaults.stopOnFailure : r.boolean(`${path}.stopOnFailure`, m.stopOnFailure),
  });
}

const TYPE_KEYS: Record<ProbeType, readonly string[]> = {
  http: ['url', 'method', 'headers', 'body', 'status', 'responseBody'],
  cmd: ['command', 'shell', 'env', 'exitCode', 'stdout'],
  prometheus: ['endpoint', 'query', 'comparator'],
  cloudwatch: ['alarm', 'metric'],
  cloudtrail: ['eventName', 'eventSource', 'errorCode', 'principal', 'window', 'comparator'],
  ecs: ['cluster', 'service', 'rolloutState', 'steady', 'runningCount', 'revision'],
};

function parseProbe(r: Reader, path: string, value: unknown): ProbeSpec {
  const m = r.mapping(path, value, 'write a probe as {name: NAME, type: http, mode: Edge, http: {url: URL}}');
  const name = r.text(`${path}.name`, m.name, 'give the probe a name such as orders-health');
  if (!NAME.test(name))
    r.fail(
      `${path}.name`,
      m.name,
      'must be 1 to 64 letters, digits, . _ or -, starting with a letter or digit',
      'write e.g. orders-health',
    );
  const type = r.choice(`${path}.type`, m.type, PROBE_TYPES);
  r.onlyKeys(path, m, ['name', 'type', 'mode', 'runProperties', type]);
  const mode = r.choice<ProbeMode>(`${path}.mode`, m.mode, PROBE_MODES);
  const runProperties = parseRunProperties(r, `${path}.runProperties`, m.runProperties, DEFAULT_RUN_PROPERTIES);
  const at = `${path}.${type}`;
  const inputs = r.mapping(at, m[type], `write the ${type} probe's inputs under ${type}:, e.g. ${exampleInputs(type)}`);
  r.onlyKeys(at, inputs, TYPE_KEYS[type]);
  const base = { name, mode, runProperties };
  switch (type) {
    case 'http': {
      const method =
        inputs.method === undefined
          ? 'GET'
          : r.choice(`${at}.method`, inputs.method, ['GET', 'POST', 'PUT', 'HEAD'] as const);
      return {
        ...base,
        type,
        url: r.url(`${at}.url`, inputs.url),
        method,
        headers: r.stringMap(`${at}.headers`, inputs.headers, 'headers'),
        body: r.optionalText(`${at}.body`, inputs.body, 'write the request body as text'),
        status:
          inputs.status === undefined
            ? { type: 'number', criteria: 'between', value: [200, 299] }
            : (parseComparator(r, `${at}.status`, inputs.status, 'number') as Comparator & { type: 'number' }),
        responseBody:
          inputs.responseBody === undefined
            ? undefined
            : (parseComparator(r, `${at}.responseBody`, inputs.responseBody, 'text') as Comparator & { type: 'text' }),
      };
    }
    case 'cmd': {
      const shell = inputs.shell === undefined ? false : r.boolean(`${at}.shell`, inputs.shell);
      let command: string[];
      if (typeof inputs.command === 'string') {
        if (!shell)
          r.fail(
            `${at}.command`,
            inputs.command,
            'is one string, which would need a shell to split',
            'write the argv as a list, e.g. command: [curl, -fsS, http://orders/health], or set shell: true to run it with sh -c',
          );
        command = [r.text(`${at}.command`, inputs.command, 'write the command')];
        if (command[0]!.includes('\u0000'))
          r.fail(
            `${at}.command`,
            inputs.command,
            'holds a NUL character, which cannot be passed to sh',
            'remove the NUL character',
          );
      } else if (Array.isArray(inputs.command) && inputs.command.length > 0) {
        command = inputs.command.map((arg, i) => {
          if (typeof arg !== 'string' && typeof arg !== 'number')
            r.fail(`${at}.command[${i}]`, arg, 'must be text', 'quote the argument');
          const text = String(arg);
          if (text.includes('\u0000'))
            r.fail(
              `${at}.command[${i}]`,
              text,
              'holds a NUL character, which cannot be passed to a program',
              'remove the NUL character',
            );
          if (i === 0 && text.trim() === '')
            r.fail(
              `${at}.command[0]`,
              text,
              'is empty: the program to run',
              'write the program first, e.g. [curl, -fsS, URL]',
            );
          return text;
        });
      } else {
        return r.fail(
          `${at}.command`,
          inputs.command,
          inputs.command === undefined ? 'is required' : 'must be a non-empty list of arguments',
          'write e.g. command: [curl, -fsS, http://orders/health]',
        );
      }
      return {
        ...base,
        type,
        command,
        shell,
        env: r.stringMap(`${at}.env`, inputs.env, 'env'),
        exitCode:
          inputs.exitCode === undefined
            ? { type: 'number', criteria: '==', value: 0 }
            : (parseComparator(r, `${at}.exitCode`, inputs.exitCode, 'number') as Comparator & { type: 'number' }),
        stdout: inputs.stdout === undefined ? undefined : parseComparator(r, `${at}.stdout`, inputs.stdout, 'any'),
      };
    }
    case 'prometheus':
      return {
        ...base,
        type,
        endpoint: r.url(`${at}.endpoint`, inputs.endpoint, 'prometheus'),
        query: r.text(
          `${at}.query`,
          inputs.query,
          'write a PromQL query such as sum(rate(http_requests_total{code=~"5.."}[1m]))',
        ),
        comparator: parseComparator(r, `${at}.comparator`, inputs.comparator, 'number') as Comparator & {
          type: 'number';
        },
      };
    case 'cloudwatch': {
      if ((inputs.alarm === undefined) === (inputs.metric === undefined))
        r.fail(
          at,
          inputs,
          'needs exactly one of alarm and metric',
          'write alarm: {name: NAME, state: OK} or metric: {namespace: ..., metricName: ..., statistic: Sum, comparator: "> 0"}',
        );
      if (inputs.alarm !== undefined) {
        const a = r.mapping(`${at}.alarm`, inputs.alarm, 'write alarm: {name: NAME, state: OK}');
        r.onlyKeys(`${at}.alarm`, a, ['name', 'state']);
        const alarmName = r.text(`${at}.alarm.name`, a.name, 'write the alarm name');
        const rawStates = a.state === undefined ? ['OK'] : Array.isArray(a.state) ? a.state : [a.state];
        const states = rawStates.map((s, i) =>
          r.choice<AlarmState>(`${at}.alarm.state${Array.isArray(a.state) ? `[${i}]` : ''}`, s, ALARM_STATES),
        );
        return { ...base, type, alarm: { name: alarmName, states }, metric: undefined };
      }
      const mm = r.mapping(
        `${at}.metric`,
        inputs.metric,
        'write metric: {namespace: ..., metricName: ..., statistic: Sum, comparator: "> 0"}',
      );
      r.onlyKeys(`${at}.metric`, mm, ['namespace', 'metricName', 'dimensions', 'statistic', 'window', 'comparator']);
      const dims = r.stringMap(`${at}.metric.dimensions`, mm.dimensions);
      return {
        ...base,
        type,
        alarm: undefined,
        metric: {
          namespace: r.text(`${at}.metric.namespace`, mm.namespace, 'write e.g. namespace: AWS/ApplicationELB'),
          metricName: r.text(
            `${at}.metric.metricName`,
            mm.metricName,
            'write e.g. metricName: HTTPCode_Target_5XX_Count',
          ),
          dimensions: Object.entries(dims).map(([n, v]) => ({ name: n, value: v })),
          statistic:
            mm.statistic === undefined
              ? 'Sum'
              : r.choice<CloudWatchStatistic>(`${at}.metric.statistic`, mm.statistic, CLOUDWATCH_STATISTICS),
          window: parseWindow(r, `${at}.metric.window`, mm.window),
          comparator: parseComparator(r, `${at}.metric.comparator`, mm.comparator, 'number') as Comparator & {
            type: 'number';
          },
        },
      };
    }
    case 'cloudtrail':
      return {
        ...base,
        type,
        eventName: r.optionalText(`${at}.eventName`, inputs.eventName, 'write e.g. eventName: PutObject'),
        eventSource: r.optionalText(
          `${at}.eventSource`,
          inputs.eventSource,
          'write e.g. eventSource: s3.amazonaws.com',
        ),
        errorCode: r.optionalText(`${at}.errorCode`, inputs.errorCode, 'write e.g. errorCode: AccessDenied'),
        principal: r.optionalText(`${at}.principal`, inputs.principal, 'write a role ARN or name, or ${CHAOS_ROLE}'),
        window: parseWindow(r, `${at}.window`, inputs.window),
        comparator: parseComparator(r, `${at}.comparator`, inputs.comparator, 'number') as Comparator & {
          type: 'number';
        },
      };
    case 'ecs': {
      const spec = {
        ...base,
        type,
        cluster: ecsName(r, `${at}.cluster`, inputs.cluster, 'cluster'),
        service: ecsName(r, `${at}.service`, inputs.service, 'service'),
        rolloutState:
          inputs.rolloutState === undefined
            ? undefined
            : r.choice(`${at}.rolloutState`, inputs.rolloutState, ['COMPLETED', 'IN_PROGRESS', 'FAILED'] as const),
        steady: inputs.steady === undefined ? undefined : r.boolean(`${at}.steady`, inputs.steady),
        runningCount:
          inputs.runningCount === undefined
            ? undefined
            : (parseComparator(r, `${at}.runningCount`, inputs.runningCount, 'number') as Comparator & {
                type: 'number';
              }),
        revision:
          inputs.revision === undefined
            ? undefined
            : r.choice(`${at}.revision`, inputs.revision, ['original', 'chaos'] as const),
      };
      if (!spec.rolloutState && spec.steady === undefined && !spec.runningCount && !spec.revision)
        r.fail(at, inputs, 'checks nothing', 'give at least one of rolloutState, steady, runningCount, revision');
      return spec;
    }
  }
}

/** An ECS cluster or service name: 1 to 255 letters, digits, - and _ (ECS's own rule). */
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

function ecsName(r: Reader, path: string, value: unknown, what: 'cluster' | 'service'): string | undefined {
  const name = r.optionalText(path, value, `write the ${what} name`);
  if (name !== undefined && !ECS_NAME.test(name))
    r.fail(
      path,
      value,
      `is not an ECS ${what} name (1 to 255 letters, digits, - and _)`,
      `write the ${what}'s name, such as orders, not a path or an ARN`,
    );
  return name;
}

/** An HTTP header name: a token (RFC 9110). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The cap of a value echoed in an error: 300 characters (the longest valid AWS names fit), then an ellipsis. */
export const MAX_SHOWN = 300;

/** What an unknown key's error shows for its value (which may be a secret). */
const NOT_SHOWN = '(value not shown)';

/** A value as an error may echo it: at most MAX_SHOWN characters, then an ellipsis. */
export function shownValue(value: unknown): unknown {
  // JSON has no Infinity nor NaN (YAML's .inf, .nan): it would say "null".
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return '(unprintable value)';
  }
  return text !== undefined && text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : value;
}

/** `scheme://user:password@host/...` with the user info replaced by `***`. */
export function redactUserInfo(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@') : value;
}

/** Whether text holds a control character (C0 or DEL) other than those in `allowed`. */
function hasControl(text: string, allowed = ''): boolean {
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if ((code < 0x20 || code === 0x7f) && !allowed.includes(ch)) return true;
  }
  return false;
}

/** A key as it may be shown in a field path: control characters escaped as in JSON. */
function escapeKey(key: string): string {
  return hasControl(key) ? JSON.stringify(key).slice(1, -1) : key;
}

function exampleInputs(type: ProbeType): string {
  return {
    http: '{url: http://orders/health}',
    cmd: '{command: [curl, -fsS, http://orders/health]}',
    prometheus: '{endpoint: http://prometheus:9090, query: "sum(up)", comparator: ">= 1"}',
    cloudwatch: '{alarm: {name: orders-5xx, state: OK}}',
    cloudtrail: '{errorCode: AccessDenied, principal: "${CHAOS_ROLE}", comparator: ">= 1"}',
    ecs: '{steady: true}',
  }[type];
}

/** The probes of an experiment: the file's, then one per `--http-probe`. Names are unique. */
export function parseProbes(sources: ProbeSources, fileSource = 'the experiment file'): ProbeSpec[] {
  const r = reader(sources.sourceOf, fileSource);
  const probes: ProbeSpec[] = [];
  if (sources.probes !== undefined && sources.probes !== null) {
    if (!Array.isArray(sources.probes))
      r.fail(
        'probes',
        sources.probes,
        'must be a list of probes',
        'write probes: [{name: ..., type: ..., mode: ...}, ...]',
      );
    (sources.probes as unknown[]).forEach((p, i) => probes.push(parseProbe(r, `probes[${i}]`, p)));
  }
  const checks = httpProbeChecks(sources.httpProbeChecks);
  (sources.httpProbeFlags ?? []).forEach((url, i) => {
    const flag = reader(() => 'flag --http-probe', 'flag --http-probe');
    const base = {
      type: 'http' as const,
      runProperties: FLAG_RUN_PROPERTIES,
      url: flag.url('--http-probe', url),
      method: 'GET' as const,
      headers: {},
      body: undefined,
      status: { type: 'number' as const, criteria: 'between' as const, value: [200, 299] },
      responseBody: undefined,
    };
    // Before and after: one Edge (or SOT/EOT) probe; during: an OnChaos probe beside it, polled
    // every 2 s, so an app that fails for the whole chaos window fails the run.
    const edge = checks.before && checks.after ? 'Edge' : checks.before ? 'SOT' : checks.after ? 'EOT' : undefined;
    if (edge) probes.push({ ...base, name: `http-probe-${i + 1}`, mode: edge });
    if (checks.during) probes.push({ ...base, name: `http-probe-${i + 1}-chaos`, mode: 'OnChaos' });
  });
  const seen = new Map<string, number>();
  probes.forEach((p, i) => {
    const before = seen.get(p.name);
    if (before !== undefined)
      r.fail(`probes[${i}].name`, p.name, `is also the name of probes[${before}]`, 'give every probe its own name');
    seen.set(p.name, i);
  });
  return deepFreeze(probes);
}

/** The points of the run `--http-probe-checks` names. */
export const HTTP_PROBE_CHECKS = ['before', 'during', 'after'] as const;

/** Parses `--http-probe-checks` (a comma-separated subset of before, during, after; all by default). */
export function httpProbeChecks(text: string | undefined): Record<(typeof HTTP_PROBE_CHECKS)[number], boolean> {
  if (text === undefined) return { before: true, during: true, after: true };
  const words = text
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '');
  const unknown = words.filter((w) => !(HTTP_PROBE_CHECKS as readonly string[]).includes(w));
  if (words.length === 0 || unknown.length > 0) {
    throw new InvalidInputError(
      '--http-probe-checks',
      shownValue(text),
      words.length === 0 ? 'names no point of the run' : `does not know ${unknown.join(', ')}`,
      `write a comma-separated subset of ${HTTP_PROBE_CHECKS.join(', ')}, e.g. --http-probe-checks before,during,after`,
      { source: 'flag --http-probe-checks' },
    );
  }
  return { before: words.includes('before'), during: words.includes('during'), after: words.includes('after') };
}

/** The stop conditions: the file's alarms, `--stop-alarm` and STOP_ALARMS, without duplicates. */
export function parseStopConditions(sources: ProbeSources, fileSource = 'the experiment file'): StopCondition[] {
  const r = reader(sources.sourceOf, fileSource);
  const names: string[] = [];
  const add = (path: string, value: unknown, source?: string): void => {
    const rr = source ? reader(() => source, source) : r;
    const name = rr.text(path, value, 'write the name of a CloudWatch alarm');
    if (name.length > ALARM_NAME_MAX)
      rr.fail(
        path,
        value,
        `is longer than ${ALARM_NAME_MAX} characters, the limit of an alarm name`,
        'write the alarm name',
      );
    if (!names.includes(name)) names.push(name);
  };
  const file = sources.stopConditions;
  if (file !== undefined && file !== null) {
    if (!Array.isArray(file))
      r.fail('stopConditions', file, 'must be a list', 'write stopConditions: [{alarm: orders-5xx}]');
    (file as unknown[]).forEach((c, i) => {
      const path = `stopConditions[${i}]`;
      if (typeof c === 'string') return add(path, c);
      const m = r.mapping(path, c, 'write {alarm: ALARM_NAME}');
      r.onlyKeys(path, m, ['alarm']);
      add(`${path}.alarm`, m.alarm);
    });
  }
  for (const name of sources.stopAlarmFlags ?? []) add('--stop-alarm', name, 'flag --stop-alarm');
  if (sources.stopAlarmsEnv !== undefined && sources.stopAlarmsEnv.trim() !== '') {
    for (const name of sources.stopAlarmsEnv.split(',')) add('STOP_ALARMS', name, 'env STOP_ALARMS');
  }
  return deepFreeze(names.map((alarmName) => ({ alarmName })));
}

/** What a probe asserts, in one line. */
export function describeProbe(probe: ProbeSpec): string {
  switch (probe.type) {
    case 'http':
      return `${probe.method} ${probe.url}: status ${describeComparator(probe.status)}${probe.responseBody ? `, body ${describeComparator(probe.responseBody)}` : ''}`;
    case 'cmd':
      return `${probe.shell ? 'sh -c ' : ''}${probe.command.join(' ')}: exit code ${describeComparator(probe.exitCode)}${probe.stdout ? `, stdout ${describeComparator(probe.stdout)}` : ''}`;
    case 'prometheus':
      return `${probe.query} ${describeComparator(probe.comparator)} (${probe.endpoint})`;
    case 'cloudwatch':
      return probe.alarm
        ? `alarm ${probe.alarm.name} is ${probe.alarm.states.join(' or ')}`
        : `${probe.metric!.statistic} of ${probe.metric!.namespace} ${probe.metric!.metricName} over ${describeWindow(probe.metric!.window)} ${describeComparator(probe.metric!.comparator)}`;
    case 'cloudtrail': {
      const filters = [
        probe.eventName && `eventName ${probe.eventName}`,
        probe.eventSource && `eventSource ${probe.eventSource}`,
        probe.errorCode && `errorCode ${probe.errorCode}`,
        probe.principal && `by ${probe.principal}`,
      ].filter(Boolean);
      return `CloudTrail events${filters.length > 0 ? ` (${filters.join(', ')})` : ''} in ${describeWindow(probe.window)} ${describeComparator(probe.comparator)}`;
    }
    case 'ecs': {
      const checks = [
        probe.rolloutState && `rolloutState ${probe.rolloutState}`,
        probe.steady !== undefined && (probe.steady ? 'steady' : 'not steady'),
        probe.runningCount && `runningCount ${describeComparator(probe.runningCount)}`,
        probe.revision && `on the ${probe.revision} revision`,
      ].filter(Boolean);
      return `service ${probe.cluster ?? '(target)'}/${probe.service ?? '(target)'}: ${checks.join(', ')}`;
    }
  }
}
