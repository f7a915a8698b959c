/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) that a
 * person can open to see how an experiment went. Everything that came from AWS or the user is
 * escaped, in text and in attributes.
 */
import { faultNamed } from '../faults/registry.js';
import type { ProbeEvaluation, ProbeResult } from '../probes/types.js';
import type { ExperimentResult, TimelineEntry } from './result.js';

/** Escapes text for HTML text and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** The phase colors of the timeline (unknown phases are grey). */
export const PHASE_COLORS: Readonly<Record<string, string>> = {
  preflight: '#9aa5b1',
  'ramp-up': '#f2d16b',
  inject: '#e5534b',
  hold: '#f0883e',
  revert: '#4c8eda',
  'ramp-down': '#f2d16b',
  verify: '#3fb950',
};

const VERDICT_COLORS: Readonly<Record<string, string>> = {
  Pass: '#1a7f37',
  Fail: '#cf222e',
  Stopped: '#bc4c00',
  Error: '#8250df',
};

/** A phase as a band over time, in milliseconds since the epoch. */
interface PhaseBand {
  readonly name: string;
  readonly message: string;
  readonly start: number;
  readonly end: number;
  readonly iteration?: number;
}

/** One step of a revision's RUNNING count. */
interface Step {
  readonly time: number;
  readonly running: number;
}

const ms = (iso: string | undefined): number => {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : NaN;
};

function timeBounds(result: ExperimentResult): { t0: number; t1: number } {
  const times = [
    ...result.timeline.map((t) => t.time),
    ...(result.probes ?? []).flatMap((p) => p.evaluations.map((v) => v.at)),
    result.stopConditions?.triggered?.at,
  ]
    .map(ms)
    .filter((t) => Number.isFinite(t));
  let t0 = ms(result.startedAt);
  if (!Number.isFinite(t0)) t0 = times.length > 0 ? Math.min(...times) : 0;
  let t1 = ms(result.endedAt);
  if (!Number.isFinite(t1)) t1 = times.length > 0 ? Math.max(...times) : t0;
  if (times.length > 0) {
    t0 = Math.min(t0, ...times);
    t1 = Math.max(t1, ...times);
  }
  if (t1 <= t0) t1 = t0 + 1000;
  return { t0, t1 };
}

function phaseBands(result: ExperimentResult, t1: number): PhaseBand[] {
  const phases = result.timeline.filter((t) => t.kind === 'phase' && Number.isFinite(ms(t.time)));
  return phases.map((p, i) => ({
    name: p.name,
    message: p.message,
    start: ms(p.time),
    end: i + 1 < phases.length ? ms(phases[i + 1]!.time) : t1,
    ...(p.iteration !== undefined ? { iteration: p.iteration } : {}),
  }));
}

/** RUNNING tasks per revision over time, from the `tasks` events (which are logged on change). */
function taskSeries(result: ExperimentResult): Map<string, Step[]> {
  const series = new Map<string, Step[]>();
  const events = result.timeline.filter((t) => t.kind === 'event' && t.name === 'tasks');
  for (const event of events) {
    const time = ms(event.time);
    const counts = event.data?.counts;
    if (!Number.isFinite(time) || counts === null || typeof counts !== 'object') continue;
    const seen = new Set<string>();
    for (const [arn, states] of Object.entries(counts as Record<string, unknown>)) {
      const running =
        states !== null && typeof states === 'object' ? Number((states as Record<string, unknown>).RUNNING ?? 0) : 0;
      if (!series.has(arn)) series.set(arn, []);
      series.get(arn)!.push({ time, running: Number.isFinite(running) ? running : 0 });
      seen.add(arn);
    }
    // A revision missing from an event has no task any more.
    for (const [arn, steps] of series) if (!seen.has(arn)) steps.push({ time, running: 0 });
  }
  return series;
}

function revisionRole(result: ExperimentResult, arn: string): 'original' | 'chaos' | 'other' {
  if (arn === result.effect.originalTaskDefinitionArn) return 'original';
  const chaos = new Set<string>(result.iterations.map((i) => i.chaosTaskDefinitionArn ?? ''));
  if (result.effect.chaosTaskDefinitionArn) chaos.add(result.effect.chaosTaskDefinitionArn);
  return chaos.has(arn) ? 'chaos' : 'other';
}

const SERIES_COLORS = { original: '#0969da', chaos: '#cf222e', other: '#6e7781' } as const;

const PROBE_STATUS_COLORS: Readonly<Record<string, string>> = {
  Passed: '#1a7f37',
  Failed: '#cf222e',
  'N/A': '#6e7781',
};
const DENIED_COLOR = '#8250df';
const STOP_COLOR = '#bc4c00';

/** Shortens text for an SVG label (the full text goes in the `<title>`); escape after. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}

/** An evaluation in one line: when, where, what was seen. */
function evaluationLine(probe: ProbeResult, v: ProbeEvaluation): string {
  return (
    `${probe.name}: ${v.passed ? 'passed' : 'FAILED'} (${v.phase}, ${v.at}): ${v.evidence}` +
    `; expected ${v.expected}${v.actual !== undefined ? `, actual ${String(v.actual)}` : ''}` +
    (v.error !== undefined ? `; error: ${v.error}` : '')
  );
}

/** The short name of a task definition ARN: `family:revision`. */
function shortRevision(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}

function renderTimelineSvg(result: ExperimentResult): string {
  const { t0, t1 } = timeBounds(result);
  const width = 960;
  const left = 60;
  const right = 20;
  const plotWidth = width - left - right;
  const bandTop = 28;
  const bandHeight = 34;
  const chartTop = 100;
  const chartHeight = 160;
  const x = (t: number): number => left + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * plotWidth;
  const fmt = (n: number): string => n.toFixed(1);

  const svgOpen = (height: number): string =>
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="experiment timeline">`;
  // The opening tag is replaced at the end, once the height of the lanes is known.
  const parts: string[] = [''];
  parts.push(`<text x="${left}" y="18" class="svg-title">Phases</text>`);

  // Phase bands.
  const bands = phaseBands(result, t1);
  parts.push('<g id="phase-bands">');
  for (const band of bands) {
    const bx = x(band.start);
    const bw = Math.max(x(band.end) - bx, 1);
    const color = PHASE_COLORS[band.name] ?? '#c9d1d9';
    const label = `${band.name}${band.iteration !== undefined ? ` #${band.iteration}` : ''}`;
    parts.push(
      `<g class="phase-band" data-phase="${e(band.name)}"><title>${e(label)}: ${e(band.message)} (${fmt((band.end - band.start) / 1000)}s)</title>` +
        `<rect class="phase phase-${e(band.name.replace(/[^a-z0-9-]/gi, '_'))}" x="${fmt(bx)}" y="${bandTop}" width="${fmt(bw)}" height="${bandHeight}" fill="${color}"/>` +
        (bw > 40
          ? `<text x="${fmt(bx + 4)}" y="${bandTop + bandHeight / 2 + 4}" class="band-label">${e(label)}</text>`
          : '') +
        '</g>',
    );
  }
  parts.push('</g>');

  // Tasks chart.
  const series = taskSeries(result);
  let max = 1;
  for (const steps of series.values()) for (const s of steps) max = Math.max(max, s.running);
  const y = (n: number): number => chartTop + chartHeight - (n / max) * chartHeight;
  parts.push(`<text x="${left}" y="${chartTop - 12}" class="svg-title">RUNNING tasks per revision</text>`);
  parts.push('<g id="tasks-chart">');
  parts.push(
    `<line class="axis" x1="${left}" y1="${chartTop + chartHeight}" x2="${left + plotWidth}" y2="${chartTop + chartHeight}"/>`,
    `<line class="axis" x1="${left}" y1="${chartTop}" x2="${left}" y2="${chartTop + chartHeight}"/>`,
  );
  const yStep = Math.max(1, Math.ceil(max / 5));
  for (let n = 0; n <= max; n += yStep) {
    parts.push(
      `<line class="grid" x1="${left}" y1="${fmt(y(n))}" x2="${left + plotWidth}" y2="${fmt(y(n))}"/>`,
      `<text x="${left - 8}" y="${fmt(y(n) + 4)}" text-anchor="end" class="tick">${n}</text>`,
    );
  }
  const seconds = (t1 - t0) / 1000;
  const xStep = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => seconds / s <= 10) ?? 7200;
  for (let s = 0; s <= seconds; s += xStep) {
    const tx = x(t0 + s * 1000);
    parts.push(
      `<text x="${fmt(tx)}" y="${chartTop + chartHeight + 16}" text-anchor="middle" class="tick">${s}s</text>`,
    );
  }
  let legendX = left;
  for (const [arn, steps] of series) {
    if (steps.length === 0) continue;
    const role = revisionRole(result, arn);
    const color = SERIES_COLORS[role];
    const points: string[] = [];
    let prev: number | undefined;
    for (const step of steps) {
      if (prev !== undefined) points.push(`${fmt(x(step.time))},${fmt(y(prev))}`);
      points.push(`${fmt(x(step.time))},${fmt(y(step.running))}`);
      prev = step.running;
    }
    points.push(`${fmt(x(t1))},${fmt(y(prev ?? 0))}`);
    parts.push(
      `<polyline class="series series-${role}" data-revision="${e(arn)}" fill="none" stroke="${color}" stroke-width="2.5" points="${points.join(' ')}"><title>${e(role)}: ${e(arn)}</title></polyline>`,
    );
    const legendY = chartTop + chartHeight + 40;
    parts.push(
      `<rect x="${legendX}" y="${legendY - 9}" width="12" height="12" fill="${color}"/>`,
      `<text x="${legendX + 16}" y="${legendY + 1}" class="legend">${e(role)}: ${e(shortRevision(arn))}</text>`,
    );
    legendX += 24 + Math.min(shortRevision(arn).length + role.length + 2, 60) * 7;
  }
  if (series.size === 0) {
    parts.push(
      `<text x="${left + plotWidth / 2}" y="${chartTop + chartHeight / 2}" text-anchor="middle" class="tick">no task observations</text>`,
    );
  }
  parts.push('</g>');

  // Lanes under the tasks chart, on the same time axis.
  let laneTop = chartTop + chartHeight + 66;
  const tickLabels = (ty: number): void => {
    for (let s = 0; s <= seconds; s += xStep)
      parts.push(`<text x="${fmt(x(t0 + s * 1000))}" y="${ty}" text-anchor="middle" class="tick">${s}s</text>`);
  };

  // Probe evaluations: one row per probe, a marker per evaluation.
  const probes = result.probes ?? [];
  if (probes.length > 0) {
    const rowHeight = 30;
    parts.push(`<text x="${left}" y="${laneTop}" class="svg-title">Probe evaluations</text>`);
    const lx = left + 150;
    parts.push(
      `<circle cx="${lx}" cy="${laneTop - 4}" r="5" fill="#1a7f37"/>`,
      `<text x="${lx + 9}" y="${laneTop}" class="legend">passed</text>`,
      `<path d="M${lx + 61},${laneTop - 9}l10,10m0,-10l-10,10" stroke="#cf222e" stroke-width="3"/>`,
      `<text x="${lx + 76}" y="${laneTop}" class="legend">failed</text>`,
    );
    parts.push('<g id="probe-lane">');
    probes.forEach((probe, i) => {
      const rowY = laneTop + 10 + i * rowHeight;
      const lineY = rowY + 20;
      const color = PROBE_STATUS_COLORS[probe.status] ?? '#6e7781';
      parts.push(
        `<g class="probe-row" data-probe="${e(probe.name)}">`,
        `<rect class="probe-row-bg" x="${left - 4}" y="${rowY - 4}" width="${plotWidth + 8}" height="${rowHeight - 1}" fill="${i % 2 === 0 ? '#f6f8fa' : '#ffffff'}"/>`,
        `<text x="${left}" y="${rowY + 9}" class="probe-label"><tspan font-weight="600">${e(clip(probe.name, 60))}</tspan> ` +
          `(${e(probe.type)}, ${e(probe.mode)}): <tspan fill="${color}" font-weight="600">${e(probe.status)}</tspan>` +
          (probe.evaluations.length === 0 ? ' <tspan class="muted-svg">not evaluated</tspan>' : '') +
          `<title>${e(probe.name)}: ${e(probe.status)}: ${e(probe.statusReason)}</title></text>`,
        `<line class="lane-line" x1="${left}" y1="${lineY}" x2="${left + plotWidth}" y2="${lineY}"/>`,
      );
      for (const v of probe.evaluations) {
        const t = ms(v.at);
        if (!Number.isFinite(t)) continue;
        const px = x(t);
        const title = `<title>${e(evaluationLine(probe, v))}</title>`;
        parts.push(
          v.passed
            ? `<g class="probe-eval probe-eval-passed" data-phase="${e(v.phase)}">${title}<circle cx="${fmt(px)}" cy="${lineY}" r="5.5" fill="#1a7f37" stroke="#fff" stroke-width="1"/></g>`
            : `<g class="probe-eval probe-eval-failed" data-phase="${e(v.phase)}">${title}<circle cx="${fmt(px)}" cy="${lineY}" r="8" fill="#fff" fill-opacity="0.01"/>` +
                `<path d="M${fmt(px - 5.5)},${lineY - 5.5}l11,11m0,-11l-11,11" stroke="#cf222e" stroke-width="3" stroke-linecap="round"/></g>`,
        );
      }
      parts.push('</g>');
    });
    parts.push('</g>');
    laneTop += 10 + probes.length * rowHeight + 30;
  }

  // AccessDenied counts per bucket.
  const denied = result.signals?.accessDenied;
  if (denied !== undefined) {
    if (denied.ok) {
      const laneHeight = 60;
      const top = laneTop + 12;
      const maxCount = Math.max(1, ...denied.buckets.map((b) => b.count));
      parts.push(
        `<text x="${left}" y="${laneTop}" class="svg-title">AccessDenied events per ${e(denied.bucketSeconds)}s (${e(denied.total)} in all${denied.truncated ? ', at least' : ''})</text>`,
        '<g id="denied-lane">',
        `<line class="axis" x1="${left}" y1="${top + laneHeight}" x2="${left + plotWidth}" y2="${top + laneHeight}"/>`,
        `<text x="${left - 8}" y="${top + 8}" text-anchor="end" class="tick">${e(maxCount)}</text>`,
        `<text x="${left - 8}" y="${top + laneHeight + 4}" text-anchor="end" class="tick">0</text>`,
      );
      for (const bucket of denied.buckets) {
        const start = ms(bucket.start);
        if (!Number.isFinite(start)) continue;
        const bx = x(start);
        const bw = Math.max(x(start + denied.bucketSeconds * 1000) - bx - 1, 1);
        const bh = (bucket.count / maxCount) * laneHeight;
        parts.push(
          `<g class="denied-bucket" data-count="${e(bucket.count)}"><title>${e(bucket.count)} AccessDenied from ${e(bucket.start)} (${e(denied.bucketSeconds)}s)</title>` +
            `<rect class="denied-bar" x="${fmt(bx)}" y="${fmt(top + laneHeight - bh)}" width="${fmt(bw)}" height="${fmt(bh)}" fill="${DENIED_COLOR}"/>` +
            (bucket.count > 0 && bw >= 12
              ? `<text x="${fmt(bx + bw / 2)}" y="${fmt(top + laneHeight - bh - 3)}" text-anchor="middle" class="tick">${e(bucket.count)}</text>`
              : '') +
            '</g>',
        );
      }
      parts.push('</g>');
      laneTop = top + laneHeight + 16;
      tickLabels(laneTop);
      laneTop += 24;
    } else {
      parts.push(
        `<text x="${left}" y="${laneTop}" class="svg-title">AccessDenied events</text>`,
        `<text id="denied-lane" x="${left}" y="${laneTop + 18}" class="tick">not counted: ${e(clip(denied.reason, 140))}<title>${e(denied.reason)}</title></text>`,
      );
      laneTop += 36;
    }
  } else if (probes.length > 0) {
    tickLabels(laneTop - 14);
    laneTop += 10;
  }

  // The stop condition that triggered: a line across every lane.
  const triggered = result.stopConditions?.triggered;
  const triggeredAt = ms(triggered?.at);
  if (triggered !== undefined && Number.isFinite(triggeredAt)) {
    const sx = x(triggeredAt);
    const label = `stopped: ${clip(triggered.alarmName, 40)} ${triggered.state}`;
    const anchorEnd = sx > left + plotWidth - 260;
    parts.push(
      `<g id="stop-marker" class="stop-marker"><title>stop condition: ${e(triggered.alarmName)} was ${e(triggered.state)} at ${e(triggered.at)}: ${e(triggered.reason)}</title>` +
        `<line x1="${fmt(sx)}" y1="${bandTop - 4}" x2="${fmt(sx)}" y2="${laneTop - 20}" stroke="${STOP_COLOR}" stroke-width="2.5" stroke-dasharray="6 3"/>` +
        `<path d="M${fmt(sx - 6)},${bandTop - 12}h12v8h-12z" fill="${STOP_COLOR}"/>` +
        `<text x="${fmt(anchorEnd ? sx - 6 : sx + 6)}" y="${bandTop + bandHeight + 14}" text-anchor="${anchorEnd ? 'end' : 'start'}" class="stop-label">${e(label)}</text></g>`,
    );
  }

  const height = Math.max(chartTop + chartHeight + 70, laneTop);
  parts[0] = svgOpen(height);
  parts.push('</svg>');
  return parts.join('\n');
}

const yesNo = (ok: boolean): string =>
  ok ? '<span class="ok">&#10003; yes</span>' : '<span class="bad">&#10007; no</span>';

function table(headers: readonly string[], rows: readonly (readonly string[])[], id?: string): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  return (
    `<table${id ? ` id="${id}"` : ''}><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

function offset(entry: TimelineEntry, t0: number): string {
  const t = ms(entry.time);
  return Number.isFinite(t) ? `+${((t - t0) / 1000).toFixed(1)}s` : '';
}

function renderPrediction(result: ExperimentResult): string {
  const prediction = result.prediction;
  if (!prediction) return '<p class="muted">no prediction was made</p>';
  if (!prediction.ok) return `<p>no prediction: ${e(prediction.reason)}</p>`;
  const br = prediction.blastRadius;
  const out = [
    `<p>${e(br.summary)}</p>`,
    `<p class="muted">original role <code>${e(br.originalRoleArn)}</code>, chaos role <code>${e(br.chaosRoleArn ?? '(none)')}</code>; ${br.checked} allowed action/resource pairs checked</p>`,
    table(
      ['action', 'resource', 'service', 'access level', 'reason'],
      br.lost.map((l) => [
        `<code>${e(l.action)}</code>`,
        `<code>${e(l.resource)}</code>`,
        e(l.service),
        e(l.accessLevel),
        e(l.reason),
      ]),
      'lost-actions',
    ),
  ];
  if (br.notes.length > 0) out.push(`<ul>${br.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`);
  const observed = prediction.observed;
  if (observed && observed.ok) {
    out.push(
      `<h3>Calls observed since ${e(observed.since)}${observed.truncated ? ' (truncated)' : ''}</h3>`,
      table(
        ['action', 'count', 'denied', 'last seen', 'will fail'],
        observed.calls.map((c) => [
          `<code>${e(c.action)}</code>`,
          e(c.count),
          e(c.denied),
          e(c.lastSeen),
          c.willFail ? '<span class="bad">yes</span>' : 'no',
        ]),
      ),
    );
  } else if (observed) {
    out.push(`<p class="muted">observed calls unknown: ${e(observed.reason)}</p>`);
  }
  return out.join('\n');
}

const STATUS_CLASS: Readonly<Record<string, string>> = { Passed: 'ok', Failed: 'bad', 'N/A': 'muted' };

const probeStatus = (status: string): string =>
  `<span class="status ${STATUS_CLASS[status] ?? 'muted'}">${e(status)}</span>`;

function renderProbes(result: ExperimentResult, t0: number): string {
  const probes = result.probes ?? [];
  if (probes.length === 0) return '<div id="probes"><p class="muted">no probes were declared</p></div>';
  const count = (status: string): number => probes.filter((p) => p.status === status).length;
  const out: string[] = [
    `<p id="probe-summary-line">${probes.length} probe${probes.length === 1 ? '' : 's'}: ` +
      `<span class="ok">${count('Passed')} passed</span>, <span class="bad">${count('Failed')} failed</span>, ` +
      `<span class="muted">${count('N/A')} N/A</span>; probe success ${e(result.probeSuccessPercentage)}%</p>`,
    table(
      ['probe', 'type', 'mode', 'status', 'asserts', 'why', 'evaluations'],
      probes.map((p) => [
        `<strong>${e(p.name)}</strong>`,
        e(p.type),
        e(p.mode),
        probeStatus(p.status),
        e(p.description),
        e(p.statusReason) + (p.stoppedExperiment ? ' <span class="bad">(stopped the experiment)</span>' : ''),
        `${e(p.evaluationCount)}${p.failedCount > 0 ? ` <span class="bad">(${e(p.failedCount)} failed)</span>` : ' (0 failed)'}`,
      ]),
      'probe-table',
    ),
  ];
  for (const p of probes) {
    out.push(
      `<div class="probe probe-${e(p.status === 'N/A' ? 'na' : p.status.toLowerCase())}" data-probe="${e(p.name)}">`,
      `<h3>${e(p.name)} ${probeStatus(p.status)} <span class="muted probe-kind">${e(p.type)} probe, mode ${e(p.mode)}</span></h3>`,
      `<dl class="probe-detail"><dt>asserts</dt><dd>${e(p.description)}</dd><dt>outcome</dt><dd>${e(p.statusReason)}${
        p.stoppedExperiment ? ' <span class="bad">(its failure stopped the experiment)</span>' : ''
      }</dd></dl>`,
    );
    if (p.evaluations.length === 0) {
      out.push('<p class="muted">not evaluated</p>');
    } else {
      if (p.evaluations.length < p.evaluationCount)
        out.push(
          `<p class="muted">${p.evaluations.length} of ${e(p.evaluationCount)} evaluations kept: the first, the last and every failure</p>`,
        );
      out.push(
        '<table class="probe-evaluations"><thead><tr><th>time</th><th>phase</th><th>result</th><th>attempts</th><th>expected</th><th>actual</th><th>evidence</th><th>error</th></tr></thead><tbody>' +
          p.evaluations
            .map((v) => {
              const t = ms(v.at);
              const off = Number.isFinite(t) ? `+${((t - t0) / 1000).toFixed(1)}s` : '';
              return (
                `<tr class="${v.passed ? 'eval-passed' : 'eval-failed'}">` +
                `<td><span class="nowrap">${e(off)}</span><br><span class="muted small nowrap">${e(v.at)}</span></td>` +
                `<td class="nowrap">${e(v.phase)}</td>` +
                `<td class="nowrap">${v.passed ? '<span class="ok">&#10003; passed</span>' : '<span class="bad">&#10007; failed</span>'}</td>` +
                `<td>${e(v.attempts)}</td>` +
                `<td>${e(v.expected)}</td>` +
                `<td>${v.actual !== undefined ? `<code>${e(v.actual)}</code>` : ''}</td>` +
                `<td>${e(v.evidence)}</td>` +
                `<td>${v.error !== undefined ? `<span class="bad">${e(v.error)}</span>` : ''}</td></tr>`
              );
            })
            .join('') +
          '</tbody></table>',
      );
    }
    out.push('</div>');
  }
  return `<div id="probes">${out.join('\n')}</div>`;
}

function renderStopConditions(result: ExperimentResult): string {
  const stop = result.stopConditions ?? { alarms: [] };
  const out: string[] = [];
  if (stop.alarms.length === 0) out.push('<p class="muted">none: no CloudWatch alarm was watched</p>');
  else
    out.push(
      `<p>CloudWatch alarms watched during the chaos (the experiment stops when one is in ALARM):</p>`,
      `<ul id="stop-alarms">${stop.alarms.map((a) => `<li><code>${e(a)}</code></li>`).join('')}</ul>`,
    );
  if (stop.triggered)
    out.push(
      `<p id="stop-triggered" class="error"><strong>stopped by <code>${e(stop.triggered.alarmName)}</code></strong>: ` +
        `${e(stop.triggered.state)} at ${e(stop.triggered.at)}: ${e(stop.triggered.reason)}</p>`,
    );
  else if (stop.alarms.length > 0) out.push('<p class="ok">none of them triggered</p>');
  return `<div id="stop-conditions">${out.join('\n')}</div>`;
}

function renderAccessDenied(result: ExperimentResult): string {
  const denied = result.signals?.accessDenied;
  if (denied === undefined) return '';
  if (!denied.ok)
    return `<h2>AccessDenied</h2><div id="access-denied"><p class="muted">not counted: ${e(denied.reason)}</p></div>`;
  const actions = Object.entries(denied.byAction).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [
    '<h2>AccessDenied</h2>',
    '<div id="access-denied">',
    `<p>CloudTrail AccessDenied events of the chaos identity during the chaos window: <strong id="access-denied-total">${e(denied.total)}</strong>${
      denied.truncated ? ' <span class="bad">(at least: the scan hit its page limit)</span>' : ''
    }</p>`,
    '<dl>',
    `<dt>principal</dt><dd><code>${e(denied.principal)}</code></dd>`,
    `<dt>window</dt><dd>${e(denied.window.start)} to ${e(denied.window.end)}</dd>`,
    `<dt>buckets</dt><dd>${e(denied.bucketSeconds)}s each (see the timeline)</dd>`,
    '</dl>',
    table(
      ['action', 'AccessDenied'],
      actions.map(([action, n]) => [`<code>${e(action)}</code>`, e(n)]),
      'access-denied-actions',
    ),
    denied.note !== undefined ? `<p class="muted">${e(denied.note)}</p>` : '',
    '</div>',
  ].join('\n');
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:24px 32px;color:#1f2328;background:#fff;max-width:1100px}
h1{font-size:1.5rem;margin:0 0 8px;display:flex;align-items:center;gap:12px;flex-wrap:wrap}
h2{font-size:1.15rem;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:1rem}
.badge{display:inline-block;color:#fff;border-radius:999px;padding:4px 14px;font-size:1rem;font-weight:600}
.reason{font-size:1.05rem;margin:4px 0 12px}
.muted{color:#656d76}
.ok{color:#1a7f37;font-weight:600}
.bad{color:#cf222e;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f6f8fa}
#events td:nth-child(-n+5),#events th{white-space:nowrap}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
pre{background:#f6f8fa;padding:8px;white-space:pre-wrap;word-break:break-all;margin:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
dt{color:#656d76}dd{margin:0}
svg text{font-family:system-ui,sans-serif}
.svg-title{font-size:13px;font-weight:600;fill:#1f2328}
.band-label{font-size:11px;fill:#fff;font-weight:600}
.tick,.legend{font-size:11px;fill:#57606a}
.axis{stroke:#57606a;stroke-width:1}
.grid{stroke:#eaeef2;stroke-width:1}
.phase-legend span{display:inline-block;margin-right:12px;font-size:.85rem}
.phase-legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.error{background:#ffebe9;border:1px solid #ff8182;padding:8px;border-radius:6px}
.pill{display:inline-block;border:2px solid currentColor;border-radius:999px;padding:2px 12px;font-size:.95rem;font-weight:600}
.status{font-weight:600}
.nowrap{white-space:nowrap}
.small{font-size:.8em}
.probe{margin:12px 0 18px}
.probe h3{margin:8px 0 4px}
.probe-reason{margin:2px 0 6px}
tr.eval-failed td{background:#fff5f5}
#probe-table td,#probe-table th,.probe-evaluations td,.probe-evaluations th,#access-denied-actions td{word-break:normal;overflow-wrap:break-word}
#probe-table th,.probe-evaluations th{white-space:nowrap}
.probe-kind{font-weight:400;font-size:.9em}
.probe-detail{margin:2px 0 6px}
.probe-label{font-size:12px;fill:#1f2328}
.muted-svg{fill:#6e7781;font-style:italic}
.lane-line{stroke:#d0d7de;stroke-width:1}
.stop-label{font-size:11px;font-weight:600;fill:#bc4c00}
`;

/** The probe success percentage, as a pill next to the verdict. */
function probeSuccess(result: ExperimentResult): string {
  const probes = result.probes ?? [];
  const pct = result.probeSuccessPercentage ?? 100;
  if (probes.length === 0) return `<span id="probe-success" class="pill muted">probes: none</span>`;
  const passed = probes.filter((p) => p.status === 'Passed').length;
  const color = pct >= 100 ? '#1a7f37' : '#cf222e';
  return `<span id="probe-success" class="pill" style="color:${color}">probe success ${e(pct)}% (${passed} of ${probes.length} passed)</span>`;
}

/** Renders the experiment result as one self-contained HTML page (no scripts, no external resources). */
export function renderHtmlReport(result: ExperimentResult): string {
  const { t0 } = timeBounds(result);
  const target = `${result.target.cluster}/${result.target.service}`;
  const verdictColor = VERDICT_COLORS[result.verdict] ?? '#57606a';
  const effect = result.effect;
  const exposure = result.exposure;
  const residue = result.residue;
  const body: string[] = [];

  body.push(
    `<h1><span>ecs-chaos: <code>${e(result.fault)}</code> on <code>${e(target)}</code></span>` +
      `<span id="verdict" class="badge verdict-${e(result.verdict)}" style="background:${verdictColor}">${e(result.verdict)}</span>` +
      `${probeSuccess(result)}</h1>`,
    `<p id="verdict-reason" class="reason">${e(result.verdictReason)}</p>`,
  );
  if (result.error) {
    body.push(`<p class="error"><strong>${e(result.error.code)}</strong>: ${e(result.error.message)}</p>`);
  }
  body.push(
    '<dl id="summary">',
    `<dt>experiment</dt><dd><code>${e(result.experimentId)}</code></dd>`,
    `<dt>target</dt><dd>cluster <code>${e(result.target.cluster)}</code>, service <code>${e(result.target.service)}</code>, region <code>${e(result.target.region)}</code></dd>`,
    result.target.serviceArn ? `<dt>service ARN</dt><dd><code>${e(result.target.serviceArn)}</code></dd>` : '',
    `<dt>started</dt><dd>${e(result.startedAt)}</dd>`,
    `<dt>ended</dt><dd>${e(result.endedAt ?? '(not recorded)')}</dd>`,
    `<dt>tool</dt><dd>${e(result.tool.name)} ${e(result.tool.version)}</dd>`,
    '</dl>',
  );

  body.push(
    '<h2>Timeline</h2>',
    `<p class="phase-legend">${['preflight', 'ramp-up', 'inject', 'hold', 'revert', 'verify']
      .map(
        (name) => `<span><i style="background:${PHASE_COLORS[name]}"></i>${name === 'ramp-up' ? 'ramp' : name}</span>`,
      )
      .join('')}</p>`,
    renderTimelineSvg(result),
  );

  body.push('<h2>Probes</h2>', renderProbes(result, t0));
  body.push('<h2>Stop conditions</h2>', renderStopConditions(result));
  body.push(renderAccessDenied(result));

  const fault = faultNamed(result.fault);
  body.push(
    '<h2>Effect verification</h2>',
    table(
      ['check', 'result'],
      [
        [fault?.effectPhrase ?? 'the fault took effect', yesNo(effect.swapped)],
        [fault?.reportWords?.reached ?? 'tasks of the chaos revision ran', yesNo(effect.chaosTasksRan)],
        [fault?.reportWords?.restored ?? 'the service was restored', yesNo(effect.restored)],
      ],
      'effect',
    ),
    '<dl>',
    `<dt>original revision</dt><dd><code>${e(effect.originalTaskDefinitionArn)}</code></dd>`,
    // An episode fault (task stop, a Deny on the role) registers no chaos revision.
    ...(fault?.kind === 'episode'
      ? []
      : [
          `<dt>chaos revision</dt><dd><code>${e(effect.chaosTaskDefinitionArn ?? '(none)')}</code></dd>`,
          `<dt>original task role</dt><dd><code>${e(effect.originalTaskRoleArn ?? '(none)')}</code></dd>`,
          `<dt>chaos task role</dt><dd><code>${e(effect.chaosTaskRoleArn ?? '(removed)')}</code></dd>`,
        ]),
    '</dl>',
    effect.notes.length > 0 ? `<ul>${effect.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '',
  );
  if (result.deny) body.push('<h2>Deny on the task role</h2>', renderDeny(result.deny));

  const predicted = exposure.predicted;
  const servingAtPeak =
    exposure.peakServingTasks !== undefined && exposure.peakServingTasks > 0
      ? exposure.peakServingTasks
      : exposure.desiredCount;
  body.push(
    '<h2>Exposure</h2>',
    `<dl id="exposure"><dt>mode</dt><dd>${e(exposure.mode ?? 'rolling')}</dd>` +
      (predicted
        ? `<dt>predicted</dt><dd>${e(predicted.chaosTasks)} of ${e(predicted.ofTasks)} serving tasks (${e(Math.round(predicted.share * 100))}%): ${e(predicted.note)}</dd>`
        : '') +
      (predicted?.warning ? `<dt>warning</dt><dd class="bad">${e(predicted.warning)}</dd>` : '') +
      `<dt>measured peak</dt><dd>${e(exposure.peakChaosTasks)} of ${e(servingAtPeak)} serving tasks (${e(Math.round(exposure.peakShare * 100))}%), ${e(exposure.desiredCount)} desired</dd>` +
      `<dt>tasks that ran a chaos revision</dt><dd>${e(exposure.tasksThatRanChaos)}</dd></dl>`,
    (exposure.byRevision ?? []).length > 0
      ? table(
          ['chaos revision', 'label', 'peak tasks', 'tasks that ran it'],
          (exposure.byRevision ?? []).map((r) => [
            `<code>${e(r.taskDefinitionArn)}</code>`,
            e(r.label),
            e(r.peakTasks),
            e(r.tasksThatRan),
          ]),
          'exposure-by-revision',
        )
      : '',
  );

  const reactions = result.reactions ?? [];
  body.push(
    "<h2>ECS's reactions</h2>",
    reactions.length > 0
      ? `<ul id="reactions">${reactions
          .map(
            (r) =>
              `<li class="bad"><strong>${e(r.summary)}</strong> (first seen ${e(r.at)})<ul>${r.evidence.map((x) => `<li><code>${e(x)}</code></li>`).join('')}</ul></li>`,
          )
          .join('')}</ul>`
      : '<p id="reactions" class="muted">none: no rollback, launch failure or crash of a chaos task</p>',
  );

  if (result.iterations.length > 0) {
    body.push(
      '<h2>Iterations</h2>',
      table(
        ['#', 'chaos revision', 'injected', 'chaos running', 'hold', 'reverted', 'peak chaos tasks'],
        result.iterations.map((i) => [
          e(i.index),
          `<code>${e(i.chaosTaskDefinitionArn ?? '')}</code>`,
          e(i.injectedAt ?? ''),
          e(i.chaosRunningAt ?? ''),
          i.holdSeconds !== undefined ? `${e(i.holdSeconds)}s` : '',
          e(i.revertedAt ?? ''),
          e(i.peakChaosTasks),
        ]),
        'iterations',
      ),
    );
  }

  body.push('<h2>Prediction (blast radius)</h2>', `<div id="prediction">${renderPrediction(result)}</div>`);

  body.push(
    '<h2>Mutations</h2>',
    table(
      ['#', 'operation', 'target', 'detail', 'at', 'undone'],
      result.mutations.map((m) => [
        e(m.id),
        e(m.operation),
        `<code>${e(m.target)}</code>`,
        e(m.detail),
        e(m.at),
        m.undone
          ? `<span class="ok">yes</span>${m.undoneBy ? ` by ${e(m.undoneBy)}` : ''}${m.undoneAt ? ` at ${e(m.undoneAt)}` : ''}`
          : '<span class="bad">NO</span>',
      ]),
      'mutations',
    ),
  );

  body.push(
    '<h2>Conflicts</h2>',
    result.conflicts.length > 0
      ? `<ul id="conflicts">${result.conflicts.map((c) => `<li class="bad">${e(c)}</li>`).join('')}</ul>`
      : '<p id="conflicts" class="muted">none: nobody else changed the service during the run</p>',
  );

  body.push(
    '<h2>Residue</h2>',
    `<div id="residue">${
      residue.clean
        ? '<p class="ok">clean: nothing left behind</p>'
        : '<p class="bad">something is left behind</p>' +
          table(
            ['kind', 'resource', 'detail'],
            residue.items.map((i) => [e(i.kind), `<code>${e(i.resource)}</code>`, e(i.detail)]),
          ) +
          (residue.recoverCommand
            ? `<p>to repair it, run:</p><pre id="recover-command">${e(residue.recoverCommand)}</pre>`
            : '')
    }</div>`,
  );

  body.push(
    '<h2>Events</h2>',
    table(
      ['time', 'offset', 'kind', 'name', 'iteration', 'message', 'data'],
      result.timeline.map((t) => [
        e(t.time),
        offset(t, t0),
        e(t.kind),
        e(t.name),
        t.iteration !== undefined ? e(t.iteration) : '',
        e(t.message),
        t.data !== undefined ? `<pre>${e(JSON.stringify(t.data))}</pre>` : '',
      ]),
      'events',
    ),
  );

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>ecs-chaos ${e(result.fault)} on ${e(target)}: ${e(result.verdict)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    ...body.filter((b) => b !== ''),
    `<p class="muted">generated by ${e(result.tool.name)} ${e(result.tool.version)} from result schema version ${e(result.schemaVersion)}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** deny-task-permissions: what was denied, each window's propagation, the role after the run. */
function renderDeny(deny: NonNullable<ExperimentResult['deny']>): string {
  const seconds = (v: number | undefined, by: string | undefined): string =>
    v === undefined ? 'not seen' : `${e(v)} s (${e(by ?? '')})`;
  const rows = deny.iterations.map((it) => [
    e(it.index),
    `${e(it.form)} <code>${e(it.policyName)}</code>`,
    e(it.plannedEnd),
    seconds(it.deniedAfterSeconds, it.deniedSeenBy),
    seconds(it.allowedAfterSeconds, it.allowedSeenBy),
    e(it.notes.join('; ')),
  ]);
  return [
    `<dl id="deny"><dt>role</dt><dd><code>${e(deny.roleArn)}</code></dd>`,
    `<dt>denied</dt><dd><code>${e(deny.actions.join(', '))}</code> on <code>${e(deny.resources.join(', '))}</code></dd>`,
    deny.sharedWith.length > 0 ? `<dt>also reached</dt><dd>${e(deny.sharedWith.join('; '))}</dd>` : '',
    deny.roleUnchanged === undefined
      ? ''
      : `<dt>the role after the run</dt><dd class="${deny.roleUnchanged ? 'ok' : 'bad'}">${deny.roleUnchanged ? 'policies, attachments and tags as before' : e((deny.roleDifferences ?? []).join('; '))}</dd>`,
    '</dl>',
    table(['window', 'policy', 'planned end', 'attach -> denied', 'removal -> allowed', 'notes'], rows, 'deny-windows'),
  ].join('');
}
