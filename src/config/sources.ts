/** Where a field's raw value comes from (a flag, an env var, the experiment file), before validation. */
import type { FaultFieldKey, FieldDefinition, FieldKey } from './fields.js';

/** Where an experiment's configuration comes from. */
export interface ConfigSources {
  /**
   * The flags the user typed, keyed by camelCase field key (as commander gives them). Keys that are
   * not tunables (e.g. `file`) are ignored; `undefined` means not typed.
   */
  readonly flags: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  /** The environment, e.g. `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An experiment file (`-f experiment.yaml` or `.json`), relative to `cwd`. */
  readonly file?: string;
  /** The fault named on the command line (`ecs-chaos run update-task-role`). */
  readonly fault?: string;
  /** The directory relative paths are resolved against. @default process.cwd() */
  readonly cwd?: string;
}

/** A value as found in one source, before validation. */
export interface RawValue {
  /** A string from a flag or env var; any YAML/JSON value from a file; `true` from a switch. */
  readonly value: unknown;
  /** e.g. `flag --duration`, `env TOTAL_CHAOS_DURATION`, `experiment.yaml line 4` */
  readonly source: string;
  readonly origin: 'flag' | 'env' | 'file';
  /** The directory a relative path in this value is resolved against. */
  readonly baseDir: string;
  /** The key an experiment file used for the value. */
  readonly fileKey?: string;
}

/** An experiment file, read and checked for structure. */
export interface ExperimentFile {
  readonly fault: RawValue | undefined;
  readonly values: ReadonlyMap<FieldKey | FaultFieldKey, RawValue>;
  /** `probes:` and `stopConditions:` as plain data, and the file line of every key path in them. */
  readonly probes: unknown;
  readonly stopConditions: unknown;
  readonly sourceOf: (path: string) => string | undefined;
}

/**
 * A field's raw value by precedence: flag > env var > experiment file > fallback env vars (for the
 * region: AWS_REGION, AWS_DEFAULT_REGION; like the SDK, an empty one counts as unset).
 */
export function pickValue(
  field: FieldDefinition,
  sources: {
    readonly flags: ConfigSources['flags'];
    readonly env: ConfigSources['env'];
    readonly cwd: string;
    readonly file: ExperimentFile | undefined;
  },
): RawValue | undefined {
  const { flags, env, cwd, file } = sources;
  const flag = flags[field.key];
  if (flag !== undefined) return { value: flag, source: `flag ${field.flag}`, origin: 'flag', baseDir: cwd };
  if (field.env !== undefined) {
    const value = env[field.env];
    if (value !== undefined) return { value, source: `env ${field.env}`, origin: 'env', baseDir: cwd };
  }
  const fromFile = file?.values.get(field.key as FieldKey | FaultFieldKey);
  if (fromFile) return fromFile;
  for (const fallback of field.envFallbacks ?? []) {
    const value = env[fallback];
    if (value !== undefined && value.trim() !== '')
      return { value, source: `env ${fallback}`, origin: 'env', baseDir: cwd };
  }
  return undefined;
}
