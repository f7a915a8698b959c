/**
 * update-container-timeout: the chaos revision's containers get another startTimeout (how long a
 * dependent container waits for this one's dependsOn condition) and/or stopTimeout (how long ECS
 * waits after SIGTERM before SIGKILL); CONTAINER_NAMES chooses the containers (default all).
 */
import type { ExperimentSpec } from '../../config/spec.js';
import { containerFieldFault } from '../container-field-fault.js';
import { runsOnFargate } from '../containers.js';

/** Fargate's bound on stopTimeout (ContainerDefinition in the ECS API reference). */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;

const timeouts = (spec: ExperimentSpec): { start: number | undefined; stop: number | undefined } => ({
  start: spec.faultParams?.startTimeout,
  stop: spec.faultParams?.stopTimeout,
});

export const updateContainerTimeout = containerFieldFault({
  name: 'update-container-timeout',
  effectPhrase: 'the container timeouts were changed',
  fields: ['startTimeout', 'stopTimeout'],
  values: (spec) => {
    const { start, stop } = timeouts(spec);
    return { startTimeout: start, stopTimeout: stop };
  },
  word: (field, value) => `${field} ${value}s`,
  unchanged: () =>
    'every chosen container already has these timeouts: the fault would change nothing. Fix: pass other START_TIMEOUT / STOP_TIMEOUT values',
  check(ctx, { targets }) {
    const { original, spec } = ctx;
    const { start, stop } = timeouts(spec);
    if (runsOnFargate(original, ctx.service)) {
      if (stop !== undefined && stop > FARGATE_MAX_STOP_TIMEOUT_SECONDS)
        ctx.fail(
          'stopTimeout within Fargate range',
          `STOP_TIMEOUT ${stop}s is above ${FARGATE_MAX_STOP_TIMEOUT_SECONDS}s, the most Fargate allows ("the max stop timeout value is 120 seconds", ContainerDefinition in the ECS API): ECS rejects it. Fix: STOP_TIMEOUT at most ${FARGATE_MAX_STOP_TIMEOUT_SECONDS}`,
        );
      ctx.record(
        'stopTimeout within Fargate range',
        'pass',
        `Fargate: stopTimeout at most ${FARGATE_MAX_STOP_TIMEOUT_SECONDS}s`,
      );
    } else if (stop !== undefined) {
      ctx.record(
        'timeouts within range',
        'pass',
        'EC2: stopTimeout overrides the agent ECS_CONTAINER_STOP_TIMEOUT (agent 1.26.0 or later needed)',
      );
    }
    if (start !== undefined) {
      const waitedOn = new Set(
        (original.containerDefinitions ?? []).flatMap((c) => (c.dependsOn ?? []).map((d) => d.containerName)),
      );
      const idle = targets.filter((c) => !waitedOn.has(c.name)).map((c) => c.name ?? '');
      if (idle.length > 0)
        ctx.record(
          'startTimeout matters',
          'warn',
          `no container dependsOn ${idle.join(', ')}: startTimeout only bounds how long a dependent container waits for it, so on ${idle.join(', ')} it changes nothing`,
        );
      else ctx.record('startTimeout matters', 'pass', 'every chosen container is waited on by a dependsOn');
    }
  },
});
