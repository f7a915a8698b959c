/**
 * The fault modules' contract, for every fault the engine drives: the change is a pure transform
 * of a faithful copy that touches only the fault's declared fields, and the module recognises its
 * change afterwards (on the chaos revision, and on someone's revision cloned from it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { loadExperimentSpec } from '../../src/config/load.js';
import { FAULTS, type ExperimentSpec, type FaultName } from '../../src/config/spec.js';
import { faultModule } from '../../src/faults/registry.js';
import {
  copyTaskDefinition,
  diffValues,
  READ_ONLY_TASK_DEFINITION_FIELDS,
} from '../../src/faults/task-definition-copy.js';

const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

/** A task definition as DescribeTaskDefinition answers it, using many optional fields. */
const ORIGINAL: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/full:7',
  family: 'full',
  revision: 7,
  status: 'ACTIVE',
  taskRoleArn: ROLE('orders-task-role'),
  executionRoleArn: ROLE('ecsTaskExecutionRole'),
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.task-iam-role' }],
  cpu: '512',
  memory: '1024',
  pidMode: 'task',
  ipcMode: 'none',
  ephemeralStorage: { sizeInGiB: 50 },
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  proxyConfiguration: { type: 'APPMESH', containerName: 'envoy', properties: [{ name: 'IgnoredUID', value: '1337' }] },
  volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-1', transitEncryption: 'ENABLED' } }],
  placementConstraints: [],
  enableFaultInjection: true,
  registeredAt: new Date('2026-11-01T00:00:00Z'),
  registeredBy: ROLE('deployer'),
  containerDefinitions: [
    {
      name: 'app',
      image: 'app:1',
      cpu: 256,
      memory: 512,
      portMappings: [{ containerPort: 8080, name: 'http', appProtocol: 'http' }],
      environment: [{ name: 'A', value: '1' }],
      secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/s' }],
      linuxParameters: { initProcessEnabled: true },
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
      healthCheck: { command: ['CMD', 'true'], interval: 5 },
      dockerLabels: { tier: 'web' },
      dependsOn: [{ containerName: 'envoy', condition: 'HEALTHY' }],
      startTimeout: 60,
      stopTimeout: 20,
    },
    { name: 'envoy', image: 'envoy:1', essential: false, memoryReservation: 64 },
  ],
};

/** Per fault: the spec of a run that changes something on {@link ORIGINAL}. */
const TARGET = { cluster: 'prod', service: 'orders', region: 'us-east-1' };
const SPECS: Record<FaultName, () => ExperimentSpec> = {
  'update-task-role': () =>
    loadExperimentSpec({
      flags: { cluster: 'prod', service: 'orders', region: 'us-east-1', taskRole: ROLE('orders-chaos-role') },
      env: {},
      fault: 'update-task-role',
    }),
  'update-execution-role': () =>
    loadExperimentSpec({
      flags: TARGET,
      env: { EXECUTION_ROLE: ROLE('orders-chaos-execution') },
      fault: 'update-execution-role',
    }),
  'update-container-resource-limit': () =>
    loadExperimentSpec({
      flags: TARGET,
      env: { CPU_LIMIT: '128', MEMORY_LIMIT: '256' },
      fault: 'update-container-resource-limit',
    }),
  'update-container-timeout': () =>
    loadExperimentSpec({
      flags: TARGET,
      env: { START_TIMEOUT: '5', STOP_TIMEOUT: '2' },
      fault: 'update-container-timeout',
    }),
  'invalid-container-image': () => loadExperimentSpec({ flags: TARGET, env: {}, fault: 'invalid-container-image' }),
  'task-stop': () => loadExperimentSpec({ flags: TARGET, env: { TASK_COUNT: '1' }, fault: 'task-stop' }),
  'deny-task-permissions': () =>
    loadExperimentSpec({ flags: TARGET, env: { DENY_ACTIONS: 's3:PutObject' }, fault: 'deny-task-permissions' }),
};

describe('every fault module', () => {
  test('the copy it starts from is the original minus the fields ECS computes', () => {
    const copy = copyTaskDefinition(ORIGINAL) as unknown as Record<string, unknown>;
    for (const f of READ_ONLY_TASK_DEFINITION_FIELDS) assert.ok(!(f in copy), `${f} is dropped`);
    const kept = Object.keys(ORIGINAL).filter(
      (k) => !(READ_ONLY_TASK_DEFINITION_FIELDS as readonly string[]).includes(k),
    );
    assert.deepEqual(Object.keys(copy).sort(), kept.sort());
    assert.deepEqual(diffValues(copy.containerDefinitions, ORIGINAL.containerDefinitions), []);
  });

  for (const name of FAULTS) {
    const module = faultModule(name);
    // Episode faults change no task definition: the faithful-copy property is the task-definition faults'.
    if (module.kind !== 'task-definition') continue;
    const fault = module;
    const spec = SPECS[name]();

    test(`${name}: only its declared fields change, and the original is not touched`, () => {
      const before = structuredClone(ORIGINAL);
      const copy = copyTaskDefinition(ORIGINAL);
      const chaos = fault.apply(copyTaskDefinition(ORIGINAL), spec);
      const changes = diffValues(copy, chaos);
      assert.ok(changes.length > 0, 'the fault changes something');
      for (const c of changes)
        assert.ok(
          fault.changedFields.some((re) => re.test(c.path)),
          `${c.path} changed (${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)})`,
        );
      assert.deepEqual(ORIGINAL, before, 'apply is pure');
    });

    test(`${name}: recognises its change on the chaos revision and on a clone of it, not on the original`, () => {
      const chaos = { ...fault.apply(copyTaskDefinition(ORIGINAL), spec), revision: 8 } as TaskDefinition;
      assert.equal(fault.verifyRegistered(chaos, spec), undefined);
      assert.notEqual(fault.verifyRegistered(ORIGINAL, spec), undefined, 'the original does not carry it');
      assert.equal(fault.carries(chaos, ORIGINAL, chaos), true);
      const clone = structuredClone(chaos);
      clone.containerDefinitions![0]!.image = 'app:2';
      assert.equal(fault.carries(clone, ORIGINAL, chaos), true, "someone's deploy cloned from the chaos revision");
      assert.equal(fault.carries(ORIGINAL, ORIGINAL, chaos), false);
      assert.match(fault.describe(ORIGINAL, spec), /->/);
    });
  }
});
