/**
 * Read-your-writes over ECS's eventual consistency. "The results of an ECS API call that changes a
 * resource might not be immediately visible to all subsequent commands": a DescribeServices right
 * after an UpdateService can still show the service as it was. Such a read would make ecs-chaos
 * conclude that its swap did not take, or that someone else restored the service.
 *
 * The port remembers the primary deployment of each UpdateService / CreateService answer it passed
 * on (the mutation's own answer is current). A DescribeServices answer whose service lacks that
 * deployment and whose primary deployment is older than it predates the write: it is read again,
 * after growing waits, until it shows the write (or a newer change by someone else), at most
 * {@link REREAD_WAITS_MS} in all; the last answer is passed on whatever it shows.
 */
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import type { CallOptions, EcsPort } from './ports.js';

/** The waits before each re-read of a stale answer (about 6 s in all: ECS's lag is seconds). */
export const REREAD_WAITS_MS = [200, 400, 800, 1_600, 3_200] as const;

interface Known {
  readonly id: string;
  readonly createdAt: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function primary(service: Service | undefined): Deployment | undefined {
  return service?.deployments?.find((d) => d.status === 'PRIMARY');
}

/** An EcsPort whose DescribeServices never answers older than the writes made through it. */
export function readYourWrites(
  ecs: EcsPort,
  options: { readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
): EcsPort {
  const wait = options.sleep ?? sleep;
  const known = new Map<string, Known>();
  const remember = (service: Service | undefined): void => {
    const d = primary(service);
    if (!service?.serviceArn || !d?.id || !d.createdAt) return;
    known.set(service.serviceArn, { id: d.id, createdAt: d.createdAt.getTime() });
  };
  const stale = (service: Service): boolean => {
    const write = service.serviceArn ? known.get(service.serviceArn) : undefined;
    if (!write) return false;
    // A service being deleted, or one without deployments, is no older than a write we know.
    if (service.status !== 'ACTIVE' || !service.deployments?.length) return false;
    if (service.deployments.some((d) => d.id === write.id)) return false;
    const shown = primary(service)?.createdAt?.getTime();
    return shown === undefined || shown < write.createdAt;
  };
  return {
    ...ecs,
    updateService: async (input, o?: CallOptions) => {
      const out = await ecs.updateService(input, o);
      remember(out.service);
      return out;
    },
    createService: async (input, o?: CallOptions) => {
      const out = await ecs.createService(input, o);
      remember(out.service);
      return out;
    },
    describeServices: async (input, o?: CallOptions) => {
      let out = await ecs.describeServices(input, o);
      for (const ms of REREAD_WAITS_MS) {
        if (!(out.services ?? []).some(stale)) break;
        await wait(ms, o?.abortSignal);
        out = await ecs.describeServices(input, o);
      }
      return out;
    },
  };
}
