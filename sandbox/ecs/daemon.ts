/**
 * The DAEMON scheduling strategy, as far as the sandbox models it: EC2 only, one task per container
 * instance of the cluster (the desired count follows the instances; placement is not checked),
 * `maximumPercent` at most 100 (ECS refuses more: a daemon cannot surge) and defaults of 100 / 0.
 */
import { DEFAULT_DEPLOYMENT, str, type Input } from './input.js';
import type { Cluster, DeploymentConfiguration } from './model.js';
import { invalid } from './present.js';

export type SchedulingStrategy = 'REPLICA' | 'DAEMON';

/** A daemon service's deployment configuration by default. */
export const DAEMON_DEPLOYMENT: DeploymentConfiguration = {
  ...DEFAULT_DEPLOYMENT,
  maximumPercent: 100,
  minimumHealthyPercent: 0,
};

/** The strategy CreateService asks for, checked against the launch type and the desired count. */
export function schedulingStrategyOf(input: Input, launchType: string): SchedulingStrategy {
  const strategy = str(input, 'schedulingStrategy') ?? 'REPLICA';
  if (strategy !== 'REPLICA' && strategy !== 'DAEMON') {
    throw invalid(`Invalid schedulingStrategy '${strategy}': use REPLICA or DAEMON.`);
  }
  if (strategy === 'DAEMON') {
    if (launchType === 'FARGATE')
      throw invalid('The DAEMON scheduling strategy is not supported by the FARGATE launch type.');
    if (input.desiredCount !== undefined && input.desiredCount !== null) {
      throw invalid('desiredCount must not be specified with the DAEMON scheduling strategy.');
    }
  }
  return strategy;
}

/** Refuses what ECS refuses of a daemon's deployment configuration. */
export function checkDaemonDeployment(config: DeploymentConfiguration, strategy: SchedulingStrategy): void {
  if (strategy === 'DAEMON' && config.maximumPercent > 100) {
    throw invalid(
      `maximumPercent must be 100 for a service with the DAEMON scheduling strategy (got ${config.maximumPercent}).`,
    );
  }
}

/** One task per container instance. */
export function daemonCount(cluster: Cluster): number {
  return cluster.containerInstances.size;
}
