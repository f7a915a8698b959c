/**
 * The credential cache renews before expiry and reads a credentials file again: temporary keys
 * with `aws_expiration` are re-read 5 minutes before it, keys without one every minute, and
 * `invalidate` drops them at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FILE_RECHECK_MS, createCredentialProvider } from '../../src/aws/credentials.js';
import { readCredentialsFile } from '../../src/aws/credentials-file.js';
import { InvalidInputError } from '../../src/errors.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const keys = (id: string, expiration?: string): string =>
  `[default]\naws_access_key_id = ${id}\naws_secret_access_key = secret-of-${id}\naws_session_token = token-of-${id}\n` +
  (expiration ? `aws_expiration = ${expiration}\n` : '');

describe('credentials from a file that is renewed', () => {
  let dir: string;
  let file: string;
  let now = START;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-cache-'));
    file = join(dir, 'credentials');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const provider = () =>
    createCredentialProvider(
      { authSecretFile: file, profile: undefined, assumeRoleArn: undefined, endpointUrl: undefined },
      { region: 'us-east-1', env: {}, now: () => now },
    );

  test('reads aws_expiration, and reads the file again 5 minutes before it', async () => {
    now = START;
    writeFileSync(file, keys('ASIAFIRST', '2026-01-01T01:00:00Z'));
    const credentials = provider();
    assert.equal(credentials.memoized, true, 'the SDK asks it on every request');
    const first = await credentials();
    assert.equal(first.accessKeyId, 'ASIAFIRST');
    assert.equal(first.expiration?.toISOString(), '2026-01-01T01:00:00.000Z');
    writeFileSync(file, keys('ASIASECOND', '2026-01-01T02:00:00Z'));
    now = START + 54 * 60_000;
    assert.equal((await credentials()).accessKeyId, 'ASIAFIRST');
    now = START + 55 * 60_000;
    assert.equal((await credentials()).accessKeyId, 'ASIASECOND');
  });

  test('keys without an expiry are read again every minute, and at once after invalidate', async () => {
    now = START;
    writeFileSync(file, keys('ASIAFIRST'));
    const credentials = provider();
    assert.equal((await credentials()).accessKeyId, 'ASIAFIRST');
    writeFileSync(file, keys('ASIASECOND'));
    assert.equal((await credentials()).accessKeyId, 'ASIAFIRST');
    now = START + FILE_RECHECK_MS;
    assert.equal((await credentials()).accessKeyId, 'ASIASECOND');
    writeFileSync(file, keys('ASIATHIRD'));
    credentials.invalidate();
    assert.equal((await credentials()).accessKeyId, 'ASIATHIRD');
  });

  test('a file being rewritten (malformed for a moment) keeps the keys that have not expired', async () => {
    now = START;
    writeFileSync(file, keys('ASIAFIRST'));
    const credentials = provider();
    await credentials();
    writeFileSync(file, '[default]\naws_access_key_id\n');
    now = START + FILE_RECHECK_MS;
    assert.equal((await credentials()).accessKeyId, 'ASIAFIRST');
  });

  test('an aws_expiration that is not a date is refused, naming the key and the fix', () => {
    writeFileSync(file, keys('ASIAFIRST', 'tomorrow'));
    assert.throws(
      () => readCredentialsFile(file),
      (error: unknown) =>
        error instanceof InvalidInputError && /aws_expiration = "tomorrow", which is not a date/.test(error.message),
    );
  });
});
