/**
 * update-container-timeout: the chaos revision's containers get another startTimeout (how long a
 * dependent container waits for this one's dependsOn condition) and/or stopTimeout (how long ECS
 * waits after SIGTERM before SIGKILL); CONTAINER_NAMES chooses the containers (default all).
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { ExperimentSpec } from '../../config/spec.js';
import {
  carriesContainerFields,
  checkContainerNames,
  containerOf,
  describeContainerFields,
  describeContainers,
  mapContainers,
  runsOnFargate,
  takeOutContainerFields,
  targetNames,
} from '../containers.js';
import type { TaskDefinitionFault } from '../types.js';

/** Fargate's bound on stopTimeout (ContainerDefinition in the ECS API reference). */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;

const timeouts = (spec: ExperimentSpec): { start: number | undefined; stop: number | undefined } => ({
  start: spec.faultParams?.startTimeout,
  stop: spec.faultParams?.stopTimeout,
});

function withTimeouts(c: ContainerDefinition, spec: ExperimentSpec): ContainerDefinition {
  const { start, stop } = timeouts(spec);
  return {
    ...c,
    ...(start !== undefined ? { startTimeout: start } : {}),
    ...(stop !== undefined ? { stopTimeout: stop } : {}),
  };
}

export const updateContainerTimeout: TaskDefinitionFault<undefined> = {
  name: 'update-container-timeout',
  kind: 'task-definition',
  effectPhrase: 'the container timeouts were changed',
  changedFields: [/^containerDefinitions\[\d+\]\.(startTimeout|stopTimeout)$/],

  startReads() {
    return undefined;
  },

  async check(ctx) {
    const { original, spec } = ctx;
    const targets = checkContainerNames(ctx);
    const { start, stop } = timeouts(spec);
    const changes = targets.some(
      (c) => (start !== undefined && c.startTimeout !== start) || (stop !== undefined && c.stopTimeout !== stop),
    );
    if (!changes)
      ctx.fail(
        'the fault changes something',
        'every chosen container already has these timeouts: the fault would change nothing. Fix: pass other START_TIMEOUT / STOP_TIMEOUT values',
      );
    ctx.record('the fault changes something', 'pass', this.describe(original, spec));
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
    await Promise.resolve();
  },

  plannedReads() {
    return [];
  },

  apply(copy, spec) {
    return mapContainers(copy, targetNames(copy, spec), (c) => withTimeouts(c, spec));
  },

  describe(original, spec) {
    const { start, stop } = timeouts(spec);
    return describeContainers(original, spec, [
      ['startTimeout', 'startTimeout', start],
      ['stopTimeout', 'stopTimeout', stop],
    ]);
  },

  describeChaos(spec) {
    const { start, stop } = timeouts(spec);
    const what = [start !== undefined ? `startTimeout ${start}s` : '', stop !== undefined ? `stopTimeout ${stop}s` : '']
      .filter(Boolean)
      .join(', ');
    return `container ${what}${spec.faultParams?.containerNames ? ` (${spec.faultParams.containerNames.join(', ')})` : ''}`;
  },

  verifyRegistered(chaos, spec) {
    const { start, stop } = timeouts(spec);
    const wrong = targetNames(chaos, spec).filter((name) => {
      const c = containerOf(chaos, name);
      return (
        c === undefined ||
        (start !== undefined && c.startTimeout !== start) ||
        (stop !== undefined && c.stopTimeout !== stop)
      );
    });
    return wrong.length === 0
      ? undefined
      : `the chaos revision's ${wrong.join(', ')} do(es) not have ${this.describeChaos(spec)}`;
  },

  describeCarried(candidate, original) {
    return describeContainerFields(candidate, original, ['startTimeout', 'stopTimeout']);
  },

  takeOut(copy, original) {
    return takeOutContainerFields(copy, original, ['startTimeout', 'stopTimeout']);
  },

  carries(candidate, original, chaos) {
    return carriesContainerFields(candidate, original, chaos, ['startTimeout', 'stopTimeout']);
  },
};
