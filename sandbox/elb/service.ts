/**
 * Elastic Load Balancing v2 (query protocol, XML answers, version 2015-12-01), as far as ecs-chaos
 * reads it: DescribeTargetHealth, answered from the sandbox's own model of the targets ECS registers
 * (ecs/health.ts). A task of a load-balanced service registers one target per `loadBalancers` entry
 * when it reaches RUNNING (`initial`, `Elb.RegistrationInProgress` until the first check, then
 * `Elb.InitialHealthChecking`), becomes `healthy` after `healthyThresholdCount` passed checks
 * `intervalSeconds` apart (scaled by the pace), `unhealthy` after `unhealthyThresholdCount` failed
 * ones, and `draining` (`Target.DeregistrationInProgress`) from its StopTask for the deregistration
 * delay; then it is gone (`unused`, `Target.NotRegistered` when named). The target's id is the
 * task's ENI private IP with the container port (awsvpc), or its container instance's EC2 instance
 * id with the host port (bridge, host; a dynamic host port is one of the ephemeral range).
 */
import { isTargetGroupArn, type TargetGroups } from '../ecs/targets.js';
import type { EcsStore } from '../ecs/store.js';
import type { Cluster, Target, Task } from '../ecs/model.js';
import { AwsError } from '../core/errors.js';
import type { QueryParams } from '../core/query.js';
import type { QueryService } from '../core/service.js';
import type { XmlValue } from '../core/xml.js';

export interface ElbServiceDeps {
  readonly ecs: EcsStore;
  readonly targetGroups: TargetGroups;
  /** Moves the world to now before an answer. */
  readonly catchUp: () => void;
}

/** One registered target of a target group, as ELB shows it. */
interface Registered {
  readonly id: string;
  readonly port: number;
  readonly type: 'ip' | 'instance';
  readonly target: Target;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** The host port of a task's container port: the mapping's, or an ephemeral one when dynamic. */
function hostPort(task: Task, def: Record<string, unknown> | undefined, target: Target): number {
  const container = ((def?.containerDefinitions as Array<Record<string, unknown>> | undefined) ?? []).find(
    (c) => c.name === target.containerName,
  );
  const mapping = ((container?.portMappings as Array<{ containerPort?: number; hostPort?: number }> | undefined) ?? [])
    .filter((m) => m.containerPort === target.containerPort)
    .at(0);
  if (mapping?.hostPort) return mapping.hostPort;
  // ECS picks a host port of the ephemeral range (32768-60999 on the ECS-optimized AMI).
  return 32768 + (Number.parseInt(task.id.slice(0, 6), 16) % 28232);
}

/** The targets registered in a target group now: tasks RUNNING, or DEACTIVATING (draining). */
function registeredTargets(deps: ElbServiceDeps, targetGroupArn: string): Registered[] {
  const out: Registered[] = [];
  for (const region of deps.ecs.regions()) {
    for (const cluster of region.clusters.values()) {
      for (const task of cluster.tasks.values()) {
        if (task.lastStatus !== 'RUNNING' && task.lastStatus !== 'DEACTIVATING') continue;
        for (const target of task.health?.targets ?? []) {
          if (target.targetGroupArn !== targetGroupArn) continue;
          const at = targetAddress(cluster, task, region.findTaskDefinition(task.taskDefinitionArn)?.def, target);
          if (at) out.push({ ...at, target });
        }
      }
    }
  }
  return out;
}

function targetAddress(
  cluster: Cluster,
  task: Task,
  def: Record<string, unknown> | undefined,
  target: Target,
): { id: string; port: number; type: 'ip' | 'instance' } | undefined {
  if (task.eni) return { id: task.eni.privateIp, port: target.containerPort, type: 'ip' };
  const instance = [...cluster.containerInstances.values()].find(
    (i) => i.containerInstanceArn === task.containerInstanceArn,
  );
  if (!instance) return undefined;
  return { id: instance.ec2InstanceId, port: hostPort(task, def, target), type: 'instance' };
}

/** Whether a target group exists: configured in the sandbox, or named by a service's `loadBalancers`. */
function knownTargetGroup(deps: ElbServiceDeps, arn: string): boolean {
  if (deps.targetGroups.list().some((t) => t.targetGroupArn === arn)) return true;
  for (const region of deps.ecs.regions())
    for (const cluster of region.clusters.values())
      for (const service of cluster.services.values())
        if (service.deployments.some((d) => d.loadBalancers.some((lb) => lb.targetGroupArn === arn))) return true;
  return false;
}

/** ELB's TargetHealth of a registered target. */
function health(target: Target): Record<string, XmlValue> {
  switch (target.state) {
    case 'healthy':
      return { State: 'healthy' };
    case 'unhealthy':
      return {
        State: 'unhealthy',
        Reason: 'Target.ResponseCodeMismatch',
        Description: 'Health checks failed with these codes: [503]',
      };
    case 'draining':
      return {
        State: 'draining',
        Reason: 'Target.DeregistrationInProgress',
        Description: 'Target deregistration is in progress',
      };
    default:
      return target.successes === 0 && target.failures === 0
        ? { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' }
        : {
            State: 'initial',
            Reason: 'Elb.InitialHealthChecking',
            Description: 'Initial health checks in progress',
          };
  }
}

function describe(r: Registered): Record<string, XmlValue> {
  return {
    Target: { Id: r.id, Port: r.port },
    HealthCheckPort: String(r.port),
    TargetHealth: health(r.target),
  };
}

/** DescribeTargetHealth: every registered target of the group, or the named ones. */
function describeTargetHealth(params: QueryParams, deps: ElbServiceDeps): XmlValue {
  const arn = params.required('TargetGroupArn');
  if (!isTargetGroupArn(arn)) throw new AwsError('ValidationError', `'${arn}' is not a valid target group ARN`);
  deps.catchUp();
  if (!knownTargetGroup(deps, arn)) throw new AwsError('TargetGroupNotFound', 'One or more target groups not found');
  const registered = registeredTargets(deps, arn);
  const named = params.structs('Targets', ['Id', 'Port', 'AvailabilityZone'] as const);
  if (named.length === 0) return { TargetHealthDescriptions: registered.map(describe) };
  const type = registered[0]?.type;
  const out: Array<Record<string, XmlValue>> = [];
  for (const t of named) {
    const id = t.Id;
    if (id === undefined || id === '')
      throw new AwsError(
        'ValidationError',
        "1 validation error detected: Value null at 'targets.member.id' failed to satisfy constraint: Member must not be null",
      );
    const port = t.Port === undefined ? undefined : Number(t.Port);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
      throw new AwsError('ValidationError', `Value '${t.Port}' at 'targets.member.port' must be from 1 to 65535`);
    const ip = IPV4.test(id);
    const instance = INSTANCE_ID.test(id);
    if ((!ip && !instance) || (type === 'ip' && !ip) || (type === 'instance' && !instance))
      throw new AwsError(
        'InvalidTarget',
        `The specified target '${id}' does not exist or is not in the same VPC as the target group.`,
      );
    const matches = registered.filter((r) => r.id === id && (port === undefined || r.port === port));
    if (matches.length > 0) out.push(...matches.map(describe));
    else
      out.push({
        Target: { Id: id, Port: port },
        ...(port !== undefined && { HealthCheckPort: String(port) }),
        TargetHealth: {
          State: 'unused',
          Reason: 'Target.NotRegistered',
          Description: 'Target is not registered to the target group',
        },
      });
  }
  return { TargetHealthDescriptions: out };
}

/** The Elastic Load Balancing v2 query service. */
export function createElbService(deps: ElbServiceDeps): QueryService {
  return {
    protocol: 'query',
    name: 'elasticloadbalancing',
    apiVersion: '2015-12-01',
    xmlns: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
    handlers: {
      DescribeTargetHealth: (params) => describeTargetHealth(params, deps),
    },
  };
}
