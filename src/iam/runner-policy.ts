/**
 * The least-privilege policy of the principal that runs ecs-chaos, derived from the calls the tool
 * makes (the ports) and scoped to the target's resources where IAM supports resource-level
 * permissions. `ecs-chaos policy` prints it; preflight checks the caller against the same list.
 */

/** What the policy is scoped to; anything unknown becomes a wildcard. */
export interface RunnerPolicyScope {
  readonly partition?: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly cluster?: string;
  readonly service?: string;
  /** The task definition family of the service. */
  readonly family?: string;
  /** The service's task role, execution role and the chaos role: the roles the runner passes. */
  readonly originalTaskRoleArn?: string;
  readonly executionRoleArn?: string;
  readonly chaosRoleArn?: string;
  /**
   * The fault run: which roles the runner reads (update-task-role: the task roles; update-execution-role:
   * the execution roles; other faults: none). Unknown: update-task-role's.
   */
  readonly fault?: string;
  /** The runner's own principal (for iam:SimulatePrincipalPolicy on itself). */
  readonly runnerArn?: string;
  /**
   * The experiment's exposure mode: exact mode creates and deletes a sibling service. Unknown: the
   * policy covers both modes.
   */
  readonly exposureMode?: 'exact' | 'rolling';
  /**
   * task-stop: whether the service has ELB v2 target groups (its recovery then reads target health).
   * Unknown: the policy includes elasticloadbalancing:DescribeTargetHealth.
   */
  readonly loadBalanced?: boolean;
  /** What the experiment's probes and stop conditions read: those permissions become required. */
  readonly signals?: {
    /** Stop conditions or cloudwatch alarm probes: cloudwatch:DescribeAlarms. */
    readonly alarms?: boolean;
    /** cloudwatch metric probes: cloudwatch:GetMetricStatistics. */
    readonly metrics?: boolean;
    /** cloudtrail probes: cloudtrail:LookupEvents. */
    readonly cloudtrail?: boolean;
  };
}

/** One permission the runner needs: an action on a resource, under conditions. */
export interface RequiredPermission {
  readonly sid: string;
  readonly action: string;
  readonly resource: string;
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Why the tool needs it. */
  readonly why: string;
  /** Set when a run goes on without it: what is lost then. */
  readonly optional?: string;
}

/** A policy document in IAM's JSON shape. */
export interface RunnerPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<{
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: string[];
    readonly Resource: string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  }>;
}

/** Adds a statement's actions on its resources, each one permission. */
type AddPermission = (
  sid: string,
  actions: string[],
  resources: string[],
  why: string,
  condition?: RequiredPermission['condition'],
  optional?: string,
) => void;

/** The runner's principal for IAM: an assumed-role session's role, or the user itself. */
export function policySourceArn(callerArn: string): string {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : callerArn;
}

/**
 * Every permission a `run` (and a `recover`) of a fault needs (`scope.fault`; undefined: the
 * update-task-role fault's and what `recover` needs), one entry per action and resource.
 */
export function requiredPermissions(scope: RunnerPolicyScope): RequiredPermission[] {
  const p = scope.partition ?? 'aws';
  const r = scope.region ?? '*';
  const a = scope.accountId ?? '*';
  const ecs = (resource: string): string => `arn:${p}:ecs:${r}:${a}:${resource}`;
  const cluster = ecs(`cluster/${scope.cluster ?? '*'}`);
  const service = ecs(`service/${scope.cluster ?? '*'}/${scope.service ?? '*'}`);
  const family = ecs(`task-definition/${scope.family ?? '*'}:*`);
  const onCluster = scope.cluster ? { ArnEquals: { 'ecs:cluster': cluster } } : undefined;
  const roles = [scope.executionRoleArn, scope.originalTaskRoleArn, scope.chaosRoleArn].filter(
    (x): x is string => x !== undefined,
  );
  const passRoles = roles.length > 0 ? [...new Set(roles)] : [`arn:${p}:iam::${a}:role/*`];
  const swapped = scope.fault === 'update-execution-role' ? scope.executionRoleArn : scope.originalTaskRoleArn;
  // deny-task-permissions changes no task definition and no service: it writes on the task role only.
  const deny = scope.fault === 'deny-task-permissions';
  const readsRoles = scope.fault === undefined || deny || /^update-(task|execution)-role$/.test(scope.fault);
  // task-stop registers no revision and rolls nothing: it stops tasks and marks the service.
  const stopsTasks = scope.fault === 'task-stop';
  // An episode fault (task-stop, deny-task-permissions) changes no task definition and rolls nothing.
  const episode = stopsTasks || deny;
  const readRoles = [swapped, scope.chaosRoleArn].filter((x): x is string => x !== undefined);
  const out: RequiredPermission[] = [];
  const add: AddPermission = (sid, actions, resources, why, condition, optional) => {
    for (const action of actions)
      for (const resource of resources)
        out.push({
          sid,
          action,
          resource,
          why,
          ...(condition ? { condition } : {}),
          ...(optional ? { optional } : {}),
        });
  };
  add('ReadCluster', ['ecs:DescribeClusters'], [cluster], 'preflight: the cluster exists');
  add(
    'ServiceUnderChaos',
    ['ecs:DescribeServices', 'ecs:TagResource', 'ecs:UntagResource'],
    [service],
    'read the service, hold its lease, mark it as under chaos; rolling mode: roll it onto the chaos revision and back',
  );
  if (!episode)
    add(
      'ServiceUnderChaos',
      ['ecs:UpdateService'],
      [service],
      'read the service, hold its lease, mark it as under chaos; rolling mode: roll it onto the chaos revision and back',
      undefined,
      scope.exposureMode === 'exact'
        ? "rolling mode (--exposure rolling), and recover of a rolling run's leftovers"
        : undefined,
    );
  add(
    'ListInCluster',
    ['ecs:ListTasks', 'ecs:ListServices'],
    ['*'],
    'watch the tasks; find services to recover',
    onCluster,
  );
  if (!episode)
    add(
      'SiblingService',
      ['ecs:CreateService', 'ecs:DeleteService', 'ecs:DescribeServices', 'ecs:TagResource'],
      [ecs(`service/${scope.cluster ?? '*'}/${scope.service ? `${scope.service}-chaos-*` : '*'}`)],
      'exact mode: a temporary sibling service runs the chaos revision on k tasks, with its recovery markers, and is deleted at the restore',
      undefined,
      scope.exposureMode === 'rolling' ? 'exact mode (--exposure exact)' : undefined,
    );
  add('ReadTasks', ['ecs:DescribeTasks'], [ecs(`task/${scope.cluster ?? '*'}/*`)], 'count tasks per revision');
  if (stopsTasks)
    add(
      'StopTasks',
      ['ecs:StopTask'],
      [ecs(`task/${scope.cluster ?? '*'}/*`)],
      'task-stop: stop the chosen tasks of the service (ECS replaces them)',
      onCluster,
    );
  if (stopsTasks && scope.loadBalanced !== false)
    add(
      'ReadTargetHealth',
      ['elasticloadbalancing:DescribeTargetHealth'],
      ['*'],
      "task-stop: the recovery waits until the replacements are healthy in the service's target groups (no resource-level permissions in IAM)",
    );
  if (!episode)
    add(
      'ChaosRevision',
      ['ecs:RegisterTaskDefinition', 'ecs:TagResource'],
      [family],
      'register the chaos revision with its recovery markers',
    );
  add(
    'TaskDefinitions',
    episode
      ? ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions']
      : ['ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition', 'ecs:ListTaskDefinitions'],
    ['*'],
    episode
      ? 'read the revision, find leftovers (no resource-level permissions in IAM)'
      : 'read revisions, deregister the chaos revision, find leftovers (no resource-level permissions in IAM)',
  );
  if (!episode)
    add('PassRoles', ['iam:PassRole'], passRoles, 'a task definition names the roles ECS tasks use', {
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
  if (readsRoles)
    add(
      'ReadRoles',
      ['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'],
      readRoles.length > 0 ? readRoles : [`arn:${p}:iam::${a}:role/*`],
      "check the chaos role's trust; predict the blast radius",
    );
  if (readsRoles)
    add(
      'ReadManagedPolicies',
      ['iam:GetPolicy', 'iam:GetPolicyVersion'],
      [`arn:${p}:iam::aws:policy/*`, `arn:${p}:iam::${a}:policy/*`],
      "read the roles' managed policies for the blast radius",
    );
  if (deny) addDenyPermissions(scope, add);
  add(
    'CheckOwnPermissions',
    ['iam:SimulatePrincipalPolicy'],
    [scope.runnerArn ? policySourceArn(scope.runnerArn) : `arn:${p}:iam::${a}:*`],
    'preflight: check these permissions before any change',
  );
  // A session's role is simulated by its full ARN, path included: the runner reads it with GetRole.
  const runnerRole =
    scope.runnerArn === undefined
      ? `arn:${p}:iam::${a}:role/*`
      : /:role\//.test(scope.runnerArn)
        ? scope.runnerArn
        : undefined;
  if (runnerRole) {
    add(
      'ReadOwnRole',
      ['iam:GetRole'],
      [runnerRole],
      "preflight: the path of the runner's own role (an assumed-role session's ARN lacks it), to simulate it",
      undefined,
      "the path of the runner's role in the permission check (guessed without it)",
    );
  }
  const SIGNALS_WHY =
    'the AccessDenied counts of the chaos window, stop conditions and probes (optional unless the experiment uses them; no resource-level permissions in IAM)';
  // The signals: required when the experiment's probes or stop conditions read them, optional otherwise.
  const signals = scope.signals ?? {};
  add(
    'ReadSignals',
    ['cloudtrail:LookupEvents'],
    ['*'],
    SIGNALS_WHY,
    undefined,
    signals.cloudtrail ? undefined : 'the AccessDenied counts of the result',
  );
  add(
    'ReadSignals',
    ['cloudwatch:DescribeAlarms'],
    ['*'],
    SIGNALS_WHY,
    undefined,
    signals.alarms ? undefined : 'stop conditions and alarm probes',
  );
  add(
    'ReadSignals',
    ['cloudwatch:GetMetricStatistics'],
    ['*'],
    SIGNALS_WHY,
    undefined,
    signals.metrics ? undefined : 'cloudwatch metric probes',
  );
  return out;
}

/** The permissions as a policy document: one statement per purpose. */
export function runnerPolicyDocument(permissions: readonly RequiredPermission[]): RunnerPolicyDocument {
  const bySid = new Map<
    string,
    { Sid: string; Effect: 'Allow'; Action: string[]; Resource: string[]; Condition?: RequiredPermission['condition'] }
  >();
  for (const perm of permissions) {
    const statement = bySid.get(perm.sid) ?? {
      Sid: perm.sid,
      Effect: 'Allow' as const,
      Action: [],
      Resource: [],
      ...(perm.condition ? { Condition: perm.condition } : {}),
    };
    if (!statement.Action.includes(perm.action)) statement.Action.push(perm.action);
    if (!statement.Resource.includes(perm.resource)) statement.Resource.push(perm.resource);
    bySid.set(perm.sid, statement);
  }
  return { Version: '2012-10-17', Statement: [...bySid.values()] };
}

/**
 * deny-task-permissions: who else uses the task role (every cluster's services and tasks of the
 * region), and the writes on exactly that role. IAM has no condition key for an inline policy's name,
 * so PutRolePolicy and DeleteRolePolicy are scoped to the role alone; the managed form is scoped to
 * the `ecs-chaos-deny-` name prefix (the policy's ARN, and `iam:PolicyARN` on attach and detach), the
 * recovery tag to the `ecs-chaos:deny:` key prefix.
 */
function addDenyPermissions(scope: RunnerPolicyScope, add: AddPermission): void {
  const p = scope.partition ?? 'aws';
  const r = scope.region ?? '*';
  const a = scope.accountId ?? '*';
  const role = scope.originalTaskRoleArn ?? `arn:${p}:iam::${a}:role/*`;
  const policies = `arn:${p}:iam::${a}:policy/ecs-chaos-deny-*`;
  const why = 'preflight: every service and standalone task of the region that runs with the same task role';
  add('RoleUsers', ['ecs:ListClusters', 'ecs:ListServices', 'ecs:ListTasks'], ['*'], why);
  add('RoleUsers', ['ecs:DescribeServices'], [`arn:${p}:ecs:${r}:${a}:service/*/*`], why);
  add('RoleUsers', ['ecs:DescribeTasks'], [`arn:${p}:ecs:${r}:${a}:task/*/*`], why);
  add(
    'DenyOnTaskRole',
    ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
    [role],
    'put the Deny on the task role as an inline policy (ecs-chaos-deny-*) and remove it; IAM cannot scope these to a policy name',
  );
  add(
    'DenyMarkerOnTaskRole',
    ['iam:TagRole', 'iam:UntagRole'],
    [role],
    'the recovery marker on the task role (ecs-chaos:deny:<experiment id>)',
    { 'ForAllValues:StringLike': { 'aws:TagKeys': 'ecs-chaos:deny:*' } },
  );
  const managed = "the managed form, used only when the role's inline policies leave no room for the Deny";
  add(
    'DenyManagedPolicy',
    ['iam:CreatePolicy', 'iam:DeletePolicy'],
    [policies],
    'the Deny as a customer managed policy named ecs-chaos-deny-*',
    undefined,
    managed,
  );
  add(
    'DenyManagedAttach',
    ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    [role],
    'attach and detach that managed policy on the task role, and no other',
    { ArnLike: { 'iam:PolicyARN': policies } },
    managed,
  );
}
