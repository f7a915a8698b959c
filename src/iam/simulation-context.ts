/**
 * The request context of the runner's permission check: for each permission, the condition keys AWS
 * supplies when the run makes the call (`ecs:cluster`, `ecs:task-definition`, `aws:ResourceTag/*`
 * from the service's tags, and for tagging: `aws:RequestTag/*`, `aws:TagKeys` and, when ECS tags a
 * resource as part of creating it, `ecs:CreateAction`), so that a policy scoped by those keys is
 * judged as AWS will judge the real calls. iam:SimulatePrincipalPolicy supplies no key by itself.
 */
import type { RequiredPermission } from './runner-policy.js';

/** A tag, as ECS writes it. */
export interface SimulatedTag {
  readonly key: string;
  readonly value: string;
}

/** One entry of SimulatePrincipalPolicy's `ContextEntries`. */
export interface ContextEntry {
  readonly ContextKeyName: string;
  readonly ContextKeyValues: string[];
  readonly ContextKeyType: 'string' | 'stringList';
}

/** What the run will do, as far as the condition keys of its calls go. */
export interface SimulationFacts {
  readonly clusterArn?: string;
  /** The service's tags now (its `aws:ResourceTag/*`). */
  readonly serviceTags: readonly SimulatedTag[];
  /** The revision the service is rolled onto (UpdateService, CreateService's `ecs:task-definition`). */
  readonly chaosTaskDefinitionArn?: string;
  /** The tags the chaos revision is registered with: the original's kept tags and the markers. */
  readonly revisionTags: readonly SimulatedTag[];
  /** The markers TagResource writes on the service. */
  readonly serviceMarkers: readonly SimulatedTag[];
  /** The lease TagResource writes on the service. */
  readonly lease: readonly SimulatedTag[];
  /** The sibling service's tags (exact mode: CreateService's tags). */
  readonly siblingTags: readonly SimulatedTag[];
}

/** One SimulatePrincipalPolicy call: actions on one resource under one context. */
export interface SimulationRequest {
  /** What the context stands for when the same action is checked more than once, e.g. `the lease`. */
  readonly what?: string;
  readonly resource: string;
  readonly context: readonly ContextEntry[];
  readonly permissions: readonly RequiredPermission[];
}

const one = (key: string, value: string): ContextEntry => ({
  ContextKeyName: key,
  ContextKeyValues: [value],
  ContextKeyType: 'string',
});

/** `aws:ResourceTag/K` (and ECS's `ecs:ResourceTag/K`) for each tag of the resource. */
function resourceTags(tags: readonly SimulatedTag[]): ContextEntry[] {
  return tags.flatMap((t) => [one(`aws:ResourceTag/${t.key}`, t.value), one(`ecs:ResourceTag/${t.key}`, t.value)]);
}

/** The keys of a request that writes tags: `aws:RequestTag/K` for each, and `aws:TagKeys`. */
function requestTags(tags: readonly SimulatedTag[]): ContextEntry[] {
  if (tags.length === 0) return [];
  return [
    ...tags.map((t) => one(`aws:RequestTag/${t.key}`, t.value)),
    { ContextKeyName: 'aws:TagKeys', ContextKeyValues: tags.map((t) => t.key), ContextKeyType: 'stringList' },
  ];
}

/** The condition keys a required permission's own condition names (iam:PassedToService, ecs:cluster). */
function fromCondition(p: RequiredPermission): ContextEntry[] {
  return Object.values(p.condition ?? {}).flatMap((byKey) =>
    Object.entries(byKey).map(([key, value]) => one(key, value)),
  );
}

/** The contexts one permission is checked under (one, or one per distinct call). */
export function contextsOf(
  p: RequiredPermission,
  facts: SimulationFacts,
): Array<{ what?: string; context: ContextEntry[] }> {
  const cluster = facts.clusterArn ? [one('ecs:cluster', facts.clusterArn)] : [];
  const chaosRevision = facts.chaosTaskDefinitionArn ? [one('ecs:task-definition', facts.chaosTaskDefinitionArn)] : [];
  const own = fromCondition(p).filter((e) => !(e.ContextKeyName === 'ecs:cluster' && cluster.length > 0));
  const withOwn = (context: ContextEntry[]): ContextEntry[] => [...own, ...context];
  const onService = [...cluster, ...resourceTags(facts.serviceTags)];
  switch (`${p.sid} ${p.action}`) {
    case 'ServiceUnderChaos ecs:DescribeServices':
      return [{ context: withOwn(onService) }];
    case 'ServiceUnderChaos ecs:UpdateService':
      return [{ context: withOwn([...onService, ...chaosRevision]) }];
    case 'ServiceUnderChaos ecs:TagResource':
      return [
        { what: 'the markers', context: withOwn([...onService, ...requestTags(facts.serviceMarkers)]) },
        { what: 'the lease', context: withOwn([...onService, ...requestTags(facts.lease)]) },
      ];
    case 'ServiceUnderChaos ecs:UntagResource': {
      const keys = [...facts.serviceMarkers, ...facts.lease].map((t) => t.key);
      return [
        {
          context: withOwn([
            ...onService,
            { ContextKeyName: 'aws:TagKeys', ContextKeyValues: keys, ContextKeyType: 'stringList' },
          ]),
        },
      ];
    }
    case 'SiblingService ecs:CreateService':
      return [{ context: withOwn([...cluster, ...chaosRevision, ...requestTags(facts.siblingTags)]) }];
    case 'SiblingService ecs:TagResource':
      // ECS authorizes the tags of a create call as ecs:TagResource with ecs:CreateAction.
      return [
        {
          what: 'tags on create',
          context: withOwn([...cluster, one('ecs:CreateAction', 'CreateService'), ...requestTags(facts.siblingTags)]),
        },
      ];
    case 'SiblingService ecs:DeleteService':
      return [{ context: withOwn([...cluster, ...resourceTags(facts.siblingTags)]) }];
    case 'SiblingService ecs:DescribeServices':
    case 'ReadTasks ecs:DescribeTasks':
    case 'ListInCluster ecs:ListTasks':
    case 'ListInCluster ecs:ListServices':
      return [{ context: withOwn(cluster) }];
    case 'ChaosRevision ecs:RegisterTaskDefinition':
      return [{ context: withOwn(requestTags(facts.revisionTags)) }];
    case 'ChaosRevision ecs:TagResource':
      return [
        {
          what: 'tags on create',
          context: withOwn([one('ecs:CreateAction', 'RegisterTaskDefinition'), ...requestTags(facts.revisionTags)]),
        },
      ];
    default:
      return [{ context: own }];
  }
}

/**
 * The simulation calls of a permission check: one per resource, context and purpose, each with the
 * actions that share them (all go out at once).
 */
export function simulationRequests(
  permissions: readonly RequiredPermission[],
  facts: SimulationFacts,
): SimulationRequest[] {
  const groups = new Map<
    string,
    { what?: string; resource: string; context: ContextEntry[]; permissions: RequiredPermission[] }
  >();
  for (const p of permissions) {
    for (const { what, context } of contextsOf(p, facts)) {
      const key = `${p.resource} ${what ?? ''} ${JSON.stringify(context)}`;
      const group = groups.get(key) ?? { ...(what ? { what } : {}), resource: p.resource, context, permissions: [] };
      group.permissions.push(p);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

/**
 * What iam:SimulatePrincipalPolicy does not see: the check's blind spots, said in preflight and in
 * docs/iam.md.
 */
export const SIMULATION_BLIND_SPOTS =
  'simulation does not see resource control policies (RCPs), resource-based policies, VPC endpoint policies or the session policies of an assumed-role session, nor service control policies (SCPs) unless IAM reports an Organizations decision';
