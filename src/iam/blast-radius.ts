/**
 * Blast radius: which calls the original task role allows and the chaos role does not, grouped by
 * service and access level. The prediction of what will fail before anyone runs the fault.
 */
import type { ActionCatalog } from './catalog.js';
import { authorize, type PolicySource } from './evaluate.js';
import { boundaryPolicySource, identityPolicySources, type RolePermissions } from './role-permissions.js';

/** One call the chaos role loses. */
export interface LostPermission {
  /** e.g. `s3:PutObject` (or a pattern such as `s3:Put*` when the catalog cannot expand it). */
  readonly action: string;
  /** The resource pattern the original role allows it on. */
  readonly resource: string;
  /** `s3`, `dynamodb`... */
  readonly service: string;
  /** Read, Write, List, Tagging, Permissions management; `Unknown` without a catalog entry. */
  readonly accessLevel: string;
  /**
   * Why the chaos role refuses it: `explicit deny` or `no allow` in its policies, `permissions
   * boundary` (its boundary denies or does not allow it), or `no task role`.
   */
  readonly reason: 'explicit deny' | 'no allow' | 'permissions boundary' | 'no task role';
}

/** The outcome of {@link blastRadius}. */
export interface BlastRadius {
  readonly originalRoleArn: string;
  /** null when the fault removes the task role. */
  readonly chaosRoleArn: string | null;
  /** Everything the chaos role refuses, sorted by service, access level, action. */
  readonly lost: readonly LostPermission[];
  /** Grouped: service -> access level -> actions. */
  readonly byService: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /** How many allowed (action, resource) pairs of the original role were checked. */
  readonly checked: number;
  /** One plain sentence, e.g. "the chaos role loses nothing the original role allows". */
  readonly summary: string;
  /** What could not be analysed (unparseable policies, conditions that depend on the request). */
  readonly notes: readonly string[];
}

/** What the analysis needs from an action catalog (src/iam/catalog.ts when available). */
export interface ActionLookup {
  /** Concrete actions a pattern stands for; the pattern itself when unknown. */
  expand(pattern: string): readonly string[];
  /** The access level of an action, or undefined. */
  accessLevel(action: string): string | undefined;
}

/** A catalog that knows nothing: patterns stay patterns. */
export const NO_CATALOG: ActionLookup = { expand: (p) => [p], accessLevel: () => undefined };

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** The (action, resource) pairs a role's Allow statements grant, Action and Resource only. */
function allowedPairs(
  policies: readonly PolicySource[],
  catalog: ActionLookup,
  notes: string[],
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const policy of policies) {
    for (const s of policy.document.statements) {
      if (s.effect !== 'Allow') continue;
      const actions = list(s.action);
      const resources = list(s.resource);
      if (s.condition) notes.push(`${policy.id}: a statement with conditions is counted as if they held`);
      if (actions.length === 0) {
        notes.push(`${policy.id}: a NotAction statement is not analysed`);
        continue;
      }
      for (const pattern of actions) {
        for (const action of catalog.expand(pattern)) {
          for (const resource of resources.length > 0 ? resources : ['*']) pairs.push([action, resource]);
        }
      }
    }
  }
  return pairs;
}

/**
 * The calls the original role allows and the chaos role does not.
 *
 * @example blastRadius(ordersTaskRole, ordersChaosRole, catalog).lost // [{ action: 's3:PutObject', ... }]
 */
export function blastRadius(
  original: RolePermissions,
  chaos: RolePermissions | null,
  catalog: ActionLookup = NO_CATALOG,
): BlastRadius {
  const notes: string[] = [];
  for (const p of [...original.inline, ...original.managed, ...(chaos ? [...chaos.inline, ...chaos.managed] : [])]) {
    if (p.parseError) notes.push(`${p.id} could not be parsed (${p.parseError}) and is left out`);
  }
  // Both roles' permissions boundaries count: the original role never had what its boundary
  // refuses (nothing to lose there), and the chaos role keeps only what its boundary allows.
  for (const [which, perms] of [
    ['original', original],
    ['chaos', chaos],
  ] as const) {
    if (perms?.boundary?.parseError)
      notes.push(
        `the ${which} role's permissions boundary ${perms.boundary.id} could not be parsed (${perms.boundary.parseError}) and is left out`,
      );
  }
  const originalPolicies = identityPolicySources(original);
  const originalBoundary = boundaryPolicySource(original);
  const pairs = allowedPairs(originalPolicies, catalog, notes);
  const chaosPolicies = chaos ? identityPolicySources(chaos) : [];
  const chaosBoundary = chaos ? boundaryPolicySource(chaos) : undefined;
  const seen = new Set<string>();
  const lost: LostPermission[] = [];
  let cappedByOriginalBoundary = 0;
  for (const [action, resource] of pairs) {
    const key = `${action} ${resource}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (
      originalBoundary &&
      authorize({
        identityPolicies: originalPolicies,
        permissionBoundary: originalBoundary,
        request: { action, resource },
      }).decision !== 'Allow'
    ) {
      cappedByOriginalBoundary++;
      continue;
    }
    const decided = chaos
      ? authorize({
          identityPolicies: chaosPolicies,
          ...(chaosBoundary ? { permissionBoundary: chaosBoundary } : {}),
          request: { action, resource },
        })
      : undefined;
    if (decided?.decision === 'Allow') continue;
    const byBoundary =
      decided?.reason === 'ExplicitDenyInPermissionBoundary' || decided?.reason === 'NoAllowInPermissionBoundary';
    lost.push({
      action,
      resource,
      service: action.split(':')[0] ?? action,
      accessLevel: catalog.accessLevel(action) ?? 'Unknown',
      reason:
        decided === undefined
          ? 'no task role'
          : byBoundary
            ? 'permissions boundary'
            : decided.decision === 'ExplicitDeny'
              ? 'explicit deny'
              : 'no allow',
    });
  }
  notes.push(
    `permissions boundaries included: the original role's ${original.boundary ? original.boundary.id : '(none)'}${cappedByOriginalBoundary > 0 ? ` (caps ${cappedByOriginalBoundary} of its grants: never usable, not counted as lost)` : ''}; the chaos role's ${chaos === null ? '(no task role)' : chaos.boundary ? chaos.boundary.id : '(none)'}`,
  );
  lost.sort(
    (a, b) =>
      a.service.localeCompare(b.service) ||
      a.accessLevel.localeCompare(b.accessLevel) ||
      a.action.localeCompare(b.action),
  );
  const byService: Record<string, Record<string, string[]>> = {};
  for (const l of lost) {
    const levels = (byService[l.service] ??= {});
    const actions = (levels[l.accessLevel] ??= []);
    if (!actions.includes(l.action)) actions.push(l.action);
  }
  const summary =
    lost.length === 0
      ? `the chaos role loses nothing the original role allows (${seen.size} grants checked): expect no visible failures from permissions`
      : `the chaos role refuses ${new Set(lost.map((l) => l.action)).size} action(s) the original role allows: ${[...new Set(lost.map((l) => l.action))].join(', ')}`;
  return {
    originalRoleArn: original.roleArn,
    chaosRoleArn: chaos?.roleArn ?? null,
    lost,
    byService,
    checked: seen.size,
    summary,
    notes,
  };
}

/**
 * The action catalog (src/iam/catalog.ts) as the blast radius uses it: wildcards expanded to the
 * real actions, access levels from the service authorization reference.
 */
export function catalogForBlastRadius(catalog: ActionCatalog): ActionLookup {
  return {
    expand: (pattern) => {
      const actions = catalog.expandActions(pattern);
      return actions.length > 0 ? actions : [pattern];
    },
    accessLevel: (action) => catalog.accessLevel(action),
  };
}
