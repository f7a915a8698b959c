/**
 * The JUnit XML report, for CI systems: one `<testsuite>` per experiment, one `<testcase>` per
 * check (preflight, swap, chaos tasks ran, restored, residue clean, no conflict) and one per probe.
 */
import { faultNamed } from '../faults/registry.js';
import type { ProbeEvaluation } from '../probes/types.js';
import type { ExperimentResult } from './result.js';

/** Escapes text for XML text and attribute values, dropping characters XML 1.0 cannot carry. */
export function escapeXml(value: unknown): string {
  return (
    String(value)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const x = escapeXml;

/** One check of the experiment, as a JUnit test case. */
export interface JunitCase {
  readonly name: string;
  /** `passed`, `failed` (a `<failure>`), or `skipped` (could not be checked). */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  readonly message?: string;
  /** More detail, in the element's body. */
  readonly detail?: string;
  /** The failure's `type` attribute. @default the case's name */
  readonly failureType?: string;
  /** Appended to the suite's class name: `probes` for the probes. */
  readonly classSuffix?: string;
  /** The case's `<system-out>`: e.g. a probe's evaluations. */
  readonly output?: string;
}

/** The checks of a result, in order. */
export function junitCases(result: ExperimentResult): JunitCase[] {
  const effect = result.effect;
  const pastPreflight = result.timeline.some((t) => t.kind === 'phase' && t.name !== 'preflight');
  const why = result.error ? `${result.error.code}: ${result.error.message}` : result.verdictReason;
  const notes = effect.notes.join('\n');
  const check = (name: string, ok: boolean, message: string, detail?: string): JunitCase =>
    ok
      ? { name, status: 'passed' }
      : { name, status: 'failed', message, ...(detail !== undefined && detail !== '' ? { detail } : {}) };
  const afterPreflight = (name: string, ok: boolean, message: string): JunitCase =>
    pastPreflight ? check(name, ok, message, notes) : { name, status: 'skipped', message: 'preflight did not pass' };

  const residueDetail = [
    ...result.residue.items.map((i) => `${i.kind}: ${i.resource}: ${i.detail}`),
    ...(result.residue.recoverCommand ? [`recover with: ${result.residue.recoverCommand}`] : []),
  ].join('\n');

  const fault = faultNamed(result.fault);
  return [
    check('preflight', pastPreflight, `preflight did not pass: ${why}`),
    afterPreflight(
      fault?.kind === 'episode' ? 'effect' : 'swap',
      effect.swapped,
      `${notSeen(fault?.effectPhrase ?? 'the fault took effect')}: ${notes || why}`,
    ),
    afterPreflight(
      fault?.reportWords?.reached ?? 'chaos tasks ran',
      effect.chaosTasksRan,
      fault?.reportWords ? `not so: ${notes || why}` : `no task of the chaos revision ran: ${notes || why}`,
    ),
    afterPreflight(
      fault?.reportWords ? fault.reportWords.restored : 'restored',
      effect.restored,
      `the service was not ${fault?.reportWords ? 'back' : 'restored'}: ${notes || why}`,
    ),
    check(
      'residue clean',
      result.residue.clean,
      `something is left behind (${result.residue.items.length} item(s))${
        result.residue.recoverCommand ? `; recover with: ${result.residue.recoverCommand}` : ''
      }`,
      residueDetail,
    ),
    check(
      'no ECS reaction',
      (result.reactions ?? []).length === 0,
      `ECS reacted to the chaos: ${(result.reactions ?? []).map((r) => r.summary).join('; ')}`,
      (result.reactions ?? []).flatMap((r) => [r.summary, ...r.evidence]).join('\n'),
    ),
    check(
      'no conflict',
      result.conflicts.length === 0,
      `someone else changed the service during the run: ${result.conflicts.join('; ')}`,
      result.conflicts.join('\n'),
    ),
  ];
}

/** An evaluation in one line, for a failure's body or a probe's output. */
function evaluationLine(v: ProbeEvaluation): string {
  return (
    `${v.at} ${v.phase}: ${v.passed ? 'passed' : 'FAILED'} (${v.attempts} attempt${v.attempts === 1 ? '' : 's'}); ` +
    `expected ${v.expected}${v.actual !== undefined ? `, actual ${String(v.actual)}` : ''}; ${v.evidence}` +
    (v.error !== undefined ? `; error: ${v.error}` : '')
  );
}

/**
 * One case per probe, in declaration order, class `<suite class>.probes`: Passed passes, Failed is a
 * `<failure>` (its reason, and the failing evaluations' evidence), N/A is `<skipped>`.
 */
export function probeCases(result: ExperimentResult): JunitCase[] {
  return (result.probes ?? []).map((probe): JunitCase => {
    const kept =
      probe.evaluations.length < probe.evaluationCount
        ? ` (${probe.evaluations.length} kept: the first, the last and every failure)`
        : '';
    const output = [
      `${probe.type} probe, mode ${probe.mode}: ${probe.description}`,
      `${probe.status}: ${probe.statusReason}`,
      `${probe.evaluationCount} evaluation(s), ${probe.failedCount} failed${kept}`,
      ...probe.evaluations.map(evaluationLine),
    ].join('\n');
    const common = { name: probe.name, classSuffix: 'probes', output } as const;
    if (probe.status === 'Passed') return { ...common, status: 'passed' };
    if (probe.status === 'N/A') return { ...common, status: 'skipped', message: probe.statusReason };
    const failing = probe.evaluations.filter((v) => !v.passed).map(evaluationLine);
    return {
      ...common,
      status: 'failed',
      message: `${probe.statusReason}${probe.stoppedExperiment ? ' (this failure stopped the experiment)' : ''}`,
      failureType: `${probe.type} probe`,
      detail: failing.length > 0 ? failing.join('\n') : probe.statusReason,
    };
  });
}

/** Renders the experiment result as a JUnit XML document with one testsuite. */
export function renderJunitReport(result: ExperimentResult): string {
  const cases = [...junitCases(result), ...probeCases(result)];
  const started = Date.parse(result.startedAt);
  const ended = result.endedAt !== undefined ? Date.parse(result.endedAt) : NaN;
  const seconds = Number.isFinite(started) && Number.isFinite(ended) ? Math.max(0, (ended - started) / 1000) : 0;
  const failures = cases.filter((c) => c.status === 'failed').length;
  const skipped = cases.filter((c) => c.status === 'skipped').length;
  const errors = result.error ? 1 : 0;
  const tests = cases.length + errors;
  const classname = `ecs-chaos.${result.fault}.${result.target.cluster}.${result.target.service}`;
  const suiteName = `ecs-chaos ${result.fault} ${result.target.cluster}/${result.target.service}`;

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ecs-chaos" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${x(suiteName)}" id="${x(result.experimentId)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds.toFixed(3)}" timestamp="${x(result.startedAt)}">`,
    '    <properties>',
    `      <property name="experimentId" value="${x(result.experimentId)}"/>`,
    `      <property name="fault" value="${x(result.fault)}"/>`,
    `      <property name="cluster" value="${x(result.target.cluster)}"/>`,
    `      <property name="service" value="${x(result.target.service)}"/>`,
    `      <property name="region" value="${x(result.target.region)}"/>`,
    `      <property name="verdict" value="${x(result.verdict)}"/>`,
    `      <property name="verdictReason" value="${x(result.verdictReason)}"/>`,
    `      <property name="probeSuccessPercentage" value="${x(result.probeSuccessPercentage ?? 100)}"/>`,
    ...(result.exposure.mode ? [`      <property name="exposureMode" value="${x(result.exposure.mode)}"/>`] : []),
    ...(result.exposure.predicted
      ? [
          `      <property name="predictedChaosTasks" value="${x(result.exposure.predicted.chaosTasks)}"/>`,
          `      <property name="predictedShare" value="${x(result.exposure.predicted.share)}"/>`,
        ]
      : []),
    `      <property name="peakChaosTasks" value="${x(result.exposure.peakChaosTasks)}"/>`,
    `      <property name="peakShare" value="${x(result.exposure.peakShare)}"/>`,
    ...(result.stopConditions?.triggered
      ? [`      <property name="stoppedBy" value="${x(result.stopConditions.triggered.alarmName)}"/>`]
      : []),
    '    </properties>',
  ];
  for (const c of cases) {
    const cls = c.classSuffix !== undefined ? `${classname}.${c.classSuffix}` : classname;
    const open = `    <testcase name="${x(c.name)}" classname="${x(cls)}" time="0">`;
    const body: string[] = [];
    if (c.status === 'skipped') body.push(`      <skipped message="${x(c.message ?? '')}"/>`);
    if (c.status === 'failed')
      body.push(
        `      <failure message="${x(c.message ?? '')}" type="${x(c.failureType ?? c.name)}">${x(c.detail ?? c.message ?? '')}</failure>`,
      );
    if (c.output !== undefined) body.push(`      <system-out>${x(c.output)}</system-out>`);
    if (body.length === 0) lines.push(`    <testcase name="${x(c.name)}" classname="${x(cls)}" time="0"/>`);
    else lines.push(open, ...body, '    </testcase>');
  }
  if (result.error) {
    lines.push(
      `    <testcase name="run" classname="${x(classname)}" time="${seconds.toFixed(3)}">`,
      `      <error message="${x(result.error.message)}" type="${x(result.error.code)}">${x(result.error.message)}</error>`,
      '    </testcase>',
    );
  }
  lines.push(
    `    <system-out>${x(`verdict: ${result.verdict}: ${result.verdictReason}`)}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  );
  return lines.join('\n');
}

/** A fault's effect phrase, denied: `the task role was not swapped`. */
function notSeen(phrase: string): string {
  if (phrase.includes(' was ')) return phrase.replace(' was ', ' was not ');
  return phrase.includes(' were ') ? phrase.replace(' were ', ' were not ') : `not seen: ${phrase}`;
}
