/**
 * AWS Signature Version 4: parsing the `Authorization` header and verifying a request's signature
 * with the caller's secret key, as AWS does.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The parts of a SigV4 `Authorization` header. */
export interface SigV4Header {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const HEADER =
  /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

/** Parses an `Authorization` header, or returns undefined when it is not SigV4. */
export function parseAuthorization(header: string | undefined): SigV4Header | undefined {
  if (!header) return undefined;
  const match = HEADER.exec(header.trim());
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signed, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The request as the verifier needs it. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/` or `/a?b=c`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

function canonicalQuery(search: string): string {
  const pairs = [...new URLSearchParams(search)].map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const);
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalPath(path: string): string {
  // Non-S3 services encode each segment twice: once by the client, once by the signer.
  return path
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .map((segment) => encodeRfc3986(segment))
    .join('/');
}

/**
 * Verifies a SigV4 signature. Returns undefined when it matches, or the reason it does not.
 */
export function verifySignature(
  request: SignedRequest,
  auth: SigV4Header,
  secretAccessKey: string,
): string | undefined {
  const amzDate = header(request.headers, 'x-amz-date');
  if (!amzDate) return 'the request has no X-Amz-Date header';
  const bodyHash = sha256Hex(request.body);
  const declared = header(request.headers, 'x-amz-content-sha256');
  if (declared && declared !== 'UNSIGNED-PAYLOAD' && declared !== bodyHash) return 'the payload hash does not match';
  const payloadHash = declared ?? bodyHash;
  const queryStart = request.url.indexOf('?');
  const path = queryStart >= 0 ? request.url.slice(0, queryStart) : request.url;
  const search = queryStart >= 0 ? request.url.slice(queryStart + 1) : '';
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${(header(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalPath(path || '/'),
    canonicalQuery(search),
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${secretAccessKey}`, auth.date);
  key = hmac(key, auth.region);
  key = hmac(key, auth.service);
  key = hmac(key, 'aws4_request');
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the signature does not match';
  return undefined;
}

/** Parses an X-Amz-Date (`20260101T000000Z`) into epoch milliseconds. */
export function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
