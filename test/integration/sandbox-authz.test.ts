/** The sandbox authorizes every call for its caller, as AWS does: real SDK clients, limited principals. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListClustersCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListRolesCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  AttachUserPolicyCommand,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { clientsFor, rejectsWith, withSandbox, type Clients } from '../support/sandbox.js';
import type { Sandbox } from '../../sandbox/index.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const ecsArn = (resource: string): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:${resource}`;
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/limited`;

const LIMITED_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Read', Effect: 'Allow', Action: ['ecs:Describe*', 'ecs:List*'], Resource: '*' },
    { Sid: 'NoTaskDefinitionList', Effect: 'Deny', Action: 'ecs:ListTaskDefinitions', Resource: '*' },
    { Sid: 'NoDescribeTaskDefinition', Effect: 'Deny', Action: 'ecs:DescribeTaskDefinition', Resource: '*' },
    { Sid: 'UpdateOrders', Effect: 'Allow', Action: 'ecs:UpdateService', Resource: ecsArn('service/demo/orders') },
    { Sid: 'Register', Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' },
    {
      Sid: 'PassToEcsTasks',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [role('ecsTaskExecutionRole'), role('orders-chaos-role')],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    {
      Sid: 'PassToEc2Only',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: role('billing-task-role'),
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
    { Sid: 'Simulate', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: USER_ARN },
  ],
};

function taskDefinition(
  family: string,
  roles: { task?: string; execution?: string },
): RegisterTaskDefinitionCommandInput {
  return {
    family,
    ...(roles.task && { taskRoleArn: roles.task }),
    ...(roles.execution && { executionRoleArn: roles.execution }),
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: 'nginx', essential: true }],
  };
}

async function userClients(sandbox: Sandbox, admin: Clients, userName: string, policy?: object): Promise<Clients> {
  await admin.iam.send(new CreateUserCommand({ UserName: userName }));
  if (policy) {
    await admin.iam.send(
      new PutUserPolicyCommand({ UserName: userName, PolicyName: 'limits', PolicyDocument: JSON.stringify(policy) }),
    );
  }
  const { AccessKey } = await admin.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return clientsFor(sandbox, { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
}

describe('sandbox authorization', () => {
  let sandbox: Sandbox;
  let admin: Clients;
  let limited: Clients;

  before(async () => {
    const started = await withSandbox({ scenario: 'demo' });
    sandbox = started.sandbox;
    admin = started;
    limited = await userClients(sandbox, admin, 'limited', LIMITED_POLICY);
  });
  after(() => sandbox.close());

  test('an allowed ECS call works; one no policy allows is AccessDeniedException in AWS words', async () => {
    const { services } = await limited.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }));
    assert.equal(services?.[0]?.serviceName, 'orders');
    const error = await rejectsWith(
      limited.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'billing', desiredCount: 2 })),
      'AccessDeniedException',
    );
    assert.equal(error.$metadata?.httpStatusCode, 400);
    assert.equal(
      error.message,
      `User: ${USER_ARN} is not authorized to perform: ecs:UpdateService on resource: ${ecsArn('service/demo/billing')} because no identity-based policy allows the ecs:UpdateService action`,
    );
  });

  test('UpdateService is scoped to the service ARN the policy names', async () => {
    const { service } = await limited.ecs.send(
      new UpdateServiceCommand({ cluster: 'demo', service: 'orders', desiredCount: 4 }),
    );
    assert.equal(service?.serviceName, 'orders');
    // The ARN form of the reference is authorized against the same resource.
    await rejectsWith(
      limited.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: ecsArn('service/demo/billing') })),
      'AccessDeniedException',
    );
  });

  test('an explicit Deny wins over an Allow', async () => {
    const error = await rejectsWith(limited.ecs.send(new ListTaskDefinitionsCommand({})), 'AccessDeniedException');
    assert.equal(
      error.message,
      `User: ${USER_ARN} is not authorized to perform: ecs:ListTaskDefinitions on resource: * with an explicit deny in an identity-based policy`,
    );
    const { clusterArns } = await limited.ecs.send(new ListClustersCommand({}));
    assert.deepEqual(clusterArns, [ecsArn('cluster/demo')]);
  });

  test('RegisterTaskDefinition needs iam:PassRole on the task role; nothing is registered without it', async () => {
    const error = await rejectsWith(
      limited.ecs.send(
        new RegisterTaskDefinitionCommand(
          taskDefinition('limited-app', { task: role('orders-task-role'), execution: role('ecsTaskExecutionRole') }),
        ),
      ),
      'AccessDeniedException',
    );
    assert.match(error.message, /is not authorized to perform: iam:PassRole on resource: /);
    assert.equal(
      error.message,
      `User: ${USER_ARN} is not authorized to perform: iam:PassRole on resource: ${role('orders-task-role')} because no identity-based policy allows the iam:PassRole action`,
    );
    assert.equal(sandbox.world.ecs.region(REGION).families.get('limited-app'), undefined);
  });

  test('the execution role is checked too', async () => {
    const error = await rejectsWith(
      limited.ecs.send(
        new RegisterTaskDefinitionCommand(
          taskDefinition('limited-app', { task: role('orders-chaos-role'), execution: role('orders-task-role') }),
        ),
      ),
      'AccessDeniedException',
    );
    assert.match(error.message, /iam:PassRole on resource: arn:aws:iam::123456789012:role\/orders-task-role /);
    assert.equal(sandbox.world.ecs.region(REGION).families.get('limited-app'), undefined);
  });

  test('PassRole allowed only for iam:PassedToService = ecs-tasks.amazonaws.com lets ECS take the role', async () => {
    const { taskDefinition: registered } = await limited.ecs.send(
      new RegisterTaskDefinitionCommand(
        taskDefinition('limited-app', { task: role('orders-chaos-role'), execution: role('ecsTaskExecutionRole') }),
      ),
    );
    assert.equal(registered?.taskRoleArn, role('orders-chaos-role'));
    assert.equal(registered?.registeredBy, USER_ARN);
    // A role the user may pass only to EC2 cannot be passed to ECS tasks.
    const error = await rejectsWith(
      limited.ecs.send(
        new RegisterTaskDefinitionCommand(taskDefinition('limited-ec2', { task: role('billing-task-role') })),
      ),
      'AccessDeniedException',
    );
    assert.match(error.message, /iam:PassRole on resource: arn:aws:iam::123456789012:role\/billing-task-role/);
  });

  test('IAM and STS refusals are AccessDenied (403) in the same words; GetCallerIdentity is always allowed', async () => {
    const error = await rejectsWith(limited.iam.send(new ListRolesCommand({})), 'AccessDenied');
    assert.equal(error.$metadata?.httpStatusCode, 403);
    assert.equal(
      error.message,
      `User: ${USER_ARN} is not authorized to perform: iam:ListRoles on resource: * because no identity-based policy allows the iam:ListRoles action`,
    );
    const me = await limited.sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, USER_ARN);
  });

  test('AssumeRole of a role trusting the account needs the caller own sts:AssumeRole; a trust naming the caller does not', async () => {
    const error = await rejectsWith(
      limited.sts.send(new AssumeRoleCommand({ RoleArn: role('chaos-runner'), RoleSessionName: 'try' })),
      'AccessDenied',
    );
    assert.equal(error.$metadata?.httpStatusCode, 403);
    assert.match(
      error.message,
      /^User: arn:aws:iam::123456789012:user\/limited is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/chaos-runner/,
    );
    await admin.iam.send(
      new CreateRoleCommand({
        RoleName: 'limited-direct',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: USER_ARN }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const { AssumedRoleUser } = await limited.sts.send(
      new AssumeRoleCommand({ RoleArn: role('limited-direct'), RoleSessionName: 'direct' }),
    );
    assert.equal(AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/limited-direct/direct`);
  });

  test('an assumed-role session is limited by its session policy', async () => {
    const { Credentials } = await admin.sts.send(
      new AssumeRoleCommand({
        RoleArn: role('chaos-runner'),
        RoleSessionName: 'scoped',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ecs:DescribeServices', Resource: '*' }],
        }),
      }),
    );
    const session = clientsFor(sandbox, {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    });
    const { services } = await session.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['orders'] }));
    assert.equal(services?.length, 1);
    const error = await rejectsWith(session.ecs.send(new ListClustersCommand({})), 'AccessDeniedException');
    assert.equal(
      error.message,
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/chaos-runner/scoped is not authorized to perform: ecs:ListClusters on resource: * because no session policy allows the ecs:ListClusters action`,
    );
  });

  test('a permissions boundary caps what the identity policies allow', async () => {
    const bounded = await userClients(sandbox, admin, 'bounded');
    await admin.iam.send(
      new AttachUserPolicyCommand({ UserName: 'bounded', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
    );
    await admin.iam.send(
      new PutUserPermissionsBoundaryCommand({
        UserName: 'bounded',
        PermissionsBoundary: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      }),
    );
    await bounded.ecs.send(new ListClustersCommand({}));
    const error = await rejectsWith(
      bounded.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'orders' })),
      'AccessDeniedException',
    );
    assert.match(error.message, /because no permissions boundary allows the ecs:UpdateService action$/);
  });

  test('SimulatePrincipalPolicy answers as the calls are decided, every field parsed by the SDK', async () => {
    const simulate = async (input: Omit<SimulatePrincipalPolicyCommandInput, 'PolicySourceArn'>) =>
      limited.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: USER_ARN, ...input }));
    const update = await simulate({
      ActionNames: ['ecs:UpdateService'],
      ResourceArns: [ecsArn('service/demo/orders'), ecsArn('service/demo/billing')],
    });
    assert.equal(update.IsTruncated, false);
    assert.deepEqual(
      update.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]),
      [
        ['ecs:UpdateService', ecsArn('service/demo/orders'), 'allowed'],
        ['ecs:UpdateService', ecsArn('service/demo/billing'), 'implicitDeny'],
      ],
    );
    assert.deepEqual(update.EvaluationResults?.[0]?.MatchedStatements, [
      { SourcePolicyId: 'limits', SourcePolicyType: 'user' },
    ]);
    assert.deepEqual(update.EvaluationResults?.[1]?.MatchedStatements ?? [], []);

    const denied = await simulate({ ActionNames: ['ecs:ListTaskDefinitions', 'ecs:ListClusters'] });
    assert.deepEqual(
      denied.EvaluationResults?.map((r) => r.EvalDecision),
      ['explicitDeny', 'allowed'],
    );
    assert.equal(denied.EvaluationResults?.[0]?.MatchedStatements?.length, 2);

    const passRole = (contextEntries: SimulatePrincipalPolicyCommandInput['ContextEntries']) =>
      simulate({
        ActionNames: ['iam:PassRole'],
        ResourceArns: [role('ecsTaskExecutionRole')],
        ...(contextEntries && { ContextEntries: contextEntries }),
      });
    const withService = await passRole([
      {
        ContextKeyName: 'iam:PassedToService',
        ContextKeyValues: ['ecs-tasks.amazonaws.com'],
        ContextKeyType: 'string',
      },
    ]);
    assert.equal(withService.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    const withoutContext = await passRole(undefined);
    assert.equal(withoutContext.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    // As IAM documents it: with ResourceArns, the missing keys are reported per resource; with `*`,
    // in the result itself.
    assert.deepEqual(withoutContext.EvaluationResults?.[0]?.MissingContextValues, []);
    assert.deepEqual(withoutContext.EvaluationResults?.[0]?.ResourceSpecificResults, [
      {
        EvalResourceName: role('ecsTaskExecutionRole'),
        EvalResourceDecision: 'implicitDeny',
        MatchedStatements: [],
        MissingContextValues: ['iam:PassedToService'],
      },
    ]);
    const anyResource = await simulate({
      ActionNames: ['iam:PassRole'],
      PolicyInputList: [
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'iam:PassRole',
              Resource: '*',
              Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
            },
          ],
        }),
      ],
    });
    assert.equal(anyResource.EvaluationResults?.[0]?.EvalResourceName, '*');
    assert.deepEqual(anyResource.EvaluationResults?.[0]?.MissingContextValues, ['iam:PassedToService']);
    assert.equal(anyResource.EvaluationResults?.[0]?.ResourceSpecificResults, undefined);
  });

  test('SimulatePrincipalPolicy of a role, and the caller needs iam:SimulatePrincipalPolicy on the source', async () => {
    const result = await admin.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: role('orders-chaos-role'),
        ActionNames: ['s3:GetObject', 's3:PutObject'],
        ResourceArns: ['arn:aws:s3:::demo-orders-bucket/order-1.json'],
      }),
    );
    assert.deepEqual(
      result.EvaluationResults?.map((r) => r.EvalDecision),
      ['allowed', 'implicitDeny'],
    );
    assert.deepEqual(result.EvaluationResults?.[0]?.MatchedStatements?.[0], {
      SourcePolicyId: 'orders-read-only',
      SourcePolicyType: 'role',
    });
    const admins = await admin.iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/admin`,
        ActionNames: ['ecs:DeleteService'],
      }),
    );
    assert.deepEqual(admins.EvaluationResults?.[0]?.MatchedStatements, [
      { SourcePolicyId: 'AdministratorAccess', SourcePolicyType: 'aws-managed' },
    ]);
    const error = await rejectsWith(
      limited.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: role('orders-chaos-role'),
          ActionNames: ['s3:GetObject'],
        }),
      ),
      'AccessDenied',
    );
    assert.match(
      error.message,
      /iam:SimulatePrincipalPolicy on resource: arn:aws:iam::123456789012:role\/orders-chaos-role/,
    );
  });

  test('denied calls are in the request log with their error code', async () => {
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    await rejectsWith(
      limited.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'orders' })),
      'AccessDeniedException',
    );
    const [entry] = sandbox.requests(since);
    assert.equal(entry?.errorCode, 'AccessDeniedException');
    assert.equal(entry?.principal, USER_ARN);
  });
});

describe("authorization: 'off'", () => {
  test('any known caller may call anything; signatures are still checked', async () => {
    const { sandbox, ...admin } = await withSandbox({ scenario: 'demo', authorization: 'off' });
    try {
      const nobody = await userClients(sandbox, admin, 'nobody');
      const { clusterArns } = await nobody.ecs.send(new ListClustersCommand({}));
      assert.equal(clusterArns?.length, 1);
      await nobody.ecs.send(
        new RegisterTaskDefinitionCommand(taskDefinition('free', { task: role('orders-task-role') })),
      );
      await nobody.iam.send(new ListRolesCommand({}));
      const wrong = clientsFor(sandbox, { accessKeyId: 'test', secretAccessKey: 'wrong' });
      await rejectsWith(wrong.ecs.send(new ListClustersCommand({})), 'InvalidSignatureException');
    } finally {
      await sandbox.close();
    }
  });
});
