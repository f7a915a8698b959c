/**
 * The task execution role, as ECS uses it before a task's containers start, decided by the
 * sandbox's IAM evaluator: registry auth and the pull of a private ECR image of the account,
 * `secrets` from Secrets Manager and SSM, and the awslogs log stream. Each denial fails the task
 * with TaskFailedToStart and ECS's words; on EC2 without an execution role the container
 * instance's role does the work; RegisterTaskDefinition refuses what needs a role it lacks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateRoleCommand, PutRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { ManualClock, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { clientsFor, rejectsWith, stepUntil as stepUntilShared } from '../support/sandbox.js';

const ACCOUNT = '123456789012';
const IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders/db-AbCdEf`;
const clock = new ManualClock();
let sandbox: Sandbox;
let ecs: ECSClient;
let iam: IAMClient;

const trustEcsTasks = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** A role that trusts ECS tasks and may do `actions` on any resource. */
async function role(name: string, actions: string[], trust = trustEcsTasks): Promise<string> {
  const arn = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  if (actions.length > 0) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'execution',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
        }),
      }),
    );
  }
  return arn;
}

const ECR_PULL = ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
const AWSLOGS = {
  logDriver: 'awslogs' as const,
  options: { 'awslogs-group': '/ecs/orders', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' },
};

interface Def {
  executionRoleArn?: string;
  app?: Partial<ContainerDefinition>;
  ec2?: boolean;
}

/** Deploys a one-task service. */
async function deploy(service: string, def: Def): Promise<void> {
  const taskDefinition = (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: service,
        executionRoleArn: def.executionRoleArn,
        networkMode: def.ec2 ? 'bridge' : 'awsvpc',
        requiresCompatibilities: [def.ec2 ? 'EC2' : 'FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: IMAGE, essential: true, ...def.app }],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'exec',
      serviceName: service,
      taskDefinition,
      desiredCount: 1,
      launchType: def.ec2 ? 'EC2' : 'FARGATE',
      networkConfiguration: def.ec2 ? undefined : { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    }),
  );
}

async function tasksOf(service: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'exec', serviceName: service, desiredStatus })))
    .taskArns!;
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: 'exec', tasks: arns }))).tasks!;
}

/** Deploys a one-task service and returns its first stopped task. */
async function firstFailure(service: string, def: Def): Promise<Task> {
  await deploy(service, def);
  return stepUntil(`${service}: a stopped task`, async () => (await tasksOf(service, 'STOPPED'))[0]);
}

function stepUntil<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  return stepUntilShared(sandbox, clock, what, check, 500);
}

function assertFailedToStart(task: Task, reason: RegExp): void {
  assert.equal(task.stopCode, 'TaskFailedToStart');
  assert.equal(task.startedAt, undefined, 'it never ran');
  assert.match(task.stoppedReason!, reason);
}

describe('the task execution role in the sandbox, as ECS uses it', () => {
  before(async () => {
    sandbox = await startSandbox({ pace: 'fast', now: clock.now });
    ({ ecs, iam } = clientsFor(sandbox));
    await ecs.send(new CreateClusterCommand({ clusterName: 'exec' }));
  });
  after(() => sandbox.close());

  test('a role that may not get the registry auth token: ResourceInitializationError naming ecr:GetAuthorizationToken', async () => {
    const arn = await role('exec-nothing', []);
    const task = await firstFailure('no-auth', { executionRoleArn: arn });
    assertFailedToStart(
      task,
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time\(s\): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role\/exec-nothing\/[0-9a-f]+ is not authorized to perform: ecr:GetAuthorizationToken on resource: \* because no identity-based policy allows the ecr:GetAuthorizationToken action/,
    );
  });

  test('a role that may get the token but not the image: CannotPullContainerError 403 on the manifest', async () => {
    const arn = await role('exec-token-only', ['ecr:GetAuthorizationToken']);
    const task = await firstFailure('no-pull', { executionRoleArn: arn });
    assertFailedToStart(task, /^CannotPullContainerError: pull image manifest has been retried 5 time\(s\)/);
    assert.match(task.stoppedReason!, /failed with status code \[manifests 1\.4\.2\]: 403 Forbidden$/);
    assert.equal(task.containers![0]!.reason, task.stoppedReason);
  });

  test('secrets the role may not read: ResourceInitializationError naming the secret (Secrets Manager) or the action (SSM)', async () => {
    const arn = await role('exec-ecr-only', [...ECR_PULL, 'logs:CreateLogStream', 'logs:PutLogEvents']);
    const asm = await firstFailure('no-asm', {
      executionRoleArn: arn,
      app: { secrets: [{ name: 'DB_PASSWORD', valueFrom: `${SECRET}:password::` }] },
    });
    assertFailedToStart(
      asm,
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: .*failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:orders\/db-AbCdEf from secrets manager: AccessDeniedException: .* secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:orders\/db-AbCdEf /,
    );
    const ssm = await firstFailure('no-ssm', {
      executionRoleArn: arn,
      app: { secrets: [{ name: 'API_KEY', valueFrom: '/orders/api-key' }] },
    });
    assertFailedToStart(
      ssm,
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: .*AccessDeniedException: .* ssm:GetParameters on resource: arn:aws:ssm:us-east-1:123456789012:parameter\/orders\/api-key /,
    );
  });

  test('awslogs the role may not write: ResourceInitializationError: failed to validate logger args', async () => {
    const arn = await role('exec-no-logs', ECR_PULL);
    const task = await firstFailure('no-logs', { executionRoleArn: arn, app: { logConfiguration: AWSLOGS } });
    assertFailedToStart(
      task,
      /^ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: .* logs:CreateLogStream on resource: arn:aws:logs:us-east-1:123456789012:log-group:\/ecs\/orders:log-stream:app\/app\/[0-9a-f]+ /,
    );
  });

  test('a role with the permissions ECS needs: the task runs', async () => {
    const arn = await role('exec-full', [...ECR_PULL, 'logs:CreateLogStream', 'logs:PutLogEvents']);
    await deploy('runs', { executionRoleArn: arn, app: { logConfiguration: AWSLOGS } });
    await stepUntil('the task RUNNING', async () =>
      (await tasksOf('runs', 'RUNNING')).find((t) => t.lastStatus === 'RUNNING'),
    );
    clock.advance(1_000);
    assert.deepEqual(await tasksOf('runs', 'STOPPED'), []);
  });

  test('a tag the private repository does not hold: CannotPullContainerError ... not found', async () => {
    sandbox.world.registry.setTags('orders', ['1.4.2']);
    const arn = await role('exec-pull', ECR_PULL);
    const missing = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/orders:9.9.9`;
    const task = await firstFailure('missing-tag', { executionRoleArn: arn, app: { image: missing } });
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.equal(
      task.stoppedReason,
      `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${missing}: ${missing}: not found`,
    );
    assert.equal(task.containers![0]!.reason, task.stoppedReason);
  });

  test('Fargate without an execution role: a private image cannot be pulled; secrets and awslogs are refused at registration', async () => {
    const task = await firstFailure('no-role', {});
    assertFailedToStart(task, /^CannotPullContainerError: .*authorization failed$/);
    const secrets = await rejectsWith(
      ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'secrets-no-role',
          containerDefinitions: [
            { name: 'app', image: 'app:1', memory: 128, secrets: [{ name: 'S', valueFrom: SECRET }] },
          ],
        }),
      ),
      'ClientException',
    );
    assert.equal(
      secrets.message,
      "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
    );
    const logs = await rejectsWith(
      ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'logs-no-role',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'app', image: 'app:1', logConfiguration: AWSLOGS }],
        }),
      ),
      'ClientException',
    );
    assert.equal(
      logs.message,
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
    );
  });

  test("EC2 without an execution role: the container instance's role pulls, in the agent's words", async () => {
    const trustEc2 = trustEcsTasks.replace('ecs-tasks.amazonaws.com', 'ec2.amazonaws.com');
    const instanceRole = await role('instance-no-ecr', [], trustEc2);
    const region = sandbox.world.ecs.region('us-east-1');
    region.registerContainerInstance(region.cluster('exec'), {
      instanceRoleArn: instanceRole,
      now: new Date(clock.now()),
    });
    const task = await firstFailure('ec2-no-role', { ec2: true });
    assertFailedToStart(
      task,
      /^CannotPullECRContainerError: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role\/instance-no-ecr\/i-[0-9a-f]+ is not authorized to perform: ecr:GetAuthorizationToken/,
    );
  });
  test("EC2: an image whose registry never resolves fails in the Docker daemon's words", async () => {
    const region = sandbox.world.ecs.region('us-east-1');
    region.registerContainerInstance(region.cluster('exec'), { now: new Date(clock.now()) });
    const task = await firstFailure('ec2-unresolvable', { ec2: true, app: { image: 'registry.invalid/team/app:2' } });
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.equal(
      task.stoppedReason,
      'CannotPullContainerError: Error response from daemon: Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host',
    );
    assert.equal(task.containers![0]!.reason, task.stoppedReason);
  });
});
