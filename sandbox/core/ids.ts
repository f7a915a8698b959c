/** Identifiers shaped as AWS shapes them. */
import { randomBytes, randomUUID } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 20-character IAM unique id with the given 4-letter prefix (AIDA, AROA, ANPA, AKIA, ASIA). */
export function iamId(prefix: string, length = 21): string {
  const bytes = randomBytes(length - prefix.length);
  let out = prefix;
  for (const b of bytes) out += UPPER_ALNUM[b % UPPER_ALNUM.length];
  return out;
}

/** A 32-hex task id, as ECS task ARNs end with. */
export function hexId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** A request id, as AWS returns it. */
export function requestId(): string {
  return randomUUID();
}

/** A secret of 40 characters, as AWS secret access keys are. */
export function secretKey(): string {
  return randomBytes(30).toString('base64').replace(/[+/]/g, 'A').slice(0, 40);
}
