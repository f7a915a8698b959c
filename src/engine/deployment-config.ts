/** The deployment configuration of the chaos window. */
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';
import { sameDeploymentSettings } from './restore-config.js';

/** Whether two deployment configurations have the same limits (maximumPercent, minimumHealthyPercent). */
export function sameDeploymentLimits(
  a: DeploymentConfiguration | undefined,
  b: DeploymentConfiguration | undefined,
): boolean {
  return sameDeploymentSettings(a, b, ['limits']);
}

/**
 * During the chaos window `minimumHealthyPercent` is 100 and `maximumPercent` is
 * `100 + affectedPercent` (capped at 200), so at most that share of replicas is replaced per batch.
 * The circuit breaker setting is kept.
 */
export function chaosDeploymentConfiguration(
  original: DeploymentConfiguration | undefined,
  affectedPercent: number,
): DeploymentConfiguration {
  return {
    ...original,
    minimumHealthyPercent: 100,
    maximumPercent: Math.min(200, 100 + affectedPercent),
  };
}

/**
 * Whether `current` has the shape of the chaos window's configuration for `original`:
 * `minimumHealthyPercent` 100, `maximumPercent` 101..200, the circuit breaker as the original's, and
 * limits that differ from the original's. `recover` does not know the run's
 * `TASK_REPLICA_AFFECTED_PERC`, so it judges by this shape (a configuration someone set by hand to
 * exactly that shape would be taken for the chaos one).
 */
export function isChaosDeploymentOf(
  original: DeploymentConfiguration | undefined,
  current: DeploymentConfiguration | undefined,
): boolean {
  if (!current || sameDeploymentLimits(original, current)) return false;
  const max = current.maximumPercent ?? 200;
  return (
    current.minimumHealthyPercent === 100 &&
    max > 100 &&
    max <= 200 &&
    sameDeploymentSettings(current, original, ['breaker'])
  );
}
