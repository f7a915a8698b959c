/** The AWS ports of a CLI command: one credential provider, the endpoint override, retries reported. */
import { createCredentialProvider } from '../aws/credentials.js';
import { describeAwsError, errorCauseCode, errorHttpStatus } from '../aws/error-cause.js';
import { createAwsPorts } from '../aws/sdk.js';
import type { AuthSpec } from '../config/spec.js';
import type { IoHost } from '../io/io-host.js';

/**
 * AWS ports for a region and an authentication spec, every client sharing one credential provider.
 * With an IoHost, retries are reported to it.
 */
export function portsFor(
  spec: { readonly region: string; readonly auth: AuthSpec },
  env: Readonly<Record<string, string | undefined>>,
  io?: IoHost,
): ReturnType<typeof createAwsPorts> {
  return createAwsPorts({
    region: spec.region,
    ...(spec.auth.endpointUrl ? { endpoint: spec.auth.endpointUrl } : {}),
    credentials: createCredentialProvider(spec.auth, { region: spec.region, env }),
    ...(io
      ? {
          onRetry: ({ operation, attempt, delayMs, error }) =>
            io.notify({
              time: new Date(),
              level: 'warn',
              code: 'aws.retry',
              message: `${operation} failed (${describeAwsError(error)}); retry ${attempt} in ${delayMs} ms`,
              data: {
                operation,
                attempt,
                delayMs,
                error: (error as Error)?.name ?? 'Error',
                ...optional('cause', errorCauseCode(error)),
                ...optional('httpStatusCode', errorHttpStatus(error)),
              },
            }),
          onExpiredCredentials: ({ operation, error }) =>
            io.notify({
              time: new Date(),
              level: 'warn',
              code: 'aws.retry',
              message: `${operation} failed (${describeAwsError(error)}); the credentials are resolved again and the call repeated`,
              data: { operation, attempt: 1, delayMs: 0, error: (error as Error)?.name ?? 'Error' },
            }),
        }
      : {}),
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
