/**
 * update-container-resource-limit: the chaos revision's containers get other cpu (CPU_LIMIT, CPU
 * units) and memory (MEMORY_LIMIT, MiB) limits; CONTAINER_NAMES chooses the containers (default all).
 * A container over its memory limit is OOM-killed; a smaller cpu share slows it under contention.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { ExperimentSpec } from '../../config/spec.js';
import { containerFieldFault } from '../container-field-fault.js';
import { runsOnFargate, targetNames } from '../containers.js';
import type { FaultCheckContext } from '../types.js';
import { isFargateSize, smallestFargateSize } from './fargate-sizes.js';

const limits = (spec: ExperimentSpec): { cpu: number | undefined; memory: number | undefined } => ({
  cpu: spec.faultParams?.cpuLimit,
  memory: spec.faultParams?.memoryLimit,
});

/** The task-level sums ECS checks at registration: container cpu and memory within the task's. */
function checkSums(ctx: FaultCheckContext, chaos: readonly ContainerDefinition[]): void {
  const { original, spec } = ctx;
  const { cpu, memory } = limits(spec);
  const names = targetNames(original, spec);
  const others = chaos.filter((c) => !names.includes(c.name ?? ''));
  const taskCpu = original.cpu === undefined ? undefined : Number(original.cpu);
  const taskMemory = original.memory === undefined ? undefined : Number(original.memory);
  const fargate = runsOnFargate(original, ctx.service);
  const bigger = (c: number, m: number): string => {
    const size = fargate ? smallestFargateSize(c, m) : undefined;
    return size ? `; a Fargate task of cpu ${size.cpu} and memory ${size.memory} would hold it` : '';
  };
  if (fargate && taskCpu !== undefined && taskMemory !== undefined && !isFargateSize(taskCpu, taskMemory))
    ctx.record('task size', 'warn', `cpu ${taskCpu} with memory ${taskMemory} is not a task size Fargate lists`);
  const cpuSum = chaos.reduce((s, c) => s + (c.cpu ?? 0), 0);
  if (cpu !== undefined && taskCpu !== undefined && cpuSum > taskCpu) {
    const room = Math.floor((taskCpu - others.reduce((s, c) => s + (c.cpu ?? 0), 0)) / names.length);
    ctx.fail(
      'container cpu within the task cpu',
      `the containers' cpu would sum to ${cpuSum} units, above the task's ${taskCpu}: ECS rejects such a revision. Fix: CPU_LIMIT at most ${room} (the nearest valid value for ${names.length} container(s))${bigger(cpuSum, taskMemory ?? 0)}`,
    );
  }
  const memoryOf = (c: ContainerDefinition): number => c.memory ?? c.memoryReservation ?? 0;
  const memorySum = chaos.reduce((s, c) => s + memoryOf(c), 0);
  if (memory !== undefined && taskMemory !== undefined && memorySum > taskMemory) {
    const room = Math.floor((taskMemory - others.reduce((s, c) => s + memoryOf(c), 0)) / names.length);
    ctx.fail(
      'container memory within the task memory',
      `the containers' memory would sum to ${memorySum} MiB, above the task's ${taskMemory}: ECS rejects such a revision. Fix: MEMORY_LIMIT at most ${room} (the nearest valid value for ${names.length} container(s))${bigger(taskCpu ?? 0, memorySum)}`,
    );
  }
  if (memory !== undefined) {
    const reserved = chaos.filter((c) => names.includes(c.name ?? '') && (c.memoryReservation ?? 0) >= memory);
    if (reserved.length > 0)
      ctx.fail(
        'memory above the reservation',
        `MEMORY_LIMIT ${memory} is not above the memoryReservation of ${reserved.map((c) => `${c.name} (${c.memoryReservation})`).join(', ')}: ECS requires memory > memoryReservation. Fix: MEMORY_LIMIT at least ${Math.max(...reserved.map((c) => c.memoryReservation ?? 0)) + 1}, or choose other CONTAINER_NAMES`,
      );
  }
  ctx.record(
    'task-level limits',
    'pass',
    `containers' cpu ${cpuSum}${taskCpu !== undefined ? ` of ${taskCpu}` : ''}, memory ${memorySum}${taskMemory !== undefined ? ` of ${taskMemory} MiB` : ' MiB'}`,
  );
}

export const updateContainerResourceLimit = containerFieldFault({
  name: 'update-container-resource-limit',
  effectPhrase: 'the container limits were changed',
  // A memory limit below what the app uses: the chaos tasks OOM-killed is the effect the fault exists
  // to produce; whether the service survives it is for the probes to say.
  expectsCrash: /exit code 137 \(OutOfMemoryError/,
  fields: ['cpu', 'memory'],
  values: limits,
  word: (field, value) => (field === 'memory' ? `memory ${value} MiB` : `${field} ${value}`),
  unchanged(spec) {
    const { cpu, memory } = limits(spec);
    return `every chosen container already has ${cpu !== undefined ? `cpu ${cpu} ` : ''}${memory !== undefined ? `memory ${memory}` : ''}: the fault would change nothing. Fix: pass other limits`;
  },
  check: (ctx, { chaos }) => checkSums(ctx, chaos),
});
