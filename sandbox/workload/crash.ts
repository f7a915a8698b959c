/** The simulated app's crash policy: when its essential container exits. */

/**
 * When the app's essential container exits (the app crashes): the task then stops with
 * `EssentialContainerExited` and the container's exit code.
 */
export interface CrashPolicy {
  /** The app exits once this many of its calls (per task) were refused with AccessDenied. */
  readonly afterAccessDenied?: number;
  /** The app exits at its first call when it finds no credentials (no task role on Fargate). */
  readonly withoutCredentials?: boolean;
  /** The container's exit code. @default 1 */
  readonly exitCode?: number;
}

/** Checks a crash policy; throws with the field and the fix. */
export function checkCrashPolicy(policy: CrashPolicy): CrashPolicy {
  const { afterAccessDenied, withoutCredentials, exitCode } = policy;
  if (afterAccessDenied !== undefined && (!Number.isInteger(afterAccessDenied) || afterAccessDenied < 1)) {
    throw new Error(`crash.afterAccessDenied must be a whole number from 1 (got ${String(afterAccessDenied)})`);
  }
  if (withoutCredentials !== undefined && typeof withoutCredentials !== 'boolean') {
    throw new Error(`crash.withoutCredentials must be true or false (got ${String(withoutCredentials)})`);
  }
  if (exitCode !== undefined && (!Number.isInteger(exitCode) || exitCode < 1 || exitCode > 255)) {
    throw new Error(`crash.exitCode must be a whole number from 1 to 255 (got ${String(exitCode)})`);
  }
  if (afterAccessDenied === undefined && withoutCredentials !== true) {
    throw new Error('a crash policy needs afterAccessDenied (a count) or withoutCredentials: true');
  }
  return policy;
}
