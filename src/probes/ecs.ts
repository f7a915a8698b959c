/** The `ecs` probe: the service's deployments and running count, as `describe-services` shows them. */
import { shortRevision } from '../aws/arn.js';
import type { Service } from '@aws-sdk/client-ecs';
import { callOptions, type Observation, type ProbeContext, type ProbeRunFacts } from './context.js';
import { compare, describeComparator } from './comparator.js';
import type { EcsProbeSpec } from './types.js';

/** Reads the service and checks every condition the probe names; throws when the service cannot be read. */
export async function observeEcs(spec: EcsProbeSpec, ctx: ProbeContext): Promise<Observation> {
  const cluster = spec.cluster ?? ctx.facts.cluster;
  const service = spec.service ?? ctx.facts.service;
  const out = await ctx.ecs.describeServices({ cluster, services: [service] }, callOptions(ctx));
  const svc = out.services?.[0];
  if (!svc || svc.status !== 'ACTIVE') {
    throw new Error(`the service ${cluster}/${service} is ${svc?.status ?? 'not found'}`);
  }
  return judgeEcs(spec, svc, ctx.facts);
}

/**
 * Why ECS sets no rolloutState on this service, or undefined when it does: ECS returns rolloutState
 * only for rolling-update (ECS controller) services that are not behind a Classic Load Balancer.
 */
export function noRolloutStateReason(svc: Service): string | undefined {
  const clb = (svc.loadBalancers ?? []).find((lb) => lb.loadBalancerName !== undefined);
  if (clb) return `behind the Classic Load Balancer ${clb.loadBalancerName}`;
  const controller = svc.deploymentController?.type;
  if (controller !== undefined && controller !== 'ECS') return `deployed by the ${controller} controller`;
  return undefined;
}

/** Checks every condition the probe names against one DescribeServices answer. */
export function judgeEcs(
  spec: EcsProbeSpec,
  svc: Service,
  facts: Pick<ProbeRunFacts, 'originalTaskDefinitionArn' | 'chaosTaskDefinitionArns'>,
): Observation {
  const service = svc.serviceName ?? '?';
  const ctx = { facts };
  const deployments = svc.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const failures: string[] = [];
  const expected: string[] = [];
  const noRollout = spec.rolloutState && primary?.rolloutState === undefined ? noRolloutStateReason(svc) : undefined;
  if (spec.rolloutState && noRollout) {
    // ECS sets no rolloutState here: the equivalent condition from what it does show.
    const settled =
      deployments.length === 1 &&
      primary !== undefined &&
      primary.runningCount === primary.desiredCount &&
      svc.runningCount === svc.desiredCount;
    const equivalent = {
      COMPLETED: 'one PRIMARY deployment with running = desired',
      IN_PROGRESS: 'more than one deployment, or running != desired',
      FAILED: 'a FAILED rollout, which ECS does not show',
    }[spec.rolloutState];
    expected.push(
      `rolloutState ${spec.rolloutState} (ECS sets no rolloutState for a service ${noRollout}: checked as ${equivalent})`,
    );
    if (spec.rolloutState === 'COMPLETED' && !settled) failures.push('the rollout is not settled');
    if (spec.rolloutState === 'IN_PROGRESS' && settled) failures.push('the rollout is settled');
    if (spec.rolloutState === 'FAILED') failures.push(`a FAILED rollout cannot be seen for a service ${noRollout}`);
  } else if (spec.rolloutState) {
    expected.push(`rolloutState ${spec.rolloutState}`);
    if (primary?.rolloutState !== spec.rolloutState)
      failures.push(`rolloutState is ${primary?.rolloutState ?? 'none'}`);
  }
  if (spec.steady !== undefined) {
    const steady = deployments.length === 1 && svc.runningCount === svc.desiredCount;
    expected.push(spec.steady ? 'steady (one deployment, running = desired)' : 'not steady');
    if (steady !== spec.steady) failures.push(steady ? 'it is steady' : 'it is not steady');
  }
  if (spec.runningCount) {
    expected.push(`runningCount ${describeComparator(spec.runningCount)}`);
    if (!compare(spec.runningCount, svc.runningCount ?? 0)) failures.push(`runningCount is ${svc.runningCount ?? 0}`);
  }
  if (spec.revision) {
    const want =
      spec.revision === 'original'
        ? ctx.facts.originalTaskDefinitionArn
        : ctx.facts.chaosTaskDefinitionArns[ctx.facts.chaosTaskDefinitionArns.length - 1];
    expected.push(`primary deployment on the ${spec.revision} revision`);
    if (!want || primary?.taskDefinition !== want)
      failures.push(
        `the primary deployment runs ${primary?.taskDefinition ? shortRevision(primary.taskDefinition) : 'nothing'}`,
      );
  }
  const summary = deployments
    .map((d) =>
      `${d.status} ${d.taskDefinition ? shortRevision(d.taskDefinition) : '?'} ${d.rolloutState ?? ''} ${d.runningCount ?? 0}/${d.desiredCount ?? 0}`.replace(
        /\s+/g,
        ' ',
      ),
    )
    .join('; ');
  return {
    passed: failures.length === 0,
    actual:
      primary?.rolloutState ?? (noRollout ? (failures.length === 0 ? spec.rolloutState! : 'not settled') : 'none'),
    expected: expected.join(' and ') || 'the service is ACTIVE',
    evidence: `${service}: running ${svc.runningCount ?? 0} of ${svc.desiredCount ?? 0}; deployments: ${summary || 'none'}${failures.length > 0 ? `; but ${failures.join(', ')}` : ''}`,
  };
}
