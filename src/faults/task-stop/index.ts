/**
 * task-stop: StopTask on chosen RUNNING tasks of the service's current deployment (a share of the
 * desired count rounded down, TASK_COUNT, or the ids TASK_REPLICA_ID names), with a reason naming
 * the experiment; SEQUENCE serial stops one, waits until ECS replaced it, then the next; parallel
 * stops them all at once. The run waits for the service to recover (the desired count RUNNING, and
 * HEALTHY where a container health check exists) and reports the time to recovery. Nothing to
 * revert: the service's markers are removed, and a service that did not recover within the restore
 * timeout is a Fail.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { describeError } from '../../engine/describe-error.js';
import { iterationHolds } from '../../engine/holds.js';
import { percentText } from '../../engine/exposure.js';
import type { EpisodeFault } from '../types.js';
import { stopIteration } from './episode.js';
import { hasHealthCheck, recoveryState } from './recovery.js';
import { isCurrentRunning, plannedStops, serviceTasks, stopReason, taskIdOf } from './select.js';
import { classicLoadBalancersOf, targetGroupName, targetGroupsOf } from './targets.js';

type Reads = Promise<{ ok: true; tasks: Task[] } | { ok: false; error: unknown }>;

const sequenceOf = (spec: { faultParams?: { sequence?: 'serial' | 'parallel' } }): 'serial' | 'parallel' =>
  spec.faultParams?.sequence ?? 'serial';

export const taskStop: EpisodeFault<Reads> = {
  name: 'task-stop',
  kind: 'episode',
  effectPhrase: 'tasks were stopped',
  reportWords: { reached: 'ECS started replacements', restored: 'the service recovered' },

  startReads(spec, deps) {
    return serviceTasks(deps.ecs, spec.cluster, spec.service, { abortSignal: deps.signal }).then(
      (tasks) => ({ ok: true as const, tasks }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  },

  async check(ctx, reads) {
    const { spec, service } = ctx;
    const desired = service.desiredCount ?? 0;
    const read = await reads;
    if (!read.ok) {
      return ctx.fail(
        'tasks to stop',
        `the service's tasks could not be read (${describeError(read.error)}). Fix: give the runner ecs:ListTasks and ecs:DescribeTasks ('ecs-chaos policy --fault task-stop')`,
      );
    }
    const running = read.tasks.filter((t) => isCurrentRunning(service, t));
    const ids = spec.faultParams?.taskIds;
    if (ids && iterationHolds(spec.durationSeconds, spec.intervalSeconds).length > 1)
      ctx.fail(
        'tasks to stop',
        `TASK_REPLICA_ID names tasks the first iteration stops, so a second iteration would find none (TOTAL_CHAOS_DURATION ${spec.durationSeconds}s, CHAOS_INTERVAL ${spec.intervalSeconds}s make ${iterationHolds(spec.durationSeconds, spec.intervalSeconds).length}). Fix: set CHAOS_INTERVAL to at least TOTAL_CHAOS_DURATION, or choose tasks by TASK_COUNT`,
      );
    if (running.length < desired) {
      const detail = `the service runs ${running.length} of its ${desired} desired tasks in its current deployment: it is not steady, and its recovery could not be told apart`;
      if (spec.force) ctx.record('service runs its desired count', 'warn', `${detail}; going on because of --force`);
      else
        ctx.fail(
          'service runs its desired count',
          `${detail}. Fix: wait until ${desired} tasks are RUNNING, or pass --force`,
        );
    } else ctx.record('service runs its desired count', 'pass', `${running.length} RUNNING of ${desired} desired`);
    const planned = plannedStops(desired, spec);
    if (!planned.ok) return ctx.fail('tasks to stop', planned.reason);
    const list = (tasks: readonly Task[]): string => tasks.map(taskIdOf).join(', ');
    if (ids) {
      const known = new Set(running.map(taskIdOf));
      const strangers = ids.filter((id) => !known.has(id));
      if (strangers.length > 0)
        ctx.fail(
          'tasks to stop',
          `TASK_REPLICA_ID names ${strangers.join(', ')}, not among the RUNNING tasks of ${spec.service}'s current deployment (${list(running) || 'none'}). Fix: pass ids of those tasks ('aws ecs list-tasks --cluster ${spec.cluster} --service-name ${spec.service}')`,
        );
      ctx.record('tasks to stop', 'pass', `${ids.join(', ')} (named by TASK_REPLICA_ID), all RUNNING`);
    } else {
      if (planned.k > running.length)
        ctx.fail(
          'tasks to stop',
          `${planned.rounding}: ${planned.k} tasks to stop, but the service runs ${running.length} in its current deployment. Fix: ${planned.selection === 'count' ? `set TASK_COUNT to at most ${running.length}` : 'lower TASK_REPLICA_AFFECTED_PERC'}`,
        );
      ctx.record(
        'tasks to stop',
        'pass',
        `${planned.k} of these ${running.length} RUNNING tasks, chosen at random at each iteration (${planned.rounding}): ${list(running)}`,
      );
    }
    const sequence = sequenceOf(spec);
    if (sequence === 'parallel' && planned.k >= desired)
      ctx.record(
        'some tasks keep serving',
        'warn',
        `parallel: every task of ${spec.service} is stopped at once, so it serves nothing until the replacements run; SEQUENCE serial stops one at a time`,
      );
    const healthWords = hasHealthCheck(ctx.original) ? ' and HEALTHY (container health check)' : '';
    const groups = targetGroupsOf(service).map((g) => targetGroupName(g.targetGroupArn));
    const classic = classicLoadBalancersOf(service);
    if (classic.length > 0)
      ctx.record(
        'recovery can be observed',
        'warn',
        `Classic Load Balancer${classic.length === 1 ? '' : 's'} ${classic.join(', ')}: ecs-chaos does not read their instance health (elb:DescribeInstanceHealth), so recovery means the desired count RUNNING${healthWords}${groups.length > 0 ? ` and healthy in target groups ${groups.join(', ')}` : ''}, not yet InService in the Classic Load Balancer; watch it with a probe`,
      );
    else
      ctx.record(
        'recovery can be observed',
        'pass',
        `the desired count RUNNING${healthWords}${groups.length > 0 ? `, and healthy in target group${groups.length === 1 ? '' : 's'} ${groups.join(', ')} (elasticloadbalancing:DescribeTargetHealth)` : ''}`,
      );
  },

  plannedReads(spec) {
    return [
      {
        operation: 'ListTasks/DescribeTasks',
        detail: `${spec.cluster}/${spec.service}: its RUNNING tasks (enough to stop${spec.faultParams?.taskIds ? ', the named ones among them' : ''})`,
      },
    ];
  },

  predictExposure(service, spec) {
    const desired = service.desiredCount ?? 0;
    const planned = plannedStops(desired, spec);
    if (!planned.ok)
      return { mode: spec.exposureMode, chaosTasks: 0, ofTasks: desired, share: 0, note: `${planned.reason}: refused` };
    const sequence = sequenceOf(spec);
    const atOnce = sequence === 'parallel' ? planned.k : Math.min(1, planned.k);
    const share = desired > 0 ? atOnce / desired : 0;
    return {
      mode: spec.exposureMode,
      chaosTasks: planned.k,
      ofTasks: desired,
      share,
      note: `${planned.k} task${planned.k === 1 ? '' : 's'} stopped per iteration (${planned.rounding}), ${sequence === 'parallel' ? 'all at once' : 'one at a time, each after the service recovered'}: at most ${atOnce} of ${desired} down at once (${percentText(share)})`,
    };
  },

  iteration(ctx, state, holdSeconds, signal) {
    return stopIteration(ctx, state, holdSeconds, signal);
  },

  async verifyEnd(ctx, end) {
    const result = ctx.record.result;
    const record = result.taskStop;
    const stopped = new Set((record?.iterations ?? []).flatMap((i) => i.stopped.map((s) => s.taskArn)));
    if (stopped.size === 0) {
      result.effect.restored = true;
      return;
    }
    const now = recoveryState(end.service, end.look.tasks, stopped, new Set(), hasHealthCheck(ctx.pf.original));
    if (!now.done) result.effect.notes.push(`at the end ${ctx.spec.service} was still waiting for ${now.waitingFor}`);
    const recovered = (record?.recovered ?? true) && now.done;
    if (record) record.recovered = recovered;
    result.effect.restored = recovered;
    await Promise.resolve();
  },

  passReason(ctx) {
    const r = ctx.record.result.taskStop;
    const n = r?.iterations.reduce((sum, i) => sum + i.stopped.length, 0) ?? 0;
    const iterations = r?.iterations.length ?? 0;
    return `${n} task${n === 1 ? '' : 's'} of ${ctx.spec.service} stopped (${r?.sequence ?? 'serial'}, ${iterations} iteration${iterations === 1 ? '' : 's'}); ECS replaced ${n === 1 ? 'it' : 'them'} and the service recovered within ${r?.longestRecoverySeconds ?? 0}s at the longest; nothing left behind`;
  },

  plannedCalls(spec, pf, label, holdSeconds) {
    const service = `${spec.cluster}/${spec.service}`;
    const planned = plannedStops(pf.service.desiredCount ?? 0, spec);
    const k = planned.ok ? planned.k : 0;
    const which = spec.faultParams?.taskIds
      ? `the tasks ${spec.faultParams.taskIds.join(', ')}`
      : `${k} RUNNING task${k === 1 ? '' : 's'} of the current deployment, chosen at random`;
    const reason = `reason '${stopReason('<experiment id>', Number(/\d+/.exec(label)?.[0] ?? 1))}'`;
    const groups = targetGroupsOf(pf.service).map((g) => targetGroupName(g.targetGroupArn));
    const inTargets =
      groups.length > 0
        ? ` and healthy in target group${groups.length === 1 ? '' : 's'} ${groups.join(', ')} (DescribeTargetHealth)`
        : '';
    const wait = `poll until ${spec.service} has ${pf.service.desiredCount} tasks RUNNING${hasHealthCheck(pf.original) ? ' and HEALTHY' : ''}${inTargets}, none of them a stopped one (at most ${spec.restoreTimeoutSeconds}s)`;
    const calls = [
      {
        operation: 'ListTasks/DescribeTasks',
        detail: `${label} ${service}: choose ${which}`,
        mutating: false,
      },
      { operation: 'TagResource', detail: `${label} ${service} (marked as under chaos)`, mutating: true },
    ];
    if (sequenceOf(spec) === 'parallel')
      calls.push(
        { operation: 'StopTask', detail: `${label} ${which}, all at once, ${reason}`, mutating: true },
        { operation: 'ListTasks/DescribeTasks', detail: `${label} ${wait}`, mutating: false },
      );
    else
      calls.push({
        operation: 'StopTask',
        detail: `${label} ${which}, one at a time, ${reason}; after each: ${wait}`,
        mutating: true,
      });
    calls.push(
      {
        operation: 'sleep',
        detail: `${label} hold the rest of the ${holdSeconds}s interval after the recovery, if any`,
        mutating: false,
      },
      { operation: 'UntagResource', detail: `${label} ${service} (markers removed)`, mutating: true },
    );
    return calls;
  },
};
