import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  ExpiredTokenException,
  GetCallerIdentityCommand,
  InvalidIdentityTokenException,
  MalformedPolicyDocumentException,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { OidcIssuer } from '../../sandbox/core/oidc.js';
import { expectAwsError, startFront, type TestCredentials, type TestFront } from '../support/front.js';

const ACCOUNT = '123456789012';
const ADMIN_ARN = `arn:aws:iam::${ACCOUNT}:user/admin`;

function trustingAws(principal: string | string[], condition?: object): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'sts:AssumeRole',
        ...(condition && { Condition: condition }),
      },
    ],
  };
}

function asCredentials(credentials: Credentials | undefined): TestCredentials {
  assert.ok(credentials?.AccessKeyId && credentials.SecretAccessKey && credentials.SessionToken);
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

/** An STS client without credentials: AssumeRoleWithWebIdentity is sent unsigned. */
function anonymousSts(front: TestFront): STSClient {
  return new STSClient({ endpoint: front.endpoint, region: 'us-east-1', maxAttempts: 1 });
}

describe('STS AssumeRole', () => {
  let front: TestFront;
  let sts: STSClient;

  before(async () => {
    front = await startFront();
    sts = front.stsClient();
    front.iam.createRole({
      roleName: 'chaos-runner',
      assumeRolePolicyDocument: trustingAws(ADMIN_ARN),
      maxSessionDuration: 7200,
    });
    front.iam.createRole({
      roleName: 'ecs-only',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
    });
    front.iam.createRole({
      roleName: 'partner',
      path: '/external/',
      assumeRolePolicyDocument: trustingAws(ACCOUNT, { StringEquals: { 'sts:ExternalId': 'chaos-123' } }),
    });
    front.iam.createRole({
      roleName: 'chained',
      assumeRolePolicyDocument: trustingAws(`arn:aws:iam::${ACCOUNT}:role/chaos-runner`),
    });
  });

  after(async () => {
    await front.close();
  });

  test('GetCallerIdentity answers the admin user of the sandbox account', async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, ACCOUNT);
    assert.equal(identity.Arn, ADMIN_ARN);
    assert.equal(identity.UserId, front.iam.requireUser('admin').userId);
  });

  test('AssumeRole issues session credentials when the trust policy names the caller', async () => {
    const role = front.iam.requireRole('chaos-runner');
    const issuedAt = front.now();
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'run-1', DurationSeconds: 7200 }),
    );
    assert.match(answer.Credentials?.AccessKeyId ?? '', /^ASIA[A-Z2-7]{16}$/);
    assert.equal(answer.Credentials?.SecretAccessKey?.length, 40);
    assert.ok((answer.Credentials?.SessionToken?.length ?? 0) > 100);
    const expiresIn = (answer.Credentials?.Expiration?.getTime() ?? 0) - issuedAt;
    assert.ok(Math.abs(expiresIn - 7200_000) < 5000, `expires in ${expiresIn} ms`);
    assert.deepEqual(answer.AssumedRoleUser, {
      AssumedRoleId: `${role.roleId}:run-1`,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/chaos-runner/run-1`,
    });
    assert.equal(answer.PackedPolicySize, undefined);
  });

  test("a session's GetCallerIdentity is its assumed-role ARN", async () => {
    const role = front.iam.requireRole('chaos-runner');
    const answer = await sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'who-am-i' }));
    const session = front.stsClient(asCredentials(answer.Credentials));
    const identity = await session.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/chaos-runner/who-am-i`);
    assert.equal(identity.UserId, `${role.roleId}:who-am-i`);
    assert.equal(identity.Account, ACCOUNT);
    // IAM's GetUser defaults to the caller only for users.
    await expectAwsError(front.iamClient(asCredentials(answer.Credentials)).send(new GetUserCommand({})), {
      name: 'ValidationError',
      message: 'Must specify userName when calling with non-User credentials',
    });
  });

  test('AssumeRole is AccessDenied (403) when the trust policy does not name the caller', async () => {
    const arn = front.iam.requireRole('ecs-only').arn;
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'nope' })), {
      name: 'AccessDenied',
      message: `User: ${ADMIN_ARN} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      status: 403,
    });
  });

  test('AssumeRole of a role that does not exist is the same AccessDenied', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/ghost`;
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'nope' })), {
      name: 'AccessDenied',
      message: `User: ${ADMIN_ARN} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      status: 403,
    });
  });

  test('a trust condition on sts:ExternalId needs the right ExternalId', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/external/partner`;
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'ext' })), {
      name: 'AccessDenied',
    });
    await expectAwsError(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'ext', ExternalId: 'wrong-id' })),
      {
        name: 'AccessDenied',
      },
    );
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'ext', ExternalId: 'chaos-123' }),
    );
    assert.equal(answer.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/partner/ext`);
  });

  test('a session may assume a role trusting its role, for at most one hour (role chaining)', async () => {
    const first = await sts.send(
      new AssumeRoleCommand({ RoleArn: front.iam.requireRole('chaos-runner').arn, RoleSessionName: 'hop-1' }),
    );
    const session = front.stsClient(asCredentials(first.Credentials));
    const chainedArn = front.iam.requireRole('chained').arn;
    const second = await session.send(new AssumeRoleCommand({ RoleArn: chainedArn, RoleSessionName: 'hop-2' }));
    assert.equal(second.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/chained/hop-2`);
    await expectAwsError(
      session.send(new AssumeRoleCommand({ RoleArn: chainedArn, RoleSessionName: 'hop-2', DurationSeconds: 3601 })),
      { name: 'ValidationError', message: /1 hour session limit for roles assumed by role chaining/ },
    );
    // The admin user itself is not named by the chained role's trust policy.
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: chainedArn, RoleSessionName: 'direct' })), {
      name: 'AccessDenied',
    });
  });

  test('DurationSeconds must be at least 900 and at most the role MaxSessionDuration', async () => {
    const arn = front.iam.requireRole('chaos-runner').arn;
    await expectAwsError(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'short', DurationSeconds: 899 })),
      {
        name: 'ValidationError',
        message:
          "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
        status: 400,
      },
    );
    await expectAwsError(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'long', DurationSeconds: 7201 })),
      {
        name: 'ValidationError',
        message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      },
    );
  });

  test('RoleSessionName and RoleArn are validated', async () => {
    const arn = front.iam.requireRole('chaos-runner').arn;
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'has space' })), {
      name: 'ValidationError',
      message:
        /Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    });
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x' })), {
      name: 'ValidationError',
      message: /Member must have length greater than or equal to 2/,
    });
    await expectAwsError(
      sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:s3:::not-a-role-at-all', RoleSessionName: 'ok' })),
      {
        name: 'ValidationError',
        message: 'arn:aws:s3:::not-a-role-at-all is invalid',
      },
    );
  });

  test('an inline session policy is validated, sized, and kept on the session', async () => {
    const arn = front.iam.requireRole('chaos-runner').arn;
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::orders/*' }],
    });
    const managed = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
    const answer = await sts.send(
      new AssumeRoleCommand({
        RoleArn: arn,
        RoleSessionName: 'scoped',
        Policy: policy,
        PolicyArns: [{ arn: managed }],
      }),
    );
    assert.ok(answer.PackedPolicySize !== undefined && answer.PackedPolicySize > 0 && answer.PackedPolicySize <= 100);
    const principal = front.keys.get(answer.Credentials!.AccessKeyId!)?.principal;
    assert.equal(principal?.type, 'AssumedRole');
    assert.equal(principal?.roleArn, arn);
    assert.equal(principal?.sessionName, 'scoped');
    assert.equal(principal?.sessionPolicy, policy);
    assert.deepEqual(principal?.sessionPolicyArns, [managed]);
    assert.deepEqual(
      front.iam.sessionPolicies(principal).map((s) => s.id),
      ['session-policy', managed],
    );
    await expectAwsError(
      sts.send(
        new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'bad', Policy: '{"Statement":{"Effect":"Allow"}}' }),
      ),
      { name: 'MalformedPolicyDocumentException', type: MalformedPolicyDocumentException, status: 400 },
    );
  });

  test('session policies are limited to 2,048 characters and 10 managed ARNs', async () => {
    const arn = front.iam.requireRole('chaos-runner').arn;
    const long = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: Array.from({ length: 100 }, (_, i) => `arn:aws:s3:::b-${i}/*`),
        },
      ],
    });
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'big', Policy: long })), {
      name: 'ValidationError',
      message: /at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048/,
    });
    const arns = Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::${ACCOUNT}:policy/p${i}` }));
    await expectAwsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'many', PolicyArns: arns })), {
      name: 'ValidationError',
      message: /at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10/,
    });
  });

  test('session credentials with the wrong session token are refused', async () => {
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: front.iam.requireRole('chaos-runner').arn, RoleSessionName: 'tok' }),
    );
    const credentials = { ...asCredentials(answer.Credentials), sessionToken: 'forged' };
    await expectAwsError(front.stsClient(credentials).send(new GetCallerIdentityCommand({})), {
      name: 'InvalidClientTokenId',
      status: 403,
    });
  });
});

describe('STS session expiry', () => {
  let front: TestFront;

  before(async () => {
    front = await startFront();
    front.iam.createRole({ roleName: 'short-lived', assumeRolePolicyDocument: trustingAws(ADMIN_ARN) });
  });

  after(async () => {
    await front.close();
  });

  test('an expired session is refused with ExpiredToken', async () => {
    const answer = await front.stsClient().send(
      new AssumeRoleCommand({
        RoleArn: front.iam.requireRole('short-lived').arn,
        RoleSessionName: 'brief',
        DurationSeconds: 900,
      }),
    );
    const credentials = asCredentials(answer.Credentials);
    assert.ok(await front.stsClient(credentials).send(new GetCallerIdentityCommand({})));
    front.advance(901_000);
    await expectAwsError(front.stsClient(credentials).send(new GetCallerIdentityCommand({})), {
      name: 'ExpiredToken',
      message: 'The security token included in the request is expired',
      status: 403,
    });
    // The admin's long-term key still works at the same moment.
    assert.equal((await front.stsClient().send(new GetCallerIdentityCommand({}))).Arn, ADMIN_ARN);
  });
});

describe('STS AssumeRoleWithWebIdentity', () => {
  let front: TestFront;
  let sts: STSClient;
  let roleArn: string;
  const subject = 'system:serviceaccount:chaos:runner';

  before(async () => {
    front = await startFront();
    sts = anonymousSts(front);
    const role = front.iam.createRole({
      roleName: 'irsa-runner',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: front.oidc.providerArn(ACCOUNT) },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                'oidc.ecs-chaos.sandbox:sub': subject,
                'oidc.ecs-chaos.sandbox:aud': 'sts.amazonaws.com',
              },
            },
          },
        ],
      },
    });
    roleArn = role.arn;
  });

  after(async () => {
    await front.close();
  });

  const assume = (token: string, sessionName = 'irsa') =>
    sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: token }),
    );

  test('a token is refused while no IAM provider is registered for its issuer', async () => {
    await expectAwsError(assume(front.oidc.issueToken({ sub: subject })), {
      name: 'InvalidIdentityTokenException',
      message: 'No OpenIDConnect provider found in your account for https://oidc.ecs-chaos.sandbox',
    });
    front.iam.addOidcProvider(front.oidc.issuer, ['sts.amazonaws.com']);
  });

  test('a good token gets session credentials, unsigned', async () => {
    const from = front.log.lastSeq;
    const answer = await assume(front.oidc.issueToken({ sub: subject }), 'pod-1');
    assert.equal(answer.SubjectFromWebIdentityToken, subject);
    assert.equal(answer.Audience, 'sts.amazonaws.com');
    assert.equal(answer.Provider, `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.ecs-chaos.sandbox`);
    assert.equal(answer.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/irsa-runner/pod-1`);
    assert.match(answer.Credentials?.AccessKeyId ?? '', /^ASIA/);
    const [logged] = front.log.since(from);
    assert.equal(logged?.action, 'AssumeRoleWithWebIdentity');
    assert.equal(logged?.principal, null);
    const identity = await front.stsClient(asCredentials(answer.Credentials)).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/irsa-runner/pod-1`);
  });

  test('a token for a subject the trust condition does not allow is AccessDenied', async () => {
    await expectAwsError(assume(front.oidc.issueToken({ sub: 'system:serviceaccount:default:intruder' })), {
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      status: 403,
    });
  });

  test('a token for an audience the provider does not accept is refused', async () => {
    await expectAwsError(assume(front.oidc.issueToken({ sub: subject, aud: 'someone-else' })), {
      name: 'InvalidIdentityTokenException',
      message: 'Incorrect token audience',
    });
  });

  test('a garbage token is InvalidIdentityToken', async () => {
    await expectAwsError(assume('not-a-jwt-at-all'), {
      name: 'InvalidIdentityTokenException',
      type: InvalidIdentityTokenException,
      message: 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
      status: 400,
    });
  });

  test('a token signed by another issuer is InvalidIdentityToken', async () => {
    const impostor = new OidcIssuer({ now: () => front.now() });
    await expectAwsError(assume(impostor.issueToken({ sub: subject })), { name: 'InvalidIdentityTokenException' });
    const [header, claims] = front.oidc.issueToken({ sub: subject }).split('.');
    const [, , foreignSignature] = impostor.issueToken({ sub: subject }).split('.');
    await expectAwsError(assume(`${header}.${claims}.${foreignSignature}`), {
      name: 'InvalidIdentityTokenException',
      message: /signature/,
    });
  });

  test('the role of a web identity must exist and trust the provider', async () => {
    const token = front.oidc.issueToken({ sub: subject });
    await expectAwsError(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/ghost`,
          RoleSessionName: 'irsa',
          WebIdentityToken: token,
        }),
      ),
      { name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' },
    );
  });

  test('an expired token is ExpiredTokenException', async () => {
    const token = front.oidc.issueToken({ sub: subject, expiresInSeconds: 60 });
    front.advance(61_000);
    await expectAwsError(assume(token), {
      name: 'ExpiredTokenException',
      type: ExpiredTokenException,
      message: /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
      status: 400,
    });
  });
});
