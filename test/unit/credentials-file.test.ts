import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCredentialProvider,
  describeAuthPath,
  readCredentialsFile,
  type AwsCredentialIdentity,
} from '../../src/aws/credentials.js';
import type { AuthSpec } from '../../src/config/spec.js';
import { ChaosError, InvalidInputError } from '../../src/errors.js';

const CANARY = 'CANARYSECRETdoNotPrint1234567890abcdefghij';
const CANARY_TOKEN = 'CANARYTOKENdoNotPrintIQoJb3JpZ2luX2VjEabcdefghij';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

let dir: string;
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const auth = (over: Partial<AuthSpec> = {}): AuthSpec => ({
  authSecretFile: undefined,
  profile: undefined,
  assumeRoleArn: undefined,
  endpointUrl: undefined,
  ...over,
});

/** Asserts that `fn` throws an InvalidInputError naming AWS_AUTHENTICATION_SECRET, without secrets. */
function assertFileError(fn: () => unknown, pattern: RegExp): InvalidInputError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof InvalidInputError, `expected InvalidInputError, got ${String(caught)}`);
  assert.equal(caught.field, 'AWS_AUTHENTICATION_SECRET');
  assert.match(caught.message, /^AWS_AUTHENTICATION_SECRET/);
  assert.match(caught.message, pattern);
  assert.match(caught.message, /Fix: /);
  assert.ok(!caught.message.includes(CANARY), 'the secret access key leaked into the message');
  assert.ok(!caught.message.includes(CANARY_TOKEN), 'the session token leaked into the message');
  assert.ok(!caught.message.includes(KEY_ID), 'the whole access key id leaked into the message');
  return caught;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-credentials-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readCredentialsFile', () => {
  test('reads the default profile', () => {
    // Prepare
    const path = file('default', `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${CANARY}\n`);
    // Act
    const credentials = readCredentialsFile(path);
    // Assess
    assert.deepEqual(credentials, { accessKeyId: KEY_ID, secretAccessKey: CANARY });
  });

  test('reads a named profile among several, with a session token', () => {
    const path = file(
      'profiles',
      [
        '[default]',
        'aws_access_key_id = AKIADEFAULT000000000',
        'aws_secret_access_key = default-secret-value',
        '',
        '[chaos]',
        `aws_access_key_id=${KEY_ID}`,
        `aws_secret_access_key=${CANARY}`,
        `aws_session_token = ${CANARY_TOKEN}+/pad==`,
      ].join('\n'),
    );
    assert.deepEqual(readCredentialsFile(path, 'chaos'), {
      accessKeyId: KEY_ID,
      secretAccessKey: CANARY,
      sessionToken: `${CANARY_TOKEN}+/pad==`,
    });
    assert.equal(readCredentialsFile(path, 'default').accessKeyId, 'AKIADEFAULT000000000');
  });

  test('ignores comments, blank lines, CRLF line ends, a BOM and nested settings', () => {
    const path = file(
      'comments',
      '\uFEFF# a comment\r\n; another comment\r\n\r\n[default]  \r\n' +
        `  aws_access_key_id = ${KEY_ID}   # trailing comment\r\n` +
        's3 =\r\n  max_concurrent_requests = 20\r\n' +
        `aws_secret_access_key = ${CANARY} ; trailing comment\r\nregion = us-east-1\r\n`,
    );
    assert.deepEqual(readCredentialsFile(path), { accessKeyId: KEY_ID, secretAccessKey: CANARY });
  });

  test('reads a section written [profile name] as name', () => {
    const path = file(
      'profile-prefix',
      `[profile ops]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${CANARY}\n`,
    );
    assert.equal(readCredentialsFile(path, 'ops').accessKeyId, KEY_ID);
  });

  test('a missing file names the field, the path and the fix', () => {
    const path = join(dir, 'does-not-exist');
    const err = assertFileError(
      () => readCredentialsFile(path, 'default', { source: 'env AWS_AUTHENTICATION_SECRET' }),
      /does not exist/,
    );
    assert.ok(err.message.includes(path));
    assert.ok(err.message.includes('(from env AWS_AUTHENTICATION_SECRET)'));
  });

  test('a directory is refused as unreadable', () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    assertFileError(() => readCredentialsFile(path), /is a directory/);
  });

  test('a profile that is not there lists the profiles found, never a key', () => {
    const path = file(
      'two-profiles',
      `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${CANARY}\n[dev]\naws_access_key_id = x\naws_secret_access_key = ${CANARY}\n`,
    );
    const err = assertFileError(
      () => readCredentialsFile(path, 'prod'),
      /no profile 'prod' \(profiles found: default, dev\)/,
    );
    assert.match(err.fix, /AWS_PROFILE/);
  });

  test('an empty file has no profiles', () => {
    assertFileError(
      () => readCredentialsFile(file('empty', ''), 'default'),
      /no profile 'default' \(no profiles found\)/,
    );
  });

  test('a missing secret names the key and at most the last 4 characters of the access key id', () => {
    const path = file('no-secret', `[default]\naws_access_key_id = ${KEY_ID}\n`);
    const err = assertFileError(() => readCredentialsFile(path), /has no aws_secret_access_key/);
    assert.ok(err.message.includes('...MPLE'));
  });

  test('a missing access key id is refused', () => {
    const path = file('no-key-id', `[default]\naws_secret_access_key = ${CANARY}\n`);
    assertFileError(() => readCredentialsFile(path), /has no aws_access_key_id/);
  });

  test('an empty secret counts as missing', () => {
    const path = file('empty-secret', `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key =\n`);
    assertFileError(() => readCredentialsFile(path), /has no aws_secret_access_key/);
  });

  test('a malformed line is reported by number, without its text', () => {
    const path = file('malformed', `[default]\naws_access_key_id = ${KEY_ID}\n${CANARY}\n`);
    const err = assertFileError(() => readCredentialsFile(path), /malformed: line 3 is not/);
    assert.ok(!err.message.includes(CANARY));
  });

  test('a key before any section is malformed', () => {
    const path = file('no-section', `aws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${CANARY}\n`);
    assertFileError(() => readCredentialsFile(path), /line 1 sets a key before any \[profile\] header/);
  });

  test('a section header without a name is malformed', () => {
    assertFileError(() => readCredentialsFile(file('no-name', '[ ]\n')), /line 1 is a section header without a name/);
  });
});

describe('describeAuthPath', () => {
  const env = {
    AWS_SECRET_ACCESS_KEY: CANARY,
    AWS_SESSION_TOKEN: CANARY_TOKEN,
    AWS_ACCESS_KEY_ID: KEY_ID,
  };

  test('names the credentials file, its profile and the assumed role', () => {
    const text = describeAuthPath(
      auth({ authSecretFile: '/x/credentials', assumeRoleArn: 'arn:aws:iam::123456789012:role/chaos-runner' }),
      env,
    );
    assert.equal(
      text,
      'credentials file /x/credentials (profile default) + assume role arn:aws:iam::123456789012:role/chaos-runner',
    );
  });

  test('names the token file and role of web identity', () => {
    const text = describeAuthPath(auth(), {
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa',
    });
    assert.equal(text, 'web identity token /var/run/token for role arn:aws:iam::123456789012:role/irsa');
  });

  test('keys in the environment come before web identity, as in the SDK chain, and are never printed', () => {
    const text = describeAuthPath(auth(), {
      ...env,
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa',
    });
    assert.equal(text, 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment');
    for (const secret of [CANARY, CANARY_TOKEN, KEY_ID]) assert.ok(!text.includes(secret));
  });

  test('names the SDK default chain and its profile, never the env secrets', () => {
    const text = describeAuthPath(auth({ profile: 'ops' }), env);
    assert.equal(text, 'the SDK default credential chain (profile ops)');
    for (const secret of [CANARY, CANARY_TOKEN, KEY_ID]) assert.ok(!text.includes(secret));
  });
});

describe('createCredentialProvider', () => {
  test('resolves the file once and shares the result among callers', async () => {
    // Prepare
    const path = file('provider', `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${CANARY}\n`);
    const provider = createCredentialProvider(auth({ authSecretFile: path }), { region: 'us-east-1', env: {} });
    // Act
    const [a, b] = await Promise.all([provider(), provider()]);
    rmSync(path);
    const c: AwsCredentialIdentity = await provider();
    // Assess: the file is gone, the memoized credentials remain.
    assert.equal(a.secretAccessKey, CANARY);
    assert.equal(a, b);
    assert.equal(c, a);
  });

  test('a missing file rejects with the InvalidInputError, without secrets', async () => {
    const provider = createCredentialProvider(auth({ authSecretFile: join(dir, 'gone') }), {
      region: 'us-east-1',
      env: { AWS_SECRET_ACCESS_KEY: CANARY },
    });
    await assert.rejects(provider(), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.ok(err instanceof ChaosError);
      assert.equal(err.fault, 'user');
      assert.ok(!err.message.includes(CANARY));
      return true;
    });
  });

  test('a missing profile rejects and lists the profiles, without secrets', async () => {
    const path = file(
      'provider-profile',
      `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${CANARY}\n`,
    );
    const provider = createCredentialProvider(auth({ authSecretFile: path, profile: 'prod' }), {
      region: 'us-east-1',
      env: {},
    });
    await assert.rejects(provider(), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /profiles found: default/);
      assert.ok(!err.message.includes(CANARY));
      return true;
    });
  });

  test('a web identity token file that is missing rejects with a CREDENTIALS error naming the path', async () => {
    const tokenFile = join(dir, 'no-token');
    const provider = createCredentialProvider(auth({ endpointUrl: 'http://127.0.0.1:9' }), {
      region: 'us-east-1',
      env: {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa',
        AWS_SECRET_ACCESS_KEY: CANARY,
      },
    });
    await assert.rejects(provider(), (err: unknown) => {
      assert.ok(err instanceof ChaosError);
      assert.equal(err.code, 'CREDENTIALS');
      assert.equal(err.fault, 'user');
      assert.ok(err.message.includes(`web identity token ${tokenFile}`));
      assert.match(err.message, /Fix: /);
      assert.ok(!err.message.includes(CANARY));
      return true;
    });
  });
});
