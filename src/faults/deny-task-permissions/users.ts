/**
 * Who else a Deny on the task role reaches: every service (any deployment's revision) and
 * standalone task of the region whose task role is this role, and every principal other than ECS
 * tasks the role's trust policy lets assume it (EC2, Lambda, another account...).
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { CallOptions, EcsPort } from '../../aws/ports.js';

/** One other user of the role. */
export interface RoleUser {
  /** `service`, `task` (standalone, RunTask) or `principal` (from the trust policy). */
  readonly kind: 'service' | 'task' | 'principal';
  /** `cluster/service`, `cluster/task-id`, or the principal as the trust policy names it. */
  readonly name: string;
}

/** Pages through a list call. */
async function all<T>(page: (token: string | undefined) => Promise<{ items?: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...(p.items ?? []));
    token = p.next;
  } while (token);
  return out;
}

const lastPart = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);
const clusterName = (arn: string): string => arn.slice(arn.indexOf(':cluster/') + ':cluster/'.length);

/**
 * The services and standalone tasks of the region, other than `self` (`cluster/service`), that run
 * with `roleArn` as task role (a task's override included).
 */
export async function ecsUsersOfRole(
  ecs: EcsPort,
  roleArn: string,
  self: { readonly cluster: string; readonly service: string },
  options: CallOptions = {},
): Promise<RoleUser[]> {
  const definitions = new Map<string, Promise<TaskDefinition | undefined>>();
  const roleOf = (arn: string): Promise<string | undefined> => {
    let d = definitions.get(arn);
    if (!d) {
      d = ecs
        .describeTaskDefinition({ taskDefinition: arn }, options)
        .then((o) => o.taskDefinition)
        .catch(() => undefined);
      definitions.set(arn, d);
    }
    return d.then((t) => t?.taskRoleArn);
  };
  const users: RoleUser[] = [];
  const clusters = await all((nextToken) =>
    ecs.listClusters({ nextToken }, options).then((o) => ({ items: o.clusterArns, next: o.nextToken })),
  );
  for (const clusterArn of clusters) {
    const cluster = clusterName(clusterArn);
    const serviceArns = await all((nextToken) =>
      ecs
        .listServices({ cluster: clusterArn, nextToken, maxResults: 100 }, options)
        .then((o) => ({ items: o.serviceArns, next: o.nextToken })),
    );
    for (let i = 0; i < serviceArns.length; i += 10) {
      const out = await ecs.describeServices({ cluster: clusterArn, services: serviceArns.slice(i, i + 10) }, options);
      for (const svc of out.services ?? []) {
        if (svc.status === 'INACTIVE') continue;
        if (cluster === self.cluster && svc.serviceName === self.service) continue;
        const revisions = new Set([svc.taskDefinition, ...(svc.deployments ?? []).map((d) => d.taskDefinition)]);
        const roles = await Promise.all([...revisions].filter((r): r is string => !!r).map(roleOf));
        if (roles.includes(roleArn)) users.push({ kind: 'service', name: `${cluster}/${svc.serviceName}` });
      }
    }
    const taskArns = await all((nextToken) =>
      ecs
        .listTasks({ cluster: clusterArn, nextToken, maxResults: 100 }, options)
        .then((o) => ({ items: o.taskArns, next: o.nextToken })),
    );
    for (let i = 0; i < taskArns.length; i += 100) {
      const out = await ecs.describeTasks({ cluster: clusterArn, tasks: taskArns.slice(i, i + 100) }, options);
      for (const task of out.tasks ?? []) {
        // A service's tasks are its service's; a standalone task's group is `family:...`.
        if ((task.group ?? '').startsWith('service:') || task.lastStatus === 'STOPPED') continue;
        const role = task.overrides?.taskRoleArn ?? (await roleOf(task.taskDefinitionArn!));
        if (role === roleArn) users.push({ kind: 'task', name: `${cluster}/${lastPart(task.taskArn!)}` });
      }
    }
  }
  return users;
}

/** The principals other than ECS tasks that the role's trust policy allows to assume it. */
export function trustedPrincipals(trustPolicyText: string): RoleUser[] {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(trustPolicyText) as { Statement?: unknown };
  } catch {
    return [];
  }
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Array<
    Record<string, unknown> | undefined
  >;
  const users: RoleUser[] = [];
  for (const st of statements) {
    if (!st || st.Effect !== 'Allow') continue;
    const principal = st.Principal;
    if (principal === '*') {
      users.push({ kind: 'principal', name: '* (anyone the conditions allow)' });
      continue;
    }
    if (!principal || typeof principal !== 'object') continue;
    for (const [type, value] of Object.entries(principal as Record<string, unknown>)) {
      for (const name of Array.isArray(value) ? value : [value]) {
        if (typeof name !== 'string') continue;
        if (type === 'Service' && name === 'ecs-tasks.amazonaws.com') continue;
        users.push({ kind: 'principal', name: `${type}: ${name}` });
      }
    }
  }
  return users;
}

/** A user in a few words. */
export function describeUser(user: RoleUser): string {
  return user.kind === 'service'
    ? `service ${user.name}`
    : user.kind === 'task'
      ? `standalone task ${user.name}`
      : `principal ${user.name}`;
}
