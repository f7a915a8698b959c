/**
 * Credentials of the runner: a credentials file (AWS_AUTHENTICATION_SECRET), IRSA / web identity,
 * or the SDK's default chain, optionally with a role assumed on top. One memoized provider is
 * shared by every client, so a run makes one AssumeRole, not one per client.
 *
 * Secrets never leave this module in text: errors name files, profiles, roles and at most the last
 * four characters of an access key id, and messages that come back from AWS are scrubbed of every
 * secret this module has seen.
 */
import { fromNodeProviderChain, fromTemporaryCredentials, fromTokenFile } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AuthSpec } from '../config/spec.js';
import { ChaosError, type ErrorFault } from '../errors.js';
import { cacheCredentials, type RefreshingProvider } from './credential-cache.js';
import { readCredentialsFile } from './credentials-file.js';

/** The SDK's credential types, re-exported so callers need not depend on `@smithy/types`. */
export type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export { readCredentialsFile, type AwsCredentials, type ReadCredentialsFileOptions } from './credentials-file.js';

/** Options of {@link createCredentialProvider}. */
export interface CredentialProviderOptions {
  /** The region STS calls are made in (the experiment's region). */
  readonly region: string;
  /**
   * The environment to read AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME from.
   * The SDK's default chain, used when neither a credentials file nor web identity is configured,
   * reads `process.env` itself.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The RoleSessionName of the assumed role, as CloudTrail shows it. @default `ecs-chaos-<epoch ms>` */
  readonly roleSessionName?: string;
  /** The clock, epoch milliseconds, for credential expiry. @default Date.now */
  readonly now?: () => number;
}

/** A credentials file is read again this long after it was read: another tool may have renewed its keys. */
export const FILE_RECHECK_MS = 60_000;

/**
 * Creates the credential provider of a run: base credentials from the credentials file when
 * `auth.authSecretFile` is set, else web identity when AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN
 * are set, else the SDK's default chain (with `auth.profile`); with `auth.assumeRoleArn`, that role
 * is assumed on top of the base. STS calls go to `auth.endpointUrl` when set.
 *
 * The provider is memoized: pass the same one to every client, and the run makes one AssumeRole,
 * renewed 5 minutes before the session ends. A credentials file is read again every
 * {@link FILE_RECHECK_MS} and before its `aws_expiration`; `invalidate()` (called when AWS answers
 * ExpiredToken) drops every cached level at once. Failures reject with a {@link ChaosError}
 * of code `CREDENTIALS` (fault `user` for authentication problems, `aws` for outages) whose message
 * names the path that failed and what to check, never a secret; a bad credentials file rejects with
 * the {@link InvalidInputError} of {@link readCredentialsFile}.
 *
 * @example
 * const credentials = createCredentialProvider(spec.auth, { region: spec.region, env: process.env });
 * const ecs = new ECSClient({ region: spec.region, credentials, endpoint: spec.auth.endpointUrl });
 */
export function createCredentialProvider(auth: AuthSpec, options: CredentialProviderOptions): RefreshingProvider {
  const { region, env } = options;
  const now = options.now ?? Date.now;
  const clientConfig = auth.endpointUrl ? { region, endpoint: auth.endpointUrl } : { region };
  const secrets = new SecretScrubber();
  secrets.add(env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);

  const base = baseSource(auth, env);
  let raw: AwsCredentialIdentityProvider;
  switch (base.kind) {
    case 'file': {
      const file = base.file;
      const profile = auth.profile ?? 'default';
      raw = async () => readCredentialsFile(file, profile);
      break;
    }
    case 'env-keys': {
      // AWS_CREDENTIAL_EXPIRATION, as the SDK reads it: the keys cannot be renewed, but their expiry is known.
      const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
      const identity = {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
      };
      raw = async () => identity;
      break;
    }
    case 'web-identity':
      raw = fromTokenFile({
        webIdentityTokenFile: base.tokenFile,
        roleArn: base.roleArn,
        roleSessionName: env.AWS_ROLE_SESSION_NAME || 'ecs-chaos',
        clientConfig,
      });
      break;
    case 'default-chain':
      raw = fromNodeProviderChain({ ...(auth.profile ? { profile: auth.profile } : {}), clientConfig });
      break;
  }
  const baseDescription = describeBase(auth, env);
  const baseHint = hintFor(base.kind);
  const baseProvider = cacheCredentials(
    guard(raw, { what: baseDescription, authPath: baseDescription, hint: () => baseHint, secrets }),
    { now, ...(base.kind === 'file' ? { recheckMs: FILE_RECHECK_MS } : {}) },
  );
  if (!auth.assumeRoleArn) return baseProvider;

  const roleArn = auth.assumeRoleArn;
  const assume = fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: options.roleSessionName ?? `ecs-chaos-${now()}` },
    masterCredentials: baseProvider,
    clientConfig,
  });
  return cacheCredentials(
    guard(assume, {
      what: `assuming role ${roleArn} with ${baseDescription}`,
      authPath: describeAuthPath(auth, env),
      hint: (errorName) =>
        REFUSED_CREDENTIALS.has(errorName)
          ? `AWS refused the base credentials: ${baseHint}`
          : `check that the base identity may call sts:AssumeRole on ${roleArn} and that the role's trust policy ` +
            'allows that identity; or unset ASSUME_ROLE_ARN / --assume-role-arn to run with the base credentials',
      secrets,
    }),
    { now, dependsOn: baseProvider },
  );
}

/** The identity AWS sees, as STS GetCallerIdentity reports it. */
export interface CallerIdentity {
  /** e.g. `arn:aws:sts::123456789012:assumed-role/chaos-runner/ecs-chaos-1700000000000` */
  readonly arn: string;
  /** The 12-digit account id. */
  readonly account: string;
  /** The unique id of the user, or `ROLE_ID:SESSION_NAME` for a role session. */
  readonly userId: string;
}

/** Options of {@link verifyCredentials}. */
export interface VerifyCredentialsOptions {
  /** The authentication the provider was made from, to name it in errors. */
  readonly auth: AuthSpec;
  /** The region of the STS call. */
  readonly region: string;
  /** The environment the provider was made with, to describe the path in errors. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Resolves the credentials and asks STS who they belong to (GetCallerIdentity, which needs no
 * permission). A preflight check: bad credentials fail here, with a {@link ChaosError} of code
 * `CREDENTIALS` naming the authentication path, rather than on the first ECS call.
 *
 * @example const { arn } = await verifyCredentials(credentials, { auth: spec.auth, region: spec.region, env: process.env });
 */
export async function verifyCredentials(
  credentials: AwsCredentialIdentityProvider,
  options: VerifyCredentialsOptions,
): Promise<CallerIdentity> {
  const { auth, region, env } = options;
  const identity = await credentials();
  const secrets = new SecretScrubber();
  secrets.add(identity.secretAccessKey, identity.sessionToken, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({
    region,
    credentials: identity,
    ...(auth.endpointUrl ? { endpoint: auth.endpointUrl } : {}),
  });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn ?? '', account: out.Account ?? '', userId: out.UserId ?? '' };
  } catch (err) {
    throw credentialsError(err, {
      what: `checking the credentials of ${describeAuthPath(auth, env)}`,
      authPath: describeAuthPath(auth, env),
      hint: () =>
        'AWS refused the credentials: check that the access key is active and its secret right, or that the ' +
        'temporary credentials have not expired',
      secrets,
    });
  } finally {
    sts.destroy();
  }
}

/**
 * Describes how the runner authenticates, for logs and errors. Names files, profiles and roles;
 * never a secret.
 *
 * @example describeAuthPath({ authSecretFile: '/x', profile: undefined, assumeRoleArn: 'arn:aws:iam::123456789012:role/r', endpointUrl: undefined }, {})
 * // 'credentials file /x (profile default) + assume role arn:aws:iam::123456789012:role/r'
 */
export function describeAuthPath(auth: AuthSpec, env: Readonly<Record<string, string | undefined>>): string {
  const base = describeBase(auth, env);
  return auth.assumeRoleArn ? `${base} + assume role ${auth.assumeRoleArn}` : base;
}

type BaseSource =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'web-identity'; readonly tokenFile: string; readonly roleArn: string }
  | { readonly kind: 'env-keys' }
  | { readonly kind: 'default-chain' };

function baseSource(auth: AuthSpec, env: Readonly<Record<string, string | undefined>>): BaseSource {
  if (auth.authSecretFile) return { kind: 'file', file: auth.authSecretFile };
  // Keys in the given environment, read from it rather than from process.env (the demo and the
  // library pass their own); an explicit profile wins over them, as in the SDK.
  if (!auth.profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { kind: 'env-keys' };
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const roleArn = env.AWS_ROLE_ARN;
  if (tokenFile && roleArn) return { kind: 'web-identity', tokenFile, roleArn };
  return { kind: 'default-chain' };
}

function describeBase(auth: AuthSpec, env: Readonly<Record<string, string | undefined>>): string {
  const base = baseSource(auth, env);
  switch (base.kind) {
    case 'file':
      return `credentials file ${base.file} (profile ${auth.profile ?? 'default'})`;
    case 'env-keys':
      return 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment';
    case 'web-identity':
      return `web identity token ${base.tokenFile} for role ${base.roleArn}`;
    case 'default-chain': {
      const details = [
        env.AWS_SHARED_CREDENTIALS_FILE && `shared credentials file ${env.AWS_SHARED_CREDENTIALS_FILE}`,
        auth.profile && `profile ${auth.profile}`,
      ].filter(Boolean);
      return `the SDK default credential chain${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
    }
  }
}

function hintFor(kind: BaseSource['kind']): string {
  switch (kind) {
    case 'file':
      return 'check that the access key in the credentials file is active and its secret right';
    case 'env-keys':
      return 'check that AWS_ACCESS_KEY_ID is an active key and AWS_SECRET_ACCESS_KEY its secret (and AWS_SESSION_TOKEN, for temporary keys)';
    case 'web-identity':
      return (
        'check that AWS_WEB_IDENTITY_TOKEN_FILE holds a current token and that the trust policy of AWS_ROLE_ARN ' +
        "accepts the token's issuer, audience and subject"
      );
    case 'default-chain':
      return (
        'give ecs-chaos credentials: --auth-secret-file / AWS_AUTHENTICATION_SECRET, --profile / AWS_PROFILE, ' +
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)'
      );
  }
}

/** Replaces every secret it has been shown with `***`. */
class SecretScrubber {
  readonly #secrets = new Set<string>();

  add(...values: (string | undefined)[]): void {
    // Very short values (a sandbox's `test`) would blank out ordinary words; real secrets are long.
    for (const value of values) if (value && value.length >= 8) this.#secrets.add(value);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('***');
    return out;
  }
}

interface GuardContext {
  /** What was being done, e.g. `assuming role arn:... with credentials file /x (profile default)`. */
  readonly what: string;
  /** The authentication path, as {@link describeAuthPath} gives it. */
  readonly authPath: string;
  /** What to check, given the name of the error. */
  readonly hint: (errorName: string) => string;
  readonly secrets: SecretScrubber;
}

/** Wraps a provider: records the secrets it returns, turns its failures into ChaosErrors. */
function guard(provider: AwsCredentialIdentityProvider, context: GuardContext): AwsCredentialIdentityProvider {
  return async () => {
    try {
      const identity = await provider();
      context.secrets.add(identity.secretAccessKey, identity.sessionToken);
      return identity;
    } catch (err) {
      throw credentialsError(err, context);
    }
  };
}

/** Errors with which AWS refuses the credentials that signed a request. */
const REFUSED_CREDENTIALS = new Set([
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'IncompleteSignature',
  'ExpiredToken',
  'ExpiredTokenException',
]);

const OUTAGE_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'TimeoutError',
  'RequestTimeout',
  'ServiceUnavailable',
  'InternalFailure',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function credentialsError(err: unknown, context: GuardContext): ChaosError {
  // Errors already ours (a bad credentials file, a failed base under an assumed role) pass through.
  if (err instanceof ChaosError) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as NodeJS.ErrnoException).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error.name === 'Error' && code ? code : error.name;
  const fault: ErrorFault =
    (status !== undefined && status >= 500) || OUTAGE_NAMES.has(name) || (code !== undefined && OUTAGE_NAMES.has(code))
      ? 'aws'
      : 'user';
  // AWS messages can echo a request's signed headers; keep one line, scrubbed of every known secret.
  const firstLine = (error.message || name).split('\n')[0] ?? name;
  const reason = context.secrets.scrub(firstLine.length > 300 ? `${firstLine.slice(0, 300)}...` : firstLine);
  return new ChaosError('CREDENTIALS', `${context.what} failed: ${reason} (${name}). Fix: ${context.hint(name)}`, {
    fault,
    detail: {
      authPath: context.authPath,
      errorName: name,
      ...(status === undefined ? {} : { httpStatusCode: status }),
    },
  });
}
