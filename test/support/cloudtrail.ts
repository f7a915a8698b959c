/**
 * Test support: a CloudTrail client for the sandbox that keeps under LookupEvents' limit of two
 * requests per second, as the tool's own adapter does (src/aws/cloudtrail-pace.ts).
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { lookupEventsPacer } from '../../src/aws/cloudtrail-pace.js';
import type { Sandbox } from '../../sandbox/index.js';
import type { Credentials } from './sandbox.js';

/**
 * A CloudTrail client whose requests start at least LOOKUP_EVENTS_INTERVAL_MS apart, in step
 * with every other reader of this sandbox in the process (the tool's ports included): the limit is
 * the account's, not the client's.
 */
export function pacedTrailClient(sandbox: Sandbox, credentials: Credentials = sandbox.credentials): CloudTrailClient {
  const client = new CloudTrailClient({
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials,
    maxAttempts: 1,
  });
  const pacer = lookupEventsPacer(sandbox.region, sandbox.endpoint);
  client.middlewareStack.add((next) => (args) => pacer.run(() => next(args)), {
    step: 'finalizeRequest',
    name: 'lookupEventsPace',
  });
  return client;
}
