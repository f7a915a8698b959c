/** The readable report of a run and the readable plan, on stdout. */
import type { ExperimentPlan } from '../engine/plan.js';
import { percentText } from '../engine/exposure.js';
import type { ExperimentResult, TaskStopRecord } from '../report/result.js';
import { describeVisibility } from '../aws/cloudtrail-events.js';
import { describeAccessDenied } from '../engine/signals.js';

function yesNo(v: boolean): string {
  return v ? 'yes' : 'NO';
}

/** The readable report of a run. */
export function renderResult(result: ExperimentResult, resultFile: string | undefined): string {
  const lines: string[] = [];
  const t0 = Date.parse(result.startedAt);
  lines.push('');
  lines.push(
    `ecs-chaos ${result.fault} on ${result.target.cluster}/${result.target.service} (${result.target.region})`,
  );
  lines.push(`experiment ${result.experimentId}`);
  lines.push('');
  lines.push('timeline:');
  for (const e of result.timeline) {
    if (
      e.kind === 'phase' ||
      [
        'mutation',
        'undo',
        'chaos-running',
        'chaos-effect',
        'chaos-killed-at-stop',
        'conflict',
        'reaction',
        'restore',
        'restored',
        'restore-failed',
        'error',
        'tasks',
        'propagation',
      ].includes(e.name)
    ) {
      const at = `+${((Date.parse(e.time) - t0) / 1000).toFixed(1)}s`.padStart(8);
      lines.push(`  ${at}  ${e.kind === 'phase' ? `[${e.name}]`.padEnd(12) : ''.padEnd(12)} ${e.message}`);
    }
  }
  lines.push('');
  const effect = result.effect;
  lines.push(
    result.taskStop
      ? `effect:    tasks stopped ${yesNo(effect.swapped)}, service recovered ${yesNo(effect.restored)}`
      : result.deny
        ? `effect:    Deny in place ${yesNo(effect.swapped)}, running tasks reached ${yesNo(effect.chaosTasksRan)}, role as before ${yesNo(effect.restored)}`
        : `effect:    swapped ${yesNo(effect.swapped)}, chaos tasks ran ${yesNo(effect.chaosTasksRan)}, restored ${yesNo(effect.restored)}`,
  );
  // The task role line is update-task-role's; the other faults' change is in the inject line above.
  if (result.fault === 'update-task-role')
    lines.push(
      `           task role ${effect.originalTaskRoleArn ?? '(none)'} -> ${effect.chaosTaskRoleArn ?? '(removed)'}`,
    );
  for (const note of effect.notes) lines.push(`           note: ${note}`);
  if (result.taskStop) lines.push(...taskStopLines(result.taskStop));
  // deny-task-permissions changes no revision: its lines replace the chaos revision's exposure.
  else if (result.deny) lines.push(...denyLines(result.deny), `exposure:  ${result.exposure.predicted?.note ?? ''}`);
  else lines.push(...exposureLines(result));
  for (const r of result.reactions ?? []) {
    lines.push(`ecs:       ${r.summary}`);
    for (const e of r.evidence.slice(0, 3)) lines.push(`           ${e}`);
  }
  if (result.prediction) {
    lines.push(
      `predicted: ${result.prediction.ok ? result.prediction.blastRadius.summary : `unknown (${result.prediction.reason})`}`,
    );
  }
  const undone = result.mutations.filter((m) => m.undone).length;
  lines.push(`mutations: ${result.mutations.length} made, ${undone} undone`);
  for (const c of result.conflicts) lines.push(`conflict:  ${c}`);
  if (result.residue.clean) lines.push('residue:   none, the service is as it was');
  else if (result.residue.items.some((i) => i.kind === 'not-checked')) {
    // Never "none" nor residue that was not read.
    lines.push('residue:   NOT CHECKED (the end state could not be read):');
    for (const item of result.residue.items) lines.push(`           - ${item.kind}: ${item.resource} (${item.detail})`);
  } else {
    lines.push('residue:   LEFT BEHIND:');
    for (const item of result.residue.items) lines.push(`           - ${item.kind}: ${item.resource} (${item.detail})`);
    lines.push(`           repair with: ${result.residue.recoverCommand ?? ''}`);
  }
  if (result.error) lines.push(`error:     ${result.error.code}: ${result.error.message}`);
  const probes = result.probes ?? [];
  if (probes.length > 0) {
    lines.push(`probes:    ${result.probeSuccessPercentage}% passed`);
    for (const p of probes) {
      const shown =
        p.status === 'Failed' ? (p.evaluations.find((e) => !e.passed) ?? p.evaluations.at(-1)) : p.evaluations.at(-1);
      lines.push(`           ${p.status.padEnd(6)} ${p.name} (${p.type}, ${p.mode}): ${p.description}`);
      lines.push(`                  ${shown ? `${shown.phase}: ${shown.evidence}` : p.statusReason}`);
    }
  }
  const stops = result.stopConditions;
  if (stops && stops.alarms.length > 0) {
    lines.push(
      `stop:      ${stops.triggered ? `alarm ${stops.triggered.alarmName} was ${stops.triggered.state} at ${stops.triggered.at}: the chaos was stopped` : `alarms ${stops.alarms.join(', ')} watched; none fired`}`,
    );
  }
  const denied = result.signals?.accessDenied;
  if (denied) {
    lines.push(`cloudtrail: ${describeAccessDenied(denied)}`);
  }
  lines.push('');
  lines.push(`verdict:   ${result.verdict}: ${result.verdictReason}`);
  if (resultFile) lines.push(`result:    ${resultFile}`);
  return `${lines.join('\n')}\n`;
}

/** The readable plan. */
export function renderPlan(plan: ExperimentPlan): string {
  const lines: string[] = ['', 'preflight:'];
  for (const c of plan.checks)
    lines.push(`  ${c.status === 'pass' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL'} ${c.name}: ${c.detail}`);
  // An episode fault (task-stop, deny-task-permissions) registers no revision and swaps no role.
  const episode = plan.kind === 'episode';
  if (episode)
    lines.push('', `task definition ${plan.originalTaskDefinitionArn}: unchanged (the fault registers no revision)`);
  else {
    lines.push('', `task definition ${plan.originalTaskDefinitionArn} -> a new revision of the same family:`);
    if (plan.taskDefinitionDiff.length === 0) lines.push('  (no difference)');
    for (const d of plan.taskDefinitionDiff) {
      lines.push(`  ${d.path}: ${JSON.stringify(d.before) ?? '(absent)'} -> ${JSON.stringify(d.after) ?? '(absent)'}`);
    }
    lines.push('  (every other field is copied unchanged; the copy is tagged with recovery markers)');
    lines.push('', 'blast radius (what the chaos role refuses that the original role allows):');
  }
  if (episode) {
    // No role is swapped: the fault's own checks above say what it reaches.
  } else if (!plan.prediction.ok) lines.push(`  unknown: ${plan.prediction.reason}`);
  else {
    const b = plan.prediction.blastRadius;
    for (const [service, levels] of Object.entries(b.byService)) {
      for (const [level, actions] of Object.entries(levels))
        lines.push(`  ${service} (${level}): ${actions.join(', ')}`);
    }
    for (const l of b.lost) lines.push(`    will fail: ${l.action} on ${l.resource} (${l.reason})`);
    lines.push(`  ${b.summary}`);
    for (const line of describeVisibility(b.lost.map((l) => l.action))) lines.push(`  ${line}`);
    for (const note of b.notes) lines.push(`  note: ${note}`);
    const observed = plan.prediction.observed;
    if (observed && !observed.ok) lines.push(`  observed calls unknown: ${observed.reason}`);
    if (observed?.ok) {
      lines.push(
        `  calls the tasks made since ${observed.since}${observed.truncated ? ' (the newest only: the scan hit its limit)' : ''} (management events only: CloudTrail's event history lists no data-plane calls):`,
      );
      if (observed.calls.length === 0) lines.push('    none found in CloudTrail');
      for (const c of observed.calls) {
        lines.push(
          `    ${c.willFail ? 'WILL FAIL' : 'ok       '} ${c.action} x${c.count}${c.denied > 0 ? ` (${c.denied} already denied)` : ''}, last ${c.lastSeen}`,
        );
      }
    }
  }
  if (plan.probes.length > 0) {
    lines.push('', 'probes:');
    for (const p of plan.probes) lines.push(`  ${p.name} (${p.type}, ${p.mode}, ${p.when}): ${p.description}`);
  }
  if (plan.stopConditions.length > 0) {
    lines.push(
      '',
      `stop conditions: alarm ${plan.stopConditions.join(', ')}: ALARM during the chaos stops it and restores the service`,
    );
  }
  const x = plan.exposure;
  lines.push(
    '',
    episode
      ? `tasks to stop: ${x.chaosTasks} of ${x.ofTasks} per iteration, at most ${percentText(x.share)} down at once`
      : `exposure (${x.mode} mode): ${x.chaosTasks} chaos task(s) of ${x.ofTasks} serving (${percentText(x.share)})`,
  );
  lines.push(`  ${x.note}`);
  if (x.warning) lines.push(`  WARNING: ${x.warning}`);
  for (const n of plan.notCopied) lines.push(`  the sibling does not copy ${n}`);
  const other = plan.otherMode;
  if (other) {
    lines.push(
      `  (--exposure ${other.mode} would give ${other.chaosTasks} chaos task(s) of ${other.ofTasks} (${percentText(other.share)}): ${other.note})`,
    );
  }
  if (x.mode === 'rolling' && !episode) {
    const o = plan.deploymentConfiguration.original;
    const c = plan.deploymentConfiguration.chaos;
    lines.push('', 'deployment configuration during the chaos window:');
    lines.push(
      `  maximumPercent ${o?.maximumPercent ?? '(default)'} -> ${c.maximumPercent}, minimumHealthyPercent ${o?.minimumHealthyPercent ?? '(default)'} -> ${c.minimumHealthyPercent} (restored afterwards)`,
    );
  }
  lines.push(
    '',
    `iterations: ${plan.iterations.length} (hold ${plan.iterations.map((h) => `${h}s`).join(', ')}) on ${plan.desiredCount} desired tasks`,
  );
  lines.push('', 'API calls, in order:');
  plan.calls.forEach((call, i) =>
    lines.push(`  ${String(i + 1).padStart(2)}. ${call.mutating ? '*' : ' '} ${call.operation} ${call.detail}`),
  );
  lines.push('', '  (* changes AWS; plan made none of these changes)');
  return `${lines.join('\n')}\n`;
}

/** The exposure lines of the report: the mode, predicted and measured, per revision. */
function exposureLines(result: ExperimentResult): string[] {
  const x = result.exposure;
  const lines: string[] = [];
  const of = x.peakServingTasks !== undefined && x.peakServingTasks > 0 ? x.peakServingTasks : x.desiredCount;
  lines.push(
    `exposure:  ${x.mode ?? 'rolling'} mode; measured peak ${x.peakChaosTasks} of ${of} serving tasks on a chaos revision (${percentText(x.peakShare)}); ${x.tasksThatRanChaos} distinct task${x.tasksThatRanChaos === 1 ? '' : 's'} ran one`,
  );
  if (x.predicted) {
    lines.push(
      `           predicted ${x.predicted.chaosTasks} of ${x.predicted.ofTasks} (${percentText(x.predicted.share)}): ${x.predicted.note}`,
    );
  }
  for (const r of x.byRevision ?? []) {
    lines.push(
      `           ${r.taskDefinitionArn.split('/').pop()} (${r.label}): peak ${r.peakTasks}, ${r.tasksThatRan} task${r.tasksThatRan === 1 ? '' : 's'} ran it`,
    );
  }
  return lines;
}

/** What task-stop did: per iteration, the tasks stopped, their replacements, the time to recovery. */
function taskStopLines(r: TaskStopRecord): string[] {
  const id = (arn: string): string => arn.split('/').pop() ?? arn;
  const lines = [`stopped:   ${r.sequence}, ${r.perIteration} task(s) per iteration (by ${r.selection})`];
  for (const it of r.iterations) {
    const stopped = it.stopped.map((s) => `${s.taskId} at ${s.stoppedAt}`).join(', ') || 'none';
    lines.push(`           iteration ${it.index}: ${stopped}`);
    lines.push(
      it.recovered
        ? `           replaced by ${it.replacements.map(id).join(', ') || '(tasks already running)'}; recovered in ${it.recoverySeconds ?? 0}s`
        : `           NOT recovered: ${it.notRecovered ?? ''}`,
    );
    const th = it.targetHealth;
    if (th) {
      const groups = th.targetGroups.map((g) => /targetgroup\/([^/]+)\//.exec(g)?.[1] ?? g).join(', ');
      lines.push(
        th.fallback
          ? `           target health NOT read (recovery judged from ECS alone): ${th.fallback}`
          : th.checked
            ? `           target health checked: healthy in ${groups}`
            : `           target health not read (ECS's part never held): ${groups}`,
      );
    }
  }
  if (r.longestRecoverySeconds !== undefined)
    lines.push(`           longest time to recovery: ${r.longestRecoverySeconds}s`);
  return lines;
}

/** deny-task-permissions: what was denied, the propagation per window, the role's state after. */
function denyLines(deny: NonNullable<ExperimentResult['deny']>): string[] {
  const lines = [`deny:      ${deny.actions.join(', ')} on ${deny.resources.join(', ')} to ${deny.roleArn}`];
  for (const it of deny.iterations) {
    const denied =
      it.deniedAfterSeconds === undefined
        ? 'denied calls not seen'
        : `denied ${it.deniedAfterSeconds}s after the attach (${it.deniedSeenBy})`;
    const allowed =
      it.allowedAfterSeconds === undefined
        ? 'allowed calls not seen'
        : `allowed again ${it.allowedAfterSeconds}s after the removal (${it.allowedSeenBy})`;
    lines.push(
      `           window ${it.index}: ${it.form} ${it.policyName} until ${it.plannedEnd}; ${denied}; ${allowed}`,
    );
    for (const note of it.notes) lines.push(`             note: ${note}`);
  }
  if (deny.sharedWith.length > 0) lines.push(`           also reached: ${deny.sharedWith.join('; ')}`);
  if (deny.roleUnchanged !== undefined)
    lines.push(
      `           the role's policies and tags after the run: ${deny.roleUnchanged ? 'as before' : `CHANGED: ${(deny.roleDifferences ?? []).join('; ')}`}`,
    );
  return lines;
}
