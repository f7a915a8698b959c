/**
 * Preflight's IAM check of the runner's own permissions (by simulation). The chaos role's checks are
 * the fault's (faults/update-task-role/check-role.ts).
 */
import type { DeploymentConfiguration, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import {
  policySourceArn,
  requiredPermissions,
  type RequiredPermission,
  type RunnerPolicyScope,
} from '../iam/runner-policy.js';
import {
  SIMULATION_BLIND_SPOTS,
  simulationRequests,
  type SimulatedTag,
  type SimulationFacts,
} from '../iam/simulation-context.js';
import { LEASE_PREFIX, leaseKey } from './lease.js';
import { chaosRevisionMarkers, MARKER_KEYS, serviceMarkers } from './markers.js';
import type { CheckStatus, PreflightCheck, PreflightDeps } from './preflight.js';
import { reservedTag } from './preflight-shape.js';
import { siblingMarkers } from './sibling.js';
import { awsErrorName, settle, unsettle, type Settled } from './settled.js';
/** What the run will write and where, for the condition keys of the simulated calls. */
export interface RunnerCallFacts {
  readonly clusterArn?: string;
  readonly serviceArn: string;
  readonly serviceTags: readonly Tag[];
  readonly original: TaskDefinition;
  readonly originalTags: readonly Tag[];
  readonly originalDeployment: DeploymentConfiguration | undefined;
  readonly fault: string;
}

/**
 * Checks every permission the run needs with iam:SimulatePrincipalPolicy on the caller's own
 * principal (a session's role by its full ARN, path included), with the condition keys AWS supplies
 * for each call. A caller that may not simulate gets a warning naming the cause, and goes on: the
 * check is advice, and an AccessDenied on the first change still ends the run with nothing changed.
 */
export async function checkRunnerPermissions(
  scope: RunnerPolicyScope,
  facts: RunnerCallFacts,
  deps: PreflightDeps & { callerCall: Settled<GetCallerIdentityCommandOutput> },
  record: (name: string, status: CheckStatus, detail: string) => PreflightCheck,
  fail: (name: string, detail: string) => never,
): Promise<void> {
  const name = 'runner permissions';
  const call = deps.signal ? { abortSignal: deps.signal } : {};
  let caller: string | undefined;
  try {
    caller = (await unsettle(deps.callerCall)).Arn;
  } catch (error) {
    record(name, 'warn', `GetCallerIdentity failed (${awsErrorName(error)}): permissions not checked`);
    return;
  }
  if (!caller) return;
  const source = await resolvePolicySource(caller, deps, call);
  if (source.warning) record('runner principal', 'warn', source.warning);
  const principal = source.arn;
  const permissions = requiredPermissions({ ...scope, runnerArn: principal });
  const requests = simulationRequests(permissions, simulationFacts(facts));
  // Every simulation at once: the check costs one round trip.
  const outcomes = await Promise.all(
    requests.map((request) =>
      settle(
        deps.iam.simulatePrincipalPolicy(
          {
            PolicySourceArn: principal,
            ActionNames: [...new Set(request.permissions.map((p) => p.action))],
            ResourceArns: [request.resource],
            ...(request.context.length > 0 ? { ContextEntries: request.context.map((e) => ({ ...e })) } : {}),
          },
          call,
        ),
      ).then((outcome) => ({ request, outcome })),
    ),
  );
  const failed = outcomes.find((o) => !o.outcome.ok);
  if (failed && !failed.outcome.ok) {
    record(
      name,
      'warn',
      `cannot simulate ${principal}'s permissions (${simulationFailure(failed.outcome.error, principal)}); going on unchecked`,
    );
    return;
  }
  const missing: string[] = [];
  const unknown: string[] = [];
  const optionalMissing: RequiredPermission[] = [];
  /** What IAM reported of the Organizations (SCP) and permissions boundary decisions: the calls each denied. */
  const details = { org: undefined as string[] | undefined, boundary: undefined as string[] | undefined };
  for (const { request, outcome } of outcomes) {
    if (!outcome.ok) continue;
    for (const r of outcome.value.EvaluationResults ?? []) {
      const permission = request.permissions.find((p) => p.action === r.EvalActionName);
      const where = `${r.EvalActionName} on ${request.resource}${request.what ? ` (${request.what})` : ''}`;
      const specific = r.ResourceSpecificResults ?? [];
      const org = r.OrganizationsDecisionDetail?.AllowedByOrganizations;
      // With ResourceArns given, IAM reports the missing keys and the boundary per resource.
      const boundaries = [
        r.PermissionsBoundaryDecisionDetail,
        ...specific.map((x) => x.PermissionsBoundaryDecisionDetail),
      ]
        .map((d) => d?.AllowedByPermissionsBoundary)
        .filter((x): x is boolean => x !== undefined);
      const boundary = boundaries.length === 0 ? undefined : boundaries.every(Boolean);
      if (org !== undefined) (details.org ??= []).push(...(org ? [] : [where]));
      if (boundary !== undefined) (details.boundary ??= []).push(...(boundary ? [] : [where]));
      if (r.EvalDecision === 'allowed') continue;
      const keys = [
        ...new Set([...(r.MissingContextValues ?? []), ...specific.flatMap((x) => x.MissingContextValues ?? [])]),
      ];
      // A condition on a key the simulation was not given is undecided, not denied.
      if (r.EvalDecision === 'implicitDeny' && keys.length > 0) {
        unknown.push(`${where}: depends on ${keys.join(', ')}`);
        continue;
      }
      if (permission?.optional) {
        if (!optionalMissing.includes(permission)) optionalMissing.push(permission);
        continue;
      }
      const why = [
        r.EvalDecision,
        org === false ? 'denied by an SCP' : undefined,
        boundary === false ? 'denied by the permissions boundary' : undefined,
      ].filter((x): x is string => x !== undefined);
      missing.push(`${where} (${why.join(', ')})`);
    }
  }
  const said = [
    details.org &&
      `Organizations (SCPs): ${details.org.length === 0 ? 'allow every call' : `deny ${details.org.join('; ')}`}`,
    details.boundary &&
      `permissions boundary: ${details.boundary.length === 0 ? 'allows every call' : `denies ${details.boundary.join('; ')}`}`,
  ].filter((x): x is string => typeof x === 'string');
  if (said.length > 0) {
    const denied = (details.org?.length ?? 0) + (details.boundary?.length ?? 0) > 0;
    record('runner decision details', denied ? 'warn' : 'pass', `as IAM reports them: ${said.join('; ')}`);
  }
  if (missing.length > 0) {
    fail(
      name,
      `${principal} may not: ${missing.join('; ')}. Fix: grant them ('ecs-chaos policy --cluster ${scope.cluster ?? 'C'} --service ${scope.service ?? 'S'} --task-role ...' prints the whole least-privilege policy)`,
    );
  }
  if (unknown.length > 0) {
    record(
      'runner permissions unknown',
      'warn',
      `IAM could not decide ${unknown.length} call(s) without context keys it was not given: ${unknown.join('; ')}. Going on: if AWS refuses one, the run stops and restores what it changed`,
    );
  }
  if (optionalMissing.length > 0) {
    record(
      'optional permissions',
      'warn',
      `${principal} may not ${[...new Set(optionalMissing.map((p) => p.action))].join(', ')}: going on without ${[...new Set(optionalMissing.map((p) => p.optional))].join(', ')}`,
    );
  }
  record(
    name,
    'pass',
    `${permissions.length - optionalMissing.length} permissions of ${principal} checked by simulation, with the condition keys of each call (${SIMULATION_BLIND_SPOTS})`,
  );
}

/**
 * The IAM principal to simulate: a user as is; an assumed-role session's role by its full ARN,
 * read with iam:GetRole, as the session ARN lacks the role's path (IAM Identity Center roles live
 * under /aws-reserved/sso.amazonaws.com/). Without GetRole, a guess and a warning.
 */
export async function resolvePolicySource(
  callerArn: string,
  deps: Pick<PreflightDeps, 'iam'>,
  call: { abortSignal?: AbortSignal },
): Promise<{ arn: string; warning?: string }> {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (!match) return { arn: callerArn };
  const [, partition, account, roleName] = match as unknown as [string, string, string, string];
  try {
    const role = await deps.iam.getRole({ RoleName: roleName }, call);
    if (role.Role?.Arn) return { arn: role.Role.Arn };
  } catch (error) {
    if (awsErrorName(error) === 'AbortError') throw error;
    const sso = roleName.startsWith('AWSReservedSSO_');
    const guess = `arn:${partition}:iam::${account}:role/${sso ? 'aws-reserved/sso.amazonaws.com/' : ''}${roleName}`;
    return {
      arn: guess,
      warning: `cannot read the runner's role ${roleName} (${awsErrorName(error)}) to learn its path: simulating ${guess}${sso ? ' (the usual path of an IAM Identity Center role; some carry a region too)' : ''}. Fix: allow iam:GetRole on the runner's own role`,
    };
  }
  return { arn: policySourceArn(callerArn) };
}

/** Why a SimulatePrincipalPolicy call failed, in words: the real cause, not a guess. */
export function simulationFailure(error: unknown, principal: string): string {
  const name = awsErrorName(error);
  const message = ((error as Error).message ?? '').replace(/[.\s]+$/, '');
  if (/AccessDenied/.test(name)) return `${name}: the runner may not call iam:SimulatePrincipalPolicy on ${principal}`;
  if (/NoSuchEntity/.test(name))
    return `${name}: IAM has no principal ${principal} (a role's path, or a principal IAM cannot simulate such as a federated user)`;
  if (/Throttl|RequestLimitExceeded|TooManyRequests/.test(name))
    return `${name}: IAM throttled the simulation after the SDK's retries; try again later`;
  if (/InvalidInput|ValidationError|MalformedPolicy/.test(name))
    return `${name}: IAM refused the simulation's input (${message}); please report it`;
  return `${name}: ${message}`;
}

/** The tags the run will write, with representative values where they are known only at run time. */
function simulationFacts(facts: RunnerCallFacts): SimulationFacts {
  const tag = (t: Tag): SimulatedTag => ({ key: t.key ?? '', value: t.value ?? '' });
  const experimentId = 'ecs-chaos-00000000t000000z-preflight';
  const family = facts.original.family ?? '';
  const originalArn = facts.original.taskDefinitionArn ?? '';
  const chaosArn = originalArn.replace(/:\d+$/, `:${(facts.original.revision ?? 0) + 1}`);
  const kept = facts.originalTags.filter(
    (t) => !MARKER_KEYS.includes(t.key ?? '') && !(t.key ?? '').startsWith(LEASE_PREFIX) && !reservedTag(t.key),
  );
  const markers = chaosRevisionMarkers({
    experimentId,
    fault: facts.fault,
    originalTaskDefinitionArn: originalArn,
    originalDeployment: facts.originalDeployment,
    serviceArn: facts.serviceArn,
    startedAt: new Date(0),
    iteration: 1,
  });
  return {
    ...(facts.clusterArn ? { clusterArn: facts.clusterArn } : {}),
    serviceTags: facts.serviceTags.map(tag),
    ...(family && originalArn ? { chaosTaskDefinitionArn: chaosArn } : {}),
    revisionTags: [...kept, ...markers].map(tag),
    serviceMarkers: serviceMarkers({
      experimentId,
      originalTaskDefinitionArn: originalArn,
      originalDeployment: facts.originalDeployment,
      chaosTaskDefinitionArn: chaosArn,
    }).map(tag),
    lease: [{ key: leaseKey(experimentId), value: 'preflight' }],
    siblingTags: siblingMarkers({
      experimentId,
      serviceArn: facts.serviceArn,
      originalTaskDefinitionArn: originalArn,
      iteration: 1,
    }).map(tag),
  };
}
