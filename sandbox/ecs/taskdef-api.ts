/** The task definition operations of the sandbox's ECS: register, describe, deregister, list. */
import { AwsError } from '../core/errors.js';
import type { JsonHandler, RequestContext } from '../core/service.js';
import { page, str, strings, type Input } from './input.js';
import { checkTags, invalid } from './present.js';
import type { EcsRegion } from './store.js';
import { buildTaskDefinition } from './taskdef.js';

/** Wraps a handler so it reads an up-to-date world in the caller's region. */
export type WithRegion = (fn: (input: Input, ctx: RequestContext, region: EcsRegion) => unknown) => JsonHandler;

/** RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies. */
export function taskDefinitionHandlers(withRegion: WithRegion): Record<string, JsonHandler> {
  return {
    RegisterTaskDefinition: withRegion((input, ctx, region) => {
      const family = str(input, 'family', true)!;
      const tags = checkTags(input.tags);
      const revision = region.nextRevision(family);
      const arn = region.arn(`task-definition/${family}:${revision}`);
      const def = buildTaskDefinition(input, {
        arn,
        revision,
        registeredBy: ctx.principal?.arn ?? 'anonymous',
        now: ctx.now,
      });
      region.addTaskDefinition({ arn, family, revision, def, tags });
      return { taskDefinition: def, tags };
    }),

    DescribeTaskDefinition: withRegion((input, _ctx, region) => {
      const ref = str(input, 'taskDefinition', true)!;
      const record = region.findTaskDefinition(ref);
      if (!record) throw new AwsError('ClientException', 'Unable to describe task definition.');
      const withTags = strings(input, 'include').includes('TAGS');
      return { taskDefinition: record.def, tags: withTags ? record.tags : undefined };
    }),

    DeregisterTaskDefinition: withRegion((input, ctx, region) => {
      const ref = str(input, 'taskDefinition', true)!;
      const bare = ref.startsWith('arn:') ? (ref.split('/').pop() ?? '') : ref;
      if (!bare.includes(':')) {
        throw invalid('A task definition revision must be specified: use family:revision or the full ARN.');
      }
      const record = region.findTaskDefinition(ref);
      if (!record) throw new AwsError('ClientException', 'The specified task definition does not exist.');
      if (record.def.status === 'ACTIVE') {
        record.def.status = 'INACTIVE';
        record.def.deregisteredAt = ctx.now;
      }
      return { taskDefinition: record.def };
    }),

    ListTaskDefinitions: withRegion((input, _ctx, region) => {
      const family = str(input, 'familyPrefix');
      const status = str(input, 'status') ?? 'ACTIVE';
      const sort = str(input, 'sort') ?? 'ASC';
      let records = family ? (region.families.get(family) ?? []) : [...region.families.values()].flat();
      records = records.filter((r) => r.def.status === status);
      records.sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
      if (sort === 'DESC') records.reverse();
      const { items, nextToken } = page(
        records.map((r) => r.arn),
        input,
      );
      return { taskDefinitionArns: items, nextToken };
    }),

    ListTaskDefinitionFamilies: withRegion((input, _ctx, region) => {
      const prefix = str(input, 'familyPrefix') ?? '';
      const status = str(input, 'status') ?? 'ACTIVE';
      const families = [...region.families.entries()]
        .filter(
          ([name, list]) => name.startsWith(prefix) && (status === 'ALL' || list.some((r) => r.def.status === status)),
        )
        .map(([name]) => name)
        .sort();
      const { items, nextToken } = page(families, input);
      return { families: items, nextToken };
    }),
  };
}

/**
 * A test hook (`POST /_sandbox/services/members`): adds members to a service, as ECS would answer
 * DescribeServices after adding a field an older SDK does not know. Returns the members it now has.
 */
export function addServiceMembers(
  region: EcsRegion,
  cluster: string,
  service: string,
  members: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const found = region.service(region.cluster(cluster), service, true);
  Object.assign(found.extra, members);
  return found.extra;
}

/**
 * A test hook (`POST /_sandbox/task-definitions/members`): adds members to a registered task
 * definition, or to its first container definition, as ECS would answer after adding a field an
 * older SDK does not know. DescribeTaskDefinition returns them as given. Returns the new answer.
 */
export function addTaskDefinitionMembers(
  region: EcsRegion,
  ref: string,
  members: Readonly<Record<string, unknown>>,
  containerMembers: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const record = region.findTaskDefinition(ref);
  if (!record) throw new AwsError('ClientException', `no task definition '${ref}'`, 404);
  Object.assign(record.def, members);
  const containers = record.def.containerDefinitions as Record<string, unknown>[] | undefined;
  if (Object.keys(containerMembers).length > 0) {
    if (!containers?.[0]) throw new AwsError('ClientException', `task definition '${ref}' has no container`, 400);
    Object.assign(containers[0], containerMembers);
  }
  return record.def;
}
