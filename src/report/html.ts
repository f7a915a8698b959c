/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) that a
 * person can open to see how an experiment went. Everything that came from AWS or the user is
 * escaped, in text and in attributes.
 */
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
  const times = result.timeline.map((t) => ms(t.time)).filter((t) => Number.isFinite(t));
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
  const height = chartTop + chartHeight + 70;
  const x = (t: number): number => left + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * plotWidth;
  const fmt = (n: number): string => n.toFixed(1);

  const parts: string[] = [];
  parts.push(
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="experiment timeline">`,
  );
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
  parts.push('</g></svg>');
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
`;

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
      `<span id="verdict" class="badge verdict-${e(result.verdict)}" style="background:${verdictColor}">${e(result.verdict)}</span></h1>`,
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

  body.push(
    '<h2>Effect verification</h2>',
    table(
      ['check', 'result'],
      [
        ['the task role was swapped', yesNo(effect.swapped)],
        ['tasks of the chaos revision ran', yesNo(effect.chaosTasksRan)],
        ['the service was restored', yesNo(effect.restored)],
      ],
      'effect',
    ),
    '<dl>',
    `<dt>original revision</dt><dd><code>${e(effect.originalTaskDefinitionArn)}</code></dd>`,
    `<dt>chaos revision</dt><dd><code>${e(effect.chaosTaskDefinitionArn ?? '(none)')}</code></dd>`,
    `<dt>original task role</dt><dd><code>${e(effect.originalTaskRoleArn ?? '(none)')}</code></dd>`,
    `<dt>chaos task role</dt><dd><code>${e(effect.chaosTaskRoleArn ?? '(removed)')}</code></dd>`,
    '</dl>',
    effect.notes.length > 0 ? `<ul>${effect.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '',
  );

  body.push(
    '<h2>Exposure</h2>',
    `<dl id="exposure"><dt>peak chaos tasks</dt><dd>${e(exposure.peakChaosTasks)} of ${e(exposure.desiredCount)} desired (${e(Math.round(exposure.peakShare * 100))}%)</dd>` +
      `<dt>tasks that ran the chaos revision</dt><dd>${e(exposure.tasksThatRanChaos)}</dd></dl>`,
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
