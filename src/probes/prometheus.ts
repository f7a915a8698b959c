/**
 * The `prometheus` probe: one instant PromQL query (`GET /api/v1/query`), whose one value (a scalar,
 * or the only sample of a vector) is compared with the probe's number comparator.
 */
import { compare, describeComparator } from './comparator.js';
import type { Observation, ProbeContext } from './context.js';
import type { PrometheusProbeSpec } from './types.js';

/** How much of an unexpected answer, or of a series' labels, the messages quote. */
const EXCERPT_CHARS = 200;

/** A sample as the Prometheus HTTP API sends it: [unix seconds, "value"]. */
type Sample = readonly [number, string];

interface QueryAnswer {
  readonly status?: unknown;
  readonly errorType?: unknown;
  readonly error?: unknown;
  readonly data?: { readonly resultType?: unknown; readonly result?: unknown };
}

function excerpt(text: string, max = EXCERPT_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : excerpt(JSON.stringify(value) ?? String(value));
}

/** A sample value: Prometheus writes floats as text, with `NaN`, `+Inf` and `-Inf`. */
function sampleValue(sample: unknown, what: string): number {
  const text = Array.isArray(sample) ? (sample as unknown[])[1] : undefined;
  if (typeof text !== 'string') throw new Error(`${what}: not a [time, "value"] sample: ${asText(sample)}`);
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n))
    throw new Error(`${what}: the sample value ${JSON.stringify(text)} is not a number`);
  return n;
}

/** A series' labels as PromQL writes them: `name{a="x",b="y"}`. */
function seriesName(metric: unknown): string {
  const labels = { ...(typeof metric === 'object' && metric !== null ? (metric as Record<string, unknown>) : {}) };
  const name = typeof labels['__name__'] === 'string' ? labels['__name__'] : '';
  delete labels['__name__'];
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(String(v))}`);
  return excerpt(`${name}{${pairs.join(',')}}`);
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Runs the probe's instant query and compares its one value. Throws when there is no one value to compare. */
export async function observePrometheus(spec: PrometheusProbeSpec, ctx: ProbeContext): Promise<Observation> {
  const endpoint = spec.endpoint.replace(/\/+$/, '');
  const where = `prometheus ${endpoint}`;
  const url = `${endpoint}/api/v1/query?${new URLSearchParams({ query: spec.query }).toString()}`;
  let status: number;
  let body: string;
  try {
    const res = await fetch(url, { signal: ctx.signal, headers: { accept: 'application/json' } });
    status = res.status;
    body = await res.text();
  } catch (err) {
    const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new Error(`${where}: the query could not be sent: ${cause}`, { cause: err });
  }

  let answer: QueryAnswer | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) answer = parsed;
  } catch {
    answer = undefined;
  }
  // Prometheus answers a bad query with 400 (bad_data) or 422 (execution) and a JSON error: say that.
  if (answer?.status === 'error') {
    throw new Error(
      `${where}: the query ${spec.query} failed (HTTP ${status}, ${asText(answer.errorType ?? 'error')}): ${asText(answer.error ?? '')}`,
    );
  }
  if (status < 200 || status > 299) {
    throw new Error(`${where}: HTTP ${status} for the query ${spec.query}: ${excerpt(body) || '(empty body)'}`);
  }
  if (answer?.status !== 'success' || typeof answer.data !== 'object' || answer.data === null) {
    throw new Error(`${where}: not a Prometheus query API answer: ${excerpt(body) || '(empty body)'}`);
  }

  const { resultType, result } = answer.data;
  let value: number;
  let shape: string;
  if (resultType === 'scalar') {
    value = sampleValue(result, where);
    shape = 'scalar';
  } else if (resultType === 'vector') {
    const series = Array.isArray(result) ? (result as Array<{ metric?: unknown; value?: Sample }>) : [];
    if (series.length === 0) {
      throw new Error(
        `${where}: the query ${spec.query} returned no series (nothing matches, or no sample in the last 5 minutes); ` +
          `to count no data as 0, append \`or vector(0)\`, e.g. \`sum(...) or vector(0)\``,
      );
    }
    if (series.length > 1) {
      const names = series.slice(0, 3).map((s) => seriesName(s.metric));
      throw new Error(
        `${where}: the query ${spec.query} returned ${series.length} series (${names.join(', ')}` +
          `${series.length > 3 ? ', ...' : ''}); the probe compares one value: aggregate them, e.g. sum(...) or max(...)`,
      );
    }
    value = sampleValue(series[0]!.value, where);
    shape = `vector, 1 series ${seriesName(series[0]!.metric)}`;
  } else {
    throw new Error(
      `${where}: the query ${spec.query} returned a ${String(resultType)}; the probe needs an instant query whose ` +
        `result is a scalar or a vector of one series${resultType === 'matrix' ? ' (drop the range selector [..], or wrap it in e.g. sum(rate(...[1m])))' : ''}`,
    );
  }

  return {
    passed: compare(spec.comparator, value),
    // NaN and ±Inf as Prometheus writes them: JSON has no such numbers.
    actual: Number.isFinite(value) ? value : formatValue(value),
    expected: `${spec.query} ${describeComparator(spec.comparator)}`,
    evidence: `${where}: ${spec.query} = ${formatValue(value)} (${shape})`,
  };
}
