/** The deployment configuration of the chaos window. */
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';

/** Whether two deployment configurations have the same limits (maximumPercent, minimumHealthyPercent). */
export function sameDeploymentLimits(
  a: DeploymentConfiguration | undefined,
  b: DeploymentConfiguration | undefined,
): boolean {
  return a?.maximumPercent === b?.maximumPercent && a?.minimumHealthyPercent === b?.minimumHealthyPercent;
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
