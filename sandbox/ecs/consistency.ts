/**
 * ECS's eventual consistency, as an opt-in mode of the sandbox. On AWS, "the results of an ECS API
 * call that changes a resource might not be immediately visible to all subsequent commands": a
 * DescribeServices right after an UpdateService can still show the old task definition, a
 * ListTaskDefinitions right after a RegisterTaskDefinition can miss the new revision. With this
 * mode, for `lagMs` after a write:
 *
 * - DescribeServices answers a service as it was just before the first UpdateService of the lag: its
 *   task definition, deployments, counts and configuration (its tags are current);
 * - ListTaskDefinitions leaves out the revisions registered less than `lagMs` ago;
 * - ListTasks leaves out the tasks created less than `lagMs` ago.
 *
 * The mutation's own answer is always current (UpdateService returns the new deployment), as on AWS.
 * The lag is wall-clock milliseconds, not scaled by the pace: the client's own waits (retry backoff,
 * polls) are wall-clock too, and a lag shrunk below them would hide nothing.
 */
import type { JsonHandler, RequestContext } from '../core/service.js';
import type { Input } from './input.js';

/** Options of the eventual-consistency mode. */
export interface ConsistencyOptions {
  /** How long reads may show the state before a write, in milliseconds. @default 1000 */
  readonly lagMs?: number;
}

export const DEFAULT_LAG_MS = 1_000;

interface Snapshot {
  readonly view: Record<string, unknown>;
  until: number;
}

const SERVICE_WRITES = ['UpdateService'] as const;

/** `arn:aws:ecs:r:a:service/cluster/name` (or the short `service/name`) names a service; anything else does not. */
function serviceRef(action: string, input: Input): { cluster?: string; service: string } | undefined {
  if (action === 'UpdateService') {
    const service = typeof input.service === 'string' ? input.service : undefined;
    if (!service) return undefined;
    return { ...(typeof input.cluster === 'string' && { cluster: input.cluster }), service };
  }
  const arn = typeof input.resourceArn === 'string' ? input.resourceArn : '';
  const path = arn.split(':')[5] ?? '';
  if (!path.startsWith('service/')) return undefined;
  const parts = path.split('/');
  return parts.length === 3 ? { cluster: parts[1]!, service: arn } : { service: arn };
}

/** Wraps the ECS handlers with stale reads for `lagMs` after each write. */
export function withStaleReads(
  handlers: Record<string, JsonHandler>,
  options: ConsistencyOptions = {},
): Record<string, JsonHandler> {
  const lagMs = options.lagMs ?? DEFAULT_LAG_MS;
  /** The view of a service before its first write of the lag, by service ARN. */
  const services = new Map<string, Snapshot>();
  /** When each task definition revision was registered, by ARN. */
  const registered = new Map<string, number>();

  const describe = handlers.DescribeServices!;
  const out: Record<string, JsonHandler> = { ...handlers };

  for (const action of SERVICE_WRITES) {
    const write = handlers[action]!;
    out[action] = (input, ctx) => {
      const ref = serviceRef(action, input);
      let before: Record<string, unknown> | undefined;
      if (ref) {
        try {
          const answer = describe(
            { ...(ref.cluster !== undefined && { cluster: ref.cluster }), services: [ref.service], include: ['TAGS'] },
            ctx,
          ) as { services?: Record<string, unknown>[] };
          before = answer.services?.[0];
        } catch {
          before = undefined;
        }
      }
      const answer = write(input, ctx);
      const arn = before?.serviceArn;
      if (before && typeof arn === 'string') {
        const now = ctx.now.getTime();
        const live = services.get(arn);
        if (live && live.until > now) live.until = now + lagMs;
        else services.set(arn, { view: before, until: now + lagMs });
      }
      return answer;
    };
  }

  out.DescribeServices = (input, ctx) => {
    const answer = describe(input, ctx) as { services?: Record<string, unknown>[]; failures?: unknown[] };
    const now = ctx.now.getTime();
    const withTags = Array.isArray(input.include) && input.include.includes('TAGS');
    return {
      ...answer,
      services: (answer.services ?? []).map((s) => {
        const stale = services.get(String(s.serviceArn));
        if (!stale || stale.until <= now) return s;
        const { tags: _then, ...rest } = stale.view;
        return withTags && s.tags !== undefined ? { ...rest, tags: s.tags } : rest;
      }),
    };
  };

  const register = handlers.RegisterTaskDefinition!;
  out.RegisterTaskDefinition = (input, ctx) => {
    const answer = register(input, ctx) as { taskDefinition?: { taskDefinitionArn?: string } };
    const arn = answer.taskDefinition?.taskDefinitionArn;
    if (arn) registered.set(arn, ctx.now.getTime());
    return answer;
  };

  const listDefinitions = handlers.ListTaskDefinitions!;
  out.ListTaskDefinitions = (input, ctx) => {
    const answer = listDefinitions(input, ctx) as { taskDefinitionArns?: string[]; nextToken?: string };
    const now = ctx.now.getTime();
    return {
      ...answer,
      taskDefinitionArns: (answer.taskDefinitionArns ?? []).filter((arn) => !recent(registered.get(arn), now)),
    };
  };

  const listTasks = handlers.ListTasks!;
  const describeTasks = handlers.DescribeTasks!;
  out.ListTasks = (input, ctx: RequestContext) => {
    const answer = listTasks(input, ctx) as { taskArns?: string[]; nextToken?: string };
    const arns = answer.taskArns ?? [];
    const now = ctx.now.getTime();
    const created = new Map<string, number>();
    for (let i = 0; i < arns.length; i += 100) {
      const described = describeTasks(
        { ...(input.cluster !== undefined && { cluster: input.cluster }), tasks: arns.slice(i, i + 100) },
        ctx,
      ) as { tasks?: { taskArn?: string; createdAt?: Date }[] };
      for (const t of described.tasks ?? [])
        if (t.taskArn && t.createdAt) created.set(t.taskArn, t.createdAt.getTime());
    }
    return { ...answer, taskArns: arns.filter((arn) => !recent(created.get(arn), now)) };
  };

  function recent(at: number | undefined, now: number): boolean {
    return at !== undefined && now - at < lagMs;
  }
  return out;
}
