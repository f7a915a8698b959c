import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { parseAmzDate, parseAuthorization, verifySignature, type SignedRequest } from '../../sandbox/core/sigv4.js';

/** The SHA-256 the SDK's signer needs, over node:crypto (what the SDK itself uses in Node). */
class Sha256 implements Checksum {
  readonly #secret: SourceData | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    if (this.#secret === undefined) return createHash('sha256');
    const key = typeof this.#secret === 'string' ? this.#secret : Buffer.from(this.#secret as Uint8Array);
    return createHmac('sha256', key);
  }

  update(data: SourceData): void {
    this.#hash.update(typeof data === 'string' ? data : Buffer.from(data as Uint8Array));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }
}

const CREDENTIALS = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

interface SignOptions {
  readonly body?: string;
  readonly query?: Record<string, string>;
  readonly path?: string;
  readonly applyChecksum?: boolean;
  readonly sessionToken?: string;
}

/** Signs a request with the SDK's signer and returns it as the server receives it. */
async function signed(options: SignOptions = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: 'sts',
    region: 'us-east-1',
    credentials: { ...CREDENTIALS, ...(options.sessionToken && { sessionToken: options.sessionToken }) },
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? false,
  });
  const body = options.body ?? BODY;
  const request = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    path: options.path ?? '/',
    query: options.query ?? {},
    headers: { host: '127.0.0.1:4566', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const search = new URLSearchParams(options.query ?? {}).toString();
  return {
    method: 'POST',
    url: `${options.path ?? '/'}${search ? `?${search}` : ''}`,
    headers,
    body: Buffer.from(body),
  };
}

function verify(request: SignedRequest, secret = CREDENTIALS.secretAccessKey): string | undefined {
  const auth = parseAuthorization(request.headers.authorization as string);
  assert.ok(auth, 'the SDK signer produced a SigV4 Authorization header');
  return verifySignature(request, auth, secret);
}

describe('sigv4', () => {
  test('accepts a request signed by the SDK signer', async () => {
    assert.equal(verify(await signed()), undefined);
  });

  test('accepts a signed payload hash header, a session token, a query string and a path', async () => {
    const request = await signed({
      applyChecksum: true,
      sessionToken: 'FwoGZXIvYXdzEXAMPLE',
      path: '/api/v1',
      query: { b: '2', a: 'x y' },
    });
    assert.ok(request.headers['x-amz-content-sha256']);
    assert.equal(verify(request), undefined);
  });

  test('rejects a signature made with another secret', async () => {
    assert.equal(verify(await signed(), 'not-the-secret'), 'the signature does not match');
  });

  test('rejects a body changed after signing', async () => {
    const request = await signed();
    const tampered = { ...request, body: Buffer.from(BODY.replace('GetCallerIdentity', 'AssumeRole')) };
    assert.equal(verify(tampered), 'the signature does not match');
  });

  test('rejects a body that no longer matches its signed payload hash', async () => {
    const request = await signed({ applyChecksum: true });
    assert.equal(verify({ ...request, body: Buffer.from(`${BODY}&x=1`) }), 'the payload hash does not match');
  });

  test('rejects a signed header changed after signing', async () => {
    const request = await signed();
    const tampered = { ...request, headers: { ...request.headers, host: 'evil.example:4566' } };
    assert.equal(verify(tampered), 'the signature does not match');
  });

  test('parses the Authorization header and X-Amz-Date', async () => {
    const request = await signed();
    const auth = parseAuthorization(request.headers.authorization as string);
    assert.equal(auth?.accessKeyId, CREDENTIALS.accessKeyId);
    assert.equal(auth?.region, 'us-east-1');
    assert.equal(auth?.service, 'sts');
    assert.ok(auth?.signedHeaders.includes('host'));
    assert.equal(parseAuthorization('Basic dXNlcjpwYXNz'), undefined);
    assert.equal(parseAmzDate('20260102T030405Z'), Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.equal(parseAmzDate('2026-01-02'), undefined);
  });
});
