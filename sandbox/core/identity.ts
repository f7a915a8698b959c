/**
 * Who is calling: access keys and the principals they stand for. The sandbox's account is
 * 123456789012; the access key `test` (secret `test`) is its administrator user `admin`.
 */

/** The sandbox's one AWS account. */
export const ACCOUNT_ID = '123456789012';

/** The principal behind a set of credentials. */
export interface Principal {
  /** `User` for an IAM user's long-term key, `AssumedRole` for an STS session. */
  readonly type: 'User' | 'AssumedRole';
  /** The caller ARN, as GetCallerIdentity returns it (for sessions, the `sts` assumed-role ARN). */
  readonly arn: string;
  readonly accountId: string;
  /** `AIDA...` for users, `AROA...:session-name` for sessions. */
  readonly userId: string;
  /** For sessions: the IAM ARN of the assumed role. */
  readonly roleArn?: string;
  readonly sessionName?: string;
  /** For sessions: the inline session policy (JSON) passed to AssumeRole. */
  readonly sessionPolicy?: string;
  /** For sessions: the managed session policy ARNs passed to AssumeRole. */
  readonly sessionPolicyArns?: readonly string[];
}

/** A set of credentials the sandbox recognises. */
export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present for temporary credentials: requests must carry it as X-Amz-Security-Token. */
  readonly sessionToken?: string;
  /** Epoch milliseconds after which temporary credentials are refused. */
  readonly expiresAt?: number;
  readonly principal: Principal;
}

/** The access keys the sandbox knows. */
export class KeyStore {
  readonly #keys = new Map<string, Credential>();

  add(credential: Credential): void {
    this.#keys.set(credential.accessKeyId, credential);
  }

  get(accessKeyId: string): Credential | undefined {
    return this.#keys.get(accessKeyId);
  }

  delete(accessKeyId: string): void {
    this.#keys.delete(accessKeyId);
  }

  /**
   * Ends temporary credentials at `at` (epoch ms), as the end of their session would: the key
   * `accessKeyId`, or every session of the role `roleArn`. Long-term keys never expire. Returns how
   * many were ended. A test hook (`POST /_sandbox/credentials/expire`): AWS sessions last 15 min at least.
   */
  expire(filter: { readonly accessKeyId?: string; readonly roleArn?: string }, at: number): number {
    let ended = 0;
    for (const [id, credential] of this.#keys) {
      if (credential.sessionToken === undefined) continue;
      const match =
        (filter.accessKeyId !== undefined && id === filter.accessKeyId) ||
        (filter.roleArn !== undefined && credential.principal.roleArn === filter.roleArn);
      if (!match) continue;
      this.#keys.set(id, { ...credential, expiresAt: Math.min(at, credential.expiresAt ?? at) });
      ended++;
    }
    return ended;
  }

  /** Removes every key whose principal has the given ARN (a deleted user). */
  deleteForPrincipal(arn: string): void {
    for (const [id, credential] of this.#keys) if (credential.principal.arn === arn) this.#keys.delete(id);
  }
}
