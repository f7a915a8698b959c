import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteConflictException,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  InvalidInputException,
  LimitExceededException,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { expectAwsError, startFront, type TestFront } from '../support/front.js';

const ACCOUNT = '123456789012';
const ADMIN_ARN = `arn:aws:iam::${ACCOUNT}:user/admin`;

const ECS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const S3_READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }],
});

let front: TestFront;
let iam: IAMClient;

before(async () => {
  front = await startFront();
  iam = front.iamClient();
});

after(async () => {
  await front.close();
});

async function createRole(roleName: string, extra: { Path?: string } = {}): Promise<void> {
  await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: ECS_TRUST, ...extra }));
}

describe('IAM roles', () => {
  test('CreateRole answers the role with its id, ARN with path, and the trust policy URL-encoded', async () => {
    const before = Date.now();
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'orders-task',
        Path: '/app/',
        AssumeRolePolicyDocument: ECS_TRUST,
        Description: 'the orders service',
        Tags: [{ Key: 'team', Value: 'orders' }],
      }),
    );
    assert.ok(Role);
    assert.equal(Role.RoleName, 'orders-task');
    assert.equal(Role.Path, '/app/');
    assert.equal(Role.Arn, `arn:aws:iam::${ACCOUNT}:role/app/orders-task`);
    assert.match(Role.RoleId ?? '', /^AROA[A-Z2-7]{17}$/);
    assert.equal(Role.AssumeRolePolicyDocument, encodeURIComponent(ECS_TRUST));
    assert.equal(decodeURIComponent(Role.AssumeRolePolicyDocument ?? ''), ECS_TRUST);
    assert.equal(Role.MaxSessionDuration, 3600);
    assert.deepEqual(Role.Tags, [{ Key: 'team', Value: 'orders' }]);
    assert.ok(Role.CreateDate instanceof Date);
    assert.ok(Math.abs(Role.CreateDate.getTime() - before) < 5000);
  });

  test('GetRole answers every field; a role name is found whatever its case', async () => {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'ORDERS-TASK' }));
    assert.equal(Role?.RoleName, 'orders-task');
    assert.equal(Role?.Description, 'the orders service');
    assert.equal(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ''), ECS_TRUST);
    assert.deepEqual(Role?.Tags, [{ Key: 'team', Value: 'orders' }]);
  });

  test('GetRole of a missing role raises NoSuchEntity (404)', async () => {
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'ghost' })), {
      name: 'NoSuchEntityException',
      type: NoSuchEntityException,
      message: 'The role with name ghost cannot be found.',
      status: 404,
    });
  });

  test('CreateRole of an existing name, in any case, raises EntityAlreadyExists (409)', async () => {
    await expectAwsError(
      iam.send(new CreateRoleCommand({ RoleName: 'Orders-Task', AssumeRolePolicyDocument: ECS_TRUST })),
      {
        name: 'EntityAlreadyExistsException',
        type: EntityAlreadyExistsException,
        message: 'Role with name Orders-Task already exists.',
        status: 409,
      },
    );
  });

  test('CreateRole with a malformed trust policy raises MalformedPolicyDocument', async () => {
    const withResource = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' },
      ],
    });
    await expectAwsError(
      iam.send(new CreateRoleCommand({ RoleName: 'bad-trust', AssumeRolePolicyDocument: withResource })),
      {
        name: 'MalformedPolicyDocumentException',
        type: MalformedPolicyDocumentException,
        message: 'Has prohibited field Resource',
        status: 400,
      },
    );
    await expectAwsError(
      iam.send(new CreateRoleCommand({ RoleName: 'bad-trust', AssumeRolePolicyDocument: '{"Statement":' })),
      {
        name: 'MalformedPolicyDocumentException',
        message: 'Syntax errors in policy.',
      },
    );
  });

  test('CreateRole with a trust policy naming a role that does not exist raises MalformedPolicyDocument', async () => {
    const missing = `arn:aws:iam::${ACCOUNT}:role/nobody`;
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: missing }, Action: 'sts:AssumeRole' }],
    });
    await expectAwsError(
      iam.send(new CreateRoleCommand({ RoleName: 'trusts-ghost', AssumeRolePolicyDocument: document })),
      {
        name: 'MalformedPolicyDocumentException',
        message: `Invalid principal in policy: "AWS":"${missing}"`,
      },
    );
  });

  test('CreateRole validates the name, path and session duration as IAM does', async () => {
    await expectAwsError(
      iam.send(new CreateRoleCommand({ RoleName: 'bad name', AssumeRolePolicyDocument: ECS_TRUST })),
      {
        name: 'ValidationError',
        message:
          "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        status: 400,
      },
    );
    await expectAwsError(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'r',
          Path: 'app',
          AssumeRolePolicyDocument: ECS_TRUST,
          MaxSessionDuration: 60,
        }),
      ),
      { name: 'ValidationError', message: /^2 validation errors detected: .*'path'.*; .*'maxSessionDuration'.*3600$/ },
    );
    await expectAwsError(
      iam.send(new CreateRoleCommand({ RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: ECS_TRUST })),
      {
        name: 'ValidationError',
        message: /Member must have length less than or equal to 64/,
      },
    );
  });

  test('ListRoles filters by PathPrefix and pages with Marker and MaxItems', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await createRole(name, { Path: '/paged/' });
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    assert.deepEqual(
      first.Roles?.map((r) => r.RoleName),
      ['page-a', 'page-b'],
    );
    assert.equal(first.IsTruncated, true);
    assert.ok(first.Marker);
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    assert.deepEqual(
      second.Roles?.map((r) => r.RoleName),
      ['page-c'],
    );
    assert.equal(second.IsTruncated, false);
    assert.equal(second.Marker, undefined);
    assert.equal(decodeURIComponent(second.Roles?.[0]?.AssumeRolePolicyDocument ?? ''), ECS_TRUST);
  });

  test('UpdateAssumeRolePolicy replaces the trust policy, and refuses a malformed one', async () => {
    await createRole('retrusted');
    const lambdaTrust = ECS_TRUST.replace('ecs-tasks', 'lambda');
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'retrusted', PolicyDocument: lambdaTrust }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'retrusted' }));
    assert.equal(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ''), lambdaTrust);
    assert.equal(front.iam.trustsService(front.iam.requireRole('retrusted'), 'lambda.amazonaws.com'), true);
    assert.equal(front.iam.trustsService(front.iam.requireRole('retrusted'), 'ecs-tasks.amazonaws.com'), false);
    await expectAwsError(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'retrusted', PolicyDocument: S3_READ })),
      { name: 'MalformedPolicyDocumentException', message: 'Has prohibited field Resource' },
    );
    await expectAwsError(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ghost', PolicyDocument: ECS_TRUST })),
      {
        name: 'NoSuchEntityException',
      },
    );
  });

  test('inline policies: Put, Get (URL-encoded), List, Delete', async () => {
    await createRole('inline-host');
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'inline-host', PolicyName: 's3-read', PolicyDocument: S3_READ }),
    );
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'inline-host', PolicyName: 'a-first', PolicyDocument: S3_READ }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'inline-host', PolicyName: 's3-read' }));
    assert.equal(got.RoleName, 'inline-host');
    assert.equal(got.PolicyName, 's3-read');
    assert.equal(got.PolicyDocument, encodeURIComponent(S3_READ));
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: 'inline-host' }));
    assert.deepEqual(listed.PolicyNames, ['a-first', 's3-read']);
    assert.equal(listed.IsTruncated, false);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'inline-host', PolicyName: 'a-first' }));
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'inline-host' }))).PolicyNames, [
      's3-read',
    ]);
  });

  test('inline policies: errors for a missing policy, a malformed one, and too much policy', async () => {
    await createRole('inline-errors');
    await expectAwsError(iam.send(new GetRolePolicyCommand({ RoleName: 'inline-errors', PolicyName: 'nope' })), {
      name: 'NoSuchEntityException',
      message: 'The role policy with name nope cannot be found.',
      status: 404,
    });
    await expectAwsError(iam.send(new DeleteRolePolicyCommand({ RoleName: 'inline-errors', PolicyName: 'nope' })), {
      name: 'NoSuchEntityException',
    });
    const withPrincipal = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
    });
    await expectAwsError(
      iam.send(new PutRolePolicyCommand({ RoleName: 'inline-errors', PolicyName: 'p', PolicyDocument: withPrincipal })),
      { name: 'MalformedPolicyDocumentException', message: 'Policy document should not specify a principal.' },
    );
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: Array.from({ length: 450 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`),
        },
      ],
    });
    await expectAwsError(
      iam.send(new PutRolePolicyCommand({ RoleName: 'inline-errors', PolicyName: 'big', PolicyDocument: big })),
      {
        name: 'LimitExceededException',
        type: LimitExceededException,
        message: /Maximum policy size of 10240 bytes exceeded/,
      },
    );
    await expectAwsError(
      iam.send(new PutRolePolicyCommand({ RoleName: 'ghost', PolicyName: 'p', PolicyDocument: S3_READ })),
      { name: 'NoSuchEntityException' },
    );
  });

  test('tags: TagRole, ListRoleTags, UntagRole; duplicate keys are refused', async () => {
    await createRole('tagged');
    await iam.send(
      new TagRoleCommand({
        RoleName: 'tagged',
        Tags: [
          { Key: 'env', Value: 'dev' },
          { Key: 'team', Value: 'x' },
        ],
      }),
    );
    await iam.send(new TagRoleCommand({ RoleName: 'tagged', Tags: [{ Key: 'ENV', Value: 'prod' }] }));
    const listed = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }));
    assert.deepEqual(listed.Tags, [
      { Key: 'team', Value: 'x' },
      { Key: 'ENV', Value: 'prod' },
    ]);
    assert.equal(listed.IsTruncated, false);
    await iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: ['team'] }));
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }))).Tags, [
      { Key: 'ENV', Value: 'prod' },
    ]);
    await expectAwsError(
      iam.send(
        new TagRoleCommand({
          RoleName: 'tagged',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'A', Value: '2' },
          ],
        }),
      ),
      { name: 'InvalidInputException', type: InvalidInputException, message: /Duplicate tag keys/ },
    );
    await expectAwsError(iam.send(new ListRoleTagsCommand({ RoleName: 'ghost' })), { name: 'NoSuchEntityException' });
  });

  test('UpdateRole changes the description and the maximum session duration', async () => {
    await createRole('updated');
    await iam.send(
      new UpdateRoleCommand({ RoleName: 'updated', Description: 'longer sessions', MaxSessionDuration: 43200 }),
    );
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'updated' }));
    assert.equal(Role?.Description, 'longer sessions');
    assert.equal(Role?.MaxSessionDuration, 43200);
    await expectAwsError(iam.send(new UpdateRoleCommand({ RoleName: 'updated', MaxSessionDuration: 43201 })), {
      name: 'ValidationError',
      message: /Member must have value less than or equal to 43200/,
    });
  });
});

describe('IAM managed policies', () => {
  test('CreatePolicy, GetPolicy and GetPolicyVersion (document URL-encoded)', async () => {
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'orders-read',
        PolicyDocument: S3_READ,
        Path: '/app/',
        Description: 'reads',
      }),
    );
    assert.equal(Policy?.Arn, `arn:aws:iam::${ACCOUNT}:policy/app/orders-read`);
    assert.match(Policy?.PolicyId ?? '', /^ANPA[A-Z2-7]{17}$/);
    assert.equal(Policy?.DefaultVersionId, 'v1');
    assert.equal(Policy?.AttachmentCount, 0);
    assert.equal(Policy?.IsAttachable, true);
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: Policy?.Arn }));
    assert.equal(got.Policy?.PolicyName, 'orders-read');
    assert.equal(got.Policy?.Description, 'reads');
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: Policy?.Arn, VersionId: 'v1' }));
    assert.equal(version.PolicyVersion?.Document, encodeURIComponent(S3_READ));
    assert.equal(version.PolicyVersion?.IsDefaultVersion, true);
    assert.equal(version.PolicyVersion?.VersionId, 'v1');
  });

  test('the AWS managed task execution policy carries its real permissions', async () => {
    const arn = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
    const { PolicyVersion } = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const document = JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? '')) as {
      Statement: Array<{ Action: string[] }>;
    };
    assert.deepEqual(document.Statement[0]?.Action, [
      'ecr:GetAuthorizationToken',
      'ecr:BatchCheckLayerAvailability',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchGetImage',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  test('CreatePolicy errors: duplicate name, malformed document, oversize document', async () => {
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'ORDERS-READ', PolicyDocument: S3_READ })), {
      name: 'EntityAlreadyExistsException',
      message: 'A policy called ORDERS-READ already exists. Duplicate names are not allowed.',
      status: 409,
    });
    await expectAwsError(
      iam.send(
        new CreatePolicyCommand({
          PolicyName: 'no-resource',
          PolicyDocument: '{"Statement":{"Effect":"Allow","Action":"s3:*"}}',
        }),
      ),
      { name: 'MalformedPolicyDocumentException', message: 'Policy statement must contain resources.' },
    );
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`),
        },
      ],
    });
    await expectAwsError(iam.send(new CreatePolicyCommand({ PolicyName: 'huge', PolicyDocument: big })), {
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for PolicySize: 6144',
    });
  });

  test('GetPolicy errors: a missing policy, a text that is not a policy ARN, a missing version', async () => {
    const missing = `arn:aws:iam::${ACCOUNT}:policy/nope`;
    await expectAwsError(iam.send(new GetPolicyCommand({ PolicyArn: missing })), {
      name: 'NoSuchEntityException',
      message: `Policy ${missing} does not exist or is not attachable.`,
    });
    await expectAwsError(iam.send(new GetPolicyCommand({ PolicyArn: 'not-an-arn' })), {
      name: 'InvalidInputException',
      message: 'ARN not-an-arn is not valid.',
    });
    await expectAwsError(
      iam.send(
        new GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', VersionId: 'v9' }),
      ),
      { name: 'NoSuchEntityException' },
    );
  });

  test('attach, list and detach role policies; AttachmentCount follows', async () => {
    await createRole('attached-host');
    const arn = `arn:aws:iam::${ACCOUNT}:policy/app/orders-read`;
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'attached-host', PolicyArn: arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'attached-host', PolicyArn: arn }));
    const listed = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attached-host' }));
    assert.deepEqual(listed.AttachedPolicies, [{ PolicyName: 'orders-read', PolicyArn: arn }]);
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount, 1);
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'attached-host', PolicyArn: arn }));
    assert.deepEqual(
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'attached-host' }))).AttachedPolicies,
      [],
    );
    await expectAwsError(iam.send(new DetachRolePolicyCommand({ RoleName: 'attached-host', PolicyArn: arn })), {
      name: 'NoSuchEntityException',
      message: `Policy ${arn} was not found.`,
    });
    await expectAwsError(
      iam.send(
        new AttachRolePolicyCommand({ RoleName: 'attached-host', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/nope` }),
      ),
      { name: 'NoSuchEntityException', message: /does not exist or is not attachable/ },
    );
  });

  test('a role takes at most 10 managed policies', async () => {
    await createRole('crowded');
    for (let i = 0; i < 10; i++) {
      const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: `crowd-${i}`, PolicyDocument: S3_READ }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'crowded', PolicyArn: Policy?.Arn }));
    }
    await expectAwsError(
      iam.send(
        new AttachRolePolicyCommand({ RoleName: 'crowded', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
      ),
      { name: 'LimitExceededException', message: 'Cannot exceed quota for PoliciesPerRole: 10', status: 409 },
    );
  });

  test('ListPolicies filters by Scope and OnlyAttached, and pages', async () => {
    const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/app/' }));
    assert.deepEqual(
      local.Policies?.map((p) => p.PolicyName),
      ['orders-read'],
    );
    const aws = await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
    assert.deepEqual(
      aws.Policies?.map((p) => p.Arn),
      [
        'arn:aws:iam::aws:policy/AdministratorAccess',
        'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
        'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
        'arn:aws:iam::aws:policy/ReadOnlyAccess',
      ],
    );
    const attached = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', OnlyAttached: true }));
    assert.deepEqual(
      attached.Policies?.map((p) => [p.PolicyName, p.AttachmentCount]),
      [['AdministratorAccess', 1]],
    );
    const page = await iam.send(new ListPoliciesCommand({ Scope: 'All', MaxItems: 3 }));
    assert.equal(page.Policies?.length, 3);
    assert.equal(page.IsTruncated, true);
    const rest = await iam.send(new ListPoliciesCommand({ Scope: 'All', MaxItems: 1000, Marker: page.Marker }));
    const all = await iam.send(new ListPoliciesCommand({}));
    assert.equal((page.Policies?.length ?? 0) + (rest.Policies?.length ?? 0), all.Policies?.length);
  });

  test('DeleteRole refuses while policies remain, then deletes', async () => {
    await createRole('doomed');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'doomed', PolicyName: 'inline', PolicyDocument: S3_READ }));
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: 'doomed', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    );
    await expectAwsError(iam.send(new DeleteRoleCommand({ RoleName: 'doomed' })), {
      name: 'DeleteConflictException',
      type: DeleteConflictException,
      message: 'Cannot delete entity, must detach all policies first.',
      status: 409,
    });
    await iam.send(
      new DetachRolePolicyCommand({ RoleName: 'doomed', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    );
    await expectAwsError(iam.send(new DeleteRoleCommand({ RoleName: 'doomed' })), {
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must delete policies first.',
    });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'doomed', PolicyName: 'inline' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'doomed' }));
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'doomed' })), { name: 'NoSuchEntityException' });
    await expectAwsError(iam.send(new DeleteRoleCommand({ RoleName: 'doomed' })), { name: 'NoSuchEntityException' });
  });
});

describe('IAM users and access keys', () => {
  test('GetUser without UserName answers the caller, the admin user', async () => {
    const { User } = await iam.send(new GetUserCommand({}));
    assert.equal(User?.UserName, 'admin');
    assert.equal(User?.Arn, ADMIN_ARN);
    assert.match(User?.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
  });

  test('CreateUser, GetUser; a duplicate raises EntityAlreadyExists, a missing user NoSuchEntity', async () => {
    const { User } = await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/people/' }));
    assert.equal(User?.Arn, `arn:aws:iam::${ACCOUNT}:user/people/alice`);
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.Path, '/people/');
    await expectAwsError(iam.send(new CreateUserCommand({ UserName: 'Alice' })), {
      name: 'EntityAlreadyExistsException',
      message: 'User with name Alice already exists.',
    });
    await expectAwsError(iam.send(new GetUserCommand({ UserName: 'mallory' })), {
      name: 'NoSuchEntityException',
      message: 'The user with name mallory cannot be found.',
    });
  });

  test('a new access key signs requests as its user, at most two keys per user', async () => {
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    assert.match(AccessKey?.AccessKeyId ?? '', /^AKIA[A-Z2-7]{16}$/);
    assert.equal(AccessKey?.SecretAccessKey?.length, 40);
    assert.equal(AccessKey?.Status, 'Active');
    assert.equal(AccessKey?.UserName, 'alice');
    const sts = front.stsClient({ accessKeyId: AccessKey.AccessKeyId!, secretAccessKey: AccessKey.SecretAccessKey });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, `arn:aws:iam::${ACCOUNT}:user/people/alice`);
    await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
    await expectAwsError(iam.send(new CreateAccessKeyCommand({ UserName: 'alice' })), {
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    });
  });

  test('user policies: inline Put/Get/List and managed Attach/List', async () => {
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read', PolicyDocument: S3_READ }));
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'read' }));
    assert.equal(got.PolicyDocument, encodeURIComponent(S3_READ));
    assert.equal(got.UserName, 'alice');
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'alice' }))).PolicyNames, ['read']);
    await iam.send(
      new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }),
    );
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
    assert.deepEqual(attached.AttachedPolicies, [
      { PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' },
    ]);
    await expectAwsError(iam.send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'nope' })), {
      name: 'NoSuchEntityException',
      message: 'The user policy with name nope cannot be found.',
    });
    const sources = front.iam.effectivePolicies({ type: 'User', arn: `arn:aws:iam::${ACCOUNT}:user/people/alice` });
    assert.deepEqual(
      sources.map((s) => s.id),
      [`arn:aws:iam::${ACCOUNT}:user/people/alice/inline/read`, 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
    );
  });

  test('DeleteUser refuses while keys and policies remain; a deleted key stops working', async () => {
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'alice' })), {
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must delete access keys first.',
    });
    const user = front.iam.requireUser('alice');
    const [firstKey] = user.accessKeyIds;
    const secret = front.keys.get(firstKey!)!.secretAccessKey;
    for (const id of [...user.accessKeyIds]) {
      await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: id }));
    }
    await expectAwsError(
      front.stsClient({ accessKeyId: firstKey!, secretAccessKey: secret }).send(new GetCallerIdentityCommand({})),
      {
        name: 'InvalidClientTokenId',
        status: 403,
      },
    );
    await expectAwsError(iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: firstKey })), {
      name: 'NoSuchEntityException',
      message: `The Access Key with id ${firstKey} cannot be found.`,
    });
    await expectAwsError(iam.send(new DeleteUserCommand({ UserName: 'alice' })), {
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must delete policies first.',
    });
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'read' }));
    await iam.send(
      new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }),
    );
    await iam.send(new DeleteUserCommand({ UserName: 'alice' }));
    await expectAwsError(iam.send(new GetUserCommand({ UserName: 'alice' })), { name: 'NoSuchEntityException' });
  });
});

describe('IAM authentication', () => {
  test('a wrong secret raises SignatureDoesNotMatch (403)', async () => {
    const client = front.iamClient({ accessKeyId: 'test', secretAccessKey: 'wrong' });
    await expectAwsError(client.send(new GetUserCommand({})), { name: 'SignatureDoesNotMatch', status: 403 });
  });

  test('an unknown access key raises InvalidClientTokenId (403)', async () => {
    const client = front.iamClient({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'whatever' });
    await expectAwsError(client.send(new GetUserCommand({})), {
      name: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
      status: 403,
    });
  });

  test('the request log records the caller and the error code of each call', async () => {
    const from = front.log.lastSeq;
    await expectAwsError(iam.send(new GetRoleCommand({ RoleName: 'ghost' })), { name: 'NoSuchEntityException' });
    const [entry] = front.log.since(from);
    assert.deepEqual(
      {
        service: entry?.service,
        action: entry?.action,
        principal: entry?.principal,
        status: entry?.status,
        code: entry?.errorCode,
      },
      { service: 'iam', action: 'GetRole', principal: ADMIN_ARN, status: 404, code: 'NoSuchEntity' },
    );
  });
});
