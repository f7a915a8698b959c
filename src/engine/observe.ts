/** Reading the service's tasks and counting them per revision and state. */
import type { Task } from '@aws-sdk/client-ecs';
import { shortRevision } from '../aws/arn.js';
import type { CallOptions, EcsPort } from '../aws/ports.js';

export { shortRevision };

/** Tasks of a service that ECS still lists as wanted (desiredStatus RUNNING). */
export async function serviceTasks(
  ecs: EcsPort,
  cluster: string,
  service: string,
  options: CallOptions = {},
): Promise<Task[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.listTasks({ cluster, serviceName: service, nextToken }, options);
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const out = await ecs.describeTasks({ cluster, tasks: arns.slice(i, i + 100) }, options);
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

/** Counts per task definition ARN and last status. */
export type TaskCounts = Record<string, Record<string, number>>;

export function countTasks(tasks: readonly Task[]): TaskCounts {
  const counts: TaskCounts = {};
  for (const t of tasks) {
    const td = t.taskDefinitionArn ?? 'unknown';
    const status = t.lastStatus ?? 'UNKNOWN';
    counts[td] ??= {};
    counts[td][status] = (counts[td][status] ?? 0) + 1;
  }
  return counts;
}

/** One line: `orders:1 4 RUNNING; orders:2 2 PENDING`. */
export function describeCounts(counts: TaskCounts, labels: Readonly<Record<string, string>> = {}): string {
  const parts = Object.entries(counts).map(([td, byStatus]) => {
    const states = Object.entries(byStatus)
      .map(([status, n]) => `${n} ${status}`)
      .join(', ');
    const label = labels[td] ? ` (${labels[td]})` : '';
    return `${shortRevision(td)}${label}: ${states}`;
  });
  return parts.length > 0 ? parts.join('; ') : 'no tasks';
}
