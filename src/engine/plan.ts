/**
 * `plan`: the preflight, and what `run` would do, without a single mutation: the task definition
 * diff, the deployment configuration of the chaos window, the iterations and the API calls in order.
 */
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';
import type { ExperimentSpec } from '../config/spec.js';
import { faultModule } from '../faults/registry.js';
import { copyTaskDefinition, diffValues, type FieldChange } from '../faults/task-definition-copy.js';
import type { IoHost } from '../io/io-host.js';
import type { CloudWatchPort, CloudTrailPort, EcsPort, IamPort, StsPort } from '../aws/ports.js';
import { predictBlastRadius, type Prediction } from './predict.js';
import { preflight, type PreflightCheck } from './preflight.js';
import type { ActionLookup } from '../iam/blast-radius.js';
import { shortRevision } from './observe.js';
import { iterationHolds } from './holds.js';
import { predictExposure, type PredictedExposure } from './exposure.js';
import { settleMs } from './lease.js';
import { notCopied, siblingNamePattern } from './sibling.js';

export { iterationHolds };
import { describeProbe } from '../probes/parse.js';

/** One API call `run` would make. */
export interface PlannedCall {
  readonly operation: string;
  readonly detail: string;
  /** Whether it changes anything. */
  readonly mutating: boolean;
}

/** What `run` would do. */
export interface ExperimentPlan {
  /** The fault's kind: an episode fault (task-stop, deny-task-permissions) changes no task definition: no diff, no deployment configuration, no role swap. */
  readonly kind: 'task-definition' | 'episode';
  readonly checks: readonly PreflightCheck[];
  readonly serviceArn: string;
  readonly originalTaskDefinitionArn: string;
  readonly desiredCount: number;
  /** The differences between the original and the chaos task definition (read-only fields aside). */
  readonly taskDefinitionDiff: readonly FieldChange[];
  readonly deploymentConfiguration: {
    readonly original: DeploymentConfiguration | undefined;
    readonly chaos: DeploymentConfiguration;
  };
  /** Hold seconds of each iteration. */
  readonly iterations: readonly number[];
  /** The exposure the mode gives: chaos tasks, of how many, the rounding; rolling mode's warning. */
  readonly exposure: PredictedExposure;
  /** What the other mode would give, for comparison (absent at 100 %, where only rolling applies). */
  readonly otherMode?: PredictedExposure;
  /** Exact mode: the service's settings the sibling does not copy. */
  readonly notCopied: readonly string[];
  /** What the chaos role will refuse that the original role allows (or why it is unknown). */
  readonly prediction: Prediction;
  /** The probes and when each runs. */
  readonly probes: ReadonlyArray<{ name: string; type: string; mode: string; description: string; when: string }>;
  /** The stop-condition alarms, checked in preflight and polled during the chaos. */
  readonly stopConditions: readonly string[];
  readonly calls: readonly PlannedCall[];
}

export async function planExperiment(
  spec: ExperimentSpec,
  deps: {
    ecs: EcsPort;
    iam: IamPort;
    sts?: StsPort;
    cloudtrail?: CloudTrailPort;
    cloudwatch?: CloudWatchPort;
    io: IoHost;
    now: () => Date;
    signal?: AbortSignal;
    catalog?: ActionLookup | ((services: readonly string[]) => Promise<ActionLookup>);
  },
): Promise<ExperimentPlan> {
  const pf = await preflight(spec, deps);
  const original = pf.original;
  const originalArn = original.taskDefinitionArn!;
  const fault = faultModule(spec.fault);
  const originalInput = copyTaskDefinition(original);
  // An episode fault (task stop, a Deny on the role) changes no task definition.
  const diff =
    fault.kind === 'task-definition' ? diffValues(originalInput, fault.apply(copyTaskDefinition(original), spec)) : [];
  const holds = iterationHolds(spec.durationSeconds, spec.intervalSeconds);
  const family = original.family!;
  const service = `${spec.cluster}/${spec.service}`;
  const calls: PlannedCall[] = [
    { operation: 'DescribeClusters', detail: spec.cluster, mutating: false },
    { operation: 'DescribeServices', detail: service, mutating: false },
    { operation: 'DescribeTaskDefinition', detail: shortRevision(originalArn), mutating: false },
  ];
  for (const read of fault.plannedReads(spec)) calls.push({ ...read, mutating: false });
  const alarms = spec.stopConditions.map((c) => c.alarmName);
  if (alarms.length > 0)
    calls.push({ operation: 'DescribeAlarms', detail: `${alarms.join(', ')} (exist, none in ALARM)`, mutating: false });
  const sot = spec.probes.filter((p) => p.mode === 'SOT' || p.mode === 'Edge').map((p) => p.name);
  if (sot.length > 0)
    calls.push({
      operation: 'probes',
      detail: `before the chaos: ${sot.join(', ')} (a failure injects nothing)`,
      mutating: false,
    });
  calls.push({
    operation: 'TagResource',
    detail: `${service}: the lease ecs-chaos:lease:<experiment id> (candidate), then DescribeServices after ${settleMs(spec.leaseHeartbeatSeconds) / 1000}s: another experiment's lease refuses the run, exit 2; then held, refreshed every ${spec.leaseHeartbeatSeconds}s`,
    mutating: true,
  });
  const cfg = pf.chaosDeployment;
  const exact = spec.exposureMode === 'exact';
  const restoreWait =
    spec.restoreWait === 'first-task'
      ? `until a task of ${shortRevision(originalArn)} is RUNNING (--restore-wait first-task: chaos tasks may still serve)`
      : `until no chaos task is left and ${spec.service} is steady on ${shortRevision(originalArn)}`;
  holds.forEach((hold, i) => {
    const label = `iteration ${i + 1}:`;
    if (fault.kind === 'episode') {
      calls.push(...fault.plannedCalls(spec, pf, label, hold));
      return;
    }
    const sibling = siblingNamePattern(spec.service, i + 1);
    calls.push(
      {
        operation: 'RegisterTaskDefinition',
        detail: `${label} ${family} (copy of ${shortRevision(originalArn)}, ${fault.describeChaos(spec)}, tagged with recovery markers)`,
        mutating: true,
      },
      { operation: 'TagResource', detail: `${label} ${service} (marked as under chaos)`, mutating: true },
      exact
        ? {
            operation: 'CreateService',
            detail: `${label} sibling ${sibling}: ${pf.exposure.chaosTasks} task(s) of the new ${family} revision beside the untouched ${spec.service}`,
            mutating: true,
          }
        : {
            operation: 'UpdateService',
            detail: `${label} ${service} -> the new ${family} revision, maximumPercent ${cfg.maximumPercent}, minimumHealthyPercent ${cfg.minimumHealthyPercent}`,
            mutating: true,
          },
      {
        operation: 'ListTasks/DescribeTasks',
        detail: `${label} poll until a task of the new revision is RUNNING (at most ${spec.rolloutTimeoutSeconds}s), then hold ${hold}s${alarms.length > 0 ? ', polling the stop-condition alarms (DescribeAlarms)' : ''}`,
        mutating: false,
      },
      exact
        ? { operation: 'DeleteService', detail: `${label} the sibling ${sibling} (force)`, mutating: true }
        : {
            operation: 'UpdateService',
            detail: `${label} ${service} -> ${shortRevision(originalArn)}, original deployment configuration`,
            mutating: true,
          },
      {
        operation: 'ListTasks/DescribeTasks',
        detail: `${label} poll ${restoreWait} (at most ${spec.restoreTimeoutSeconds}s)`,
        mutating: false,
      },
      { operation: 'DeregisterTaskDefinition', detail: `${label} the chaos revision`, mutating: true },
      { operation: 'UntagResource', detail: `${label} ${service} (markers removed)`, mutating: true },
    );
  });
  const eot = spec.probes.filter((p) => p.mode === 'EOT' || p.mode === 'Edge').map((p) => p.name);
  if (eot.length > 0)
    calls.push({ operation: 'probes', detail: `after the chaos: ${eot.join(', ')}`, mutating: false });
  calls.push(
    {
      operation: 'DescribeServices/DescribeTaskDefinition',
      detail: 'verify: restored, nothing left behind',
      mutating: false,
    },
    { operation: 'UntagResource', detail: `${service}: the lease released`, mutating: true },
  );
  // The blast radius, for a fault that swaps a role.
  const swap = fault.identity?.(original, spec);
  const prediction: Prediction = swap
    ? await predictBlastRadius(deps.iam, {
        originalRoleArn: swap.original,
        chaosRoleArn: swap.chaos,
        ...(deps.catalog ? { catalog: deps.catalog } : {}),
        ...(deps.cloudtrail && spec.observedSinceSeconds
          ? { cloudtrail: deps.cloudtrail, observedSinceSeconds: spec.observedSinceSeconds }
          : {}),
        ...(deps.signal ? { abortSignal: deps.signal } : {}),
      })
    : { ok: false, reason: `${spec.fault} swaps no role: no blast radius to predict` };
  const when: Record<string, string> = {
    SOT: 'once before the chaos',
    EOT: 'once after the chaos',
    Edge: 'before and after the chaos',
    Continuous: 'repeatedly, from before the chaos until it is reverted',
    OnChaos: 'repeatedly, during the chaos window',
  };
  return {
    prediction,
    probes: spec.probes.map((p) => ({
      name: p.name,
      type: p.type,
      mode: p.mode,
      description: describeProbe(p),
      when: `${when[p.mode]}${p.runProperties.stopOnFailure && p.mode !== 'EOT' ? '; a failure stops the chaos' : ''}`,
    })),
    stopConditions: alarms,
    checks: pf.checks,
    serviceArn: pf.service.serviceArn!,
    originalTaskDefinitionArn: originalArn,
    desiredCount: pf.service.desiredCount ?? 0,
    taskDefinitionDiff: diff,
    deploymentConfiguration: { original: pf.originalDeployment, chaos: pf.chaosDeployment },
    iterations: holds,
    exposure: pf.exposure,
    kind: fault.kind,
    ...(spec.affectedPercent < 100 && fault.kind === 'task-definition'
      ? {
          otherMode: predictExposure(exact ? 'rolling' : 'exact', pf.service.desiredCount ?? 0, spec.affectedPercent),
        }
      : {}),
    notCopied: exact ? notCopied(pf.service) : [],
    calls,
  };
}
