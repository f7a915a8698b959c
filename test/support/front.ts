/**
 * A test harness: the sandbox's HTTP front with the IAM and STS services on a loopback port, a
 * clock the test controls, and factories for real SDK clients pointed at it.
 */
import type { AddressInfo } from 'node:net';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { ACCOUNT_ID, KeyStore } from '../../sandbox/core/identity.js';
import { OidcIssuer } from '../../sandbox/core/oidc.js';
import { RequestLog } from '../../sandbox/core/requestlog.js';
import { createFront } from '../../sandbox/core/server.js';
import { IamStore } from '../../sandbox/iam/store.js';
import { createIamService } from '../../sandbox/iam/service.js';
import { createStsService } from '../../sandbox/sts/service.js';

/** Credentials for an SDK client. */
export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A running front and what tests need to drive it. */
export interface TestFront {
  readonly endpoint: string;
  readonly iam: IamStore;
  readonly keys: KeyStore;
  readonly oidc: OidcIssuer;
  readonly log: RequestLog;
  /** The sandbox's current time (epoch milliseconds). */
  now(): number;
  /** Moves the sandbox's clock forward; clients made afterwards sign with the moved clock. */
  advance(ms: number): void;
  /** An IAM client for the credentials (default `test`/`test`, the admin user). */
  iamClient(credentials?: TestCredentials): IAMClient;
  /** An STS client for the credentials (default `test`/`test`, the admin user). */
  stsClient(credentials?: TestCredentials): STSClient;
  close(): Promise<void>;
}

const ADMIN: TestCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Starts a front on 127.0.0.1, on a free port. */
export async function startFront(): Promise<TestFront> {
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;
  const keys = new KeyStore();
  const log = new RequestLog();
  const iam = new IamStore({ accountId: ACCOUNT_ID, keys, now });
  const oidc = new OidcIssuer({ now });
  const server = createFront({
    services: [createIamService({ iam, keys, now }), createStsService({ iam, keys, oidc, now })],
    keys,
    log,
    interceptors: [],
    adminRoutes: new Map(),
    now,
    defaultRegion: 'us-east-1',
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // The SDK signs with its own clock; when the test moves the sandbox's, the client must follow
  // or the server refuses the request as signed too far away in time.
  const config = (credentials: TestCredentials) => ({
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    systemClockOffset: offsetMs,
  });
  return {
    endpoint,
    iam,
    keys,
    oidc,
    log,
    now,
    advance: (ms) => {
      offsetMs += ms;
    },
    iamClient: (credentials = ADMIN) => new IAMClient(config(credentials)),
    stsClient: (credentials = ADMIN) => new STSClient(config(credentials)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** What a test expects of an AWS error raised by an SDK client. */
export interface ExpectedAwsError {
  /** The SDK's error name: the modelled exception class, or the AWS code for unmodelled ones. */
  readonly name: string;
  /** The exact message, or a pattern it must match. */
  readonly message?: string | RegExp;
  /** The HTTP status code. */
  readonly status?: number;
  /** A modelled exception class the error must be an instance of. */
  readonly type?: abstract new (...args: never[]) => Error;
}

/** Awaits a call that must fail, and checks the error the SDK raised. */
export async function expectAwsError(call: Promise<unknown>, expected: ExpectedAwsError): Promise<void> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof Error)) throw new Error(`expected ${expected.name}, but the call succeeded`);
  const error = caught as Error & { $metadata?: { httpStatusCode?: number } };
  const { name } = error;
  if (name !== expected.name) throw new Error(`expected ${expected.name}, got ${name}: ${error.message}`);
  if (expected.type && !(error instanceof expected.type)) throw new Error(`${name} is not a ${expected.type.name}`);
  if (typeof expected.message === 'string' && error.message !== expected.message) {
    throw new Error(`expected message ${JSON.stringify(expected.message)}, got ${JSON.stringify(error.message)}`);
  }
  if (expected.message instanceof RegExp && !expected.message.test(error.message)) {
    throw new Error(`message ${JSON.stringify(error.message)} does not match ${String(expected.message)}`);
  }
  if (expected.status !== undefined && error.$metadata?.httpStatusCode !== expected.status) {
    throw new Error(`expected HTTP ${expected.status}, got ${String(error.$metadata?.httpStatusCode)}`);
  }
}
