/** The schedule of the iterations, shared by the engine, `plan` and the progress display. */

/** Hold seconds per iteration: CHAOS_INTERVAL each, the last one capped by what is left. */
export function iterationHolds(durationSeconds: number, intervalSeconds: number): number[] {
  const holds: number[] = [];
  for (let elapsed = 0; elapsed < durationSeconds;) {
    const hold = Math.min(intervalSeconds, durationSeconds - elapsed);
    holds.push(hold);
    elapsed += hold;
  }
  return holds;
}
