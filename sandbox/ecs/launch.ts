/**
 * Launching a service's task: the task record ECS creates (ARN, containers, ENI in `awsvpc` mode),
 * and placement on EC2 container instances by CPU and memory.
 */
import { hexId } from '../core/ids.js';
import type { Cluster, Deployment, Service, Task } from './model.js';
import { addEvent, type EcsRegion } from './store.js';

/** Creates a PROVISIONING task of a deployment, or undefined when it cannot be placed (EC2). */
export function launchTask(
  region: EcsRegion,
  cluster: Cluster,
  service: Service,
  deployment: Deployment,
  nowMs: number,
  provisioningMs: number,
): Task | undefined {
  const record = region.findTaskDefinition(deployment.taskDefinition);
  if (!record) return undefined;
  const def = record.def;
  const containers = (def.containerDefinitions as Array<Record<string, unknown>>).map((c) => ({
    name: String(c.name),
    image: String(c.image),
    containerArn: region.arn(`container/${cluster.clusterName}/${hexId()}/${hexId()}`.slice(0, 120)),
    essential: c.essential !== false,
  }));
  let containerInstanceArn: string | undefined;
  let zone = `${region.region}${'abc'[cluster.tasks.size % 3]}`;
  if (service.launchType === 'EC2') {
    const placed = place(cluster, def);
    if (!placed) {
      if (nowMs - service.lastPlacementEventAt > 60_000) {
        service.lastPlacementEventAt = nowMs;
        const reason =
          cluster.containerInstances.size === 0
            ? 'No Container Instances were found in your cluster.'
            : 'The closest matching container-instance has insufficient CPU or memory available.';
        addEvent(
          service,
          new Date(nowMs),
          `was unable to place a task because no container instance met all of its requirements. Reason: ${reason}`,
        );
      }
      return undefined;
    }
    containerInstanceArn = placed.containerInstanceArn;
    zone = placed.availabilityZone;
  }
  const id = hexId();
  const awsvpc = def.networkMode === 'awsvpc';
  const subnets = (service.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined)
    ?.awsvpcConfiguration?.subnets;
  const task: Task = {
    taskArn: region.arn(`task/${cluster.clusterName}/${id}`),
    id,
    clusterArn: cluster.clusterArn,
    taskDefinitionArn: record.arn,
    group: `service:${service.serviceName}`,
    startedBy: deployment.id,
    launchType: service.launchType,
    cpu: def.cpu as string | undefined,
    memory: def.memory as string | undefined,
    containerInstanceArn,
    availabilityZone: zone,
    createdAt: new Date(nowMs),
    containers,
    reserved: taskSize(def),
    eni: awsvpc
      ? {
          id: `eni-${hexId(9).slice(0, 17)}`,
          subnetId: subnets?.[0] ?? 'subnet-00000000',
          privateIp: `10.0.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`,
        }
      : undefined,
    serviceArn: service.serviceArn,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    nextAt: nowMs + provisioningMs,
    version: 1,
    tags: [],
  };
  cluster.tasks.set(id, task);
  return task;
}

/** EC2 placement: the instance with the most room that fits the task (spread), or none. */
function place(
  cluster: Cluster,
  def: Record<string, unknown>,
): { containerInstanceArn: string; availabilityZone: string } | undefined {
  const need = taskSize(def);
  let best: { arn: string; zone: string; free: number } | undefined;
  for (const instance of cluster.containerInstances.values()) {
    const onIt = [...cluster.tasks.values()].filter(
      (t) => t.containerInstanceArn === instance.containerInstanceArn && t.lastStatus !== 'STOPPED',
    );
    const used = onIt.reduce(
      (acc, t) => {
        return { cpu: acc.cpu + t.reserved.cpu, memory: acc.memory + t.reserved.memory };
      },
      { cpu: 0, memory: 0 },
    );
    const freeCpu = instance.cpu - used.cpu;
    const freeMemory = instance.memory - used.memory;
    if (freeCpu < need.cpu || freeMemory < need.memory) continue;
    if (!best || freeMemory > best.free)
      best = { arn: instance.containerInstanceArn, zone: instance.availabilityZone, free: freeMemory };
  }
  return best ? { containerInstanceArn: best.arn, availabilityZone: best.zone } : undefined;
}

/** CPU units and MiB a task reserves: task-level values, else the sum of its containers'. */
export function taskSize(def: Record<string, unknown>): { cpu: number; memory: number } {
  const containers = def.containerDefinitions as Array<Record<string, unknown>>;
  const cpu = def.cpu !== undefined ? Number(def.cpu) : containers.reduce((n, c) => n + Number(c.cpu ?? 0), 0);
  const memory =
    def.memory !== undefined
      ? Number(def.memory)
      : containers.reduce((n, c) => n + Number(c.memoryReservation ?? c.memory ?? 0), 0);
  return { cpu, memory };
}
