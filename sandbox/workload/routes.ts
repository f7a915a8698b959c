/**
 * The workload's HTTP endpoints on the sandbox server: `GET /_sandbox/workload/CLUSTER/SERVICE/health`
 * (200, or 503 naming the failing call) and `GET /_sandbox/workload/CLUSTER/SERVICE/metrics`
 * (Prometheus text format).
 */
import { AwsError } from '../core/errors.js';
import { AdminReply, type AdminRoute } from '../core/server.js';
import type { WorkloadStore } from './store.js';

/** The admin routes of the workload; `catchUp` brings the world (and the apps) up to now first. */
export function workloadRoutes(workload: WorkloadStore, catchUp: () => void): Array<[string, AdminRoute]> {
  const route: AdminRoute = (_body, url) => {
    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent);
    const [cluster, service, what] = parts;
    if (parts.length !== 3 || !cluster || !service || (what !== 'health' && what !== 'metrics')) {
      throw new AwsError('NotFound', 'use /_sandbox/workload/CLUSTER/SERVICE/health or .../metrics', 404);
    }
    catchUp();
    if (what === 'metrics') {
      const text = workload.metrics(cluster, service);
      if (text === undefined) throw new AwsError('NotFound', `no workload for ${cluster}/${service}`, 404);
      return new AdminReply(200, text, 'text/plain; version=0.0.4; charset=utf-8');
    }
    const health = workload.health(cluster, service);
    if (!health) throw new AwsError('NotFound', `no workload for ${cluster}/${service}`, 404);
    return new AdminReply(
      health.healthy ? 200 : 503,
      // The reason first: it is what a probe's evidence should quote.
      JSON.stringify({
        status: health.healthy ? 'ok' : 'unhealthy',
        ...(health.reason ? { reason: health.reason } : {}),
        ...health,
      }),
    );
  };
  return [['GET /workload/**', route]];
}
