/** The workload's counters in the Prometheus text format. */
import type { WorkloadCounters } from './store.js';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A service's counters as Prometheus text: requests and errors by action (and code), tasks running by task definition. */
export function prometheusText(service: string, counters: WorkloadCounters): string {
  const s = escapeLabel(service);
  const lines = [
    '# HELP ecs_chaos_app_requests_total AWS calls made by the simulated app.',
    '# TYPE ecs_chaos_app_requests_total counter',
    ...Object.entries(counters.requests).map(
      ([action, n]) => `ecs_chaos_app_requests_total{service="${s}",action="${escapeLabel(action)}"} ${n}`,
    ),
    '# HELP ecs_chaos_app_errors_total AWS calls of the simulated app that failed, by error code.',
    '# TYPE ecs_chaos_app_errors_total counter',
    ...Object.entries(counters.errors).flatMap(([action, byCode]) =>
      Object.entries(byCode).map(
        ([code, n]) =>
          `ecs_chaos_app_errors_total{service="${s}",action="${escapeLabel(action)}",code="${escapeLabel(code)}"} ${n}`,
      ),
    ),
    '# HELP ecs_chaos_app_tasks_running Tasks of the service running the app, by task definition.',
    '# TYPE ecs_chaos_app_tasks_running gauge',
    ...Object.entries(counters.tasksRunning).map(
      ([td, n]) => `ecs_chaos_app_tasks_running{service="${s}",task_definition="${escapeLabel(td)}"} ${n}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
