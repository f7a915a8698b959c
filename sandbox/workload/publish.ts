/**
 * The workload publishes its counts to the sandbox's CloudWatch, as an application would with
 * PutMetricData: namespace `ECSChaos/Workload`, dimensions ClusterName and ServiceName, metrics
 * `Requests`, `Errors` and `AccessDeniedErrors` (Count), one datapoint per second of the clock.
 */
import type { CloudWatchStore } from '../cloudwatch/store.js';
import type { WorkloadStore } from './store.js';

/** The namespace of the workload's metrics. */
export const WORKLOAD_NAMESPACE = 'ECSChaos/Workload';

const PERIOD_MS = 1000;

/** Publishes the workload's counters into CloudWatch as they grow. */
export class WorkloadPublisher {
  readonly #workload: WorkloadStore;
  readonly #cloudwatch: CloudWatchStore;
  readonly #defaultRegion: string;
  /** The totals already published, per service. */
  readonly #published = new Map<string, { requests: number; errors: number; denied: number }>();
  #nextAt = 0;

  constructor(options: { workload: WorkloadStore; cloudwatch: CloudWatchStore; region: string }) {
    this.#workload = options.workload;
    this.#cloudwatch = options.cloudwatch;
    this.#defaultRegion = options.region;
  }

  /** Publishes what was counted since the last period, at most once per second of the clock. */
  tick(nowMs: number): void {
    if (nowMs < this.#nextAt) return;
    this.#nextAt = nowMs + PERIOD_MS;
    for (const spec of this.#workload.specs()) {
      const counters = this.#workload.counters(spec.cluster, spec.service);
      if (!counters) continue;
      const key = `${spec.cluster}/${spec.service}`;
      const denied = Object.values(counters.errors).reduce(
        (n, byCode) =>
          n +
          Object.entries(byCode)
            .filter(([code]) => /AccessDenied/.test(code))
            .reduce((m, [, c]) => m + c, 0),
        0,
      );
      const before = this.#published.get(key) ?? { requests: 0, errors: 0, denied: 0 };
      const now = { requests: counters.requestsTotal, errors: counters.errorsTotal, denied };
      this.#published.set(key, now);
      const dimensions = [
        { Name: 'ClusterName', Value: spec.cluster },
        { Name: 'ServiceName', Value: spec.service },
      ];
      const region = spec.region ?? this.#defaultRegion;
      const put = (name: string, value: number): void =>
        this.#cloudwatch.put(region, WORKLOAD_NAMESPACE, name, dimensions, {
          time: nowMs,
          sum: value,
          count: 1,
          min: value,
          max: value,
          unit: 'Count',
        });
      put('Requests', now.requests - before.requests);
      put('Errors', now.errors - before.errors);
      put('AccessDeniedErrors', now.denied - before.denied);
    }
  }
}
