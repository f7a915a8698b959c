/**
 * What the simulated app of a task definition family asks of its containers: how much memory each
 * container's process uses once it runs, and how long it keeps running after SIGTERM. ECS decides
 * from these and the task definition's limits whether a container is OOM-killed and how long a
 * stopping task takes (see ecs/containers.ts).
 */

/** The memory a container's process uses when nothing else is said, in MiB. */
export const DEFAULT_MEMORY_MIB = 128;

/** How long an app keeps running after SIGTERM when nothing else is said, in AWS seconds: it exits at once. */
export const DEFAULT_SIGTERM_SECONDS = 0;

/** Memory footprints and SIGTERM handling, per task definition family (and container). */
export class AppProfiles {
  readonly #memory = new Map<string, number>();
  readonly #sigterm = new Map<string, number>();

  /**
   * Sets the memory a container of a family uses, in MiB (`undefined` restores the default of
   * {@link DEFAULT_MEMORY_MIB}). Throws on a value that is not a positive whole number.
   */
  setMemory(family: string, container: string, mib: number | undefined): void {
    const k = `${family}/${container}`;
    if (mib === undefined) {
      this.#memory.delete(k);
      return;
    }
    if (!Number.isInteger(mib) || mib < 1) {
      throw new Error(`memory of ${k} must be a whole number of MiB from 1 (got ${String(mib)})`);
    }
    this.#memory.set(k, mib);
  }

  /** The memory a container of a family uses, in MiB. */
  memory(family: string, container: string): number {
    return this.#memory.get(`${family}/${container}`) ?? DEFAULT_MEMORY_MIB;
  }

  /**
   * Sets how long a family's app keeps running after SIGTERM, in AWS seconds (scaled by the pace):
   * 0 exits at once, `Infinity` ignores SIGTERM until SIGKILL. `undefined` restores the default.
   */
  setSigtermSeconds(family: string, seconds: number | undefined): void {
    if (seconds === undefined) {
      this.#sigterm.delete(family);
      return;
    }
    if (Number.isNaN(seconds) || seconds < 0) {
      throw new Error(`SIGTERM delay of ${family} must be 0 or more seconds, or Infinity (got ${String(seconds)})`);
    }
    this.#sigterm.set(family, seconds);
  }

  /** How long a family's app keeps running after SIGTERM, in AWS seconds. */
  sigtermSeconds(family: string): number {
    return this.#sigterm.get(family) ?? DEFAULT_SIGTERM_SECONDS;
  }
}

/** `orders` from `arn:aws:ecs:...:task-definition/orders:3`. */
export function familyOfArn(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  return name.slice(0, name.lastIndexOf(':'));
}
