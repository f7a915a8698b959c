/**
 * The workload's HTTP endpoints on the sandbox server: `GET /_sandbox/workload/CLUSTER/SERVICE/health`
 * (200, or 503 naming the failing call), `GET /_sandbox/workload/CLUSTER/SERVICE/metrics`
 * (Prometheus text format) and `POST /_sandbox/workload/CLUSTER/SERVICE/crash` (the app's crash
 * policy as JSON, e.g. `{"afterAccessDenied":3}`; `null` for none).
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
  const crash: AdminRoute = (body, url) => {
    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent);
    const [cluster, service, what] = parts;
    if (parts.length !== 3 || !cluster || !service || what !== 'crash') {
      throw new AwsError('NotFound', 'use POST /_sandbox/workload/CLUSTER/SERVICE/crash', 404);
    }
    if (body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw new AwsError('InvalidRequest', 'the body is a crash policy object, or null for none', 400);
    }
    try {
      workload.setCrash(cluster, service, body ?? undefined);
    } catch (error) {
      const message = (error as Error).message;
      throw new AwsError(
        message.startsWith('no workload') ? 'NotFound' : 'InvalidRequest',
        message,
        message.startsWith('no workload') ? 404 : 400,
      );
    }
    return { cluster, service, crash: body ?? null };
  };
  return [
    ['GET /workload/**', route],
    ['POST /workload/**', crash],
  ];
}
