/**
 * What the container-level faults share: CONTAINER_NAMES (default: every container), checked
 * against the task definition, and a pure per-container transform of the faithful copy.
 */
import type {
  ContainerDefinition,
  RegisterTaskDefinitionCommandInput,
  Service,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { ExperimentSpec } from '../config/spec.js';
import type { FaultCheckContext } from './types.js';

/** The containers a run changes: CONTAINER_NAMES, or every container of `td`. */
export function targetNames(td: Pick<TaskDefinition, 'containerDefinitions'>, spec: ExperimentSpec): readonly string[] {
  return spec.faultParams?.containerNames ?? (td.containerDefinitions ?? []).map((c) => c.name ?? '');
}

/** Fails preflight when CONTAINER_NAMES names a container the task definition does not have. */
export function checkContainerNames(ctx: FaultCheckContext): readonly ContainerDefinition[] {
  const containers = ctx.original.containerDefinitions ?? [];
  const known = containers.map((c) => c.name ?? '');
  const names = targetNames(ctx.original, ctx.spec);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    ctx.fail(
      'containers exist',
      `CONTAINER_NAMES names ${unknown.join(', ')}, not a container of ${ctx.original.taskDefinitionArn} (its containers: ${known.join(', ')}). Fix: pass some of ${known.join(', ')}, or leave CONTAINER_NAMES unset for all`,
    );
  ctx.record('containers exist', 'pass', names.join(', '));
  return containers.filter((c) => names.includes(c.name ?? ''));
}

/** The copy with `change` applied to the named containers; the others untouched. Pure. */
export function mapContainers(
  copy: RegisterTaskDefinitionCommandInput,
  names: readonly string[],
  change: (container: ContainerDefinition) => ContainerDefinition,
): RegisterTaskDefinitionCommandInput {
  return {
    ...copy,
    containerDefinitions: (copy.containerDefinitions ?? []).map((c) =>
      names.includes(c.name ?? '') ? change({ ...c }) : c,
    ),
  };
}

/** The container of `td` named `name`. */
export function containerOf(
  td: Pick<TaskDefinition, 'containerDefinitions'>,
  name: string,
): ContainerDefinition | undefined {
  return td.containerDefinitions?.find((c) => c.name === name);
}

/**
 * Whether tasks of this service and revision run on Fargate: the revision requires it, or the
 * service launches on Fargate (its launch type or a FARGATE / FARGATE_SPOT capacity provider).
 */
export function runsOnFargate(original: TaskDefinition, service: Service): boolean {
  if (original.requiresCompatibilities?.includes('FARGATE')) return true;
  if (service.launchType === 'FARGATE') return true;
  return (service.capacityProviderStrategy ?? []).some((s) => s.capacityProvider?.startsWith('FARGATE') === true);
}

/** Per target container, `field` before -> after, for `describe`. */
export function describeContainers(
  original: TaskDefinition,
  spec: ExperimentSpec,
  fields: ReadonlyArray<
    readonly [label: string, key: 'cpu' | 'memory' | 'startTimeout' | 'stopTimeout' | 'image', value: unknown]
  >,
): string {
  const set = fields.filter(([, , v]) => v !== undefined);
  return targetNames(original, spec)
    .map((name) => {
      const c = containerOf(original, name);
      return `${name}: ${set.map(([label, key, v]) => `${label} ${c?.[key] ?? '(unset)'} -> ${String(v)}`).join(', ')}`;
    })
    .join('; ');
}

/** The container fields a container-level fault changes. */
export type ContainerField = 'cpu' | 'memory' | 'startTimeout' | 'stopTimeout' | 'image';

/**
 * The copy of someone's revision with `fields` of every container put back as the original's
 * same-named container has them (absent there: removed); everything else of theirs kept. Pure.
 */
export function takeOutContainerFields(
  copy: RegisterTaskDefinitionCommandInput,
  original: Pick<TaskDefinition, 'containerDefinitions'>,
  fields: readonly ContainerField[],
): RegisterTaskDefinitionCommandInput {
  return {
    ...copy,
    containerDefinitions: (copy.containerDefinitions ?? []).map((c) => {
      const before = containerOf(original, c.name ?? '');
      if (!before) return c;
      const out: Record<string, unknown> = { ...c };
      for (const f of fields) {
        if (before[f] === undefined) delete out[f];
        else out[f] = before[f];
      }
      return out;
    }),
  };
}

/** The container fields of `candidate` that differ from the original's, for a residue line. */
export function describeContainerFields(
  candidate: Pick<TaskDefinition, 'containerDefinitions'>,
  original: Pick<TaskDefinition, 'containerDefinitions'>,
  fields: readonly ContainerField[],
): string {
  const lines = (candidate.containerDefinitions ?? []).flatMap((c) => {
    const before = containerOf(original, c.name ?? '');
    const changed = fields.filter((f) => before !== undefined && c[f] !== before[f]);
    return changed.length === 0
      ? []
      : [
          `${c.name}: ${changed.map((f) => `${f} ${String(c[f] ?? '(unset)')} (original: ${String(before?.[f] ?? '(unset)')})`).join(', ')}`,
        ];
  });
  return lines.join('; ') || 'no container field differs from the original';
}

/**
 * Whether `candidate` carries a container-level change of `chaos` over `original`: some container
 * has a field the chaos revision changed, at the chaos revision's value.
 */
export function carriesContainerFields(
  candidate: Pick<TaskDefinition, 'containerDefinitions'>,
  original: Pick<TaskDefinition, 'containerDefinitions'>,
  chaos: Pick<TaskDefinition, 'containerDefinitions'>,
  fields: readonly ContainerField[],
): boolean {
  return (chaos.containerDefinitions ?? []).some((c) => {
    const before = containerOf(original, c.name ?? '');
    const now = containerOf(candidate, c.name ?? '');
    return before !== undefined && now !== undefined && fields.some((f) => c[f] !== before[f] && now[f] === c[f]);
  });
}
