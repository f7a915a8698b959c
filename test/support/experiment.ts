/** Test support: running the fault through the library against a sandbox. */
import { createAwsPorts, type AwsClientOptions } from '../../src/aws/sdk.js';
import { loadExperimentSpec } from '../../src/config/load.js';
import type { ExperimentSpec } from '../../src/config/spec.js';
import { SYSTEM_CLOCK } from '../../src/engine/clock.js';
import { runExperiment } from '../../src/engine/run.js';
import { RecordingIoHost } from '../../src/io/io-host.js';
import type { ExperimentResult } from '../../src/report/result.js';
import type { Sandbox } from '../../sandbox/index.js';

export const ACCOUNT = '123456789012';
export const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** A spec for the sandbox from flag-style values (strings, as typed). */
export function specFor(
  sandbox: Sandbox,
  flags: Record<string, string | boolean | string[]>,
  file?: string,
): ExperimentSpec {
  return loadExperimentSpec({
    flags: {
      region: sandbox.region,
      endpointUrl: sandbox.endpoint,
      duration: '1',
      interval: '1',
      leaseHeartbeat: '1',
      ...flags,
    },
    env: {},
    fault: 'update-task-role',
    ...(file ? { file } : {}),
  });
}

/** Runs the fault through the library with real SDK clients; returns the result and the messages. */
export async function runFault(
  sandbox: Sandbox,
  flags: Record<string, string | boolean | string[]>,
  options: {
    signal?: AbortSignal;
    pollIntervalMs?: number;
    ports?: Partial<AwsClientOptions>;
    /** An experiment file (probes, stop conditions). */
    file?: string;
    /** A fixed experiment id. */
    experimentId?: string;
    /** Where the run's messages go, to watch its progress (a new recorder by default). */
    io?: RecordingIoHost;
  } = {},
): Promise<{ result: ExperimentResult; io: RecordingIoHost }> {
  const spec = specFor(sandbox, flags, options.file);
  const ports = createAwsPorts({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    credentials: sandbox.credentials,
    ...options.ports,
  });
  const io = options.io ?? new RecordingIoHost();
  try {
    const result = await runExperiment(
      spec,
      {
        ecs: ports.ecs,
        sts: ports.sts,
        iam: ports.iam,
        cloudwatch: ports.cloudwatch,
        cloudtrail: ports.cloudtrail,
        elb: ports.elb,
        io,
        clock: SYSTEM_CLOCK,
        version: 'test',
        pollIntervalMs: options.pollIntervalMs ?? 25,
        ...(options.experimentId ? { experimentId: options.experimentId } : {}),
      },
      options.signal ?? new AbortController().signal,
    );
    return { result, io };
  } finally {
    ports.destroy();
  }
}

/** The mutating AWS calls the sandbox answered after sequence number `since`. */
export function mutatingCalls(sandbox: Sandbox, since = 0): string[] {
  return sandbox
    .requests(since)
    .filter((r) => r.mutating)
    .map((r) => r.action);
}
