/**
 * The sandbox's OpenID Connect issuer: it signs the web identity tokens that stand in for an EKS
 * or GitHub Actions token (the IRSA authentication model), and verifies them for
 * AssumeRoleWithWebIdentity, with AWS's error codes for bad and expired tokens.
 */
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

/** The claims of a token the issuer signed. */
export interface OidcClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  /** Expiry, epoch seconds. */
  readonly exp: number;
  /** Issue time, epoch seconds. */
  readonly iat: number;
  readonly nbf?: number;
  readonly jti?: string;
}

/** The outcome of {@link OidcIssuer.verify}, with STS's error code when the token is refused. */
export type OidcVerifyResult =
  | { readonly ok: true; readonly claims: OidcClaims }
  | { readonly ok: false; readonly code: 'InvalidIdentityToken' | 'ExpiredTokenException'; readonly message: string };

/** Options of {@link OidcIssuer.issueToken}. */
export interface IssueTokenOptions {
  /** The subject, e.g. `system:serviceaccount:chaos:ecs-chaos`. */
  readonly sub: string;
  /** The audience (the IAM OIDC provider's client id). @default 'sts.amazonaws.com' */
  readonly aud?: string;
  /** Lifetime of the token. @default 3600 */
  readonly expiresInSeconds?: number;
}

const NOT_A_JWT = 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isClaims(value: unknown): value is OidcClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const audOk = typeof c.aud === 'string' || (Array.isArray(c.aud) && c.aud.every((a) => typeof a === 'string'));
  return (
    typeof c.iss === 'string' &&
    typeof c.sub === 'string' &&
    audOk &&
    typeof c.exp === 'number' &&
    typeof c.iat === 'number'
  );
}

/** A JWT issuer with one RS256 key, generated when the sandbox starts. */
export class OidcIssuer {
  /** The issuer URL, the `iss` claim of every token. */
  readonly issuer = 'https://oidc.ecs-chaos.sandbox';
  /** The issuer without its scheme: the IAM provider's name and the prefix of its condition keys. */
  readonly hostPath = 'oidc.ecs-chaos.sandbox';
  /** The `kid` of the signing key. */
  readonly keyId: string;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #now: () => number;

  /** @param options.now the current time in epoch milliseconds (the sandbox's clock) */
  constructor(options: { readonly now: () => number }) {
    this.#now = options.now;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    this.keyId = randomUUID();
  }

  /**
   * Signs a token, as an identity provider would hand one to a workload.
   *
   * @example issuer.issueToken({ sub: 'system:serviceaccount:chaos:runner' })
   */
  issueToken(options: IssueTokenOptions): string {
    const iat = Math.floor(this.#now() / 1000);
    const claims: OidcClaims = {
      iss: this.issuer,
      sub: options.sub,
      aud: options.aud ?? 'sts.amazonaws.com',
      iat,
      nbf: iat,
      exp: iat + (options.expiresInSeconds ?? 3600),
      jti: randomUUID(),
    };
    const header = { alg: 'RS256', typ: 'JWT', kid: this.keyId };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.#privateKey);
    return `${signingInput}.${base64url(signature)}`;
  }

  /** Verifies a token's form, signature, issuer and lifetime, with STS's codes and messages. */
  verify(token: string): OidcVerifyResult {
    const invalid = (message: string): OidcVerifyResult => ({ ok: false, code: 'InvalidIdentityToken', message });
    const parts = token.split('.');
    if (parts.length !== 3) return invalid(NOT_A_JWT);
    const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart) as { alg?: unknown; kid?: unknown } | undefined;
    const claims = decodeJson(claimsPart);
    if (typeof header !== 'object' || header === null || !isClaims(claims)) return invalid(NOT_A_JWT);
    if (claims.iss !== this.issuer || header.alg !== 'RS256' || header.kid !== this.keyId) {
      // A token of another issuer, or signed with a key this issuer never published.
      return invalid(
        "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      );
    }
    let signed: boolean;
    try {
      signed = verify(
        'sha256',
        Buffer.from(`${headerPart}.${claimsPart}`),
        this.#publicKey,
        Buffer.from(signaturePart, 'base64url'),
      );
    } catch {
      signed = false;
    }
    if (!signed) return invalid('The signature of the web identity token could not be verified.');
    const nowSeconds = Math.floor(this.#now() / 1000);
    if (claims.exp <= nowSeconds) {
      return {
        ok: false,
        code: 'ExpiredTokenException',
        message: `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${claims.exp}`,
      };
    }
    if (claims.nbf !== undefined && claims.nbf > nowSeconds) return invalid('The web identity token is not valid yet.');
    return { ok: true, claims };
  }

  /** The JSON Web Key Set an OIDC issuer publishes at its `jwks_uri`. */
  jwks(): { keys: Array<Record<string, unknown>> } {
    const jwk = this.#publicKey.export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: this.keyId, alg: 'RS256', use: 'sig' }] };
  }

  /** The ARN of the IAM OIDC provider for this issuer in an account. */
  providerArn(accountId: string): string {
    return `arn:aws:iam::${accountId}:oidc-provider/${this.hostPath}`;
  }
}
