/**
 * The shape every container-level fault shares: it sets some fields of the chosen containers
 * (CONTAINER_NAMES, default all) in the chaos revision. A module states only its fields, the values
 * it sets, how they read, and its own checks; the factory makes the apply, describe, verify, carry
 * and take-out parts, and the checks every such fault starts with (the containers exist, the fault
 * changes something).
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { ExperimentSpec, FaultName } from '../config/spec.js';
import {
  carriesContainerFields,
  checkContainerNames,
  containerOf,
  describeContainerFields,
  describeContainers,
  mapContainers,
  takeOutContainerFields,
  targetNames,
  type ContainerField,
} from './containers.js';
import type { FaultCheckContext, TaskDefinitionFault } from './types.js';

/** A container field's chaos value. */
export type ContainerFieldValue = number | string;

/** What a container-level fault states of its own. */
export interface ContainerFieldFaultParts {
  readonly name: FaultName;
  readonly effectPhrase: string;
  readonly expectsLaunchFailure?: RegExp;
  readonly expectsCrash?: RegExp;
  /** The container fields the fault sets, in the order they read. */
  readonly fields: readonly ContainerField[];
  /** The value each field gets in the chaos revision; undefined: the field is left as it is. */
  readonly values: (spec: ExperimentSpec) => Partial<Record<ContainerField, ContainerFieldValue>>;
  /** How a field's chaos value reads: `cpu 256`, `memory 512 MiB`, `image X`. */
  readonly word: (field: ContainerField, value: ContainerFieldValue) => string;
  /** What the chaos tasks' description starts with, before the words. @default 'container ' */
  readonly lead?: string;
  /**
   * What a registered chaos revision's containers lack when AWS answered something else, after
   * "do(es) not": `run IMAGE`. @default `have ` and the chaos tasks' description
   */
  readonly lacks?: (spec: ExperimentSpec) => string;
  /** The preflight failure when every chosen container already has the values. */
  readonly unchanged: (spec: ExperimentSpec) => string;
  /**
   * The fault's own checks, after the shared ones: `targets` are the chosen containers as the
   * original has them, `chaos` every container as the chaos revision would have it.
   */
  readonly check?: (
    ctx: FaultCheckContext,
    containers: { readonly targets: readonly ContainerDefinition[]; readonly chaos: readonly ContainerDefinition[] },
  ) => void;
}

/** The fields of `values` that are set, in the order of `fields`. */
function setFields(
  fields: readonly ContainerField[],
  values: Partial<Record<ContainerField, ContainerFieldValue>>,
): ReadonlyArray<readonly [ContainerField, ContainerFieldValue]> {
  return fields.flatMap((f) => (values[f] === undefined ? [] : [[f, values[f]] as const]));
}

/** `c` with the set fields of `values`; the others as they are. */
function withValues(
  c: ContainerDefinition,
  set: ReadonlyArray<readonly [ContainerField, ContainerFieldValue]>,
): ContainerDefinition {
  return { ...c, ...Object.fromEntries(set) };
}

/** A task-definition fault that sets `parts.fields` of the chosen containers. */
export function containerFieldFault(parts: ContainerFieldFaultParts): TaskDefinitionFault<undefined> {
  const { fields } = parts;
  const set = (spec: ExperimentSpec) => setFields(fields, parts.values(spec));
  const differs = (c: ContainerDefinition | undefined, spec: ExperimentSpec): boolean =>
    c === undefined || set(spec).some(([f, v]) => c[f] !== v);

  const fault: TaskDefinitionFault<undefined> = {
    name: parts.name,
    kind: 'task-definition',
    effectPhrase: parts.effectPhrase,
    changedFields: [new RegExp(`^containerDefinitions\\[\\d+\\]\\.(${fields.join('|')})$`)],
    ...(parts.expectsLaunchFailure ? { expectsLaunchFailure: parts.expectsLaunchFailure } : {}),
    ...(parts.expectsCrash ? { expectsCrash: parts.expectsCrash } : {}),

    startReads() {
      return undefined;
    },

    async check(ctx) {
      const { original, spec } = ctx;
      const targets = checkContainerNames(ctx);
      if (!targets.some((c) => differs(c, spec))) ctx.fail('the fault changes something', parts.unchanged(spec));
      ctx.record('the fault changes something', 'pass', fault.describe(original, spec));
      const chaos = mapContainers(
        { family: original.family, containerDefinitions: original.containerDefinitions ?? [] },
        targetNames(original, spec),
        (c) => withValues(c, set(spec)),
      ).containerDefinitions!;
      parts.check?.(ctx, { targets, chaos });
      await Promise.resolve();
    },

    plannedReads() {
      return [];
    },

    apply(copy, spec) {
      return mapContainers(copy, targetNames(copy, spec), (c) => withValues(c, set(spec)));
    },

    describe(original, spec) {
      const values = parts.values(spec);
      return describeContainers(
        original,
        spec,
        fields.map((f) => [f, f, values[f]] as const),
      );
    },

    describeChaos(spec) {
      const what = set(spec)
        .map(([f, v]) => parts.word(f, v))
        .join(', ');
      const names = spec.faultParams?.containerNames;
      return `${parts.lead ?? 'container '}${what}${names ? ` (${names.join(', ')})` : ''}`;
    },

    verifyRegistered(chaos, spec) {
      const wrong = targetNames(chaos, spec).filter((name) => differs(containerOf(chaos, name), spec));
      const lacks = parts.lacks ? parts.lacks(spec) : `have ${fault.describeChaos(spec)}`;
      return wrong.length === 0 ? undefined : `the chaos revision's ${wrong.join(', ')} do(es) not ${lacks}`;
    },

    describeCarried(candidate, original) {
      return describeContainerFields(candidate, original, fields);
    },

    takeOut(copy, original) {
      return takeOutContainerFields(copy, original, fields);
    },

    carries(candidate, original, chaos) {
      return carriesContainerFields(candidate, original, chaos, fields);
    },
  };
  return fault;
}
