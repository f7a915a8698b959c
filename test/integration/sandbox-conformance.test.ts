/**
 * The sandbox against the botocore service models: every operation ecs-chaos calls (the ports'
 * table, PORT_ACTIONS) and the sandbox's own extra ones, with a success case whose raw answer
 * validates against the operation's output shape (members, types, enums, required fields), and its
 * documented error cases answered with a code the model lists for the operation (or a common error).
 * The models come from the botocore installed with the machine's python3; the test fails, saying
 * how to install it, when there is none.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import * as ecsSdk from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as iamSdk from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { PORT_ACTIONS } from '../../src/aws/ports.js';
import { lookupEventsPacer } from '../../src/aws/cloudtrail-pace.js';
import type { Sandbox } from '../../sandbox/index.js';
import {
  COMMON_ERRORS,
  errorCodes,
  loadModel,
  parseXml,
  validateJson,
  validateXml,
  type ServiceModel,
} from '../support/botocore.js';
import { roleArn } from '../support/experiment.js';
import { withSandbox } from '../support/sandbox.js';

type Service = 'ecs' | 'iam' | 'sts' | 'cloudtrail' | 'cloudwatch' | 'elb';
/** A client of any service: `send` of any command. */
interface AnyClient {
  send(command: unknown): Promise<unknown>;
  middlewareStack: { add(mw: unknown, options: unknown): void };
}
interface Raw {
  status: number;
  body: string;
}
interface ErrorCase {
  readonly what: string;
  readonly command: () => unknown;
  /** The exact code AWS answers, when the test pins it. */
  readonly code?: string;
  /** Text the message must hold. */
  readonly message?: RegExp;
}
interface Case {
  readonly service: Service;
  readonly op: string;
  readonly ok: () => unknown;
  readonly errors?: readonly ErrorCase[];
}

const MODEL_NAMES: Record<Service, string> = {
  ecs: 'ecs',
  iam: 'iam',
  sts: 'sts',
  cloudtrail: 'cloudtrail',
  cloudwatch: 'cloudwatch',
  elb: 'elbv2',
};

/** The raw answer of each call a client sends, read before the SDK parses it. */
function capture(client: AnyClient): { last?: Raw } {
  const box: { last?: Raw } = {};
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<{ response: { statusCode: number; body: Readable } }>) =>
      async (args: unknown) => {
        const out = await next(args);
        const chunks: Buffer[] = [];
        for await (const c of out.response.body) chunks.push(Buffer.from(c as Uint8Array));
        const body = Buffer.concat(chunks);
        box.last = { status: out.response.statusCode, body: body.toString('utf8') };
        out.response.body = Readable.from([body]);
        return out;
      },
    { step: 'deserialize', priority: 'low', name: 'captureRawAnswer' },
  );
  return box;
}

/** The error code of a raw error answer: JSON `__type` (namespace cut) or XML `<Code>`. */
function errorCodeOf(raw: Raw): string {
  if (raw.body.trimStart().startsWith('<')) return /<Code>([^<]+)<\/Code>/.exec(raw.body)?.[1] ?? '(none)';
  const type = (JSON.parse(raw.body) as { __type?: string }).__type ?? '(none)';
  return type.slice(type.lastIndexOf('#') + 1);
}

const SERVICE_ARN = 'arn:aws:ecs:us-east-1:123456789012:service/demo/orders';
const TARGET_GROUP = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders/0123456789abcdef';
const TAGS_51 = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));

/** deny-task-permissions' policy, for the IAM write cases. */
const DENY_DOC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 's3:PutObject', Resource: '*' }],
});
const CONFORMANCE_POLICY = 'arn:aws:iam::123456789012:policy/conformance-deny';

describe('sandbox conformance to the botocore models', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  let sandbox: Sandbox;
  const models = {} as Record<Service, ServiceModel>;
  const clients = {} as Record<Service, { client: AnyClient; raw: { last?: Raw } }>;
  let taskArn = '';
  let containerInstanceArn = '';

  before(async () => {
    for (const s of Object.keys(MODEL_NAMES) as Service[]) models[s] = loadModel(MODEL_NAMES[s]);
    ctx = await withSandbox({ scenario: 'demo', pace: 'fast' });
    sandbox = ctx.sandbox;
    const config = {
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: sandbox.credentials,
      maxAttempts: 1,
    };
    const made: Record<Service, AnyClient> = {
      ecs: new ecsSdk.ECSClient(config),
      iam: new iamSdk.IAMClient(config),
      sts: new STSClient(config),
      cloudtrail: new CloudTrailClient(config),
      cloudwatch: new CloudWatchClient(config),
      elb: new ElasticLoadBalancingV2Client(config),
    };
    sandbox.world.targetGroups.configure(TARGET_GROUP, {});
    // LookupEvents is limited to two a second: paced as the tool paces it.
    const pacer = lookupEventsPacer(sandbox.region, sandbox.endpoint);
    made.cloudtrail.middlewareStack.add(
      (next: (a: unknown) => Promise<unknown>) => (args: unknown) => pacer.run(() => next(args)),
      { step: 'finalizeRequest', name: 'pace' },
    );
    for (const s of Object.keys(made) as Service[]) clients[s] = { client: made[s], raw: capture(made[s]) };
    const tasks = await ctx.ecs.send(new ecsSdk.ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }));
    taskArn = tasks.taskArns![0]!;
    const instances = await ctx.ecs.send(new ecsSdk.ListContainerInstancesCommand({ cluster: 'demo' }));
    containerInstanceArn = instances.containerInstanceArns![0]!;
    // A daemon: one task per container instance, no surge.
    await ctx.ecs.send(
      new ecsSdk.CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'daemon',
        taskDefinition: 'billing:1',
        launchType: 'EC2',
        schedulingStrategy: 'DAEMON',
      }),
    );
  });
  after(() => sandbox.close());

  const orders = (): ecsSdk.RegisterTaskDefinitionCommandInput => ({
    family: 'conformance',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: roleArn('ecsTaskExecutionRole'),
    taskRoleArn: roleArn('orders-task-role'),
    containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1', essential: true }],
    tags: [{ key: 'app', value: 'conformance' }],
  });
  const network = {
    awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0123456789abcdef0'] },
  };

  /** In order: later cases use what earlier ones made. */
  const cases: Case[] = [
    // ECS: the ports' calls.
    {
      service: 'ecs',
      op: 'DescribeClusters',
      ok: () => new ecsSdk.DescribeClustersCommand({ clusters: ['demo'], include: ['TAGS'] }),
      errors: [
        {
          what: 'more than 100 clusters',
          command: () =>
            new ecsSdk.DescribeClustersCommand({ clusters: Array.from({ length: 101 }, (_, i) => `c${i}`) }),
        },
      ],
    },
    {
      service: 'ecs',
      op: 'DescribeServices',
      ok: () =>
        new ecsSdk.DescribeServicesCommand({
          cluster: 'demo',
          services: ['orders', 'billing', 'daemon', 'nope'],
          include: ['TAGS'],
        }),
      errors: [
        {
          what: 'an unknown cluster',
          command: () => new ecsSdk.DescribeServicesCommand({ cluster: 'nope', services: ['orders'] }),
          code: 'ClusterNotFoundException',
        },
        {
          what: 'no service',
          command: () => new ecsSdk.DescribeServicesCommand({ cluster: 'demo', services: [] }),
          code: 'InvalidParameterException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'ListServices',
      ok: () => new ecsSdk.ListServicesCommand({ cluster: 'demo' }),
      errors: [
        {
          what: 'an unknown cluster',
          command: () => new ecsSdk.ListServicesCommand({ cluster: 'nope' }),
          code: 'ClusterNotFoundException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'DescribeTaskDefinition',
      ok: () => new ecsSdk.DescribeTaskDefinitionCommand({ taskDefinition: 'orders:1', include: ['TAGS'] }),
      errors: [
        {
          what: 'an unknown revision',
          command: () => new ecsSdk.DescribeTaskDefinitionCommand({ taskDefinition: 'orders:999' }),
          code: 'ClientException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'RegisterTaskDefinition',
      ok: () => new ecsSdk.RegisterTaskDefinitionCommand(orders()),
      errors: [
        {
          what: 'a tag key with the reserved aws: prefix',
          command: () =>
            new ecsSdk.RegisterTaskDefinitionCommand({
              ...orders(),
              tags: [{ key: 'aws:cloudformation:stack-name', value: 'x' }],
            }),
          code: 'InvalidParameterException',
        },
        {
          what: '51 tags',
          command: () => new ecsSdk.RegisterTaskDefinitionCommand({ ...orders(), tags: TAGS_51 }),
          code: 'InvalidParameterException',
        },
        {
          what: 'a tag value over 256 characters',
          command: () =>
            new ecsSdk.RegisterTaskDefinitionCommand({ ...orders(), tags: [{ key: 'k', value: 'v'.repeat(257) }] }),
          code: 'InvalidParameterException',
        },
        {
          what: 'a tag key over 128 characters',
          command: () =>
            new ecsSdk.RegisterTaskDefinitionCommand({ ...orders(), tags: [{ key: 'k'.repeat(129), value: 'v' }] }),
          code: 'InvalidParameterException',
        },
        {
          what: 'a cpu/memory pair Fargate does not offer',
          command: () => new ecsSdk.RegisterTaskDefinitionCommand({ ...orders(), cpu: '256', memory: '4096' }),
          code: 'ClientException',
          message: /No Fargate configuration exists for given values/,
        },
      ],
    },
    {
      service: 'ecs',
      op: 'ListTaskDefinitions',
      ok: () => new ecsSdk.ListTaskDefinitionsCommand({ familyPrefix: 'orders', sort: 'DESC' }),
      errors: [
        {
          what: 'an invalid token',
          command: () => new ecsSdk.ListTaskDefinitionsCommand({ nextToken: 'not-a-token' }),
        },
      ],
    },
    {
      service: 'ecs',
      op: 'CreateService',
      ok: () =>
        new ecsSdk.CreateServiceCommand({
          cluster: 'demo',
          serviceName: 'conformance',
          taskDefinition: 'conformance:1',
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: network,
          clientToken: 'conformance-1',
          tags: [{ key: 'app', value: 'conformance' }],
        }),
      errors: [
        {
          what: 'an unknown cluster',
          command: () =>
            new ecsSdk.CreateServiceCommand({
              cluster: 'nope',
              serviceName: 'x',
              taskDefinition: 'orders:1',
              desiredCount: 1,
            }),
          code: 'ClusterNotFoundException',
        },
        {
          what: 'a DAEMON service with maximumPercent above 100',
          command: () =>
            new ecsSdk.CreateServiceCommand({
              cluster: 'demo',
              serviceName: 'daemon-surge',
              taskDefinition: 'billing:1',
              launchType: 'EC2',
              schedulingStrategy: 'DAEMON',
              deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 0 },
            }),
          code: 'InvalidParameterException',
          message: /maximumPercent must be 100 for a service with the DAEMON scheduling strategy/,
        },
        {
          what: 'maximumPercent above 200',
          command: () =>
            new ecsSdk.CreateServiceCommand({
              cluster: 'demo',
              serviceName: 'x',
              taskDefinition: 'conformance:1',
              desiredCount: 1,
              launchType: 'FARGATE',
              networkConfiguration: network,
              deploymentConfiguration: { maximumPercent: 250 },
            }),
          code: 'InvalidParameterException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'UpdateService',
      ok: () => new ecsSdk.UpdateServiceCommand({ cluster: 'demo', service: 'conformance', desiredCount: 2 }),
      errors: [
        {
          what: 'an unknown service',
          command: () => new ecsSdk.UpdateServiceCommand({ cluster: 'demo', service: 'nope', desiredCount: 1 }),
          code: 'ServiceNotFoundException',
        },
        {
          what: 'maximumPercent above 100 on a DAEMON service',
          command: () =>
            new ecsSdk.UpdateServiceCommand({
              cluster: 'demo',
              service: 'daemon',
              deploymentConfiguration: { maximumPercent: 150 },
            }),
          code: 'InvalidParameterException',
          message: /DAEMON/,
        },
        {
          what: 'an unknown cluster',
          command: () => new ecsSdk.UpdateServiceCommand({ cluster: 'nope', service: 'orders', desiredCount: 1 }),
          code: 'ClusterNotFoundException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'ListTasks',
      ok: () => new ecsSdk.ListTasksCommand({ cluster: 'demo', serviceName: 'orders' }),
      errors: [
        {
          what: 'an unknown service',
          command: () => new ecsSdk.ListTasksCommand({ cluster: 'demo', serviceName: 'nope' }),
          code: 'ServiceNotFoundException',
        },
        {
          what: 'an unknown cluster',
          command: () => new ecsSdk.ListTasksCommand({ cluster: 'nope' }),
          code: 'ClusterNotFoundException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'DescribeTasks',
      ok: () => new ecsSdk.DescribeTasksCommand({ cluster: 'demo', tasks: [taskArn, 'nope'], include: ['TAGS'] }),
      errors: [
        {
          what: 'no task',
          command: () => new ecsSdk.DescribeTasksCommand({ cluster: 'demo', tasks: [] }),
          code: 'InvalidParameterException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'TagResource',
      ok: () => new ecsSdk.TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [{ key: 'conformance', value: '1' }] }),
      errors: [
        {
          what: 'the old short service ARN',
          command: () =>
            new ecsSdk.TagResourceCommand({
              resourceArn: 'arn:aws:ecs:us-east-1:123456789012:service/orders',
              tags: [{ key: 'k', value: 'v' }],
            }),
          code: 'InvalidParameterException',
          message: /Long arn format must be used for tagging operations/,
        },
        {
          what: 'an unknown resource',
          command: () =>
            new ecsSdk.TagResourceCommand({
              resourceArn: 'arn:aws:ecs:us-east-1:123456789012:service/demo/nope',
              tags: [{ key: 'k', value: 'v' }],
            }),
          code: 'ResourceNotFoundException',
        },
        {
          what: 'a reserved aws: key',
          command: () =>
            new ecsSdk.TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [{ key: 'aws:x', value: 'v' }] }),
          code: 'InvalidParameterException',
        },
        {
          what: 'more than 50 tags on the resource',
          command: () => new ecsSdk.TagResourceCommand({ resourceArn: SERVICE_ARN, tags: TAGS_51.slice(0, 49) }),
          code: 'InvalidParameterException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'UntagResource',
      ok: () => new ecsSdk.UntagResourceCommand({ resourceArn: SERVICE_ARN, tagKeys: ['conformance'] }),
      errors: [
        {
          what: 'an unknown resource',
          command: () =>
            new ecsSdk.UntagResourceCommand({
              resourceArn: 'arn:aws:ecs:us-east-1:123456789012:service/demo/nope',
              tagKeys: ['k'],
            }),
          code: 'ResourceNotFoundException',
        },
        {
          what: 'the old short service ARN',
          command: () =>
            new ecsSdk.UntagResourceCommand({
              resourceArn: 'arn:aws:ecs:us-east-1:123456789012:service/orders',
              tagKeys: ['k'],
            }),
          code: 'InvalidParameterException',
          message: /Long arn format must be used for tagging operations/,
        },
      ],
    },
    {
      service: 'ecs',
      op: 'DeleteService',
      ok: () => new ecsSdk.DeleteServiceCommand({ cluster: 'demo', service: 'conformance', force: true }),
      errors: [
        {
          what: 'an unknown service',
          command: () => new ecsSdk.DeleteServiceCommand({ cluster: 'demo', service: 'nope' }),
          code: 'ServiceNotFoundException',
        },
      ],
    },
    {
      service: 'ecs',
      op: 'DeregisterTaskDefinition',
      ok: () => new ecsSdk.DeregisterTaskDefinitionCommand({ taskDefinition: 'conformance:1' }),
      errors: [
        {
          what: 'no revision',
          command: () => new ecsSdk.DeregisterTaskDefinitionCommand({ taskDefinition: 'conformance' }),
          code: 'InvalidParameterException',
        },
        {
          what: 'an unknown revision',
          command: () => new ecsSdk.DeregisterTaskDefinitionCommand({ taskDefinition: 'conformance:99' }),
          code: 'ClientException',
        },
      ],
    },
    // ECS: the sandbox's other operations (scenarios, tests).
    {
      service: 'ecs',
      op: 'CreateCluster',
      ok: () => new ecsSdk.CreateClusterCommand({ clusterName: 'conformance', tags: [{ key: 'a', value: 'b' }] }),
    },
    { service: 'ecs', op: 'ListClusters', ok: () => new ecsSdk.ListClustersCommand({}) },
    {
      service: 'ecs',
      op: 'ListContainerInstances',
      ok: () => new ecsSdk.ListContainerInstancesCommand({ cluster: 'demo' }),
    },
    {
      service: 'ecs',
      op: 'DescribeContainerInstances',
      ok: () =>
        new ecsSdk.DescribeContainerInstancesCommand({ cluster: 'demo', containerInstances: [containerInstanceArn] }),
    },
    {
      service: 'ecs',
      op: 'ListTagsForResource',
      ok: () => new ecsSdk.ListTagsForResourceCommand({ resourceArn: SERVICE_ARN }),
    },
    { service: 'ecs', op: 'ListTaskDefinitionFamilies', ok: () => new ecsSdk.ListTaskDefinitionFamiliesCommand({}) },
    {
      service: 'ecs',
      op: 'StopTask',
      ok: () => new ecsSdk.StopTaskCommand({ cluster: 'demo', task: taskArn, reason: 'conformance' }),
    },
    // IAM (reads).
    {
      service: 'iam',
      op: 'GetRole',
      ok: () => new iamSdk.GetRoleCommand({ RoleName: 'orders-task-role' }),
      errors: [
        {
          what: 'an unknown role',
          command: () => new iamSdk.GetRoleCommand({ RoleName: 'nope' }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'ListRolePolicies',
      ok: () => new iamSdk.ListRolePoliciesCommand({ RoleName: 'orders-task-role' }),
      errors: [
        {
          what: 'an unknown role',
          command: () => new iamSdk.ListRolePoliciesCommand({ RoleName: 'nope' }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'GetRolePolicy',
      ok: () => new iamSdk.GetRolePolicyCommand({ RoleName: 'orders-task-role', PolicyName: 'orders-data' }),
      errors: [
        {
          what: 'an unknown policy',
          command: () => new iamSdk.GetRolePolicyCommand({ RoleName: 'orders-task-role', PolicyName: 'nope' }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'ListAttachedRolePolicies',
      ok: () => new iamSdk.ListAttachedRolePoliciesCommand({ RoleName: 'ecsTaskExecutionRole' }),
      errors: [
        {
          what: 'an unknown role',
          command: () => new iamSdk.ListAttachedRolePoliciesCommand({ RoleName: 'nope' }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'GetPolicy',
      ok: () =>
        new iamSdk.GetPolicyCommand({
          PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
        }),
      errors: [
        {
          what: 'an unknown policy',
          command: () => new iamSdk.GetPolicyCommand({ PolicyArn: 'arn:aws:iam::123456789012:policy/nope' }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'GetPolicyVersion',
      ok: () =>
        new iamSdk.GetPolicyVersionCommand({
          PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
          VersionId: 'v1',
        }),
      errors: [
        {
          what: 'an unknown version',
          command: () =>
            new iamSdk.GetPolicyVersionCommand({
              PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
              VersionId: 'v99',
            }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'SimulatePrincipalPolicy',
      ok: () =>
        new iamSdk.SimulatePrincipalPolicyCommand({
          PolicySourceArn: roleArn('orders-task-role'),
          ActionNames: ['s3:PutObject', 'ssm:GetParameter'],
          ResourceArns: ['*'],
        }),
      errors: [
        {
          what: 'an unknown role',
          command: () =>
            new iamSdk.SimulatePrincipalPolicyCommand({
              PolicySourceArn: roleArn('nope'),
              ActionNames: ['s3:GetObject'],
            }),
          code: 'NoSuchEntity',
        },
      ],
    },
    // deny-task-permissions' writes on a role, in an order where each success case can succeed.
    {
      service: 'iam',
      op: 'CreatePolicy',
      ok: () => new iamSdk.CreatePolicyCommand({ PolicyName: 'conformance-deny', PolicyDocument: DENY_DOC }),
      errors: [
        {
          what: 'a name already taken',
          command: () => new iamSdk.CreatePolicyCommand({ PolicyName: 'conformance-deny', PolicyDocument: DENY_DOC }),
          code: 'EntityAlreadyExists',
        },
        {
          what: 'a malformed document',
          command: () => new iamSdk.CreatePolicyCommand({ PolicyName: 'conformance-bad', PolicyDocument: '{}' }),
          code: 'MalformedPolicyDocument',
        },
      ],
    },
    {
      service: 'iam',
      op: 'AttachRolePolicy',
      ok: () => new iamSdk.AttachRolePolicyCommand({ RoleName: 'untrusted-role', PolicyArn: CONFORMANCE_POLICY }),
      errors: [
        {
          what: 'an unknown policy',
          command: () =>
            new iamSdk.AttachRolePolicyCommand({ RoleName: 'untrusted-role', PolicyArn: `${CONFORMANCE_POLICY}-nope` }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'DetachRolePolicy',
      ok: () => new iamSdk.DetachRolePolicyCommand({ RoleName: 'untrusted-role', PolicyArn: CONFORMANCE_POLICY }),
      errors: [
        {
          what: 'a policy no longer attached',
          command: () =>
            new iamSdk.DetachRolePolicyCommand({ RoleName: 'untrusted-role', PolicyArn: CONFORMANCE_POLICY }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'DeletePolicy',
      ok: () => new iamSdk.DeletePolicyCommand({ PolicyArn: CONFORMANCE_POLICY }),
      errors: [
        {
          what: 'a deleted policy',
          command: () => new iamSdk.DeletePolicyCommand({ PolicyArn: CONFORMANCE_POLICY }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'PutRolePolicy',
      ok: () =>
        new iamSdk.PutRolePolicyCommand({
          RoleName: 'untrusted-role',
          PolicyName: 'conformance-deny',
          PolicyDocument: DENY_DOC,
        }),
      errors: [
        {
          what: 'a malformed document',
          command: () =>
            new iamSdk.PutRolePolicyCommand({ RoleName: 'untrusted-role', PolicyName: 'bad', PolicyDocument: '{}' }),
          code: 'MalformedPolicyDocument',
        },
        {
          what: 'a role over its 10,240 characters of inline policies',
          command: () =>
            new iamSdk.PutRolePolicyCommand({
              RoleName: 'untrusted-role',
              PolicyName: 'too-big',
              PolicyDocument: JSON.stringify({
                Version: '2012-10-17',
                Statement: [{ Effect: 'Deny', Action: 's3:PutObject', Resource: `arn:aws:s3:::${'b'.repeat(10_300)}` }],
              }),
            }),
          code: 'LimitExceeded',
        },
        {
          what: 'an unknown role',
          command: () =>
            new iamSdk.PutRolePolicyCommand({ RoleName: 'nope', PolicyName: 'x', PolicyDocument: DENY_DOC }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'DeleteRolePolicy',
      ok: () => new iamSdk.DeleteRolePolicyCommand({ RoleName: 'untrusted-role', PolicyName: 'conformance-deny' }),
      errors: [
        {
          what: 'a deleted policy',
          command: () =>
            new iamSdk.DeleteRolePolicyCommand({ RoleName: 'untrusted-role', PolicyName: 'conformance-deny' }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'TagRole',
      ok: () => new iamSdk.TagRoleCommand({ RoleName: 'untrusted-role', Tags: [{ Key: 'conformance', Value: 'yes' }] }),
      errors: [
        {
          what: 'an unknown role',
          command: () => new iamSdk.TagRoleCommand({ RoleName: 'nope', Tags: [{ Key: 'k', Value: 'v' }] }),
          code: 'NoSuchEntity',
        },
      ],
    },
    {
      service: 'iam',
      op: 'UntagRole',
      ok: () => new iamSdk.UntagRoleCommand({ RoleName: 'untrusted-role', TagKeys: ['conformance'] }),
      errors: [
        {
          what: 'an unknown role',
          command: () => new iamSdk.UntagRoleCommand({ RoleName: 'nope', TagKeys: ['k'] }),
          code: 'NoSuchEntity',
        },
      ],
    },
    // STS.
    { service: 'sts', op: 'GetCallerIdentity', ok: () => new GetCallerIdentityCommand({}) },
    {
      service: 'sts',
      op: 'AssumeRole',
      ok: () => new AssumeRoleCommand({ RoleArn: roleArn('chaos-runner'), RoleSessionName: 'conformance' }),
      errors: [
        {
          what: 'a role that does not trust the caller',
          command: () => new AssumeRoleCommand({ RoleArn: roleArn('orders-task-role'), RoleSessionName: 'denied' }),
          code: 'AccessDenied',
        },
      ],
    },
    {
      service: 'sts',
      op: 'AssumeRoleWithWebIdentity',
      ok: () =>
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleArn('chaos-runner-irsa'),
          RoleSessionName: 'conformance',
          WebIdentityToken: sandbox.issueWebIdentityToken({ sub: 'system:serviceaccount:chaos:ecs-chaos' }),
        }),
      errors: [
        {
          what: 'a token that is not one',
          command: () =>
            new AssumeRoleWithWebIdentityCommand({
              RoleArn: roleArn('chaos-runner-irsa'),
              RoleSessionName: 'bad-token',
              WebIdentityToken: 'not-a-jwt',
            }),
          code: 'InvalidIdentityToken',
        },
      ],
    },
    // CloudTrail.
    {
      service: 'cloudtrail',
      op: 'LookupEvents',
      ok: () => new LookupEventsCommand({ MaxResults: 5 }),
      errors: [
        {
          what: 'MaxResults 51',
          command: () => new LookupEventsCommand({ MaxResults: 51 }),
          code: 'InvalidMaxResultsException',
        },
        {
          what: 'a start after the end',
          command: () => new LookupEventsCommand({ StartTime: new Date(), EndTime: new Date(Date.now() - 60_000) }),
          code: 'InvalidTimeRangeException',
        },
        {
          what: 'two lookup attributes',
          command: () =>
            new LookupEventsCommand({
              LookupAttributes: [
                { AttributeKey: 'EventName', AttributeValue: 'a' },
                { AttributeKey: 'EventName', AttributeValue: 'b' },
              ],
            }),
          code: 'InvalidLookupAttributesException',
        },
        {
          what: 'an invalid token',
          command: () => new LookupEventsCommand({ NextToken: '!!' }),
          code: 'InvalidNextTokenException',
        },
        {
          what: 'an unknown event category',
          command: () => new LookupEventsCommand({ EventCategory: 'data' as 'insight' }),
          code: 'InvalidEventCategoryException',
        },
      ],
    },
    // CloudWatch.
    {
      service: 'cloudwatch',
      op: 'DescribeAlarms',
      ok: () => new DescribeAlarmsCommand({ AlarmNames: ['orders-error-budget'] }),
    },
    {
      service: 'cloudwatch',
      op: 'GetMetricStatistics',
      ok: () =>
        new GetMetricStatisticsCommand({
          Namespace: 'ECSChaos/Workload',
          MetricName: 'Errors',
          Dimensions: [
            { Name: 'ClusterName', Value: 'demo' },
            { Name: 'ServiceName', Value: 'orders' },
          ],
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(),
          Period: 60,
          Statistics: ['Sum', 'Maximum'],
        }),
      errors: [
        {
          what: 'no statistic',
          command: () =>
            new GetMetricStatisticsCommand({
              Namespace: 'N',
              MetricName: 'M',
              StartTime: new Date(Date.now() - 60_000),
              EndTime: new Date(),
              Period: 60,
            }),
        },
      ],
    },
  ];

  // Elastic Load Balancing v2: task-stop's recovery reads target health.
  cases.push({
    service: 'elb',
    op: 'DescribeTargetHealth',
    ok: () =>
      new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: '10.0.1.2', Port: 8080 }] }),
    errors: [
      {
        what: 'a target group that does not exist',
        command: () =>
          new DescribeTargetHealthCommand({
            TargetGroupArn: TARGET_GROUP.replace('0123456789abcdef', 'fedcba9876543210'),
          }),
        code: 'TargetGroupNotFound',
      },
      {
        what: 'a target that is neither an IP address nor an instance id',
        command: () => new DescribeTargetHealthCommand({ TargetGroupArn: TARGET_GROUP, Targets: [{ Id: 'web-1' }] }),
        code: 'InvalidTarget',
      },
    ],
  });

  test('covers every operation ecs-chaos calls', () => {
    const covered = new Set(cases.map((c) => `${c.service}:${c.op}`));
    const iamPrefix: Record<string, Service> = {
      ecs: 'ecs',
      iam: 'iam',
      sts: 'sts',
      cloudtrail: 'cloudtrail',
      cloudwatch: 'cloudwatch',
      elasticloadbalancing: 'elb',
    };
    const missing = Object.values(PORT_ACTIONS)
      .flatMap((actions) => Object.values(actions) as string[])
      .map((a) => {
        const [prefix = '', op = ''] = a.split(':');
        return `${iamPrefix[prefix] ?? prefix}:${op}`;
      })
      .filter((a) => !covered.has(a));
    assert.deepEqual(missing, [], 'every port operation has a conformance case');
    // AssumeRoleWithWebIdentity is the credentials' (IRSA), outside the ports.
    assert.ok(covered.has('sts:AssumeRoleWithWebIdentity'));
  });

  for (const c of cases) {
    test(`${c.service}:${c.op}: its answer and its errors match the model`, async () => {
      const model = models[c.service];
      const operation = model.operations[c.op];
      assert.ok(operation, `the ${c.service} model has ${c.op}`);
      const { client, raw } = clients[c.service];
      await client.send(c.ok());
      const answer = raw.last!;
      assert.ok(answer.status >= 200 && answer.status < 300, `${c.op} answered ${answer.status}: ${answer.body}`);
      let problems: string[] = [];
      if (operation.output) {
        if (answer.body.trimStart().startsWith('<')) {
          const doc = parseXml(answer.body);
          const response = doc.children[0]!;
          assert.equal(response.name, `${c.op}Response`);
          const result = response.children.find((n) => n.name === (operation.output!.resultWrapper ?? `${c.op}Result`));
          assert.ok(result, `<${operation.output.resultWrapper}> in ${c.op}'s answer`);
          problems = validateXml(model, operation.output.shape, result);
        } else {
          problems = validateJson(model, operation.output.shape, JSON.parse(answer.body || '{}'));
        }
      }
      assert.deepEqual(problems, [], `${c.op}'s answer against ${operation.output?.shape}`);

      const allowed = new Set([
        ...errorCodes(model, c.op),
        ...(operation.errors ?? []).map((e) => e.shape),
        ...COMMON_ERRORS,
      ]);
      for (const e of c.errors ?? []) {
        raw.last = undefined;
        await assert.rejects(client.send(e.command()), `${c.op} with ${e.what} fails`);
        const refused = raw.last as Raw | undefined;
        assert.ok(refused, `${c.op} with ${e.what}: an answer`);
        const code = errorCodeOf(refused);
        assert.ok(
          allowed.has(code),
          `${c.op} with ${e.what} answered ${code}, which the model does not list (${[...allowed].join(', ')})`,
        );
        if (e.code) assert.equal(code, e.code, `${c.op} with ${e.what}`);
        if (e.message) assert.match(refused.body, e.message);
      }
    });
  }
});
