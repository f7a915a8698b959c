/**
 * The end of a run: what AWS shows now (restored? anything left?), and the verdict with its reason.
 */
import type { Service } from '@aws-sdk/client-ecs';
import type { FaultName } from '../config/spec.js';
import { ChaosError } from '../errors.js';
import { sameDeploymentLimits } from './deployment-config.js';
import { configurationConflict, restoreConfiguration } from './restore-config.js';
import { faultModule } from '../faults/registry.js';
import type { TaskDefinitionFault } from '../faults/types.js';
import type { ProbeResult } from '../probes/types.js';
import type { ExperimentResult, ResidueItem } from '../report/result.js';

type ExperimentResidue = ExperimentResult['residue'];
import { percentText } from './exposure.js';
import { describeLease, leasesOf } from './lease.js';
import { MARKER, MARKER_KEYS, tagValue } from './markers.js';
import { shortRevision } from './observe.js';
import { describeReactions, type EcsReaction } from './reactions.js';
import { recoverCommand, statusCommand } from './recover-command.js';
import { restoreState } from './restore-state.js';
import type { RunContext } from './run-context.js';
import type { StopTrigger } from './stop-conditions.js';

/** Reads the end state into `result.effect.restored` and `result.residue`. */
export async function verifyEnd(ctx: RunContext): Promise<void> {
  const { spec, pf, record } = ctx;
  const result = record.result;
  const items: ResidueItem[] = [];
  const fault = faultModule(spec.fault);
  // The task-definition lifecycle's own checks; an episode fault reads its end itself.
  const tdFault: TaskDefinitionFault | undefined = fault.kind === 'task-definition' ? fault : undefined;
  const deadline = AbortSignal.timeout(Math.max(30_000, spec.restoreTimeoutSeconds * 1000));
  const opts = { abortSignal: deadline };
  record.phase('verify', 'verify: the service restored, nothing left behind');
  // The original, or the copy of it the revert deployed when someone deregistered the original.
  const original = ctx.restoreArn;
  try {
    const svc = (
      await record.persist(
        'DescribeServices',
        () =>
          ctx.deps.ecs.describeServices({ cluster: spec.cluster, services: [spec.service], include: ['TAGS'] }, opts),
        deadline,
      )
    ).services?.[0];
    const look = await record.persist('ListTasks/DescribeTasks', () => ctx.look(deadline), deadline);
    const chaosArns = new Set(ctx.exposure.chaosArns);
    if (svc && svc.status === 'ACTIVE') {
      if (ctx.exposure.isChaos(svc.taskDefinition)) {
        items.push({
          kind: 'service-on-chaos-revision',
          resource: svc.serviceArn!,
          detail: `the service runs ${svc.taskDefinition}`,
        });
      }
      const markers = (svc.tags ?? []).filter((t) => MARKER_KEYS.includes(t.key ?? ''));
      const owner = tagValue(svc.tags, MARKER.underChaos);
      if (markers.length > 0 && (owner === undefined || owner === result.experimentId)) {
        items.push({
          kind: 'service-markers',
          resource: svc.serviceArn!,
          detail: `tags ${markers.map((t) => t.key).join(', ')}`,
        });
      }
      const cfg = svc.deploymentConfiguration;
      const want = pf.originalDeployment;
      // Only the chaos window's limits are residue: other limits are someone else's (a conflict).
      if (
        tdFault &&
        spec.exposureMode === 'rolling' &&
        (svc.taskDefinition === original || ctx.exposure.isChaos(svc.taskDefinition)) &&
        !sameDeploymentLimits(cfg, want) &&
        sameDeploymentLimits(cfg, pf.chaosDeployment)
      ) {
        items.push({
          kind: 'deployment-configuration',
          resource: svc.serviceArn!,
          detail: `maximumPercent ${cfg?.maximumPercent}/minimumHealthyPercent ${cfg?.minimumHealthyPercent}, was ${want?.maximumPercent}/${want?.minimumHealthyPercent}`,
        });
      }
      finalConflicts(ctx, svc);
      const ours = leasesOf(svc.tags).find((l) => l.experimentId === result.experimentId && l.state === 'candidate');
      if (ours) items.push({ kind: 'lease', resource: svc.serviceArn!, detail: describeLease(ours, record.now()) });
    }
    const left = look.tasks.filter((t) => chaosArns.has(t.taskDefinitionArn ?? '') && t.lastStatus !== 'STOPPED');
    if (left.length > 0) {
      items.push({
        kind: 'chaos-tasks-running',
        resource: result.target.serviceArn ?? spec.service,
        detail: `${left.length} task${left.length === 1 ? '' : 's'} of ${[...new Set(left.map((t) => shortRevision(t.taskDefinitionArn!)))].join(', ')} not yet STOPPED (${left.map((t) => `${t.taskArn?.split('/').pop()} ${t.lastStatus}`).join(', ')})`,
      });
    }
    for (const [name, sibling] of look.siblings) {
      if (sibling.status === 'ACTIVE') {
        items.push({
          kind: 'sibling-service',
          resource: sibling.serviceArn ?? name,
          detail: `the sibling service ${name} is still ACTIVE`,
        });
      }
    }
    const describe = async (arn: string) =>
      (
        await record.persist(
          'DescribeTaskDefinition',
          () => ctx.deps.ecs.describeTaskDefinition({ taskDefinition: arn }, opts),
          deadline,
        )
      ).taskDefinition;
    const chaosDefinitions = [];
    for (const arn of chaosArns) {
      const td = await describe(arn);
      if (td) chaosDefinitions.push(td);
      if (td?.status === 'ACTIVE')
        items.push({ kind: 'active-chaos-revision', resource: arn, detail: `${shortRevision(arn)} is still ACTIVE` });
    }
    // A revision someone deployed during the run, cloned from the chaos revision: the chaos stays.
    const current = svc?.status === 'ACTIVE' ? svc.taskDefinition : undefined;
    if (tdFault && current && current !== original && !ctx.exposure.isChaos(current) && chaosDefinitions.length > 0) {
      const theirs = await describe(current);
      const carried = theirs && chaosDefinitions.find((c) => tdFault.carries(theirs, pf.original, c));
      if (theirs && carried) {
        items.push({
          kind: 'foreign-revision-with-chaos-change',
          resource: current,
          detail: `the service runs ${shortRevision(current)}, deployed by someone else during the run, copied from ${shortRevision(carried.taskDefinitionArn!)}, and it carries the chaos change: ${tdFault.describeCarried(theirs, pf.original)}. ecs-chaos did not overwrite it. Fix: '${recoverCommand(spec)} --repair-foreign' registers a copy of ${shortRevision(current)} without the chaos change and deploys it`,
        });
      }
    }
    if (fault.kind === 'episode') {
      await fault.verifyEnd(ctx, { service: svc, look, items, signal: deadline });
      result.residue = residueOf(spec, items);
      return;
    }
    const onOriginal = svc?.taskDefinition === original;
    const steady = restoreState(svc, look.tasks, original, chaosArns).done;
    result.effect.restored =
      onOriginal &&
      !items.some((i) => ['active-chaos-revision', 'chaos-tasks-running', 'sibling-service'].includes(i.kind));
    if (!onOriginal && svc)
      result.effect.notes.push(`at the end the service runs ${svc.taskDefinition}, not the original ${original}`);
    else if (onOriginal && !steady && spec.restoreWait === 'complete' && left.length === 0) {
      result.effect.notes.push(`at the end the service's rollout on ${shortRevision(original)} was not complete`);
    }
  } catch (error) {
    // Never residue (or "none") that was not read: say what could not be checked and how to check it.
    items.push({
      kind: 'not-checked',
      resource: result.target.serviceArn ?? spec.service,
      detail: `the end state could not be read (${(error as Error).message}), so what is left is unknown; check with '${statusCommand(spec)}', then repair with '${recoverCommand(spec)}' if it finds something`,
    });
    result.effect.notes.push('the end state could not be read: residue not checked');
  }
  if (ctx.exposure.chaosArns.length === 0 && result.mutations.length === 0) result.effect.restored = true;
  result.residue = residueOf(spec, items);
}

function residueOf(spec: RunContext['spec'], items: ResidueItem[]): ExperimentResidue {
  return {
    clean: items.length === 0,
    items,
    ...(items.length > 0 ? { recoverCommand: recoverCommand(spec) } : {}),
  };
}

/** Why the run stopped itself, when it did. */
export type StopCause = { kind: 'stop-condition'; trigger: StopTrigger } | { kind: 'probe'; probe: ProbeResult };

/** What the verdict depends on besides the result. */
export interface VerdictInputs {
  readonly aborted: boolean;
  readonly stopCause: StopCause | undefined;
  readonly abortReason: unknown;
  readonly steadyStateFailed: readonly ProbeResult[];
  readonly failure: unknown;
}

/**
 * Whether a reaction of ECS is the fault's own effect rather than ECS reacting to it: a launch
 * failure or a crash the fault intends (an unpullable image, an OOM kill), every line of its evidence
 * matching (service events aside). Such a reaction is reported but does not fail the verdict.
 */
export function intendedReaction(faultName: FaultName, r: EcsReaction): boolean {
  const fault = faultModule(faultName);
  if (fault.kind !== 'task-definition') return false;
  const expected =
    r.kind === 'launch-failure' ? fault.expectsLaunchFailure : r.kind === 'task-crash' ? fault.expectsCrash : undefined;
  return expected !== undefined && r.evidence.every((e) => e.startsWith('event:') || expected.test(e));
}

/** Sets `result.verdict` and `result.verdictReason`. */
export function decideVerdict(ctx: RunContext, inputs: VerdictInputs): void {
  const result = ctx.record.result;
  const effect = result.effect;
  const fault = faultModule(ctx.spec.fault);
  const reactions = (result.reactions ?? []).filter((r) => !intendedReaction(ctx.spec.fault, r));
  const unread = !result.residue.clean && result.residue.items.every((i) => i.kind === 'not-checked');
  const restored = result.residue.clean
    ? 'the service was restored'
    : unread
      ? 'whether the service was restored could not be checked (AWS could not be read at the end)'
      : 'the service was NOT fully restored';
  const failedProbe = result.probes.find((p) => p.status === 'Failed');
  const unevaluated = result.probes.find((p) => p.status === 'N/A');
  const ecsReacted = reactions.length > 0 ? `ECS reacted: ${describeReactions(reactions)}` : undefined;
  const { aborted, stopCause, failure } = inputs;
  if (aborted && stopCause?.kind === 'stop-condition') {
    const t = stopCause.trigger;
    result.verdict = 'Stopped';
    result.verdictReason = `stop condition: alarm ${t.alarmName} was ${t.state}${t.reason ? ` (${t.reason})` : ''}; the chaos was stopped and ${restored}`;
  } else if (aborted && stopCause?.kind === 'probe') {
    const p = stopCause.probe;
    result.verdict = 'Fail';
    result.verdictReason = `probe ${p.name} failed during the chaos (stopOnFailure): ${firstFailure(p)}; the chaos was stopped and ${restored}`;
  } else if (aborted) {
    result.verdict = 'Stopped';
    const reason: unknown = inputs.abortReason;
    const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
    // An episode fault has nothing to restore, but the service must have come back (task-stop).
    const notBack = fault.kind === 'episode' && !effect.restored;
    result.verdictReason = `aborted (${why}); ${notBack ? `the service did NOT recover${effect.notes.length > 0 ? `: ${effect.notes.at(-1)}` : ''}` : result.residue.clean ? 'restored' : unread ? 'the restore could not be checked' : 'NOT fully restored'}`;
  } else if (inputs.steadyStateFailed.length > 0) {
    const p = inputs.steadyStateFailed[0]!;
    result.verdict = 'Fail';
    result.verdictReason = `the steady state was not met before the chaos: probe ${p.name} failed (${firstFailure(p)}); nothing was injected`;
  } else if (failure !== undefined) {
    result.verdict =
      failure instanceof ChaosError &&
      ['CHAOS_TASKS_FAILED', 'CONFLICT', 'ROLLED_BACK', 'NOT_RECOVERED'].includes(failure.code)
        ? 'Fail'
        : 'Error';
    result.verdictReason = `${(failure as Error).message}${ecsReacted && !(failure as Error).message.includes('ECS') ? `; ${ecsReacted}` : ''}`;
  } else if (ecsReacted) {
    result.verdict = 'Fail';
    result.verdictReason = `${ecsReacted}; ${restored}`;
  } else if (!effect.swapped || !effect.chaosTasksRan) {
    result.verdict = 'Fail';
    result.verdictReason = effect.notes[0] ?? 'the chaos did not take effect';
  } else if (result.conflicts.length > 0) {
    result.verdict = 'Fail';
    result.verdictReason = result.conflicts[0]!;
  } else if (!effect.restored || !result.residue.clean) {
    result.verdict = 'Fail';
    result.verdictReason = unread ? restored : 'the service was not fully restored';
  } else if (failedProbe) {
    result.verdict = 'Fail';
    result.verdictReason = `probe ${failedProbe.name} failed: ${failedProbe.statusReason}`;
  } else if (unevaluated) {
    result.verdict = 'Fail';
    result.verdictReason = `probe ${unevaluated.name} was never evaluated (is its initialDelay longer than its window?): the run has no evidence from it`;
  } else {
    result.verdict = 'Pass';
    // What was checked, and when: a probe checked only before and after says nothing of the window.
    const probes =
      result.probes.length > 0
        ? `; ${result.probes.filter((p) => p.status === 'Passed').length} of ${result.probes.length} probes passed (${result.probes.map((p) => `${p.name}: ${PROBE_WHEN[p.mode] ?? p.mode}`).join('; ')})`
        : '';
    const x = result.exposure;
    if (fault.kind === 'episode') result.verdictReason = `${fault.passReason(ctx)}${probes}`;
    else
      result.verdictReason = `${fault.effectPhrase} on ${x.peakChaosTasks} of ${x.peakServingTasks ?? x.desiredCount} serving tasks at peak (${percentText(x.peakShare)}, ${x.mode ?? 'rolling'} mode) and restored; nothing left behind${probes}`;
  }
}

/**
 * The last look's foreign changes the run has not reported yet: made after its last check (during
 * the last restore wait, say), they are someone else's all the same, and kept.
 */
function finalConflicts(ctx: RunContext, svc: Service): void {
  const { spec, pf, record } = ctx;
  const said = (word: string): boolean => record.result.conflicts.some((c) => c.includes(word));
  const current = svc.taskDefinition;
  if (current && current !== ctx.restoreArn && !ctx.exposure.isChaos(current) && !said(current))
    record.conflict(`someone deployed ${current} on ${spec.service} during the run; ecs-chaos left it`);
  if (svc.desiredCount === 0 && (pf.service.desiredCount ?? 0) > 0 && !said('to 0'))
    record.conflict(`someone scaled ${spec.service} to 0 during the run; ecs-chaos kept their desired count`);
  // Exact mode never touches the service's configuration: a change to it is no conflict with the run.
  const foreign = restoreConfiguration(svc.deploymentConfiguration, pf.originalDeployment, pf.chaosDeployment).foreign;
  if (spec.exposureMode === 'rolling' && foreign.length > 0 && !said('deployment configuration'))
    record.conflict(configurationConflict(spec.service, foreign));
}

/** When a probe of each mode is checked, in the verdict's words. */
const PROBE_WHEN: Readonly<Record<string, string>> = {
  SOT: 'before the chaos',
  EOT: 'after the chaos',
  Edge: 'before and after the chaos',
  Continuous: 'before, during and after the chaos',
  OnChaos: 'during the chaos',
};

/** What a probe's first failed evaluation saw. */
export function firstFailure(probe: ProbeResult): string {
  const first = probe.evaluations.find((e) => !e.passed);
  return first?.error ?? first?.evidence ?? probe.statusReason;
}
