/**
 * What deny-task-permissions may leave when its runner dies (SIGKILL, a lost machine): a Deny policy
 * named `ecs-chaos-deny-...` on the service's task role (inline, or managed and attached) and the
 * role's `ecs-chaos:deny:<experiment id>` tag. `status` lists them, saying whether the Deny still
 * applies or has expired by its own `aws:CurrentTime` condition; `recover` removes them.
 */
import { parseRoleArn } from '../../aws/arn.js';
import { awsErrorName } from '../../aws/settled.js';
import { decodePolicyText } from '../../iam/role-permissions.js';
import type { FaultLeftover, FaultLeftovers, LeftoverContext } from '../types.js';
import { DENY_POLICY_PREFIX, DENY_TAG_PREFIX, denyEnd, experimentOf, parseDenyTag } from './policy.js';

function when(end: Date | undefined, now: Date): string {
  if (!end) return 'with no end time';
  const minutes = Math.round(Math.abs(now.getTime() - end.getTime()) / 60_000);
  const ago = minutes === 0 ? 'under a minute' : `${minutes} min`;
  return end <= now
    ? `expired ${ago} ago (${end.toISOString()}): it no longer denies anything`
    : `still DENYING until ${end.toISOString()} (${ago} from now)`;
}

async function pages<T>(read: (marker: string | undefined) => Promise<{ items?: T[]; marker?: string }>): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const page = await read(marker);
    out.push(...(page.items ?? []));
    marker = page.marker;
  } while (marker);
  return out;
}

const experiment = (name: string): { experimentId?: string } => {
  const id = experimentOf(name);
  return id ? { experimentId: id } : {};
};

export const denyLeftovers: FaultLeftovers = {
  async find(ctx: LeftoverContext): Promise<readonly FaultLeftover[]> {
    const roleArn = ctx.taskDefinition?.taskRoleArn;
    const parsed = roleArn ? parseRoleArn(roleArn) : undefined;
    if (!roleArn || !parsed?.ok) return [];
    const RoleName = parsed.arn.roleName;
    const call = ctx.signal ? { abortSignal: ctx.signal } : {};
    const found: FaultLeftover[] = [];
    const base = { fault: 'deny-task-permissions' as const, resource: roleArn };
    const inline = await pages((Marker) =>
      ctx.iam
        .listRolePolicies({ RoleName, Marker }, call)
        .then((o) => ({ items: o.PolicyNames, marker: o.IsTruncated ? o.Marker : undefined })),
    );
    for (const name of inline.filter((n) => n.startsWith(DENY_POLICY_PREFIX))) {
      const doc = await ctx.iam
        .getRolePolicy({ RoleName, PolicyName: name }, call)
        .then((o) => decodePolicyText(o.PolicyDocument))
        .catch(() => '');
      found.push({
        ...base,
        ...experiment(name),
        kind: 'deny-policy',
        ref: `inline ${name}`,
        detail: `inline policy ${name} on role ${RoleName}, ${when(denyEnd(doc), ctx.now)}`,
      });
    }
    const attached = await pages((Marker) =>
      ctx.iam
        .listAttachedRolePolicies({ RoleName, Marker }, call)
        .then((o) => ({ items: o.AttachedPolicies, marker: o.IsTruncated ? o.Marker : undefined })),
    );
    for (const a of attached.filter((p) => (p.PolicyName ?? '').startsWith(DENY_POLICY_PREFIX))) {
      found.push({
        ...base,
        ...experiment(a.PolicyName ?? ''),
        kind: 'deny-policy',
        ref: `managed ${a.PolicyArn}`,
        detail: `managed policy ${a.PolicyName} attached to role ${RoleName}`,
      });
    }
    const role = (await ctx.iam.getRole({ RoleName }, call)).Role;
    for (const tag of (role?.Tags ?? []).filter((t) => (t.Key ?? '').startsWith(DENY_TAG_PREFIX))) {
      const marker = parseDenyTag(tag.Value);
      const policyGone =
        marker && !inline.includes(marker.policyName) && !attached.some((p) => p.PolicyName === marker.policyName);
      // A managed policy detached but not deleted: the tag names it.
      if (marker?.form === 'managed' && policyGone) {
        const arn = `arn:${parsed.arn.partition}:iam::${parsed.arn.accountId}:policy/${marker.policyName}`;
        const exists = await ctx.iam.getPolicy({ PolicyArn: arn }, call).then(
          () => true,
          () => false,
        );
        if (exists)
          found.push({
            ...base,
            resource: arn,
            kind: 'deny-policy',
            ref: `orphan ${arn}`,
            detail: `managed policy ${marker.policyName}, no longer attached`,
          });
      }
      found.push({
        ...base,
        ...experiment(tag.Key ?? ''),
        kind: 'role-marker',
        ref: `tag ${tag.Key}`,
        detail: `tag ${tag.Key} on role ${RoleName}${marker ? ` (${marker.form} ${marker.policyName}, ${when(marker.end, ctx.now)})` : ''}`,
      });
    }
    return found;
  },

  async remove(leftover: FaultLeftover, ctx: LeftoverContext): Promise<string> {
    const call = ctx.signal ? { abortSignal: ctx.signal } : {};
    const roleName = leftover.resource.slice(leftover.resource.lastIndexOf('/') + 1);
    const [kind, ref = ''] = [
      leftover.ref.slice(0, leftover.ref.indexOf(' ')),
      leftover.ref.slice(leftover.ref.indexOf(' ') + 1),
    ];
    const tolerate = (error: unknown): void => {
      if (awsErrorName(error) !== 'NoSuchEntity') throw error;
    };
    switch (kind) {
      case 'inline':
        await ctx.iam.deleteRolePolicy({ RoleName: roleName, PolicyName: ref }, call).catch(tolerate);
        return `DeleteRolePolicy ${roleName}: ${ref}`;
      case 'managed':
        await ctx.iam.detachRolePolicy({ RoleName: roleName, PolicyArn: ref }, call).catch(tolerate);
        await ctx.iam.deletePolicy({ PolicyArn: ref }, call).catch(tolerate);
        return `DetachRolePolicy ${roleName}: ${ref}; DeletePolicy ${ref}`;
      case 'orphan':
        await ctx.iam.deletePolicy({ PolicyArn: ref }, call).catch(tolerate);
        return `DeletePolicy ${ref}`;
      case 'tag':
        await ctx.iam.untagRole({ RoleName: roleName, TagKeys: [ref] }, call).catch(tolerate);
        return `UntagRole ${roleName}: ${ref}`;
      default:
        throw new Error(`unknown leftover ${leftover.ref}`);
    }
  },
};
