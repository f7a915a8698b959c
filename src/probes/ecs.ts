/** The `ecs` probe: the service's deployments and running count, as `describe-services` shows them. */
import { shortRevision } from '../aws/arn.js';
import { callOptions, type Observation, type ProbeContext } from './context.js';
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
  const deployments = svc.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const failures: string[] = [];
  const expected: string[] = [];
  if (spec.rolloutState) {
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
    actual: primary?.rolloutState ?? 'none',
    expected: expected.join(' and ') || 'the service is ACTIVE',
    evidence: `${service}: running ${svc.runningCount ?? 0} of ${svc.desiredCount ?? 0}; deployments: ${summary || 'none'}${failures.length > 0 ? `; but ${failures.join(', ')}` : ''}`,
  };
}
