/**
 * The task sizes Fargate accepts: task cpu (CPU units) and the memory values (MiB) allowed with it,
 * as the ECS developer guide lists them ("Task CPU and memory").
 */
const range = (from: number, to: number, step: number): number[] =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

export const FARGATE_SIZES: ReadonlyArray<{ readonly cpu: number; readonly memory: readonly number[] }> = [
  { cpu: 256, memory: [512, 1024, 2048] },
  { cpu: 512, memory: range(1024, 4096, 1024) },
  { cpu: 1024, memory: range(2048, 8192, 1024) },
  { cpu: 2048, memory: range(4096, 16384, 1024) },
  { cpu: 4096, memory: range(8192, 30720, 1024) },
  { cpu: 8192, memory: range(16384, 61440, 4096) },
  { cpu: 16384, memory: range(32768, 122880, 8192) },
];

/** Whether Fargate accepts a task of `cpu` units and `memory` MiB. */
export function isFargateSize(cpu: number, memory: number): boolean {
  return FARGATE_SIZES.some((s) => s.cpu === cpu && s.memory.includes(memory));
}

/** The smallest Fargate task size holding `cpu` units and `memory` MiB, if any. */
export function smallestFargateSize(cpu: number, memory: number): { cpu: number; memory: number } | undefined {
  for (const s of FARGATE_SIZES) {
    if (s.cpu < cpu) continue;
    const m = s.memory.find((v) => v >= memory);
    if (m !== undefined) return { cpu: s.cpu, memory: m };
  }
  return undefined;
}
