/**
 * One iteration of task-stop: choose the tasks, mark the service, StopTask (one at a time waiting
 * for the service to recover after each, or all at once), wait for the recovery (bounded by the
 * restore timeout, even after an abort), hold what is left of the interval, and remove the markers.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { ChaosError } from '../../errors.js';
import { episodeMarkers } from '../../engine/markers.js';
import { untagOwnMarkers } from '../../engine/revert.js';
import type { IterationState, RunContext } from '../../engine/run-context.js';
import type { StoppedTaskRecord, TaskStopIteration, TaskStopRecord } from '../../report/result.js';
import { targetHealthRecord, waitRecovered, type RecoveryOutcome } from './recovery.js';
import { chooseTasks, isCurrentRunning, plannedStops, serviceTasks, stopReason, taskIdOf } from './select.js';

/** The run's task-stop record, created by the first iteration. */
function taskStopRecord(ctx: RunContext, k: number, selection: TaskStopRecord['selection']): TaskStopRecord {
  const result = ctx.record.result;
  result.taskStop ??= {
    sequence: ctx.spec.faultParams?.sequence ?? 'serial',
    selection,
    perIteration: k,
    iterations: [],
    recovered: true,
  };
  return result.taskStop;
}

const seconds = (from: string, to: string): number =>
  Math.round((new Date(to).getTime() - new Date(from).getTime()) / 100) / 10;

/** The service's alive task ARNs now. */
async function aliveNow(ctx: RunContext, index: number, signal: AbortSignal): Promise<Set<string>> {
  const look = await ctx.look(signal, index);
  return new Set(
    look.tasks
      .filter((t) => t.group === `service:${ctx.spec.service}` && t.lastStatus !== 'STOPPED')
      .map((t) => t.taskArn!),
  );
}

export async function stopIteration(
  ctx: RunContext,
  state: IterationState,
  holdSeconds: number,
  signal: AbortSignal,
): Promise<void> {
  const { spec, pf, record } = ctx;
  const index = state.record.index;
  const sequence = spec.faultParams?.sequence ?? 'serial';
  // A stop between iterations (a signal, a stop condition, a failed probe) stops no task.
  signal.throwIfAborted();
  const planned = plannedStops(pf.service.desiredCount ?? 0, spec);
  if (!planned.ok) throw new ChaosError('NO_TASK_TO_STOP', planned.reason, { fault: 'user' });
  const started = record.now().getTime();
  record.phase(
    'inject',
    `iteration ${index}: stop ${planned.k} task${planned.k === 1 ? '' : 's'} of ${spec.service} (${sequence})`,
    index,
  );
  const calls = { abortSignal: signal };
  const svc = (await ctx.deps.ecs.describeServices({ cluster: spec.cluster, services: [spec.service] }, calls))
    .services?.[0];
  if (!svc || svc.status !== 'ACTIVE') {
    const conflict = `the service ${spec.service} was deleted since preflight`;
    record.conflict(conflict, index);
    throw new ChaosError('CONFLICT', conflict, { fault: 'user' });
  }
  const running = (await serviceTasks(ctx.deps.ecs, spec.cluster, spec.service, calls)).filter((t) =>
    isCurrentRunning(svc, t),
  );
  const chosen = chooseTasks(running, spec, planned.k);
  const it: TaskStopIteration = { index, stopped: [], replacements: [], recovered: false };
  const targetHealth = targetHealthRecord(svc);
  if (targetHealth) it.targetHealth = targetHealth;
  const summary = taskStopRecord(ctx, planned.k, planned.selection);
  summary.iterations.push(it);
  if (chosen.length < planned.k) {
    const what =
      planned.selection === 'ids'
        ? `of the tasks TASK_REPLICA_ID names, ${chosen.length} of ${planned.k} are still RUNNING in the current deployment`
        : `the service has ${running.length} RUNNING tasks in its current deployment, fewer than the ${planned.k} to stop`;
    record.result.effect.notes.push(what);
    if (chosen.length === 0) throw new ChaosError('NO_TASK_TO_STOP', `${what}: no task to stop`, { fault: 'user' });
    record.event('tasks-missing', `${what}: stopping those`, {}, 'warn', index);
  }

  const stopped = new Set<string>();
  let before = await aliveNow(ctx, index, signal);
  const firstBefore = new Set(before);
  let outcome: RecoveryOutcome | undefined;
  let failure: unknown;
  let finished = false;
  try {
    // The service is marked first: a crash from here on is visible to status and recover.
    state.tagAttempted = true;
    await ctx.deps.ecs.tagResource(
      {
        resourceArn: pf.service.serviceArn!,
        tags: episodeMarkers({
          experimentId: record.result.experimentId,
          fault: spec.fault,
          originalTaskDefinitionArn: pf.original.taskDefinitionArn!,
        }),
      },
      {},
    );
    state.mutations.tag = record.mutation(
      'TagResource',
      pf.service.serviceArn!,
      `service ${spec.service} marked as under chaos`,
      index,
    );
    signal.throwIfAborted();
    const stop = async (task: Task): Promise<StoppedTaskRecord> => {
      const reason = stopReason(record.result.experimentId, index);
      // Not cut short by an abort: a call in flight completes, so the run knows what it stopped.
      await ctx.deps.ecs.stopTask({ cluster: spec.cluster, task: task.taskArn!, reason }, {});
      stopped.add(task.taskArn!);
      const at = record.now().toISOString();
      state.record.injectedAt ??= at;
      const entry: StoppedTaskRecord = {
        taskArn: task.taskArn!,
        taskId: taskIdOf(task),
        taskDefinitionArn: task.taskDefinitionArn ?? '',
        stoppedAt: at,
        reason,
      };
      it.stopped.push(entry);
      record.mutation('StopTask', task.taskArn!, `task ${entry.taskId} of ${spec.service} (reason: ${reason})`, index);
      record.result.effect.swapped = true;
      record.result.effect.chaosTasksRan = true;
      return entry;
    };
    if (sequence === 'parallel') {
      for (const task of chosen) {
        // A signal between two calls: no further task is stopped.
        if (signal.aborted) break;
        await stop(task);
      }
      outcome = await waitRecovered(ctx, index, stopped, firstBefore, targetHealth);
    } else {
      for (const [n, task] of chosen.entries()) {
        if (n > 0 && signal.aborted) {
          record.event(
            'cleanup',
            `stopped: no further task is stopped (${chosen.length - n} left)`,
            { left: chosen.length - n },
            'warn',
            index,
          );
          break;
        }
        const entry = await stop(task);
        outcome = undefined;
        outcome = await waitRecovered(ctx, index, stopped, before, targetHealth);
        const replacements = [...(outcome.state?.serving ?? [])].map((t) => t.taskArn!).filter((a) => !before.has(a));
        entry.replacements = replacements;
        if (outcome.at) entry.recoverySeconds = seconds(entry.stoppedAt, outcome.at);
        if (!outcome.recovered) break;
        record.event(
          'recovered',
          `task ${entry.taskId} replaced by ${replacements.map(taskIdOf).join(', ') || 'a task already running'} in ${entry.recoverySeconds}s`,
          { replacements },
          'info',
          index,
        );
        before = new Set([...before, ...replacements]);
      }
    }
    finishIteration(ctx, state, it, firstBefore, outcome);
    finished = true;
    // The hold: what is left of the interval after the recovery, the markers still on the service.
    const left = holdSeconds * 1000 - (record.now().getTime() - started);
    if (outcome?.recovered && !signal.aborted && left > 0) {
      state.record.holdSeconds = Math.round(left / 100) / 10;
      record.phase('hold', `iteration ${index}: holding ${state.record.holdSeconds}s, the rest of the interval`, index);
      await record.sleep(left, signal);
    } else state.record.holdSeconds = 0;
  } catch (error) {
    failure = error;
  } finally {
    if (stopped.size > 0 && outcome === undefined) {
      // An error or an abort after a stop: the service still gets its time to come back.
      if (signal.aborted) record.say('warn', 'cleanup.running', 'aborted: waiting for the service to recover', {});
      outcome = await waitRecovered(ctx, index, stopped, firstBefore, targetHealth);
    }
    if (state.tagAttempted) await untagOwnMarkers(ctx, state, AbortSignal.timeout(spec.restoreTimeoutSeconds * 1000));
  }
  if (!finished) finishIteration(ctx, state, it, firstBefore, outcome);
  if (failure !== undefined) throw failure as Error;
  if (outcome && !outcome.recovered) {
    const why = outcome.state?.waitingFor ?? 'the service could not be read';
    throw new ChaosError(
      'NOT_RECOVERED',
      `${spec.service} did not recover within ${spec.restoreTimeoutSeconds}s (--restore-timeout) after task-stop: still waiting for ${why}`,
      { fault: 'aws' },
    );
  }
  signal.throwIfAborted();
}

/** Records the iteration's recovery: its time, its replacements, the StopTasks ECS made good. */
function finishIteration(
  ctx: RunContext,
  state: IterationState,
  it: TaskStopIteration,
  before: ReadonlySet<string>,
  outcome: RecoveryOutcome | undefined,
): void {
  const { record } = ctx;
  const summary = record.result.taskStop!;
  if (it.stopped.length === 0) {
    it.recovered = true;
    return;
  }
  it.recovered = outcome?.recovered ?? false;
  const serial = it.stopped.flatMap((s) => s.replacements ?? []);
  it.replacements = [
    ...new Set([...serial, ...(outcome?.state?.serving ?? []).map((t) => t.taskArn!).filter((a) => !before.has(a))]),
  ];
  if (it.recovered && outcome?.at) {
    it.recoveredAt = outcome.at;
    it.recoverySeconds = seconds(it.stopped[0]!.stoppedAt, outcome.at);
    state.record.restoredAt = outcome.at;
    summary.longestRecoverySeconds = Math.max(summary.longestRecoverySeconds ?? 0, it.recoverySeconds);
    for (const m of record.result.mutations)
      if (m.operation === 'StopTask' && m.iteration === it.index) record.undone(m, 'ECS (replacement task)');
    record.event(
      'recovered',
      `${ctx.spec.service} recovered ${it.recoverySeconds}s after the first StopTask: ${it.replacements.length} replacement task${it.replacements.length === 1 ? '' : 's'}`,
      { recoverySeconds: it.recoverySeconds, replacements: it.replacements },
      'info',
      it.index,
    );
  } else {
    it.notRecovered = outcome?.state?.waitingFor || 'the service could not be read';
    summary.recovered = false;
    record.result.effect.notes.push(
      `iteration ${it.index}: the service did not recover within ${ctx.spec.restoreTimeoutSeconds}s: ${it.notRecovered}`,
    );
  }
}
