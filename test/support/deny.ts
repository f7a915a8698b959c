/** Test support: deny-task-permissions run through the library with real SDK clients against a sandbox. */
import { createAwsPorts } from '../../src/aws/sdk.js';
import { loadExperimentSpec } from '../../src/config/load.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { runExperiment } from '../../src/engine/run.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import type { ExperimentResult } from '../../src/report/result.js';
import type { Sandbox } from '../../sandbox/index.js';

/** Runs deny-task-permissions on a demo service with the given flags. */
export async function runDeny(
  sandbox: Sandbox,
  flags: Record<string, string | boolean | string[]>,
  file?: string,
  signal: AbortSignal = new AbortController().signal,
): Promise<{ result: ExperimentResult; io: RecordingIoHost }> {
  const spec = loadExperimentSpec({
    ...(file ? { file } : {}),
    flags: {
      cluster: 'demo',
      service: 'orders',
      region: sandbox.region,
      endpointUrl: sandbox.endpoint,
      duration: '3',
      interval: '3',
      leaseHeartbeat: '1',
      ...flags,
    },
    env: {},
    fault: 'deny-task-permissions',
  });
  const ports = createAwsPorts({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    credentials: sandbox.credentials,
  });
  const io = new RecordingIoHost();
  try {
    const result = await runExperiment(
      spec,
      { ...ports, io, clock: SYSTEM_CLOCK, version: 'test', pollIntervalMs: 25 },
      signal,
    );
    return { result, io };
  } finally {
    ports.destroy();
  }
}
