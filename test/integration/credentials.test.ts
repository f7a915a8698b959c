import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { createCredentialProvider, describeAuthPath, verifyCredentials } from '../../src/aws/credentials.js';
import type { AuthSpec } from '../../src/config/spec.js';
import { ChaosError } from '../../src/errors.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const CANARY = 'CANARYSECRETdoNotPrint1234567890abcdefghij';
const ACCOUNT = '123456789012';

let sandbox: Sandbox;
let dir: string;

const writeFile = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const authFor = (over: Partial<AuthSpec> = {}): AuthSpec => ({
  authSecretFile: undefined,
  profile: undefined,
  assumeRoleArn: undefined,
  endpointUrl: sandbox.endpoint,
  ...over,
});
/** GetCallerIdentity through a real SDK client using the provider, as the engine's clients will. */
async function callerArn(credentials: AwsCredentialIdentityProvider): Promise<string> {
  const sts = new STSClient({ region: sandbox.region, endpoint: sandbox.endpoint, credentials, maxAttempts: 1 });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    sts.destroy();
  }
}

before(async () => {
  sandbox = await startSandbox({ scenario: 'demo' });
  // The demo's IRSA role trusts the sandbox's OIDC issuer; STS also wants the issuer registered as
  // an identity provider. Register it here unless the scenario already does.
  const { iam, oidc } = sandbox.world;
  if (!iam.getOidcProviderForIssuer(oidc.issuer)) iam.addOidcProvider(oidc.issuer, ['sts.amazonaws.com']);
  dir = mkdtempSync(join(tmpdir(), 'ecs-chaos-credentials-it-'));
});
after(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credentials against the sandbox', () => {
  test('a credentials file authenticates as its user', async () => {
    // Prepare
    const file = writeFile('admin', '[default]\naws_access_key_id = test\naws_secret_access_key = test\n');
    const credentials = createCredentialProvider(authFor({ authSecretFile: file }), {
      region: sandbox.region,
      env: {},
    });
    // Act
    const arn = await callerArn(credentials);
    // Assess
    assert.equal(arn, `arn:aws:iam::${ACCOUNT}:user/admin`);
  });

  test('web identity (IRSA) assumes the role of AWS_ROLE_ARN with the token of AWS_WEB_IDENTITY_TOKEN_FILE', async () => {
    const tokenFile = writeFile(
      'token',
      sandbox.issueWebIdentityToken({ sub: 'system:serviceaccount:chaos:ecs-chaos' }),
    );
    const env = {
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/chaos-runner-irsa`,
    };
    const credentials = createCredentialProvider(authFor(), { region: sandbox.region, env });

    const arn = await callerArn(credentials);

    assert.match(arn, new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/chaos-runner-irsa/ecs-chaos$`));
    assert.equal(describeAuthPath(authFor(), env), `web identity token ${tokenFile} for role ${env.AWS_ROLE_ARN}`);
  });

  test('ASSUME_ROLE_ARN on top of a credentials file makes one AssumeRole shared by every client', async () => {
    const file = writeFile('admin-assume', '[default]\naws_access_key_id = test\naws_secret_access_key = test\n');
    const auth = authFor({ authSecretFile: file, assumeRoleArn: `arn:aws:iam::${ACCOUNT}:role/chaos-runner` });
    const credentials = createCredentialProvider(auth, {
      region: sandbox.region,
      env: {},
      roleSessionName: 'ecs-chaos-test',
    });
    const since = sandbox.requests().at(-1)?.seq ?? 0;

    const arns = await Promise.all([callerArn(credentials), callerArn(credentials), callerArn(credentials)]);

    for (const arn of arns) assert.equal(arn, `arn:aws:sts::${ACCOUNT}:assumed-role/chaos-runner/ecs-chaos-test`);
    const assumeRoles = sandbox.requests(since).filter((r) => r.action === 'AssumeRole');
    assert.equal(assumeRoles.length, 1, 'expected one AssumeRole for three clients');
  });

  test('assumed credentials are refreshed shortly before they expire, not before', async () => {
    const file = writeFile('admin-refresh', '[default]\naws_access_key_id = test\naws_secret_access_key = test\n');
    const auth = authFor({ authSecretFile: file, assumeRoleArn: `arn:aws:iam::${ACCOUNT}:role/chaos-runner` });
    let clock = Date.now();
    const credentials = createCredentialProvider(auth, { region: sandbox.region, env: {}, now: () => clock });
    const since = sandbox.requests().at(-1)?.seq ?? 0;

    const first = await credentials();
    clock = first.expiration!.getTime() - 6 * 60_000;
    const stillCached = await credentials();
    clock = first.expiration!.getTime() - 4 * 60_000;
    const refreshed = await credentials();

    assert.equal(stillCached, first);
    assert.notEqual(refreshed.accessKeyId, first.accessKeyId);
    assert.equal(sandbox.requests(since).filter((r) => r.action === 'AssumeRole').length, 2);
  });

  test('a wrong secret fails with a CREDENTIALS error that never shows the secret', async () => {
    const file = writeFile('wrong-secret', `[default]\naws_access_key_id = test\naws_secret_access_key = ${CANARY}\n`);
    const auth = authFor({ authSecretFile: file });
    const credentials = createCredentialProvider(auth, { region: sandbox.region, env: {} });

    // The preflight check of the credentials.
    const err = await verifyCredentials(credentials, { auth, region: sandbox.region, env: {} }).then(
      () => assert.fail('expected the credentials to be refused'),
      (error: unknown) => error,
    );

    assert.ok(err instanceof ChaosError, `expected a ChaosError, got ${String(err)}`);
    assert.equal(err.code, 'CREDENTIALS');
    assert.equal(err.fault, 'user');
    assert.ok(err.message.includes(`credentials file ${file} (profile default)`));
    assert.match(err.message, /Fix: /);
    assert.ok(!err.message.includes(CANARY), 'the canary secret leaked into the message');
    assert.ok(!JSON.stringify(err.detail).includes(CANARY), 'the canary secret leaked into the detail');
  });

  test('a wrong secret under an assumed role fails in the provider without showing the secret', async () => {
    const file = writeFile(
      'wrong-secret-assume',
      `[default]\naws_access_key_id = test\naws_secret_access_key = ${CANARY}\n`,
    );
    const auth = authFor({ authSecretFile: file, assumeRoleArn: `arn:aws:iam::${ACCOUNT}:role/chaos-runner` });
    const credentials = createCredentialProvider(auth, { region: sandbox.region, env: {} });

    await assert.rejects(credentials(), (err: unknown) => {
      assert.ok(err instanceof ChaosError, `expected a ChaosError, got ${String(err)}`);
      assert.equal(err.code, 'CREDENTIALS');
      assert.equal(err.fault, 'user');
      assert.ok(err.message.includes(`assuming role arn:aws:iam::${ACCOUNT}:role/chaos-runner`));
      assert.match(err.message, /Fix: AWS refused the base credentials/);
      assert.ok(!err.message.includes(CANARY), 'the canary secret leaked into the message');
      assert.ok(!JSON.stringify(err.detail).includes(CANARY), 'the canary secret leaked into the detail');
      return true;
    });
  });

  test('a refused AssumeRole names the role and the fix', async () => {
    const file = writeFile('admin-untrusted', '[default]\naws_access_key_id = test\naws_secret_access_key = test\n');
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/untrusted-role`;
    const credentials = createCredentialProvider(authFor({ authSecretFile: file, assumeRoleArn: roleArn }), {
      region: sandbox.region,
      env: {},
    });

    await assert.rejects(credentials(), (err: unknown) => {
      assert.ok(err instanceof ChaosError, `expected a ChaosError, got ${String(err)}`);
      assert.equal(err.code, 'CREDENTIALS');
      assert.equal(err.fault, 'user');
      assert.ok(err.message.includes(`assuming role ${roleArn}`));
      assert.match(err.message, /AccessDenied/);
      assert.match(err.message, /Fix: .*sts:AssumeRole.*trust policy/);
      return true;
    });
  });

  test('a refused web identity token fails with a CREDENTIALS error naming the token file', async () => {
    const tokenFile = writeFile('bad-token', 'not-a-jwt');
    const env = {
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/chaos-runner-irsa`,
    };
    const credentials = createCredentialProvider(authFor(), { region: sandbox.region, env });

    await assert.rejects(credentials(), (err: unknown) => {
      assert.ok(err instanceof ChaosError, `expected a ChaosError, got ${String(err)}`);
      assert.equal(err.code, 'CREDENTIALS');
      assert.ok(err.message.includes(`web identity token ${tokenFile}`));
      return true;
    });
  });
});
