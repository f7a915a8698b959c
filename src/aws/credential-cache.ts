/**
 * The credential cache of a run: one resolution shared by every client, renewed before the
 * credentials expire, re-read from a source that can change (a credentials file another tool
 * rewrites), and dropped when AWS answers that they have expired.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** A cached provider: the SDK calls it on every request (it is `memoized`) and it decides when to renew. */
export interface RefreshingProvider extends AwsCredentialIdentityProvider {
  /** Tells the SDK not to wrap it in a cache of its own, which would ask again only near an expiry. */
  readonly memoized: true;
  /** Drops the cached credentials (AWS said they expired): the next call resolves them again. */
  invalidate(): void;
}

/** Options of {@link cacheCredentials}. */
export interface CacheCredentialsOptions {
  /** The clock, epoch milliseconds. */
  readonly now: () => number;
  /** Resolve credentials without an expiry again after this long (a file that may be rewritten). @default never */
  readonly recheckMs?: number;
  /** Also dropped on {@link RefreshingProvider.invalidate}: the base credentials of an assumed role. */
  readonly dependsOn?: RefreshingProvider;
}

/** Renew credentials this long before they expire (as the SDK does). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * Shares one resolution among concurrent callers and caches the credentials until shortly before
 * they expire (or `recheckMs` after they were read, when they carry no expiry). A failure is not
 * cached: the next call tries again; a failed re-read of credentials that have not expired keeps them.
 */
export function cacheCredentials(
  provider: AwsCredentialIdentityProvider,
  options: CacheCredentialsOptions,
): RefreshingProvider {
  const { now } = options;
  let cached: { identity: AwsCredentialIdentity; refreshAt: number } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const resolve = (): Promise<AwsCredentialIdentity> => {
    const previous = cached;
    pending ??= provider()
      .then((identity) => {
        const fetchedAt = now();
        const expiresAt = identity.expiration?.getTime();
        // Short-lived credentials are kept for half their life rather than refetched on every call.
        const refreshAt =
          expiresAt !== undefined
            ? expiresAt - Math.min(REFRESH_BEFORE_EXPIRY_MS, (expiresAt - fetchedAt) / 2)
            : fetchedAt + (options.recheckMs ?? Number.POSITIVE_INFINITY);
        cached = { identity, refreshAt };
        return identity;
      })
      .catch((error: unknown) => {
        const expiresAt = previous?.identity.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
        if (previous && cached === previous && now() < expiresAt) return previous.identity;
        throw error;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  const cache = (async () => {
    if (cached && now() < cached.refreshAt) return cached.identity;
    return resolve();
  }) as AwsCredentialIdentityProvider & { memoized?: true; invalidate?: () => void };
  cache.memoized = true;
  cache.invalidate = () => {
    cached = undefined;
    options.dependsOn?.invalidate();
  };
  return cache as RefreshingProvider;
}

/** AWS errors that say the credentials that signed a request have expired. */
const EXPIRED_NAMES = new Set(['ExpiredToken', 'ExpiredTokenException']);

/** Whether AWS refused a call because its credentials expired. */
export function isExpiredCredentials(error: unknown): boolean {
  const e = error as { name?: unknown } | null;
  return typeof e?.name === 'string' && EXPIRED_NAMES.has(e.name);
}

/** Drops the cached credentials of a provider made by {@link cacheCredentials}; false for any other provider. */
export function invalidateCredentials(provider: unknown): boolean {
  const invalidate = (provider as Partial<RefreshingProvider> | null)?.invalidate;
  if (typeof invalidate !== 'function') return false;
  invalidate();
  return true;
}
