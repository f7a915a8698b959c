import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { rejectsWith, withSandbox } from '../support/sandbox.js';

const ROLE = 'arn:aws:iam::123456789012:role/app-role';
const EXEC = 'arn:aws:iam::123456789012:role/exec-role';

/** A Fargate task definition using every optional field the API accepts. */
function everyField(family: string): RegisterTaskDefinitionCommandInput {
  return {
    family,
    taskRoleArn: ROLE,
    executionRoleArn: EXEC,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '1 vCPU',
    memory: '2 GB',
    pidMode: 'task',
    ephemeralStorage: { sizeInGiB: 30 },
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    proxyConfiguration: {
      type: 'APPMESH',
      containerName: 'envoy',
      properties: [{ name: 'ProxyIngressPort', value: '15000' }],
    },
    volumes: [{ name: 'scratch', efsVolumeConfiguration: { fileSystemId: 'fs-12345678', rootDirectory: '/' } }],
    placementConstraints: [],
    enableFaultInjection: true,
    tags: [{ key: 'team', value: 'payments' }],
    containerDefinitions: [
      {
        name: 'app',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1',
        essential: true,
        portMappings: [{ containerPort: 8080 }],
        environment: [{ name: 'MODE', value: 'prod' }],
        secrets: [{ name: 'DB', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db' }],
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'], interval: 10, retries: 3 },
        mountPoints: [{ sourceVolume: 'scratch', containerPath: '/scratch' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/app' } },
        dependsOn: [{ containerName: 'envoy', condition: 'HEALTHY' }],
        ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }],
        readonlyRootFilesystem: true,
        user: '1000',
      },
      { name: 'envoy', image: 'envoyproxy/envoy:v1.30', essential: false, memoryReservation: 128 },
    ],
  };
}

describe('ECS task definitions in the sandbox', () => {
  let ctx: Awaited<ReturnType<typeof withSandbox>>;
  before(async () => {
    ctx = await withSandbox();
  });
  after(() => ctx.sandbox.close());

  test('registers a task definition with every optional field and returns it as ECS does', async () => {
    const input = everyField('full');
    const out = await ctx.ecs.send(new RegisterTaskDefinitionCommand(input));
    const def = out.taskDefinition!;
    assert.equal(def.taskDefinitionArn, 'arn:aws:ecs:us-east-1:123456789012:task-definition/full:1');
    assert.equal(def.revision, 1);
    assert.equal(def.status, 'ACTIVE');
    assert.equal(def.cpu, '1024', 'vCPU text is normalized to CPU units');
    assert.equal(def.memory, '2048', 'GB text is normalized to MiB');
    assert.deepEqual(def.compatibilities, ['EC2', 'FARGATE']);
    assert.ok(def.registeredAt instanceof Date);
    assert.equal(def.registeredBy, 'arn:aws:iam::123456789012:user/admin');
    const attributes = def.requiresAttributes!.map((a) => a.name);
    assert.ok(attributes.includes('com.amazonaws.ecs.capability.task-iam-role'));
    assert.ok(attributes.includes('ecs.capability.task-eni'));
    assert.ok(attributes.includes('ecs.capability.secrets.asm.environment-variables'));
    for (const field of [
      'pidMode',
      'ephemeralStorage',
      'runtimePlatform',
      'proxyConfiguration',
      'volumes',
      'enableFaultInjection',
    ] as const) {
      assert.deepEqual(def[field], input[field], `${field} round-trips`);
    }
    const [app, envoy] = def.containerDefinitions!;
    assert.deepEqual(app!.portMappings, [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]);
    assert.deepEqual(app!.healthCheck, input.containerDefinitions![0]!.healthCheck);
    assert.deepEqual(app!.dependsOn, input.containerDefinitions![0]!.dependsOn);
    assert.equal(envoy!.essential, false);
    assert.equal(envoy!.cpu, 0, 'ECS fills cpu 0 for containers without one');
    assert.deepEqual(out.tags, [{ key: 'team', value: 'payments' }]);

    const described = await ctx.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'full', include: ['TAGS'] }),
    );
    assert.deepEqual(described.taskDefinition, def);
    assert.deepEqual(described.tags, [{ key: 'team', value: 'payments' }]);
    const withoutTags = await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'full:1' }));
    assert.equal(withoutTags.tags, undefined);
  });

  test('revisions increase per family, deregistration makes a revision INACTIVE, describe by family finds the latest ACTIVE', async () => {
    const base = { family: 'rev', containerDefinitions: [{ name: 'c', image: 'busybox', memory: 64 }] };
    const r1 = await ctx.ecs.send(new RegisterTaskDefinitionCommand(base));
    const r2 = await ctx.ecs.send(new RegisterTaskDefinitionCommand({ ...base, taskRoleArn: ROLE }));
    assert.equal(r1.taskDefinition!.revision, 1);
    assert.equal(r2.taskDefinition!.revision, 2);
    const dereg = await ctx.ecs.send(
      new DeregisterTaskDefinitionCommand({ taskDefinition: r2.taskDefinition!.taskDefinitionArn }),
    );
    assert.equal(dereg.taskDefinition!.status, 'INACTIVE');
    assert.ok(dereg.taskDefinition!.deregisteredAt instanceof Date);
    const latest = await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'rev' }));
    assert.equal(latest.taskDefinition!.revision, 1);
    const inactive = await ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'rev:2' }));
    assert.equal(inactive.taskDefinition!.status, 'INACTIVE');
    const active = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'rev' }));
    assert.deepEqual(active.taskDefinitionArns, ['arn:aws:ecs:us-east-1:123456789012:task-definition/rev:1']);
    const gone = await ctx.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'rev', status: 'INACTIVE', sort: 'DESC' }),
    );
    assert.deepEqual(gone.taskDefinitionArns, ['arn:aws:ecs:us-east-1:123456789012:task-definition/rev:2']);
    // A third registration continues the numbering.
    const r3 = await ctx.ecs.send(new RegisterTaskDefinitionCommand(base));
    assert.equal(r3.taskDefinition!.revision, 3);
  });

  test('refuses invalid task definitions with ClientException and ECS wording', async () => {
    const container = { name: 'c', image: 'busybox', memory: 64 };
    const cases: Array<[string, RegisterTaskDefinitionCommandInput, RegExp]> = [
      [
        'a role that is not an IAM role ARN',
        { family: 'bad', taskRoleArn: 'arn:aws:s3:::bucket', containerDefinitions: [container] },
        /Role is not valid/,
      ],
      [
        'a role name instead of an ARN',
        { family: 'bad', executionRoleArn: 'my-role', containerDefinitions: [container] },
        /not an IAM role ARN/,
      ],
      [
        'Fargate without awsvpc',
        {
          family: 'bad',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'bridge',
          cpu: '256',
          memory: '512',
          containerDefinitions: [container],
        },
        /Fargate only supports network mode 'awsvpc'/,
      ],
      [
        'Fargate without task cpu',
        {
          family: 'bad',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          memory: '512',
          containerDefinitions: [container],
        },
        /'cpu' be defined at the task level/,
      ],
      [
        'an invalid Fargate size',
        {
          family: 'bad',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '4096',
          containerDefinitions: [container],
        },
        /No Fargate configuration exists for given values: 256 CPU, 4096 memory/,
      ],
      [
        'an EC2 container without memory',
        { family: 'bad', containerDefinitions: [{ name: 'c', image: 'busybox' }] },
        /At least one of 'memory' or 'memoryReservation'/,
      ],
      [
        'duplicate container names',
        { family: 'bad', containerDefinitions: [container, container] },
        /Duplicate container name/,
      ],
      [
        'no essential container',
        { family: 'bad', containerDefinitions: [{ ...container, essential: false }] },
        /does not have any essential container/,
      ],
      [
        'an invalid family',
        { family: 'bad family!', containerDefinitions: [container] },
        /Family 'bad family!' is not valid/,
      ],
      ['no containers', { family: 'bad', containerDefinitions: [] }, /Container list cannot be empty/],
      [
        'awsvpc with a different host port',
        {
          family: 'bad',
          networkMode: 'awsvpc',
          containerDefinitions: [{ ...container, portMappings: [{ containerPort: 80, hostPort: 81 }] }],
        },
        /host ports and container ports/,
      ],
      [
        'Fargate awslogs without an execution role',
        {
          family: 'bad',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ ...container, logConfiguration: { logDriver: 'awslogs' } }],
        },
        /execution role ARN to support log driver awslogs/,
      ],
    ];
    for (const [what, input, message] of cases) {
      const error = await rejectsWith(ctx.ecs.send(new RegisterTaskDefinitionCommand(input)), 'ClientException');
      assert.match(error.message, message, what);
    }
    const none = await ctx.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'bad' }));
    assert.deepEqual(none.taskDefinitionArns, [], 'nothing was registered');
  });

  test('describing or deregistering what does not exist fails as ECS does', async () => {
    const missing = await rejectsWith(
      ctx.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:1' })),
      'ClientException',
    );
    assert.match(missing.message, /Unable to describe task definition/);
    await rejectsWith(
      ctx.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'nope:1' })),
      'ClientException',
    );
    await rejectsWith(
      ctx.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'full' })),
      'InvalidParameterException',
    );
  });
});
