import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../sandbox/index.js';
import { auditCommand, renderAuditReport } from '../../src/cli/commands/audit.js';
import { auditService, type AuditFinding, type AuditReport } from '../../src/iam/audit.js';
import { withSandbox } from '../support/sandbox.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const ECS_TASKS_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders/db-AbCdEf`;

function sink(): PassThrough & { text(): string } {
  const stream = new PassThrough() as PassThrough & { text(): string };
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  stream.text = () => out;
  return stream;
}

async function audit(sandbox: Sandbox, service: string, output: 'json' | 'text' = 'json') {
  const stdout = sink();
  const stderr = sink();
  const code = await auditCommand({
    flags: { cluster: 'demo', service, region: sandbox.region, endpointUrl: sandbox.endpoint, output },
    env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    stdout,
    stderr,
  });
  await new Promise((resolve) => setImmediate(resolve));
  const report = output === 'json' && stdout.text() ? (JSON.parse(stdout.text()) as AuditReport) : undefined;
  return { code, report, stdout: stdout.text(), stderr: stderr.text() };
}

function codes(report: AuditReport | undefined): string[] {
  return (report?.findings ?? []).map((f) => `${f.severity} ${f.code}`);
}

function find(report: AuditReport | undefined, code: AuditFinding['code']): AuditFinding | undefined {
  return report?.findings.find((f) => f.code === code);
}

interface ServiceSetup {
  readonly name: string;
  readonly launch: 'FARGATE' | 'EC2';
  readonly taskRole?: string;
  readonly executionRole?: string;
  readonly container?: Partial<ContainerDefinition>;
}

/** Registers a task definition and a service of it in cluster demo. */
async function createService(ecs: ECSClient, setup: ServiceSetup): Promise<void> {
  const fargate = setup.launch === 'FARGATE';
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: setup.name,
      ...(setup.taskRole ? { taskRoleArn: roleArn(setup.taskRole) } : {}),
      ...(setup.executionRole ? { executionRoleArn: roleArn(setup.executionRole) } : {}),
      networkMode: fargate ? 'awsvpc' : 'bridge',
      requiresCompatibilities: [setup.launch],
      ...(fargate ? { cpu: '256', memory: '512' } : {}),
      containerDefinitions: [
        {
          name: 'app',
          image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${setup.name}:1`,
          essential: true,
          ...(fargate ? {} : { memory: 256, cpu: 128 }),
          ...setup.container,
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'demo',
      serviceName: setup.name,
      taskDefinition: setup.name,
      desiredCount: 1,
      launchType: setup.launch,
      ...(fargate
        ? {
            networkConfiguration: {
              awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001'], assignPublicIp: 'DISABLED' },
            },
          }
        : {}),
    }),
  );
}

describe('audit', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  before(async () => {
    ({ sandbox, ecs } = await withSandbox({ scenario: 'demo', pace: 'fast' }));
    const iam = sandbox.world.iam;
    iam.createRole({ roleName: 'exec-with-secret', assumeRolePolicyDocument: ECS_TASKS_TRUST });
    iam.attachRolePolicy('exec-with-secret', 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy');
    iam.putRolePolicy('exec-with-secret', 'secrets', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN },
        {
          Effect: 'Allow',
          Action: 'ssm:GetParameters',
          Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/orders/*`,
        },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*` },
      ],
    });
    iam.createRole({ roleName: 'exec-with-app', assumeRolePolicyDocument: ECS_TASKS_TRUST });
    iam.attachRolePolicy('exec-with-app', 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy');
    iam.putRolePolicy('exec-with-app', 'app', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:PutObject', 'dynamodb:PutItem'], Resource: '*' },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q` },
        // Denied again below: an Allow that an explicit Deny removes is not a finding.
        { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
        { Effect: 'Deny', Action: 'sns:*', Resource: '*' },
      ],
    });
    iam.createRole({ roleName: 'logs-only-task-role', assumeRolePolicyDocument: ECS_TASKS_TRUST });
    iam.attachRolePolicy(
      'logs-only-task-role',
      'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    );
  });
  after(async () => {
    await sandbox.close();
  });

  test("the demo's orders service has no high finding and exits 0", async () => {
    // Act
    const result = await audit(sandbox, 'orders');
    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.report!.counts.high, 0, codes(result.report).join('\n'));
    assert.equal(result.report!.taskRoleArn, roleArn('orders-task-role'));
    assert.equal(result.report!.launch, 'FARGATE');
    // The AWS managed execution policy's Resource "*" on ECR/logs is worth a low note, no more.
    assert.equal(find(result.report, 'execution-role.resource-star')?.severity, 'low');
    assert.equal(find(result.report, 'task-role.execution-only'), undefined);
    assert.equal(find(result.report, 'role.not-trusted-by-ecs-tasks'), undefined);
  });

  test('the text report names the severity, the finding, why and the fix', async () => {
    const result = await audit(sandbox, 'orders', 'text');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /audit: service orders of cluster demo/);
    assert.match(result.stdout, /\[LOW\] execution-role\.resource-star: /);
    assert.match(result.stdout, / {2}why: /);
    assert.match(result.stdout, / {2}fix: /);
    assert.match(result.stdout, /finding\(s\): 0 high/);
  });

  test('a secret the execution role may not read is a high finding, and exits 1', async () => {
    // Prepare
    await createService(ecs, {
      name: 'secretive',
      launch: 'FARGATE',
      taskRole: 'orders-task-role',
      executionRole: 'ecsTaskExecutionRole',
      container: {
        secrets: [
          { name: 'DB_PASSWORD', valueFrom: `${SECRET_ARN}:password::` },
          { name: 'API_KEY', valueFrom: '/orders/api-key' },
        ],
      },
    });
    // Act
    const result = await audit(sandbox, 'secretive');
    // Assess
    assert.equal(result.code, 1);
    const missing = result.report!.findings.filter((f) => f.code === 'execution-role.secret-not-readable');
    assert.equal(missing.length, 2, codes(result.report).join('\n'));
    assert.ok(missing.every((f) => f.severity === 'high'));
    assert.match(
      missing[0]!.what,
      /secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:orders\/db-AbCdEf/,
    );
    assert.match(
      missing[1]!.what,
      /ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter\/orders\/api-key/,
    );
    assert.match(missing[0]!.fix, /allow secretsmanager:GetSecretValue/);
    assert.equal(find(result.report, 'execution-role.kms-decrypt')?.severity, 'low');
  });

  test('an execution role that may read the secrets and decrypt them has no secret finding', async () => {
    await createService(ecs, {
      name: 'secretive-ok',
      launch: 'FARGATE',
      taskRole: 'orders-task-role',
      executionRole: 'exec-with-secret',
      container: {
        secrets: [
          { name: 'DB_PASSWORD', valueFrom: SECRET_ARN },
          { name: 'API_KEY', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/orders/api-key` },
        ],
      },
    });
    const result = await audit(sandbox, 'secretive-ok');
    assert.equal(result.code, 0, codes(result.report).join('\n'));
    assert.equal(find(result.report, 'execution-role.secret-not-readable'), undefined);
    assert.equal(find(result.report, 'execution-role.kms-decrypt'), undefined);
  });

  test('application permissions on the execution role are a finding; what a Deny removes is not', async () => {
    await createService(ecs, {
      name: 'appexec',
      launch: 'FARGATE',
      taskRole: 'orders-task-role',
      executionRole: 'exec-with-app',
    });
    const result = await audit(sandbox, 'appexec');
    const finding = find(result.report, 'execution-role.application-permissions');
    assert.equal(finding?.severity, 'medium', codes(result.report).join('\n'));
    assert.match(finding.what, /s3:PutObject, dynamodb:PutItem, sqs:SendMessage$/);
    assert.doesNotMatch(finding.what, /sns:Publish/);
    assert.match(finding.fix, /move application permissions to the task role/);
  });

  test('a task role that does not trust ecs-tasks.amazonaws.com is a high finding', async () => {
    await createService(ecs, {
      name: 'untrusted',
      launch: 'FARGATE',
      taskRole: 'untrusted-role',
      executionRole: 'ecsTaskExecutionRole',
    });
    const result = await audit(sandbox, 'untrusted');
    assert.equal(result.code, 1);
    const finding = find(result.report, 'role.not-trusted-by-ecs-tasks');
    assert.equal(finding?.severity, 'high');
    assert.equal(finding?.role, 'task');
    assert.match(finding.fix, /"Service":"ecs-tasks.amazonaws.com"/);
  });

  test('no task role on Fargate: the application finds no credentials (medium)', async () => {
    await createService(ecs, { name: 'noroles-fargate', launch: 'FARGATE', executionRole: 'ecsTaskExecutionRole' });
    const result = await audit(sandbox, 'noroles-fargate');
    assert.equal(result.code, 0);
    assert.equal(find(result.report, 'task-role.missing-fargate')?.severity, 'medium');
  });

  test('no task role on EC2: the silent fallback to the instance role is a high finding', async () => {
    await createService(ecs, { name: 'billing-norole', launch: 'EC2', executionRole: 'ecsTaskExecutionRole' });
    const result = await audit(sandbox, 'billing-norole');
    assert.equal(result.code, 1);
    const finding = find(result.report, 'task-role.missing-ec2');
    assert.equal(finding?.severity, 'high');
    assert.match(finding.why, /falls back to the instance role/);
    // The demo's billing service, which has its task role, has no such finding.
    const billing = await audit(sandbox, 'billing');
    assert.equal(billing.report!.launch, 'EC2');
    assert.equal(find(billing.report, 'task-role.missing-ec2'), undefined);
  });

  test('a task role with only ECR/logs permissions, and one role for both, are findings', async () => {
    await createService(ecs, {
      name: 'mixed',
      launch: 'FARGATE',
      taskRole: 'logs-only-task-role',
      executionRole: 'logs-only-task-role',
    });
    const result = await audit(sandbox, 'mixed');
    assert.equal(find(result.report, 'task-role.execution-only')?.severity, 'medium');
    assert.equal(find(result.report, 'task-role.same-as-execution-role')?.severity, 'info');
  });

  test('a missing service or bad input exits 2 with a message', async () => {
    const missing = await audit(sandbox, 'no-such-service');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-service/);
    const stderr = sink();
    const code = await auditCommand({
      flags: { cluster: 'demo', region: sandbox.region, endpointUrl: sandbox.endpoint },
      env: {},
      stdout: sink(),
      stderr,
    });
    assert.equal(code, 2);
    assert.match(stderr.text(), /--service/);
  });
});

describe('audit (pure)', () => {
  test('a role that cannot be read is a finding with the reason', () => {
    const report = auditService({
      cluster: 'c',
      service: 's',
      region: REGION,
      launch: 'FARGATE',
      taskDefinition: {
        family: 'f',
        revision: 1,
        taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/f:1`,
      },
      taskRole: {
        arn: roleArn('gone'),
        error: { name: 'NoSuchEntity', message: 'The role with name gone cannot be found.' },
      },
      executionRole: { arn: roleArn('secret'), error: { name: 'AccessDenied', message: 'not authorized' } },
    });
    assert.deepEqual(
      report.findings.map((f) => [f.severity, f.code, f.role]),
      [
        ['high', 'role.unreadable', 'task'],
        ['low', 'role.unreadable', 'execution'],
      ],
    );
    assert.match(report.findings[0]!.what, /cannot be found/);
    assert.match(renderAuditReport(report), /\[HIGH\] role\.unreadable/);
  });

  test('no execution role on Fargate with an ECR image and awslogs is a high finding', () => {
    const report = auditService({
      cluster: 'c',
      service: 's',
      region: REGION,
      launch: 'FARGATE',
      taskDefinition: {
        family: 'f',
        revision: 1,
        containerDefinitions: [
          {
            name: 'app',
            image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/app:1`,
            logConfiguration: { logDriver: 'awslogs' },
          },
        ],
      },
      taskRole: undefined,
      executionRole: undefined,
    });
    assert.deepEqual(
      report.findings.map((f) => f.code),
      ['execution-role.missing', 'task-role.missing-fargate'],
    );
    assert.equal(report.highest, 'high');
  });
});
