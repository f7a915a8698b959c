/**
 * The demo world: cluster `demo` with a Fargate service `orders` (4 tasks, task role
 * `orders-task-role`, allowed to read its SSM parameters and write an S3 bucket and a DynamoDB
 * table) and an EC2 service `billing` on a container instance with an instance role; the chaos role
 * `orders-chaos-role` (trusts ECS tasks, may neither write S3 nor read the parameters), the chaos
 * execution role `orders-chaos-execution-role` (may not pull the private images) and
 * `untrusted-role` (does not trust ECS tasks). Both services run a workload: every second, each
 * `orders` task reads its configuration parameter (`ssm:GetParameter`, a management event: its
 * refusals show in CloudTrail's event history), puts an S3 object and a DynamoDB item (data events:
 * LookupEvents never shows them), each `billing` task sends an SQS message (a data event). The
 * CloudWatch alarm `orders-error-budget` watches the orders app's errors.
 */
import { trustAccount, trustService } from './policies.js';
import type { Scenario } from './types.js';

export const demoScenario: Scenario = (ctx) => {
  const { iam, accountId, region } = ctx;
  const ecsTasks = trustService('ecs-tasks.amazonaws.com');

  iam.createRole({
    roleName: 'ecsTaskExecutionRole',
    assumeRolePolicyDocument: ecsTasks,
    description: 'Pulls images and writes logs for ECS tasks',
  });
  iam.attachRolePolicy('ecsTaskExecutionRole', 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy');
  // The managed policy reads no secrets: this grants the demo's own (under `demo/`), as one does on
  // AWS; a task definition with other `secrets` fails to start.
  iam.putRolePolicy('ecsTaskExecutionRole', 'read-demo-secrets', {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameters', 'secretsmanager:GetSecretValue'],
        Resource: [
          `arn:aws:ssm:${region}:${accountId}:parameter/demo/*`,
          `arn:aws:secretsmanager:${region}:${accountId}:secret:demo/*`,
        ],
      },
    ],
  });

  iam.createRole({ roleName: 'orders-task-role', assumeRolePolicyDocument: ecsTasks, description: 'The orders app' });
  iam.putRolePolicy('orders-task-role', 'orders-data', {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadOrdersConfig',
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: `arn:aws:ssm:${region}:${accountId}:parameter/orders/*`,
      },
      {
        Sid: 'WriteOrderDocuments',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject'],
        Resource: 'arn:aws:s3:::demo-orders-bucket/*',
      },
      {
        Sid: 'OrdersTable',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
        Resource: `arn:aws:dynamodb:${region}:${accountId}:table/orders`,
      },
    ],
  });

  iam.createRole({
    roleName: 'orders-chaos-role',
    assumeRolePolicyDocument: ecsTasks,
    description: 'Chaos role for orders: reads S3 but may not write it, nor read the SSM parameters',
  });
  iam.putRolePolicy('orders-chaos-role', 'orders-read-only', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::demo-orders-bucket/*' },
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
        Resource: `arn:aws:dynamodb:${region}:${accountId}:table/orders`,
      },
    ],
  });

  // The chaos execution role of the demo (`demo --fault update-execution-role`): ECS may get the
  // registry token and write the logs with it, but may neither pull the private image nor read secrets.
  iam.createRole({
    roleName: 'orders-chaos-execution-role',
    assumeRolePolicyDocument: ecsTasks,
    description:
      'Chaos execution role for orders: gets the ECR token and writes logs, but may not pull images nor read secrets',
  });
  iam.putRolePolicy('orders-chaos-execution-role', 'token-and-logs-only', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    ],
  });

  iam.createRole({
    roleName: 'untrusted-role',
    assumeRolePolicyDocument: trustService('ec2.amazonaws.com'),
    description: 'Does not trust ecs-tasks.amazonaws.com: tasks using it fail to start',
  });

  iam.createRole({ roleName: 'billing-task-role', assumeRolePolicyDocument: ecsTasks, description: 'The billing app' });
  iam.putRolePolicy('billing-task-role', 'billing-queue', {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        Resource: `arn:aws:sqs:${region}:${accountId}:billing`,
      },
    ],
  });
  iam.createRole({
    roleName: 'billing-instance-role',
    assumeRolePolicyDocument: trustService('ec2.amazonaws.com'),
    description: 'Instance profile role of the billing container instance',
  });
  iam.putRolePolicy('billing-instance-role', 'ecs-agent', {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'ecs:RegisterContainerInstance',
          'ecs:DeregisterContainerInstance',
          'ecs:Poll',
          'ecs:Submit*',
          'ecs:DiscoverPollEndpoint',
          'ecs:StartTelemetrySession',
        ],
        Resource: '*',
      },
    ],
  });

  // A role operators can assume to run ecs-chaos (ASSUME_ROLE_ARN), and one for web identity (IRSA).
  iam.createRole({
    roleName: 'chaos-runner',
    assumeRolePolicyDocument: trustAccount(accountId),
    description: 'Runs ecs-chaos',
  });
  iam.attachRolePolicy('chaos-runner', 'arn:aws:iam::aws:policy/AdministratorAccess');
  iam.createRole({
    roleName: 'chaos-runner-irsa',
    description: 'Runs ecs-chaos from a Kubernetes service account (web identity)',
    assumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: ctx.oidcProviderArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${ctx.oidcHostPath}:sub`]: 'system:serviceaccount:chaos:ecs-chaos',
              [`${ctx.oidcHostPath}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ],
    },
  });
  iam.attachRolePolicy('chaos-runner-irsa', 'arn:aws:iam::aws:policy/AdministratorAccess');

  ctx.ecsCall('CreateCluster', { clusterName: 'demo', tags: [{ key: 'team', value: 'platform' }] });
  const ecs = ctx.ecs.region(region);
  const cluster = ecs.cluster('demo');
  const arn = (name: string): string => `arn:aws:iam::${accountId}:role/${name}`;
  ctx.ecsCall('RegisterTaskDefinition', {
    family: 'orders',
    taskRoleArn: arn('orders-task-role'),
    executionRoleArn: arn('ecsTaskExecutionRole'),
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    containerDefinitions: [
      {
        name: 'app',
        image: `${accountId}.dkr.ecr.${region}.amazonaws.com/orders:1.4.2`,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        environment: [
          { name: 'ORDERS_BUCKET', value: 'demo-orders-bucket' },
          { name: 'ORDERS_TABLE', value: 'orders' },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/orders', 'awslogs-region': region, 'awslogs-stream-prefix': 'app' },
        },
      },
    ],
    tags: [{ key: 'app', value: 'orders' }],
  });
  ctx.ecsCall('CreateService', {
    cluster: 'demo',
    serviceName: 'orders',
    taskDefinition: 'orders:1',
    desiredCount: 4,
    launchType: 'FARGATE',
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
        securityGroups: ['sg-0123456789abcdef0'],
        assignPublicIp: 'DISABLED',
      },
    },
    deploymentConfiguration: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    },
    tags: [
      { key: 'chaos-allowed', value: 'true' },
      { key: 'app', value: 'orders' },
    ],
  });

  ecs.registerContainerInstance(cluster, {
    instanceRoleArn: arn('billing-instance-role'),
    cpu: 2048,
    memory: 4096,
    now: ctx.now,
  });
  ctx.ecsCall('RegisterTaskDefinition', {
    family: 'billing',
    taskRoleArn: arn('billing-task-role'),
    executionRoleArn: arn('ecsTaskExecutionRole'),
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    containerDefinitions: [
      {
        name: 'worker',
        image: `${accountId}.dkr.ecr.${region}.amazonaws.com/billing:2.0.0`,
        essential: true,
        memory: 256,
        cpu: 128,
        portMappings: [{ containerPort: 9090, hostPort: 0 }],
        environment: [{ name: 'BILLING_QUEUE', value: 'billing' }],
      },
    ],
    tags: [{ key: 'app', value: 'billing' }],
  });
  ctx.ecsCall('CreateService', {
    cluster: 'demo',
    serviceName: 'billing',
    taskDefinition: 'billing:1',
    desiredCount: 2,
    launchType: 'EC2',
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 50 },
    tags: [
      { key: 'chaos-allowed', value: 'true' },
      { key: 'app', value: 'billing' },
    ],
  });

  // The orders app uses 384 MiB of its task's 512 (a container memory limit below that OOM-kills it)
  // and drains for 10 s after SIGTERM (within the default 30 s stopTimeout).
  ctx.appProfiles.setMemory('orders', 'app', 384);
  ctx.appProfiles.setSigtermSeconds('orders', 10);
  ctx.declareWorkload({
    cluster: 'demo',
    service: 'orders',
    calls: [
      // A management event first: CloudTrail's event history shows its refusals (the data events below it never does).
      { action: 'ssm:GetParameter', resource: `arn:aws:ssm:${region}:${accountId}:parameter/orders/config` },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::demo-orders-bucket/orders/{id}.json' },
      { action: 'dynamodb:PutItem', resource: `arn:aws:dynamodb:${region}:${accountId}:table/orders` },
    ],
  });
  ctx.declareWorkload({
    cluster: 'demo',
    service: 'billing',
    calls: [{ action: 'sqs:SendMessage', resource: `arn:aws:sqs:${region}:${accountId}:billing` }],
  });

  // The error budget of orders: a guard for stop conditions. It goes to ALARM when the app fails more
  // than 100 calls in 10 seconds, which the demo's chaos (2 tasks, two refused calls a second each)
  // stays well under; a chaos on every task with a stricter threshold trips it.
  ctx.cloudwatchCall('PutMetricAlarm', {
    AlarmName: 'orders-error-budget',
    AlarmDescription: 'The orders app fails more than 100 AWS calls in 10 seconds',
    Namespace: 'ECSChaos/Workload',
    MetricName: 'Errors',
    Dimensions: [
      { Name: 'ClusterName', Value: 'demo' },
      { Name: 'ServiceName', Value: 'orders' },
    ],
    Statistic: 'Sum',
    Period: 10,
    EvaluationPeriods: 1,
    Threshold: 100,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });
};
