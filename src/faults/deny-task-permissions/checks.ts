/**
 * deny-task-permissions' preflight: the service's revision has a task role; every denied action is
 * an IAM action (unknown ones named, with the nearest known one); the role carries no leftover of an
 * earlier run; the Deny fits (inline, or managed when the inline quota is full) and so do its tag;
 * and nobody else uses the role, unless ALLOW_SHARED_ROLE.
 */
import { parseRoleArn } from '../../aws/arn.js';
import { awsErrorName } from '../../aws/settled.js';
import type { ExperimentSpec } from '../../config/spec.js';
import { editDistance } from '../../config/shared.js';
import { loadActionCatalog, type ActionCatalog } from '../../iam/catalog.js';
import type { FaultCheckContext } from '../types.js';
import {
  DENY_POLICY_PREFIX,
  DENY_TAG_PREFIX,
  denyDocumentSize,
  ROLE_INLINE_QUOTA,
  ROLE_MANAGED_QUOTA,
  ROLE_TAG_QUOTA,
  type DenyForm,
} from './policy.js';
import { inlineSize, type RoleState } from './role-state.js';
import { describeUser, trustedPrincipals, type RoleUser } from './users.js';

/** The denied actions and resources of a spec. */
export function denied(spec: ExperimentSpec): { actions: readonly string[]; resources: readonly string[] } {
  return { actions: spec.faultParams?.denyActions ?? ['*'], resources: spec.faultParams?.denyResources ?? ['*'] };
}

/** The nearest of `known` to `word`, when it is near enough to be a likely typo. */
function nearest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let distance = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < distance) [best, distance] = [k, d];
  }
  return best !== undefined && distance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Why an action (or pattern) names nothing in the catalog, with a suggestion; undefined when it is fine. */
export function unknownAction(catalog: ActionCatalog, action: string): string | undefined {
  if (action === '*') return undefined;
  const [service = '', name = ''] = action.split(':');
  if (service !== '*' && !catalog.services.includes(service.toLowerCase())) {
    const near = nearest(service, catalog.services);
    return `${action}: '${service}' is not a service prefix IAM knows${near ? `; did you mean '${near}:${name}'?` : ''}`;
  }
  if (catalog.expandActions(action).length > 0) return undefined;
  const near = service === '*' ? undefined : nearest(action, catalog.expandActions(`${service}:*`));
  return `${action}: no ${service} action ${/[*?]/.test(name) ? 'matches this pattern' : 'has this name'}${near ? `; did you mean '${near}'?` : ''}`;
}

/** Checks every denied action against the action catalog; fails naming the unknown ones. */
export async function checkActions(ctx: FaultCheckContext): Promise<void> {
  const name = 'denied actions are IAM actions';
  const { actions } = denied(ctx.spec);
  if (ctx.spec.faultParams?.denyAll) {
    ctx.record(name, 'pass', 'DENY_ALL: every action (*)');
    return;
  }
  let catalog: ActionCatalog;
  try {
    catalog = await loadActionCatalog();
  } catch (error) {
    ctx.record(name, 'warn', `the action catalog could not be read (${(error as Error).message}): not checked`);
    return;
  }
  const problems = actions.map((a) => unknownAction(catalog, a)).filter((p): p is string => p !== undefined);
  if (problems.length > 0)
    ctx.fail(
      name,
      `DENY_ACTIONS names what IAM does not know: ${problems.join('; ')}. Fix: correct --actions / DENY_ACTIONS (service:Action, wildcards * and ?)`,
    );
  const expanded = actions.reduce((n, a) => n + catalog.expandActions(a).length, 0);
  ctx.record(name, 'pass', `${actions.join(', ')} (${expanded} action(s) in the catalog)`);
}

/** The role the fault acts on: the service revision's task role (fails when it has none). */
export function targetRole(ctx: FaultCheckContext): { arn: string; name: string } {
  const check = 'the service has a task role';
  const arn = ctx.original.taskRoleArn;
  if (!arn)
    ctx.fail(
      check,
      `${ctx.original.taskDefinitionArn} has no task role: its tasks call AWS with no credentials of their own (or the instance's, on EC2), and there is no role to put a Deny on. Fix: choose a service whose task definition names a taskRoleArn`,
    );
  const parsed = parseRoleArn(arn);
  if (!parsed.ok) ctx.fail(check, `the task role ${arn} is not a role ARN: ${parsed.reason}`);
  ctx.record(check, 'pass', arn);
  return { arn, name: parsed.arn.roleName };
}

/** The form the Deny takes on this role, or why it cannot be put at all. */
export function chooseForm(
  state: RoleState,
  spec: ExperimentSpec,
): { ok: true; form: DenyForm; detail: string } | { ok: false; detail: string } {
  const { actions, resources } = denied(spec);
  const size = denyDocumentSize(actions, resources);
  const used = inlineSize(state);
  if (used + size <= ROLE_INLINE_QUOTA)
    return {
      ok: true,
      form: 'inline',
      detail: `an inline policy of ${size} characters (the role's inline policies use ${used} of ${ROLE_INLINE_QUOTA})`,
    };
  if (state.managed.length < ROLE_MANAGED_QUOTA)
    return {
      ok: true,
      form: 'managed',
      detail: `a customer managed policy of ${size} characters, attached to the role: its inline policies use ${used} of ${ROLE_INLINE_QUOTA} characters and the Deny needs ${size} more (the role has ${state.managed.length} of ${ROLE_MANAGED_QUOTA} managed policies)`,
    };
  return {
    ok: false,
    detail: `the Deny (${size} characters) fits neither inline (the role's inline policies use ${used} of ${ROLE_INLINE_QUOTA}) nor as a managed policy (the role has ${state.managed.length} of ${ROLE_MANAGED_QUOTA} attached). Fix: deny fewer actions or resources, or free a managed policy slot`,
  };
}

/** The role's checks: readable, no leftover, the Deny and its tag fit. */
export function checkRole(ctx: FaultCheckContext, state: RoleState | { error: unknown }): RoleState {
  if ('error' in state)
    ctx.fail(
      'task role readable',
      `the task role could not be read (${awsErrorName(state.error)}: ${(state.error as Error).message}). Fix: allow iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy, iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion on it ('ecs-chaos policy --fault deny-task-permissions')`,
    );
  ctx.record(
    'task role readable',
    'pass',
    `${Object.keys(state.inline).length} inline and ${state.managed.length} managed policies, ${Object.keys(state.tags).length} tags`,
  );
  const leftovers = [
    ...Object.keys(state.inline).filter((n) => n.startsWith(DENY_POLICY_PREFIX)),
    ...state.managed.filter((arn) => arn.includes(`:policy/${DENY_POLICY_PREFIX}`)),
    ...Object.keys(state.tags).filter((k) => k.startsWith(DENY_TAG_PREFIX)),
  ];
  if (leftovers.length > 0)
    ctx.fail(
      'no earlier Deny on the role',
      `the role carries ${leftovers.join(', ')}, left by an earlier experiment (or one running now on another service). Fix: 'ecs-chaos status' shows it; 'ecs-chaos recover' removes it`,
    );
  ctx.record('no earlier Deny on the role', 'pass', `no ${DENY_POLICY_PREFIX}* policy or ${DENY_TAG_PREFIX}* tag`);
  const form = chooseForm(state, ctx.spec);
  if (!form.ok) ctx.fail('the Deny fits the role', form.detail);
  ctx.record('the Deny fits the role', form.form === 'inline' ? 'pass' : 'warn', form.detail);
  const tags = Object.keys(state.tags).length;
  if (tags >= ROLE_TAG_QUOTA)
    ctx.fail(
      'room for the recovery tag',
      `the role has ${tags} tags, IAM's limit of ${ROLE_TAG_QUOTA}: the recovery marker cannot be written. Fix: remove a tag from the role`,
    );
  ctx.record('room for the recovery tag', 'pass', `${tags} of ${ROLE_TAG_QUOTA} tags`);
  return state;
}

/** Everyone else the Deny reaches; fails unless ALLOW_SHARED_ROLE, and lists them either way. */
export function checkSharing(
  ctx: FaultCheckContext,
  state: RoleState,
  ecsUsers: readonly RoleUser[] | { error: unknown },
): string[] {
  const name = 'nobody else uses the task role';
  if ('error' in ecsUsers) {
    ctx.record(
      name,
      'warn',
      `the region's services and tasks could not be read (${awsErrorName(ecsUsers.error)}): other users of the role not checked`,
    );
  }
  const users = [...('error' in ecsUsers ? [] : ecsUsers), ...trustedPrincipals(state.trustPolicyText)];
  const list = users.map(describeUser);
  if (list.length === 0) {
    if (!('error' in ecsUsers)) ctx.record(name, 'pass', `only ${ctx.spec.cluster}/${ctx.spec.service} runs with it`);
    return [];
  }
  const detail = `the Deny reaches everything that uses ${state.roleName}: service ${ctx.spec.cluster}/${ctx.spec.service} (the target); ${list.join('; ')}`;
  if (!ctx.spec.faultParams?.allowSharedRole)
    ctx.fail(
      name,
      `${detail}. Fix: pass --allow-shared-role (ALLOW_SHARED_ROLE=true) to deny them too, or give the service a role of its own`,
    );
  ctx.record(name, 'warn', `${detail} (--allow-shared-role)`);
  return list;
}
