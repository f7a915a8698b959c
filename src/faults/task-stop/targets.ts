/**
 * Target health in task-stop's recovery condition. A load-balanced service's task serves only once
 * its targets are `healthy` in every target group of the service (ELB v2 DescribeTargetHealth): ECS's
 * RUNNING (and HEALTHY) comes first, the target group's health checks (HealthyThresholdCount ×
 * HealthCheckIntervalSeconds) after. A stopped task's target `draining` does not block anything: it
 * is not a serving task.
 *
 * A task's target is found by address: awsvpc tasks by their ENI's private IP and the container port;
 * bridge and host tasks by count (the target's id is the container instance's EC2 instance id, which
 * DescribeTasks does not give): their target group must have at least the desired count of healthy
 * targets. Classic Load Balancers (`loadBalancerName`) are not read.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { LoadBalancer, Service } from '@aws-sdk/client-ecs';
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElbPort } from '../../aws/ports.js';
import { describeError } from '../../engine/describe-error.js';

/** The service's ELB v2 target groups, with the container port each sends to. */
export function targetGroupsOf(
  service: Service | undefined,
): Array<{ targetGroupArn: string; containerPort?: number }> {
  return (service?.loadBalancers ?? [])
    .filter((lb): lb is LoadBalancer & { targetGroupArn: string } => lb.targetGroupArn !== undefined)
    .map((lb) => ({
      targetGroupArn: lb.targetGroupArn,
      ...(lb.containerPort !== undefined && { containerPort: lb.containerPort }),
    }));
}

/** Classic Load Balancers of the service (not read: elb:DescribeInstanceHealth is not among the tool's calls). */
export function classicLoadBalancersOf(service: Service | undefined): string[] {
  return (service?.loadBalancers ?? []).flatMap((lb) => (lb.loadBalancerName ? [lb.loadBalancerName] : []));
}

/** A target group's short name, for messages: `targetgroup/NAME/ID` -> NAME. */
export const targetGroupName = (arn: string): string => /targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;

/** The target health of each target group, as DescribeTargetHealth answered. */
export type TargetHealthByGroup = ReadonlyMap<string, readonly TargetHealthDescription[]>;

/** A task's private IPv4 address (awsvpc), from its ENI attachment or its containers. */
export function taskPrivateIp(task: Task): string | undefined {
  for (const a of task.attachments ?? [])
    for (const d of a.details ?? []) if (d.name === 'privateIPv4Address' && d.value) return d.value;
  for (const c of task.containers ?? [])
    for (const n of c.networkInterfaces ?? []) if (n.privateIpv4Address) return n.privateIpv4Address;
  return undefined;
}

/**
 * Of the tasks ECS counts as serving, those whose targets are healthy in every target group, and
 * for one that is not, why (its target's state and reason).
 */
export function healthyInTargets(
  serving: readonly Task[],
  desired: number,
  groups: ReadonlyArray<{ targetGroupArn: string; containerPort?: number }>,
  health: TargetHealthByGroup,
): { healthy: Task[]; notYet: string[] } {
  const healthy: Task[] = [];
  const notYet: string[] = [];
  for (const task of serving) {
    const ip = taskPrivateIp(task);
    let ok = true;
    for (const group of groups) {
      const targets = health.get(group.targetGroupArn) ?? [];
      if (ip === undefined) {
        // bridge / host: the target is the instance; the group must have the desired count healthy.
        const count = targets.filter((t) => t.TargetHealth?.State === 'healthy').length;
        if (count < desired) {
          ok = false;
          notYet.push(`${count} of ${desired} targets healthy in ${targetGroupName(group.targetGroupArn)}`);
        }
        continue;
      }
      const mine = targets.filter(
        (t) => t.Target?.Id === ip && (group.containerPort === undefined || t.Target.Port === group.containerPort),
      );
      if (mine.length > 0 && mine.every((t) => t.TargetHealth?.State === 'healthy')) continue;
      ok = false;
      const state = mine[0]?.TargetHealth;
      notYet.push(
        `task ${(task.taskArn ?? '').split('/').pop()}: ${state ? `${state.State}${state.Reason ? ` (${state.Reason})` : ''}` : 'not registered'} in ${targetGroupName(group.targetGroupArn)}`,
      );
    }
    if (ok) healthy.push(task);
  }
  return { healthy, notYet: [...new Set(notYet)] };
}

/** Whether an error is a refusal for lack of permission. */
export function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: string; Code?: string } | undefined)?.name ?? '';
  return /^(AccessDenied|AccessDeniedException|UnauthorizedOperation)$/.test(name);
}

/** The outcome of one read of every target group. */
export type TargetRead =
  | { readonly ok: true; readonly health: TargetHealthByGroup }
  /** `fatal`: the condition falls back to ECS's (AccessDenied, a target group that does not exist). */
  | { readonly ok: false; readonly fatal: boolean; readonly reason: string };

/** Reads the target health of every target group (one DescribeTargetHealth each, all targets). */
export async function readTargetHealth(
  elb: ElbPort,
  groups: ReadonlyArray<{ targetGroupArn: string }>,
  signal: AbortSignal,
): Promise<TargetRead> {
  const health = new Map<string, readonly TargetHealthDescription[]>();
  for (const group of groups) {
    try {
      const out = await elb.describeTargetHealth({ TargetGroupArn: group.targetGroupArn }, { abortSignal: signal });
      health.set(group.targetGroupArn, out.TargetHealthDescriptions ?? []);
    } catch (error) {
      const name = (error as { name?: string } | undefined)?.name ?? '';
      if (isAccessDenied(error))
        return {
          ok: false,
          fatal: true,
          reason: `the runner may not read target health (${describeError(error)}): give it elasticloadbalancing:DescribeTargetHealth ('ecs-chaos policy --fault task-stop')`,
        };
      if (name === 'TargetGroupNotFoundException' || name === 'TargetGroupNotFound')
        return {
          ok: false,
          fatal: true,
          reason: `the target group ${group.targetGroupArn} does not exist (${describeError(error)})`,
        };
      return { ok: false, fatal: false, reason: `reading target health failed: ${describeError(error)}` };
    }
  }
  return { ok: true, health };
}
